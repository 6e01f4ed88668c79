"""The appc spec v0.8.11 rules for every manifest field rkt checks (module_utils/appc_*.py), each
case naming the upstream function it follows (appc schema/types/*.go as vendored by rkt 1.30.0,
coreos/go-semver). SPEC marks the cases where the module follows the spec's text and is stricter
than rkt's code (docs/image-trust.md lists them); every other verdict is rkt's own, checked
against the vendored appc code built with Go 1.19."""

import json

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci

BASE = {"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/app"}
APP = {"exec": ["/bin/app"], "user": "0", "group": "0"}


def check(**fields):
    return aci.check_manifest(json.dumps({**BASE, **fields}).encode())


def with_app(**fields):
    return check(app={**APP, **fields})


def isolator(name, value):
    return with_app(isolators=[{"name": name, "value": value}])


def accepted_or(reason, make):
    """None: rkt accepts; else the refusal must match `reason`."""
    if reason is None:
        make()
        return
    with pytest.raises(aci.ImageError, match=reason):
        make()


# coreos/go-semver NewVersion, appc types/semver.go NewSemVer (zero is refused), spec semver.org
SEMVERS = [
    ("0.8.11", None),
    ("1.0.0-rc.1+build.5", None),
    ("0.0.0-alpha", None),
    ("0.0.0+meta", None),
    ("0.0.0", "SemVer cannot be zero"),
    ("0.8", "not in dotted-tri format"),
    ("1.2.3.4", "64-bit decimal integer"),
    ("9223372036854775808.0.0", "64-bit decimal integer"),
    ("01.0.0", "SemVer 2.0.0"),  # SPEC: go-semver accepts leading zeros
    ("1.0.0-01", "SemVer 2.0.0"),  # SPEC
    ("1.0.0-", "SemVer 2.0.0"),  # SPEC: an empty pre-release
    ("1.0.0+", "SemVer 2.0.0"),  # SPEC
    ("1.0.0-a b", "SemVer 2.0.0"),  # SPEC
    ("1.0.0\n", "64-bit decimal integer"),
]


@pytest.mark.parametrize(("version", "reason"), SEMVERS, ids=[repr(v) for v, why in SEMVERS])
def test_semver_NewSemVer_and_the_spec(version, reason):
    accepted_or(reason, lambda: check(acVersion=version))


# types/acidentifier.go assertValid (rkt) and ValidACIdentifier (spec regex)
IDENTIFIERS = [
    ("example.com/app", None),
    ("a", None),
    ("example.com/~user/app_v1", None),
    ("", "ACIdentifier cannot be empty"),
    ("Example.com", "only lower case"),
    ("example.com/app\n", "only lower case"),
    ("example.com/app ", "only lower case"),
    ("example.com/app\u0000", "only lower case"),
    ("ex\u00e4mple.com", "only lower case"),
    ("example.com/", "start and end"),
    ("-example", "start and end"),
    ("example..com", None),  # rkt's assertValid, not the spec's regex (see _identifier_problem)
    ("example.com//app", None),
]


@pytest.mark.parametrize(("name", "reason"), IDENTIFIERS, ids=[repr(n) for n, why in IDENTIFIERS])
def test_acidentifier_assertValid_no_trailing_characters_of_any_kind(name, reason):
    accepted_or(reason, lambda: check(name=name))


# types/acname.go (port and mount point names)
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("http", None),
        ("a-1", None),
        ("a--b", None),
        ("", "ACName cannot be empty"),
        ("a.b", "only lower case"),
        ("a-", "start and end"),
    ],
)
def test_acname_assertValid_for_ports_and_mount_points(name, reason):
    accepted_or(reason, lambda: with_app(ports=[{"name": name, "protocol": "tcp", "port": 80}]))
    accepted_or(reason, lambda: with_app(mountPoints=[{"name": name, "path": "/data"}]))


VALID_PAIRS = [(os_name, arch) for os_name, archs in aci.VALID_OS_ARCH.items() for arch in archs]


@pytest.mark.parametrize(("os_name", "arch"), VALID_PAIRS)
def test_labels_IsValidOSArch_accepts_each_listed_pair(os_name, arch):
    check(labels=[{"name": "os", "value": os_name}, {"name": "arch", "value": arch}])


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        ([{"name": "os", "value": "windows"}], "bad os 'windows'"),
        ([{"name": "os", "value": "Linux"}], "bad os 'Linux'"),
        ([{"name": "os", "value": "linux"}, {"name": "arch", "value": "x86_64"}], "bad arch 'x86_64' for linux"),
        ([{"name": "os", "value": "darwin"}, {"name": "arch", "value": "amd64"}], "bad arch 'amd64' for darwin"),
        ([{"name": "arch", "value": "anything"}], None),  # labels.go: arch is checked only with os
        ([{"name": "name", "value": "x"}], "label 'name' is not allowed"),
        ([{"name": "os", "value": "linux"}] * 2, "label 'os' appears twice"),
        ([{"value": "x"}], "has no name"),  # SPEC: rkt takes a missing name as empty
        ([{"name": "version"}], "has no string value"),  # SPEC
    ],
    ids=[
        "unknown os",
        "os case",
        "arch for linux",
        "arch for darwin",
        "arch alone",
        "name",
        "twice",
        "no name",
        "no value",
    ],
)
def test_labels_assertValid(labels, reason):
    accepted_or(reason, lambda: check(labels=labels))


@pytest.mark.parametrize(
    ("app", "reason"),
    [
        ({"user": "0", "group": "0"}, None),
        ({"exec": ["app", "--flag"], "user": "0", "group": "0"}, None),  # exec.go: no rule in v0.8.11
        ({"exec": ["/bin/app"], "group": "0"}, "user is required"),
        ({"exec": ["/bin/app"], "user": "", "group": "0"}, "user is required"),
        ({"exec": ["/bin/app"], "user": "0"}, "group is required"),
        ({**APP, "workingDirectory": "srv"}, "workingDirectory must be an absolute path"),
        ({**APP, "workingDirectory": "/srv"}, None),
        ({**APP, "eventHandlers": [{"name": "pre-start", "exec": ["/x"]}] * 2}, "only one eventHandler"),
        ({**APP, "eventHandlers": [{"name": "on-start", "exec": ["/x"]}]}, "bad eventHandler name"),
        ({**APP, "environment": [{"name": "PATH", "value": "/bin"}, {"name": "PATH", "value": "/"}]}, "duplicate"),
        ({**APP, "environment": [{"name": "1X", "value": ""}]}, "valid identifier"),
        ({**APP, "environment": [{"name": "A.b-c_1", "value": ""}]}, None),
        ({**APP, "environment": [{"name": "A\n", "value": ""}]}, "valid identifier"),
        ({**APP, "ports": [{"name": "p", "port": 0}]}, "port must be in 1-65535 range"),
        ({**APP, "ports": [{"name": "p", "port": 65535, "count": 2}]}, "end of port range"),
        ({**APP, "ports": [{"name": "p", "port": 1, "count": 18446744073709551615}]}, None),  # uint wraps in Go
        ({**APP, "supplementaryGIDs": [1.5]}, "cannot unmarshal number"),
    ],
    ids=[
        "no exec",
        "relative exec",
        "no user",
        "empty user",
        "no group",
        "relative workingDirectory",
        "absolute workingDirectory",
        "two pre-start handlers",
        "unknown handler",
        "duplicate environment",
        "environment name",
        "environment dots and dashes",
        "environment newline",
        "port 0",
        "port range",
        "port count wraps",
        "fractional gid",
    ],
)
def test_app_assertValid(app, reason):
    accepted_or(reason, lambda: check(app=app))


QUANTITIES = [
    ("500m", None),
    ("1Gi", None),
    ("1.5Ki", None),
    ("1e3", None),
    ("+", None),
    (".", None),
    (" 100 ", None),
    (100, None),
    ("", "quantities must match"),
    ("1K", "suffix"),
    ("1e", "suffix"),
    ("1.2.3", "quantities must match"),
    ("ten", "quantities must match"),
    (".e-20", "numeric part"),
    ("1e-100000000", "minutes to hours"),  # module: rkt spins rounding 10^N (appc ParseQuantity)
    (True, "quantities must match"),
]


@pytest.mark.parametrize(("limit", "reason"), QUANTITIES, ids=[repr(q) for q, why in QUANTITIES])
def test_resource_ParseQuantity(limit, reason):
    accepted_or(reason, lambda: isolator("resource/memory", {"limit": limit}))


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("resource/cpu", {"request": "250m", "limit": "1"}, None),
        ("resource/cpu", {"default": True, "limit": "1"}, "default must be false"),
        ("resource/network-bandwidth", {"default": True, "limit": "1M"}, None),
        ("resource/network-bandwidth", {"limit": "1M"}, "default must be true"),
        ("resource/block-iops", {"default": True, "request": "1"}, "request not supported"),
        ("os/linux/capabilities-retain-set", {"set": ["CAP_NET_BIND_SERVICE"]}, None),
        ("os/linux/capabilities-remove-set", {"set": []}, "set must be non-empty"),
        ("os/linux/no-new-privileges", True, None),
        ("os/linux/no-new-privileges", "yes", "cannot unmarshal string"),
        ("os/linux/seccomp-retain-set", {"set": ["@rkt/default-whitelist"], "errno": "ENOSYS"}, None),
        ("os/linux/seccomp-remove-set", {"set": ["reboot"], "errno": "eperm"}, "errno must start"),
        ("os/linux/oom-score-adj", 1000, None),
        ("os/linux/oom-score-adj", -1001, "between -1000 and 1000"),
        ("os/linux/cpu-shares", 1, "between 2 and 262144"),
        ("os/linux/cpu-shares", 2.0, "cannot unmarshal number"),
        ("os/linux/selinux-context", {"user": "u", "role": "r", "type": "t", "level": "s0"}, None),
        ("os/linux/selinux-context", {"user": "u:x", "role": "r", "type": "t", "level": "s0"}, "invalid user"),
        ("os/unix/sysctl", {"net.ipv4.ip_forward": "1"}, None),
        ("os/unix/sysctl", {"net.ipv4.ip_forward": 1}, "cannot unmarshal number"),
        ("os/linux/cpu-quota", 1, "invalid isolator"),
        ("resource/memory", None, "has no value"),  # rkt 1.30 dereferences a nil pointer
    ],
)
def test_isolator_UnmarshalJSON_and_AssertValid(name, value, reason):
    accepted_or(reason, lambda: isolator(name, value))


def test_isolators_assertValid_counts_and_conflicts():
    twice = [{"name": "os/linux/cpu-shares", "value": 512}] * 2
    with pytest.raises(aci.ImageError, match="too many instances of type os/linux/cpu-shares"):
        with_app(isolators=twice)
    with_app(isolators=[{"name": "resource/cpu", "value": {"limit": "1"}}] * 2)
    both = [
        {"name": "os/linux/seccomp-retain-set", "value": {"set": ["read"]}},
        {"name": "os/linux/seccomp-remove-set", "value": {"set": ["reboot"]}},
    ]
    with pytest.raises(aci.ImageError, match="incompatible types"):
        with_app(isolators=both)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("created", "2018-04-10T12:00:00Z", None),
        ("created", "2018-04-10T2:00:00.5+02:00", None),  # Go 1.19 time.Parse: one-digit hour, any fraction
        ("created", "2018-04-10T12:00:00,5-07:00", None),
        ("created", "2020-02-29T00:00:00Z", None),
        ("created", "2021-02-29T00:00:00Z", "day out of range"),
        ("created", "2018-04-10 12:00:00Z", "does not match"),
        ("created", "2018-04-10T24:00:00Z", "out of range"),
        ("homepage", "https://example.com/app", None),
        ("homepage", "HTTP://example.com", None),
        ("homepage", "http:opaque", None),
        ("homepage", "ftp://example.com", "bad URL scheme"),
        ("homepage", "example.com", "bad URL scheme"),
        ("documentation", "http://exa mple.com/", "invalid character ' ' in host name"),
        ("documentation", "http://example.com:http/", "invalid port"),
        ("documentation", "http://example.com/%zz", "invalid URL escape"),
        ("documentation", "http://example.com/\u0001", "invalid control character"),
        ("other", "anything", None),
    ],
)
def test_annotations_assertValid_date_and_url(name, value, reason):
    accepted_or(reason, lambda: check(annotations=[{"name": name, "value": value}]))


@pytest.mark.parametrize(
    ("dependency", "reason"),
    [
        ({"imageName": "example.com/base"}, None),
        ({"imageName": "example.com/base", "imageID": "sha512-abc", "size": 10}, None),
        ({"imageID": "sha512-abc"}, "imageName cannot be empty"),
        ({"imageName": "example.com/base", "imageID": "sha256-abc"}, "not a hash"),
        ({"imageName": "example.com/base", "imageID": "sha512-a-b"}, "not a hash"),
        ({"imageName": "example.com/base", "labels": [{"name": "os", "value": "plan9"}]}, "bad os"),
    ],
    ids=["name only", "id and size", "no name", "sha256", "two dashes", "labels checked"],
)
def test_dependency_UnmarshalJSON(dependency, reason):
    accepted_or(reason, lambda: check(dependencies=[dependency]))

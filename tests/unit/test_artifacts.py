"""Resolution of the artifacts table: URLs, mirror paths, checksums, the mirror override."""

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.rktnetes.cluster.plugins.module_utils import artifacts

ROOT = Path(__file__).resolve().parents[2]
TABLE_FILE = ROOT / "roles" / "artifacts" / "vars" / "main.yml"
CATALOG = yaml.safe_load(TABLE_FILE.read_text())["artifacts_catalog"]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "artifacts" / "defaults" / "main.yml").read_text())
VERSIONS = {"kubernetes": "v1.10.13", "rkt": "1.30.0", "etcd": "3.4.13", "cni_plugins": "1.1.1", "coredns": "1.1.3"}
ETCD_SUM = "sha256:" + "ab" * 32


def test_default_versions_are_pinned_for_amd64():
    result = artifacts.plan(CATALOG, VERSIONS, ["amd64"], stage1_flavor="coreos")
    assert result["problems"] == []
    expected = ["cni_plugins", "coredns", "etcd", "kubernetes", "rkt", "rkt_signing_key", "rkt_stage1_coreos_signature"]
    assert result["problems"] == []
    assert sorted(result["artifacts"]) == [f"{name}/amd64" for name in expected]


def test_stage1_host_comes_only_from_a_mirror():
    result = artifacts.plan(CATALOG, VERSIONS, ["amd64"], stage1_flavor="host")
    assert result["problems"][0].startswith("rkt_stage1_host is not published upstream: build it yourself")
    sums = "ab" * 32 + "  rkt/v1.30.0/stage1-host-1.30.0-linux-amd64.aci\n"
    mirrored = artifacts.plan(CATALOG, VERSIONS, ["amd64"], None, "/m", sums, "/m/SHA256SUMS", "host")
    assert mirrored["problems"] == []
    assert (
        mirrored["artifacts"]["rkt_stage1_host/amd64"]["source"] == "/m/rkt/v1.30.0/stage1-host-1.30.0-linux-amd64.aci"
    )


def test_role_defaults_choose_the_versions_this_test_checks():
    """The artifacts role reads rktnetes_<component>_version, which the rktnetes role defaults."""
    cluster = yaml.safe_load((ROOT / "roles" / "rktnetes" / "defaults" / "main.yml").read_text())
    for component, version in VERSIONS.items():
        assert DEFAULTS["artifacts_versions"][component] == f"{{{{ rktnetes_{component}_version }}}}"
        assert cluster[f"rktnetes_{component}_version"] == version


def test_every_pinned_checksum_parses_and_every_version_cites_a_source():
    lines = TABLE_FILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r'^\s+"[0-9.]+":$', line):
            above = lines[max(0, number - 3) : number]
            assert any(text.strip().startswith("#") for text in above), f"no source comment above {line.strip()}"
    for name, entry in CATALOG.items():
        for version, per_arch in (entry.get("checksums") or {}).items():
            assert isinstance(version, str), f"{name}: quote version {version!r}"
            for arch, checksum in per_arch.items():
                artifacts.parse_checksum(checksum)
                assert arch in ("amd64", "arm64")


def test_versions_are_listed_newest_first():
    def key(version):
        return tuple(int(part) for part in version.split("."))

    for name, entry in CATALOG.items():
        versions = list(entry.get("checksums") or {})
        assert versions == sorted(versions, key=key, reverse=True), name


def test_upstream_url_mirror_path_and_files():
    entry = artifacts.resolve(CATALOG, "etcd", "v3.4.13", "amd64")
    assert entry["url"] == "https://github.com/etcd-io/etcd/releases/download/v3.4.13/etcd-v3.4.13-linux-amd64.tar.gz"
    assert entry["source"] == entry["url"]
    assert entry["mirror_path"] == "etcd/v3.4.13/etcd-v3.4.13-linux-amd64.tar.gz"
    assert entry["files"] == {"etcd": "etcd-v3.4.13-linux-amd64/etcd", "etcdctl": "etcd-v3.4.13-linux-amd64/etcdctl"}
    assert entry["checksum"].startswith("sha256:2ac029e4")
    assert entry["checksum_source"] == "table"
    assert entry["cache_file"] == "etcd/3.4.13/amd64/etcd-v3.4.13-linux-amd64.tar.gz"


def test_kubernetes_accepts_the_leading_v_and_uses_sha512():
    assert artifacts.resolve(CATALOG, "kubernetes", "1.10.13", "amd64") == artifacts.resolve(
        CATALOG, "kubernetes", "v1.10.13", "amd64"
    )
    assert artifacts.resolve(CATALOG, "kubernetes", "v1.10.13", "amd64")["checksum"].startswith("sha512:6ece2865")


@pytest.mark.parametrize(
    "mirror", ["/srv/mirror", "/srv/mirror/", "https://mirror.example/rkt", "http://10.0.0.1:8080/m/"]
)
def test_a_mirror_replaces_only_the_source(mirror):
    upstream = artifacts.resolve(CATALOG, "cni_plugins", "1.1.1", "arm64")
    mirrored = artifacts.resolve(CATALOG, "cni_plugins", "1.1.1", "arm64", mirror)
    assert mirrored["source"] == mirror.rstrip("/") + "/cni-plugins/v1.1.1/cni-plugins-linux-arm64-v1.1.1.tgz"
    assert {k: v for k, v in mirrored.items() if k != "source"} == {k: v for k, v in upstream.items() if k != "source"}


def test_unpinned_version_is_a_problem_naming_the_variable_and_mirror_path():
    result = artifacts.plan(CATALOG, {**VERSIONS, "etcd": "3.4.99"}, ["amd64"], ["etcd"])
    assert result["artifacts"] == {}
    (problem,) = result["problems"]
    assert problem.startswith("rktnetes_etcd_version: no pinned checksum for etcd 3.4.99 (linux/amd64)")
    assert "3.4.13" in problem and "etcd/v3.4.99/etcd-v3.4.99-linux-amd64.tar.gz" in problem


def test_mirror_checksum_file_covers_versions_the_table_lacks():
    sums = f"{ETCD_SUM[7:]}  ./etcd/v3.4.23-debian/etcd-v3.4.23-debian-linux-amd64.tar.gz\n"
    result = artifacts.plan(CATALOG, {"etcd": "3.4.23-debian"}, ["amd64"], ["etcd"], "/m", sums, "/m/SHA256SUMS")
    assert result["problems"] == []
    entry = result["artifacts"]["etcd/amd64"]
    assert (entry["checksum"], entry["checksum_source"]) == (ETCD_SUM, "mirror")


def test_pinned_checksum_wins_over_the_mirror_file():
    sums = f"{ETCD_SUM[7:]} *etcd/v3.4.13/etcd-v3.4.13-linux-amd64.tar.gz\n"
    entry = artifacts.plan(CATALOG, {"etcd": "3.4.13"}, ["amd64"], ["etcd"], "/m", sums)["artifacts"]["etcd/amd64"]
    assert entry["checksum_source"] == "table" and entry["checksum"] != ETCD_SUM


def test_mirror_file_without_the_mirror_setting_is_still_only_for_missing_versions():
    sums = "\n# comment\n" + "cd" * 64 + "  kubernetes/v1.10.99/kubernetes-server-linux-amd64.tar.gz\n"
    result = artifacts.plan(CATALOG, {"kubernetes": "v1.10.99"}, ["amd64"], ["kubernetes"], "", sums)
    assert result["artifacts"]["kubernetes/amd64"]["checksum"] == "sha512:" + "cd" * 64


@pytest.mark.parametrize("line", ["abc  file", "zz" * 32 + "  file", "ab" * 32])
def test_bad_mirror_checksum_line_names_the_file_and_line(line):
    result = artifacts.plan(CATALOG, VERSIONS, ["amd64"], ["etcd"], "/m", "\n" + line, "/m/SHA256SUMS")
    assert "artifacts_mirror_checksums (/m/SHA256SUMS) line 2" in result["problems"][0]


def test_rkt_has_no_arm64_build():
    result = artifacts.plan(CATALOG, VERSIONS, ["arm64"], ["rkt", "etcd"])
    assert list(result["artifacts"]) == ["etcd/arm64"]
    assert result["problems"] == [
        "rkt is built upstream only for amd64, not arm64: set rktnetes_arch for those hosts to a supported "
        "architecture or put a build of your own in a mirror"
    ]


def test_signatures_have_no_checksum_and_say_why():
    entry = artifacts.resolve(CATALOG, "rkt_stage1_coreos_signature", "1.30.0", "amd64")
    assert entry["checksum"] is None and entry["checksum_source"] == "openpgp"
    assert entry["url"].endswith("/v1.30.0/stage1-coreos-1.30.0-linux-amd64.aci.asc")
    assert entry["archive"] is False


@pytest.mark.parametrize(
    ("versions", "names", "expected"),
    [
        ({}, ["etcd"], "rktnetes_etcd_version: no version chosen for etcd"),
        ({"etcd": ""}, ["etcd"], "rktnetes_etcd_version: empty version"),
        ({"kubernetes": 1.1}, ["kubernetes"], "rktnetes_kubernetes_version: no pinned checksum for kubernetes 1.1"),
        (VERSIONS, ["flannel"], "artifacts table has no artifact 'flannel'"),
    ],
)
def test_bad_versions_and_names_are_problems(versions, names, expected):
    assert artifacts.plan(CATALOG, versions, ["amd64"], names)["problems"][0].startswith(expected)


@pytest.mark.parametrize("text", ["sha256:abc", "md5:" + "a" * 32, "sha512:" + "a" * 64, "a" * 64])
def test_malformed_checksums_are_refused(text):
    with pytest.raises(artifacts.ArtifactError):
        artifacts.parse_checksum(text)


def test_an_image_is_pinned_by_its_manifest_digest_and_pulled_by_its_tag():
    result = artifacts.plan(CATALOG, VERSIONS, ["amd64"], ["coredns"])
    entry = result["artifacts"]["coredns/amd64"]
    assert entry["kind"] == "image" and not entry["archive"] and entry["files"] == {}
    assert entry["url"] == "docker://registry.k8s.io/coredns:1.1.3"
    digest = "sha256:ab8aec91742937058f6b307efbd411ba8b49c5392a757431b00fda4bdd4fa588"
    assert entry["checksum"] == digest
    assert artifacts.image_reference(entry) == "registry.k8s.io/coredns:1.1.3"
    assert artifacts.image_reference(entry, by_digest=True) == f"registry.k8s.io/coredns@{digest}"
    assert artifacts.image_reference(entry, "10.0.0.5:5000/") == "10.0.0.5:5000/coredns:1.1.3"
    short = dict(entry, repository="coredns/coredns")
    assert artifacts.image_reference(short, by_digest=True) == f"docker.io/coredns/coredns@{digest}"


def test_an_image_of_your_own_is_vouched_for_by_the_mirror_checksum_file():
    sums = "cd" * 32 + "  images/coredns/1.2.2-local/manifest.json\n"
    versions = {**VERSIONS, "coredns": "1.2.2-local"}
    unpinned = artifacts.plan(CATALOG, versions, ["amd64"], ["coredns"])
    assert unpinned["problems"][0].startswith("rktnetes_coredns_version: no pinned checksum for coredns 1.2.2-local")
    mirrored = artifacts.plan(CATALOG, versions, ["amd64"], ["coredns"], "/m", sums, "/m/SHA256SUMS")
    assert mirrored["artifacts"]["coredns/amd64"]["checksum"] == "sha256:" + "cd" * 32

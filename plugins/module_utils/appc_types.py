# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The appc schema types an image manifest names itself and its labels with, as appc spec
v0.8.11's schema/types/*.go (vendored by rkt 1.30.0) decode and check them: AC Identifier and AC
Name (acidentifier.go, acname.go), AC Kind, AC Version (semver.go, with coreos/go-semver), labels
and the os/arch pairs (labels.go), annotations with their dates (date.go, Go's time.Parse) and
URLs (url.go, Go's net/url), and image hashes (hash.go).

Where the spec is stricter than rkt (semver.org syntax, labels and annotations without a value),
the refusal says so."""

from __future__ import annotations

import calendar
import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_json import (
    INT64_MAX,
    manifest_at,
    scalar_field,
    go_slice,
    go_string,
    go_struct,
)

# semver.org 2.0.0 (spec/types.md AC Version Type)
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z",
    re.ASCII,
)
# schema/types/labels.go ValidOSArch
VALID_OS_ARCH = {
    "linux": ("amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64", "ppc64le", "s390x"),
    "freebsd": ("amd64", "i386", "arm"),
    "darwin": ("x86_64", "i386"),
}


def _identifier_problem(text, separators, kind):
    """acidentifier.go/acname.go assertValid: not empty, only [a-z0-9] and the separators, and
    no separator at either end. rkt does not use the spec's stricter regex (ValidACIdentifier),
    which would refuse the spec's own example "example.com/~user/app_v1"."""
    if not text:
        return f"{kind} cannot be empty"
    if re.search(f"[^a-z0-9{re.escape(separators)}]", text):
        return f"{kind} must contain only lower case alphanumeric characters plus {separators!r}"
    if text[0] in separators or text[-1] in separators:
        return f"{kind} must start and end with only lower case alphanumeric characters"
    return None


def ac_identifier_problem(text):
    return _identifier_problem(text, "-._~/", "ACIdentifier")


def is_ac_identifier(text):
    return isinstance(text, str) and ac_identifier_problem(text) is None


def checked_string(node, where, problem_of, what):
    """A JSON string that `problem_of` finds nothing wrong with, else ImageError naming the field."""
    text = go_string(node, where)
    problem = problem_of(text)
    if problem:
        raise ImageError(f"{manifest_at(where)} {text!r} is not {what}: {problem}")
    return text


def ac_identifier(node, where, _existing=None):
    return checked_string(node, where, ac_identifier_problem, "an AC Identifier")


def ac_name(node, where, _existing=None):
    return checked_string(node, where, lambda text: _identifier_problem(text, "-", "ACName"), "an AC Name")


def semver_problem(text):
    """coreos/go-semver NewVersion as vendored by rkt, appc's NewSemVer zero rule, then the
    semver.org syntax the spec requires (stricter: leading zeros, empty or odd pre-releases)."""
    core, _plus, metadata = text.partition("+")
    core, _dash, prerelease = core.partition("-")
    parts = core.split(".", 2)
    if len(parts) != 3:
        return f"{core!r} is not in dotted-tri format"
    if not all(re.fullmatch(r"[0-9]+", part) and int(part) <= INT64_MAX for part in parts):
        return "a version number is not a 64-bit decimal integer"
    if not any(int(part) for part in parts) and not prerelease and not metadata:
        return "SemVer cannot be zero"
    if not SEMVER.match(text):
        return "not a SemVer 2.0.0 version (the appc spec's rule; rkt 1.30 would accept it)"
    return None


def semver(node, where, _existing=None):
    return checked_string(node, where, semver_problem, "a semantic version")


def ac_kind(node, where, _existing=None):
    text = go_string(node, where)
    if text not in ("ImageManifest", "PodManifest"):
        raise ImageError(f"{manifest_at(where)} is {text!r}: " + ("ACKind must be set" if not text else "bad ACKind"))
    return text


def _named_pairs(kind, entry_fields):
    """Labels and annotations: a list of {name, value}; the spec requires both keys (rkt takes
    a missing one as empty)."""

    def entry(node, where):
        decoded = go_struct(node, where, entry_fields)
        if "name" not in decoded or decoded.nodes["name"].kind == "null":
            raise ImageError(f"{manifest_at(where)} has no name (the appc spec requires one)")
        if decoded.nodes.get("value") is None or decoded.nodes["value"].kind != "string":
            raise ImageError(
                f"{manifest_at(where)} {decoded['name']!r} has no string value (the appc spec requires one)"
            )
        return decoded

    entry.__name__ = kind
    return go_slice(entry)


_label_list = _named_pairs("Label", {"name": ac_identifier, "value": scalar_field(go_string)})


def check_os_arch(labels, where):
    """schema/types/labels.go IsValidOSArch: a known os, and for it a known arch if any."""
    os_name = labels.get("os")
    if os_name is None:
        return
    if os_name not in VALID_OS_ARCH:
        raise ImageError(
            f"{manifest_at(where)}: bad os {os_name!r} (must be one of: {', '.join(sorted(VALID_OS_ARCH))})"
        )
    arch = labels.get("arch")
    if arch is not None and arch not in VALID_OS_ARCH[os_name]:
        valid = ", ".join(VALID_OS_ARCH[os_name])
        raise ImageError(f"{manifest_at(where)}: bad arch {arch!r} for {os_name} (must be one of: {valid})")


def labels(node, where, _existing=None):
    """schema/types/labels.go Labels.UnmarshalJSON/assertValid."""
    items = _label_list(node, where) or []
    seen = {}
    for item in items:
        if item["name"] == "name":
            raise ImageError(f"{manifest_at(where)}: label 'name' is not allowed (the image name is its own field)")
        if item["name"] in seen:
            raise ImageError(f"{manifest_at(where)}: label {item['name']!r} appears twice")
        seen[item["name"]] = item.get("value", "")
    check_os_arch(seen, where)
    return [{"name": item["name"], "value": item.get("value", "")} for item in items]


_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:[.,][0-9]+)?"
    r"(?:Z|[+-](?:[+-][0-9]|[0-9]{2}):(?:[+-][0-9]|[0-9]{2}))\Z"
)


def rfc3339_problem(text):
    """Go 1.19 time.Parse(time.RFC3339, s) (schema/types/date.go NewDate): a one- or two-digit
    hour, any fraction after the seconds, a real day of the month."""
    match = _RFC3339.match(text)
    if not match:
        return "does not match 2006-01-02T15:04:05Z07:00"
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59:
        return "month, hour, minute or second out of range"
    if not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:  # year 0 is a leap year, as 2000
        return "day out of range"
    return None


def _unescape_problem(text, mode):
    """Go 1.19 net/url unescape: every % starts two hex digits; host characters are limited."""
    host_ok = set(b"!$&'()*+,;=:[]<>\"-_.~")
    for index, byte in enumerate(text):
        if byte == ord("%"):
            digits = text[index + 1 : index + 3]
            if not re.fullmatch(rb"[0-9a-fA-F]{2}", digits):
                return "invalid URL escape"
            if mode == "host" and int(digits[:1], 16) < 8 and digits != b"25":
                return "invalid URL escape in host"
        elif mode == "host" and byte < 0x80 and not (chr(byte).isalnum() or byte in host_ok):
            return f"invalid character {chr(byte)!r} in host name"
    return None


def _host_problem(host):
    """Go 1.19 net/url parseHost (without IPv6 zones, which an image URL has no use for)."""
    if host.startswith(b"["):
        end = host.rfind(b"]")
        if end < 0:
            return "missing ']' in host"
        port = host[end + 1 :]
    else:
        colon = host.rfind(b":")
        port = host[colon:] if colon >= 0 else b""
    if port and not re.fullmatch(rb":[0-9]*", port):
        return f"invalid port {port.decode(errors='replace')!r} after host"
    if b"%25" in host and host.startswith(b"["):
        return "IPv6 zone in host"
    return _unescape_problem(host, "host")


def url_problem(text):
    """schema/types/url.go NewURL: Go 1.19 url.Parse succeeds and the scheme is http(s)."""
    raw = text.encode()
    if any(byte < 0x20 or byte == 0x7F for byte in raw):
        return "net/url: invalid control character in URL"
    raw, _hash, fragment = raw.partition(b"#")
    scheme = re.match(rb"([a-zA-Z][a-zA-Z0-9+.-]*):", raw)
    if raw.startswith(b":"):
        return "missing protocol scheme"
    if not scheme or scheme.group(1).lower() not in (b"http", b"https"):
        return "bad URL scheme, must be http/https"
    rest = raw[scheme.end() :]
    rest = rest[:-1] if rest.endswith(b"?") and rest.count(b"?") == 1 else rest.partition(b"?")[0]
    problem = None
    if rest.startswith(b"//"):
        authority, slash, path = rest[2:].partition(b"/")
        userinfo, at, host = authority.rpartition(b"@")
        problem = _host_problem(host)
        if not problem and at and not re.fullmatch(rb"[A-Za-z0-9\-._:~!$&'()*+,;=%@]*", userinfo):
            problem = "net/url: invalid userinfo"
        problem = problem or (at and _unescape_problem(userinfo, "userinfo")) or _unescape_problem(slash + path, "path")
    elif rest.startswith(b"/"):
        problem = _unescape_problem(rest, "path")
    return problem or (fragment and _unescape_problem(fragment, "fragment")) or None


_annotations = _named_pairs("Annotation", {"name": ac_identifier, "value": scalar_field(go_string)})


def annotations(node, where, _existing=None):
    """schema/types/annotations.go Annotations.assertValid: unique names; `created` a date,
    `homepage` and `documentation` http(s) URLs."""
    items = _annotations(node, where) or []
    seen = {}
    for item in items:
        if item["name"] in seen:
            raise ImageError(f"{manifest_at(where)}: annotation {item['name']!r} appears twice")
        seen[item["name"]] = item.get("value", "")
    checks = (("created", rfc3339_problem, "bad Date"), ("homepage", url_problem, "bad URL"))
    for name, check, what in (*checks, ("documentation", url_problem, "bad URL")):
        problem = name in seen and check(seen[name])
        if problem:
            raise ImageError(f"{manifest_at(where)} {name} {seen[name]!r}: {what}: {problem}")
    return [{"name": item["name"], "value": item.get("value", "")} for item in items]


def image_hash(node, where, _existing=None):
    """*types.Hash (schema/types/hash.go NewHash): null leaves it unset, else sha512-<value>."""
    if node.kind == "null":
        return None
    text = go_string(node, where)
    parts = text.split("-")
    if len(parts) != 2 or parts[0] != "sha512" or not parts[1]:
        raise ImageError(f"{manifest_at(where)} {text!r}: not a hash of the form sha512-<value>")
    return text

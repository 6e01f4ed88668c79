# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""An app's isolators as appc spec v0.8.11 (vendored by rkt 1.30.0) decodes and checks them
(schema/types/isolator.go Isolator.UnmarshalJSON and Isolators.assertValid): only the names
rkt knows, each value decoded and checked as its isolator*.go type does (resources with
resource/quantity.go ParseQuantity, Linux capabilities, seccomp, SELinux, OOM score, CPU
shares, sysctl), no second instance of a kind that allows one and no conflicting pair."""

from __future__ import annotations

import re
import unicodedata

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_types import ac_identifier
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_json import (
    INT64_MAX,
    field_path,
    manifest_at,
    scalar_field,
    go_bool,
    go_int,
    go_slice,
    go_string,
    go_string_map,
    go_struct,
    go_utf8,
)


def _quantity_problem(raw):
    """resource/quantity.go Quantity.UnmarshalJSON and ParseQuantity (a port of Kubernetes'
    quantity parser): which raw JSON values rkt refuses for an isolator's request or limit."""
    if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        raw = raw[1:-1]
    text = go_utf8(raw).strip(
        " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
        "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    )
    if text == "0":
        return None
    match = re.fullmatch(r"([+-]?)(0*)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([+-]?[0-9]*)", text, re.ASCII)
    if not text or not match:
        return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    _sign, zeros, digits, denom, letters, tail = match.groups()
    if not digits and denom is None and not letters and not tail:
        return None  # only a sign and zeros: Go returns 0 before reading a suffix
    has_digits = bool(zeros or digits or denom)
    suffix, denom, num = letters + tail, denom or "", digits or "0"
    decimal = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
    binary = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
    if suffix in decimal:
        precision, scale = 18 - len(num) - len(denom), decimal[suffix] - len(denom)
    elif suffix in binary:
        exponent = binary[suffix]
        precision = 15 - len(num) - exponent * 3 // 10 - 1 if not denom else -1
        scale = -len(denom)
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        if not -(1 << 63) <= int(suffix[1:]) <= INT64_MAX:
            return "unable to parse quantity's suffix"
        exponent = int(suffix[1:]) % (1 << 32)  # Go's int32() conversion wraps
        exponent -= (1 << 32) if exponent >= 1 << 31 else 0
        precision, scale = 18 - len(num) - len(denom), exponent - len(denom)
    else:
        return "unable to parse quantity's suffix"
    if precision >= 0 and scale >= -9:
        return None  # Go's exact int64 path
    if not has_digits:  # the exact path failed: inf.Dec.SetString needs a digit
        return "unable to parse numeric part of quantity"
    if suffix[:1] in ("e", "E") and suffix not in decimal and exponent < -1_000_000:
        return "rkt 1.30 would spend minutes to hours rounding 10^N for this exponent (appc ParseQuantity)"
    return None


def _quantity(node, where, _existing=None):
    if node.kind == "null":  # *resource.Quantity: null leaves it unset
        return None
    problem = _quantity_problem(node.raw)
    if problem:
        raise ImageError(f"{manifest_at(where)} {node.raw.decode(errors='replace')}: {problem}")
    return node.value if node.kind == "string" else node.raw.decode()


def _resource(default_must_be):
    """isolator_resources.go: cpu and memory take no default; the bandwidth and IOPS isolators
    need default true and no request."""

    def check(node, where):
        value = go_struct(node, where, {"default": scalar_field(go_bool), "request": _quantity, "limit": _quantity})
        if value.get("default", False) != default_must_be:
            raise ImageError(f"{manifest_at(where)}: default must be {str(default_must_be).lower()}")
        if default_must_be and value.get("request") is not None:
            raise ImageError(f"{manifest_at(where)}: request not supported by this resource, must be empty")
        return value

    return check


def _set_value(node, where, extra=None):
    value = go_struct(node, where, {"set": go_slice(scalar_field(go_string)), **(extra or {})})
    if not value.get("set"):
        raise ImageError(f"{manifest_at(where)}: set must be non-empty")
    return value


def _seccomp(node, where):
    """isolator_linux_specific.go linuxSeccompBase.AssertValid."""
    value = _set_value(node, where, {"errno": scalar_field(go_string)})
    errno = value.get("errno", "")
    if errno and (
        errno[0] != "E" or not all(unicodedata.category(c) == "Lu" or unicodedata.category(c)[0] == "N" for c in errno)
    ):
        raise ImageError(
            f"{manifest_at(where)}: errno must start with 'E' and hold only upper case or numeric characters"
        )
    return value


def _int_range(low, high, name):
    def check(node, where):
        value = go_int(node, where)
        if not low <= value <= high:
            raise ImageError(f"{manifest_at(where)}: {name} must be between {low} and {high}, got {value}")
        return value

    return check


def _selinux(node, where):
    fields = {key: scalar_field(go_string) for key in ("user", "role", "type", "level")}
    value = go_struct(node, where, fields)
    for key in ("user", "role", "type"):
        if not value.get(key) or ":" in value[key]:
            raise ImageError(f"{manifest_at(where)}: invalid {key} value {value.get(key, '')!r}")
    if not value.get("level"):
        raise ImageError(f"{manifest_at(where)}: invalid level value ''")
    return value


# name: (decode and AssertValid, several allowed, conflicts with) - isolator*.go init()
ISOLATORS = {
    "resource/block-bandwidth": (_resource(True), True, ()),
    "resource/block-iops": (_resource(True), True, ()),
    "resource/cpu": (_resource(False), True, ()),
    "resource/memory": (_resource(False), True, ()),
    "resource/network-bandwidth": (_resource(True), True, ()),
    "os/linux/capabilities-retain-set": (_set_value, True, ()),
    "os/linux/capabilities-remove-set": (_set_value, True, ()),
    "os/linux/no-new-privileges": (go_bool, True, ()),
    "os/linux/seccomp-remove-set": (_seccomp, False, ("os/linux/seccomp-retain-set",)),
    "os/linux/seccomp-retain-set": (_seccomp, False, ("os/linux/seccomp-remove-set",)),
    "os/linux/oom-score-adj": (_int_range(-1000, 1000, "os/linux/oom-score-adj"), False, ()),
    "os/linux/cpu-shares": (_int_range(2, 262144, "os/linux/cpu-shares"), False, ()),
    "os/linux/selinux-context": (_selinux, False, ()),
    "os/unix/sysctl": (go_string_map, False, ()),
}


def _raw_value(node, where, _existing=None):
    return None if node.kind == "null" else node  # *json.RawMessage: null leaves it unset


def _isolator(node, where):
    """isolator.go Isolator.UnmarshalJSON: a known name's value is decoded and checked."""
    decoded = go_struct(node, where, {"name": ac_identifier, "value": _raw_value})
    name, value = decoded.get("name", ""), decoded.get("value")
    if name in ISOLATORS:
        if value is None:
            raise ImageError(f"{manifest_at(where)} {name!r} has no value (rkt 1.30 crashes on it: nil pointer)")
        decoded["value"] = ISOLATORS[name][0](value, field_path(where, "value"))
    return decoded


def isolators(node, where, _existing=None):
    """isolator.go Isolators.assertValid: known names only, no second instance of a kind that
    allows one, no conflicting pair."""
    items = go_slice(_isolator)(node, where) or []
    seen = set()
    for index, item in enumerate(items):
        name = item.get("name", "")
        if name not in ISOLATORS:
            raise ImageError(f"{manifest_at(where)}[{index}]: invalid isolator {name!r} (not one rkt knows)")
        _check, several, conflicts = ISOLATORS[name]
        if name in seen and not several:
            raise ImageError(f"{manifest_at(where)}: isolators set contains too many instances of type {name}")
        if any(other in seen for other in conflicts):
            raise ImageError(f"{manifest_at(where)}: isolators set contains incompatible types ({name})")
        seen.add(name)
    return [{"name": item.get("name", ""), "value": item.get("value")} for item in items]

"""The image manifest read as Go's encoding/json reads it into appc's schema types, so that the
name the module trusts is the name rkt reads (module_utils/go_json.py parse_json, go_struct).

Each test names the upstream rule: Go 1.19 encoding/json (scanner.go, decode.go, fold.go), as
appc schema/image.go ImageManifest.UnmarshalJSON uses it. Every expected verdict was checked
against the vendored appc code built with Go 1.19 (rkt's own ImageManifest.UnmarshalJSON)."""

import json

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci

HEAD = b'{"acKind": "ImageManifest", "acVersion": "0.8.11", '


def manifest(rest):
    return HEAD + rest + b"}"


def name_of(data):
    return aci.check_manifest(data)["name"]


# decode.go object(): an exact key match, else the first field whose name folds to the key
# (fold.go equalFoldRight: ASCII case, and the Kelvin sign and long s for k and s).
@pytest.mark.parametrize(
    ("rest", "name"),
    [
        (b'"name": "example.com/app", "NAME": "evil.org/x"', "evil.org/x"),
        (b'"Name": "evil.org/x"', "evil.org/x"),
        (b'"nAmE": "evil.org/x", "name": "example.com/app"', "example.com/app"),
    ],
    ids=["upper-case key after", "capitalised key only", "later exact key wins"],
)
def test_decode_object_matches_keys_case_insensitively_and_the_last_one_wins(rest, name):
    assert name_of(manifest(rest)) == name


def test_fold_equalFoldRight_matches_the_kelvin_sign_and_the_long_s():
    data = '{"ac\u212aind": "ImageManifest", "acVer\u017fion": "0.8.11", "name": "example.com/app"}'.encode()
    assert name_of(data) == "example.com/app"


def test_decode_object_checks_every_duplicate_not_only_the_last():
    """ACIdentifier.UnmarshalJSON runs for each occurrence: an invalid first one refuses."""
    with pytest.raises(aci.ImageError, match="'Bad Name' is not an AC Identifier"):
        name_of(manifest(b'"name": "Bad Name", "name": "example.com/app"'))


def test_decode_object_decodes_a_second_app_over_the_first():
    """App.UnmarshalJSON starts from the existing value (ja := app(*a)): keys merge."""
    data = manifest(b'"name": "a", "app": {"user": "0", "group": "0", "exec": ["/x"]}, "APP": {"user": "1"}')
    app = aci.check_manifest(data)["app"]
    assert (app["user"], app["group"], app["exec"]) == ("1", "0", ["/x"])


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"{",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 1,}',
        b'{"a": [1,]}',
        b'{"a": 01}',
        b'{"a": .5}',
        b"{'a': 1}",
        b'{"a": 1} // comment',
        b'{"a": "\x01"}',
        b'{"a": "\\x41"}',
        b"\xef\xbb\xbf{}",
        b"{} {}",
        b'{"a": tru}',
    ],
    ids=[
        "empty",
        "unclosed",
        "NaN",
        "Infinity",
        "-Infinity",
        "trailing comma",
        "trailing comma in array",
        "leading zero",
        "bare fraction",
        "single quotes",
        "comment",
        "raw control character",
        "bad escape",
        "byte order mark",
        "two values",
        "bad literal",
    ],
)
def test_scanner_refuses_what_go_refuses_even_in_unknown_fields(text):
    """scanner.go checkValid runs over the whole input before decoding (Python's json accepts
    NaN and Infinity)."""
    with pytest.raises(aci.ImageError, match="manifest is not JSON as Go's encoding/json reads it"):
        aci.check_manifest(text)


def test_scanner_maxNestingDepth_is_10000_and_never_exhausts_the_stack():
    deep = b"[" * 9999 + b"]" * 9999  # inside the manifest object: 10000 levels
    assert name_of(manifest(b'"name": "a", "x": ' + deep)) == "a"
    with pytest.raises(aci.ImageError, match="exceeded max depth"):
        aci.check_manifest(manifest(b'"name": "a", "x": [' + deep + b"]"))


def test_unquote_replaces_invalid_utf8_and_lone_surrogates_instead_of_refusing():
    """decode.go unquoteBytes: each byte of an invalid UTF-8 sequence and each lone surrogate
    escape becomes U+FFFD; a valid surrogate pair is one character."""
    data = manifest(b'"name": "a", "labels": [{"name": "x", "value": "a\xffb\\ud800c\\ud83d\\ude00"}]')
    assert aci.check_manifest(data)["labels"] == [{"name": "x", "value": "a\ufffdb\ufffdc\U0001f600"}]


def test_an_invalid_utf8_byte_in_the_name_is_no_ac_identifier():
    with pytest.raises(aci.ImageError, match="is not an AC Identifier"):
        name_of(manifest(b'"name": "ex\xffample.com/app"'))


@pytest.mark.parametrize(
    ("rest", "reason"),
    [
        (b'"name": "a", "acVersion": 1', "cannot unmarshal number into Go value of type string"),
        (b'"name": ["a"]', "cannot unmarshal array into Go value of type string"),
        (b'"name": "a", "labels": {"os": "linux"}', r"cannot unmarshal object into Go value of type \[\]Label"),
        (b'"name": "a", "app": []', "cannot unmarshal array into Go value of type types.App"),
        (b'"name": "a", "app": {"user": 0, "group": "0"}', "app.user: json: cannot unmarshal number"),
        (b'"name": "a", "app": {"user": "0", "group": "0", "exec": "/bin/sh"}', "app.exec: json: cannot unmarshal"),
        (b'"name": "a", "pathWhitelist": "/x"', "pathWhitelist: json: cannot unmarshal string"),
        (b'"name": "a", "dependencies": [{"imageName": "b", "size": -1}]', "size: json: cannot unmarshal number"),
        (b'"name": "a", "dependencies": [{"imageName": "b", "size": 1.5}]', "size: json: cannot unmarshal number"),
    ],
    ids=["acVersion", "name", "labels", "app", "user", "exec", "pathWhitelist", "negative uint", "fraction in uint"],
)
def test_literalStore_refuses_a_value_of_the_wrong_type(rest, reason):
    with pytest.raises(aci.ImageError, match=reason):
        aci.check_manifest(manifest(rest))


def test_null_is_the_zero_value_and_each_type_then_decides():
    """indirect(): null sets a pointer (app) to nil and leaves a struct as is; a named type with
    UnmarshalJSON still gets "null" (ACKind -> "ACKind must be set")."""
    assert aci.check_manifest(manifest(b'"name": "a", "app": null, "labels": null'))["app"] is None
    with pytest.raises(aci.ImageError, match="ACKind must be set"):
        aci.check_manifest(b'{"acKind": null, "acVersion": "0.8.11", "name": "a"}')
    with pytest.raises(aci.ImageError, match=r"cannot unmarshal array into Go value of type schema\.ImageManifest"):
        aci.check_manifest(b"[]")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"acVersion": "0.8.11", "name": "a"}, "missing or bad ACKind"),
        ({"acKind": "PodManifest", "acVersion": "0.8.11", "name": "a"}, "missing or bad ACKind"),
        ({"acKind": "Image", "acVersion": "0.8.11", "name": "a"}, "bad ACKind"),
        ({"acKind": "ImageManifest", "name": "a"}, "acVersion must be set"),
        ({"acKind": "ImageManifest", "acVersion": "0.8.11"}, "name must be set"),
    ],
    ids=["no acKind", "pod manifest", "unknown kind", "no acVersion", "no name"],
)
def test_ImageManifest_assertValid_requires_kind_version_and_name(document, reason):
    with pytest.raises(aci.ImageError, match=reason):
        aci.check_manifest(json.dumps(document).encode())

"""ACI reading (module_utils/aci.py): layout and manifest rules, image ID, compressions."""

import hashlib
import json
import tarfile

import pytest
from aci_builder import GOOD_MANIFEST, compress, entry, good_entries, tar_bytes, write_aci
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci


@pytest.mark.parametrize("compression", ["none", "gzip", "bzip2", "xz"])
def test_each_compression_reads_with_the_image_id_of_the_tar(tmp_path, compression):
    raw = write_aci(tmp_path / "a.aci", compression=compression)
    image = aci.read_image(tmp_path / "a.aci")
    assert image["compression"] == compression
    assert image["image_id"] == "sha512-" + hashlib.sha512(raw).hexdigest()
    assert image["uncompressed_size"] == len(raw)
    assert image["size"] == (tmp_path / "a.aci").stat().st_size
    assert image["manifest"]["name"] == "example.com/app"


def test_compression_is_detected_by_magic_not_by_name(tmp_path):
    raw = tar_bytes(good_entries())
    (tmp_path / "image.tar.gz").write_bytes(compress(raw, "xz"))
    assert aci.read_image(tmp_path / "image.tar.gz")["compression"] == "xz"


def manifest_with(**changes):
    manifest = {**GOOD_MANIFEST, **changes}
    return [
        entry("manifest", json.dumps({k: v for k, v in manifest.items() if v is not None}).encode()),
        *good_entries()[1:],
    ]


BAD = [
    ("extra top-level entry", [*good_entries(), entry("README")], "only 'manifest' and 'rootfs/'"),
    ("duplicate entry", [*good_entries(), entry("rootfs/bin/app", b"x")], "appears twice"),
    ("dot-dot path", [*good_entries(), entry("rootfs/../etc/passwd", b"x")], "'..' component"),
    ("absolute path", [*good_entries(), entry("/rootfs/x", b"x")], "absolute path"),
    (
        "symlink escape",
        [*good_entries(), entry("rootfs/bin/up", kind=tarfile.SYMTYPE, link="../../etc")],
        "points outside rootfs/",
    ),
    (
        "hard link outside",
        [*good_entries(), entry("rootfs/h", kind=tarfile.LNKTYPE, link="manifest")],
        "names no entry inside rootfs/",
    ),
    ("no manifest", good_entries()[1:], "no manifest entry"),
    ("no rootfs", good_entries()[:1], "no rootfs directory entry"),
    ("manifest not json", [entry("manifest", b"{"), *good_entries()[1:]], "manifest is not JSON"),
    ("bad acKind", manifest_with(acKind="PodManifest"), "acKind is 'PodManifest'"),
    ("bad acVersion", manifest_with(acVersion="0.8"), "acVersion '0.8' is not a semantic version"),
    ("bad name", manifest_with(name="Example.com/App"), "name 'Example.com/App' is not an AC Identifier"),
    ("duplicate label", manifest_with(labels=[{"name": "os", "value": "linux"}] * 2), "label 'os' appears twice"),
    ("label called name", manifest_with(labels=[{"name": "name", "value": "x"}]), "label 'name' is not allowed"),
    ("bad label name", manifest_with(labels=[{"name": "OS", "value": "linux"}]), "name 'OS' is not an AC Identifier"),
]


@pytest.mark.parametrize(("entries", "reason"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_broken_layouts_and_manifests_are_rejected_naming_the_problem(tmp_path, entries, reason):
    write_aci(tmp_path / "bad.aci", entries)
    with pytest.raises(aci.ImageError, match=reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        aci.read_image(tmp_path / "bad.aci")


@pytest.mark.parametrize("compression", ["none", "gzip", "bzip2", "xz"])
def test_truncated_images_are_rejected(tmp_path, compression):
    payload = bytes(range(256)) * 256  # 64 KiB that compresses little: the cut falls inside it
    data = compress(tar_bytes(good_entries(payload=payload)), compression)
    (tmp_path / "cut.aci").write_bytes(data[: len(data) // 2])
    with pytest.raises(aci.ImageError, match="not a readable"):
        aci.read_image(tmp_path / "cut.aci")


@pytest.mark.parametrize("compression", ["none", "gzip", "bzip2", "xz"])
def test_trailing_garbage_is_rejected(tmp_path, compression):
    (tmp_path / "tail.aci").write_bytes(compress(tar_bytes(good_entries()), compression) + b"garbage" * 100)
    with pytest.raises(aci.ImageError, match=r"trailing data|not a readable"):
        aci.read_image(tmp_path / "tail.aci")


def test_garbage_after_the_end_marker_is_rejected(tmp_path):
    """A module rule (rkt ignores data after the two zero blocks, but hashes it into the image ID)."""
    raw = bytearray(tar_bytes(good_entries()))
    end = len(raw.rstrip(b"\0"))
    end += -end % 512 + 1024  # the end of the last header, then the two zero blocks
    raw[end + 3] = ord("x")
    (tmp_path / "pad.aci").write_bytes(bytes(raw))
    with pytest.raises(aci.ImageError, match="trailing data after the end of the tar archive"):
        aci.read_image(tmp_path / "pad.aci")


def test_garbage_in_the_second_end_block_is_a_bad_header(tmp_path):
    """Go archive/tar readHeader: a zero block followed by a non-zero block is ErrHeader."""
    raw = bytearray(tar_bytes(good_entries()))
    end = len(raw.rstrip(b"\0"))
    end += -end % 512 + 512
    raw[end + 3] = ord("x")
    (tmp_path / "pad.aci").write_bytes(bytes(raw))
    with pytest.raises(aci.ImageError, match="a zero block followed by a non-zero block"):
        aci.read_image(tmp_path / "pad.aci")


def test_dot_slash_entries_and_absolute_symlinks_are_normal(tmp_path):
    entries = [{**item, "name": "./" + item["name"]} for item in good_entries()]
    write_aci(tmp_path / "dot.aci", entries)
    assert aci.read_image(tmp_path / "dot.aci")["manifest"]["name"] == "example.com/app"


IDENTIFIER = st.from_regex(r"[a-z0-9]{1,5}([-._~/][a-z0-9]{1,5}){0,4}", fullmatch=True)


@given(IDENTIFIER)
def test_generated_identifiers_are_accepted(text):
    assert aci.is_ac_identifier(text)


@given(st.text(max_size=20))
def test_identifier_rule_matches_its_definition(text):
    """appc schema/types/acidentifier.go assertValid: only [a-z0-9-._~/], not empty, an
    alphanumeric first and last character (separators may follow each other: rkt does not use
    the spec's regex, whose own example "example.com/~user/app_v1" it would refuse)."""
    separators = "-._~/"
    expected = (
        bool(text)
        and all(c.isdigit() or ("a" <= c <= "z") or c in separators for c in text)
        and text.isascii()
        and text[0] not in separators
        and text[-1] not in separators
    )
    assert aci.is_ac_identifier(text) == expected


@pytest.mark.parametrize("text", ["example.com/~user/app_v1", "a..b", "a/-/b"])
def test_the_spec_example_and_doubled_separators_are_identifiers(text):
    assert aci.is_ac_identifier(text)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["none", "gzip", "bzip2", "xz"]))
def test_image_id_is_sha512_of_the_uncompressed_tar(tmp_path_factory, payload, compression):
    path = tmp_path_factory.mktemp("h") / "p.aci"
    raw = write_aci(path, good_entries(payload=payload), compression)
    assert aci.read_image(path)["image_id"] == "sha512-" + hashlib.sha512(raw).hexdigest()


@pytest.mark.parametrize("text", ["0\n", "example.com/app\n", "a\n\n"])
def test_a_trailing_newline_is_no_identifier(text):
    """Go's regexp $ (appc's AC Identifier rule) matches only at the end of the text; Python's $
    also matched before a final newline, so "0\\n" passed (found by the property test above)."""
    assert not aci.is_ac_identifier(text)
    assert aci.SEMVER.match("1.30.0") and not aci.SEMVER.match("1.30.0\n")

"""The archive as rkt 1.30.0 reads it (module_utils/aci.py read_image): the file type (appc
aci/file.go DetectFileType), the decompressors (Go's compress/gzip and compress/bzip2, and the
`xz -d` rkt runs), the tar (Go 1.19 archive/tar Reader.Next, with its limits), the layout (appc
aci/layout.go ValidateArchive) and what rkt can render (appc acirenderer getACIFiles, rkt
pkg/tar extractFile). Verdicts marked MODULE are the module's stricter rules; every other one was
checked against rkt's own code paths (the vendored appc and x/crypto code built with Go 1.19)."""

import bz2
import gzip
import json
import lzma
import struct
import tracemalloc
import zlib

import pytest
from aci_builder import END, GOOD_MANIFEST, gzip_member, header, member, pax, raw_manifest, raw_tar

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci


def read(tmp_path, data):
    path = tmp_path / "image.aci"
    path.write_bytes(data)
    return aci.read_image(path)


def refused(tmp_path, data, reason):
    with pytest.raises(aci.ImageError, match=reason):
        read(tmp_path, data)


GOOD = raw_tar(member("rootfs/bin/app", b"hello"))


def test_the_byte_level_builder_makes_an_image_rkt_reads(tmp_path):
    assert read(tmp_path, GOOD)["manifest"]["name"] == "example.com/app"


# ---- DetectFileType and NewCompressedReader ----


def test_detect_file_type_needs_ustar_at_byte_257_in_a_plain_tar(tmp_path):
    v7 = raw_tar(member("rootfs/f", b"x")).replace(b"ustar\x0000", b"\0" * 8, 1)
    v7 = header("manifest", size=len(json.dumps(GOOD_MANIFEST)), magic=b"") + v7[512:]
    refused(tmp_path, v7, "neither gzip, bzip2 nor xz, nor a tar with 'ustar' at byte 257")
    refused(tmp_path, b"text, not an image\n", "DetectFileType")
    refused(tmp_path, GOOD[:262], "DetectFileType")


def test_store_WriteACI_detects_the_type_again_after_decompressing(tmp_path):
    refused(tmp_path, gzip.compress(b"not a tar at all" * 100), "does not hold a tar rkt recognizes")
    refused(tmp_path, gzip.compress(gzip.compress(GOOD)), "does not hold a tar rkt recognizes")


def test_a_later_v7_header_is_read_as_go_reads_it(tmp_path):
    assert read(tmp_path, raw_tar(member("rootfs/v7", b"x", magic=b"")))["manifest"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip_member(GOOD, name=b"n" * 511), None),
        (gzip_member(GOOD, name=b"n" * 512), "a name or comment longer than 511 bytes"),
        (gzip_member(GOOD, comment=b"c", extra=b"xy", header_crc=True), None),
        (gzip_member(GOOD[:1024]) + gzip_member(GOOD[1024:]), None),
        (gzip.compress(GOOD) + b"\0" * 16, "trailing data after the last gzip member"),
        (gzip.compress(GOOD) + b"\0\0", "unexpected EOF"),
        (gzip.compress(GOOD) + b"\x1f\x8b", "unexpected EOF"),
        (gzip.compress(GOOD)[:-1], "unexpected EOF"),
    ],
    ids=["name 511", "name 512", "extra and header CRC", "two members", "zero padding", "two zeros", "started", "cut"],
)
def test_gzip_Reader_multistream_headers_and_trailers(tmp_path, data, reason):
    if reason is None:
        assert read(tmp_path, data)["compression"] == "gzip"
    else:
        refused(tmp_path, data, reason)


def test_gzip_header_crc_is_checked(tmp_path):
    data = bytearray(gzip_member(GOOD, name=b"n", header_crc=True))
    data[12] ^= 0xFF  # the file name, after the 10-byte header
    refused(tmp_path, bytes(data), "header CRC mismatch")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bz2.compress(GOOD[:700]) + bz2.compress(GOOD[700:]), None),
        (bz2.compress(GOOD) + b"B", "unexpected EOF"),
        (bz2.compress(GOOD) + b"garbage", "bad magic value in continuation file"),
    ],
    ids=["two streams", "one more byte", "garbage"],
)
def test_bzip2_reader_reads_concatenated_streams_only(tmp_path, data, reason):
    if reason is None:
        assert read(tmp_path, data)["compression"] == "bzip2"
    else:
        refused(tmp_path, data, reason)


def xz_with_check(check_id):
    """An xz stream whose header and footer name integrity check `check_id` (CRC-32 sized)."""
    data = bytearray(lzma.compress(GOOD, check=lzma.CHECK_CRC32))
    data[7] = check_id
    data[8:12] = struct.pack("<I", zlib.crc32(bytes(data[6:8])))
    footer = len(data) - 12
    data[footer + 9] = check_id
    data[footer : footer + 4] = struct.pack("<I", zlib.crc32(bytes(data[footer + 4 : footer + 10])))
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lzma.compress(GOOD[:700]) + lzma.compress(GOOD[700:]), None),
        (lzma.compress(GOOD) + b"\0" * 8 + lzma.compress(b""), None),
        (lzma.compress(GOOD) + b"\0" * 4, None),
        (lzma.compress(GOOD) + b"\0" * 3, "stream padding is not a multiple of 4 bytes"),
        (lzma.compress(GOOD) + b"garbage!", "trailing data after the last stream"),
        (lzma.compress(GOOD, check=lzma.CHECK_NONE), None),
        (xz_with_check(2), "unsupported integrity check type 2"),
    ],
    ids=["two streams", "padding between", "padding after", "odd padding", "garbage", "no check", "check type 2"],
)
def test_xz_decompress_as_the_xz_command_rkt_runs(tmp_path, data, reason):
    """aci/file.go NewXzReader runs `xz --decompress --stdout`; any non-zero exit is an error."""
    if reason is None:
        assert read(tmp_path, data)["compression"] == "xz"
    else:
        refused(tmp_path, data, reason)


# ---- archive/tar Reader.Next (Go 1.19.8) ----


def test_readHeader_accepts_the_signed_checksum_and_refuses_a_wrong_one(tmp_path):
    block = bytearray(header("rootfs/é", size=0))
    signed = sum((b - 256 if b > 127 else b) for b in block[:148] + block[156:]) + 256
    block[148:156] = b"%06o\0 " % signed
    assert read(tmp_path, raw_tar(bytes(block)))["manifest"]
    block[148:156] = b"%06o\0 " % (signed + 1)
    refused(tmp_path, raw_tar(bytes(block)), "checksum mismatch")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({(100, 108): b"0000644 "}, None),
        ({(100, 108): b"0000x44\0"}, "mode is not an octal number"),
        ({(329, 337): b"zz\0\0\0\0\0\0"}, "devmajor is not an octal number"),
        ({(136, 148): b"\xff" * 12}, None),
        ({(136, 148): b"\x80\x80" + b"\0" * 10}, "mtime overflows"),
    ],
    ids=["space-terminated octal", "bad octal", "bad devmajor", "base-256 -1", "base-256 overflow"],
)
def test_parseNumeric_octal_and_base256(tmp_path, fields, reason):
    data = raw_tar(member("rootfs/f", b"x", fields=fields))
    if reason is None:
        assert read(tmp_path, data)["manifest"]
    else:
        refused(tmp_path, data, reason)


def test_a_base256_size_is_read(tmp_path):
    size = b"\x80" + (2).to_bytes(11, "big")
    assert read(tmp_path, raw_tar(member("rootfs/f", b"ab", fields={(124, 136): size})))["manifest"]


def test_ustar_prefix_names_the_entry_but_not_in_gnu_headers(tmp_path):
    """readHeader: USTAR joins prefix and name; GNU keeps times there, unless they do not parse
    (a buggy GNU header, whose ASCII prefix Go then uses)."""
    assert read(tmp_path, raw_tar(member("app", b"x", prefix=b"rootfs/bin")))["manifest"]
    times = {(345, 357): b"00000000000\0", (357, 369): b"00000000000\0"}
    assert read(tmp_path, raw_tar(member("rootfs/app", b"x", magic=b"ustar  \x00", fields=times)))["manifest"]
    buggy = member("rootfs/app", b"x", magic=b"ustar  \x00", prefix=b"elsewhere")
    refused(tmp_path, raw_tar(buggy), "'elsewhere/rootfs/app'")


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ({"path": "rootfs/" + "/".join(["p" * 200] * 3)}, None),
        ({"path": "README"}, "unrecognized file path"),
        ({"size": "-1"}, "negative size"),
        ({"size": "x"}, "PAX size record"),
        ({"mtime": "1.5"}, None),
        ({"mtime": "1.x"}, "PAX mtime record"),
        ({"GNU.sparse.major": "1", "GNU.sparse.minor": "0"}, "sparse file"),  # MODULE
        ({"GNU.sparse.major": "2", "GNU.sparse.minor": "0"}, None),
    ],
    ids=[
        "long path",
        "path outside rootfs",
        "negative size",
        "bad size",
        "fractional mtime",
        "bad mtime",
        "PAX sparse 1.0",
        "unknown sparse version",
    ],
)
def test_mergePAX(tmp_path, records, reason):
    data = raw_tar(pax(records) + member("rootfs/f", b""))
    if reason is None:
        assert read(tmp_path, data)["manifest"]
    else:
        refused(tmp_path, data, reason)


@pytest.mark.parametrize(
    "record",
    [b"9 path=a", b"x path=a\n", b"4 a=b\n", b"99 path=a\n", b"12 path=a\0b\n", b"8 =abc\n"],
    ids=["no newline", "bad length", "too short", "too long", "NUL in path", "empty key"],
)
def test_parsePAXRecord_is_strict(tmp_path, record):
    refused(tmp_path, raw_tar(member("PaxHeader", record, b"x") + member("rootfs/f", b"")), "PAX record")


def test_readSpecialFile_refuses_extended_headers_over_1_MiB_and_reads_no_further(tmp_path):
    """format.go maxSpecialFileSize: Go stops after 1 MiB + 1 byte; so does the module, even when
    the header declares 1 GiB and the file holds only 2 MiB of it."""
    declared = header("PaxHeader", b"x", size=1 << 30)
    refused(tmp_path, raw_tar(declared + b"9 a=bcd\n" * (1 << 18)), "header field too long")
    long_name = header("././@LongLink", b"L", size=(1 << 20) + 1, magic=b"ustar  \x00")
    refused(tmp_path, raw_tar(long_name + b"n" * ((1 << 20) + 512)), "header field too long")
    exactly = pax({"path": "rootfs/" + "p" * ((1 << 20) - 30)})
    assert len(exactly) - 512 <= (1 << 20) + 511
    refused(tmp_path, raw_tar(exactly + member("rootfs/f", b"")), "longer than Linux allows")  # MODULE


def test_memory_stays_flat_for_a_huge_declared_header(tmp_path):
    path = tmp_path / "big.aci"
    path.write_bytes(raw_tar(header("PaxHeader", b"x", size=1 << 30) + b"9 a=bcd\n" * (1 << 18)))
    tracemalloc.start()
    with pytest.raises(aci.ImageError, match="header field too long"):
        aci.read_image(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20


def test_gnu_long_names_and_a_later_long_name_wins(tmp_path):
    first = member("././@LongLink", b"rootfs/first\0", b"L", magic=b"ustar  \x00")
    second = member("././@LongLink", b"rootfs/" + b"n" * 200 + b"\0", b"L", magic=b"ustar  \x00")
    assert read(tmp_path, raw_tar(first + second + member("short", b"x", magic=b"ustar  \x00")))["manifest"]


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        (b"", None),
        (b"\0" * 512, None),
        (END + b"\0" * 20480, None),
        (b"\0" * 512 + b"x" * 512, "a zero block followed by a non-zero block"),
        (b"\0" * 700, "unexpected EOF after a zero block"),
        (END + b"trailing", "trailing data after the end of the tar archive"),  # MODULE
    ],
    ids=["no end marker", "one zero block", "padding", "non-zero after zero", "partial zero block", "garbage"],
)
def test_readHeader_end_of_archive(tmp_path, tail, reason):
    data = raw_manifest() + member("rootfs/", typeflag=b"5") + tail
    if reason is None:
        assert read(tmp_path, data)["manifest"]
    else:
        refused(tmp_path, data, reason)


def test_tryReadFull_a_cut_in_the_last_padding_is_the_end_but_a_cut_in_data_is_not(tmp_path):
    data = raw_manifest() + member("rootfs/", typeflag=b"5") + member("rootfs/f", b"x" * 100)
    assert read(tmp_path, data[:-100])["manifest"]
    refused(tmp_path, data[:-500], "unexpected EOF in an entry's data")


def test_TypeRegA_with_a_trailing_slash_is_a_directory(tmp_path):
    assert read(tmp_path, raw_manifest() + member("rootfs/", typeflag=b"\0") + END)["manifest"]


# ---- the layout: ValidateArchive, ManifestFromImage and what rkt renders ----


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([raw_manifest(), member("rootfs", typeflag=b"2", linkname="/")], "'rootfs' is not a directory"),
        ([raw_manifest(), member("rootfs/x", b"x")], "no rootfs directory entry"),
        ([member("rootfs/", typeflag=b"5")], "no manifest entry"),
        ([member("manifest", typeflag=b"5"), member("rootfs/", typeflag=b"5")], "manifest is not a regular file"),
        ([raw_manifest(), raw_manifest(), member("rootfs/", typeflag=b"5")], "'manifest' appears twice"),  # MODULE
        ([member("manifest", b" " * (1 << 20) + b"{}"), member("rootfs/", typeflag=b"5")], "larger than"),  # MODULE
        ([raw_manifest(), member("rootfs/", typeflag=b"5"), member("rootfsx", b"")], "a module rule"),  # MODULE
        ([raw_manifest(), member("rootfs/", typeflag=b"5"), member("etc/passwd", b"")], "unrecognized file path"),
    ],
    ids=[
        "rootfs symlink",
        "no rootfs entry",
        "no manifest",
        "manifest directory",
        "two manifests",
        "big manifest",
        "rootfsx",
        "outside rootfs",
    ],
)
def test_ValidateArchive_and_ManifestFromImage(tmp_path, members, reason):
    refused(tmp_path, b"".join(members) + END, reason)


def test_the_manifest_is_the_first_entry_named_manifest_wherever_it_is(tmp_path):
    """aci/file.go ManifestFromImage: the first entry whose cleaned name is "manifest"."""
    manifest = json.dumps({**GOOD_MANIFEST, "name": "example.com/late"}).encode()
    data = member("rootfs/", typeflag=b"5") + member("rootfs/f", b"x") + member("./manifest", manifest) + END
    assert read(tmp_path, data)["manifest"]["name"] == "example.com/late"


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([member("rootfs/dev/c", typeflag=b"3"), member("rootfs/p", typeflag=b"6")], None),
        ([member("rootfs/x", b"x", typeflag=b"7")], "has type '7', which rkt cannot extract"),
        ([member("rootfs/x", b"x", typeflag=b"S")], "sparse file"),
        (
            [member("rootfs/d", typeflag=b"5"), member("rootfs/h", typeflag=b"1", linkname="rootfs/d")],
            "names a directory",
        ),
        ([member("rootfs/h", typeflag=b"1", linkname="rootfs/f"), member("rootfs/f", b"x")], "no such file"),
        ([member("rootfs/f", b"x"), member("rootfs/h", typeflag=b"1", linkname="./rootfs/x/../f")], None),
        ([member("rootfs/l", typeflag=b"2", linkname="/etc"), member("rootfs/l/x", b"x")], "rkt would silently"),
        ([member("rootfs/a/b", b"x"), member("rootfs/a", b"x")], "would replace a directory"),
        ([member("rootfs/f", b"x"), member("rootfs/f", b"y")], "appears twice"),
        ([member(b"rootfs/\xff", b"x")], "is not UTF-8"),  # MODULE
        ([member("rootfs/up", typeflag=b"2", linkname="../../etc")], "points outside rootfs/"),  # MODULE
        ([member("rootfs/h", typeflag=b"1", linkname="manifest")], "names no entry inside rootfs/"),  # MODULE
    ],
    ids=[
        "device and fifo",
        "contiguous file",
        "old GNU sparse",
        "link to a directory",
        "link to a later file",
        "link path cleaned",
        "under a symlink",
        "file over a directory",
        "duplicate",
        "not UTF-8",
        "relative symlink escapes",
        "link to the manifest",
    ],
)
def test_acirenderer_getACIFiles_and_extractFile(tmp_path, members, reason):
    data = raw_tar(*members)
    if reason is None:
        assert read(tmp_path, data)["manifest"]
    else:
        refused(tmp_path, data, reason)


def test_pathWhitelist_leaves_files_out_and_a_link_to_one_fails(tmp_path):
    """acirenderer getACIFiles: only whitelisted non-directories are rendered."""
    manifest = json.dumps({**GOOD_MANIFEST, "pathWhitelist": ["/bin/app", "/bin/h"]}).encode()

    def image(*members):
        return member("manifest", manifest) + member("rootfs/", typeflag=b"5") + b"".join(members) + END

    assert read(tmp_path, image(member("rootfs/bin/app", b"x"), member("rootfs/odd", typeflag=b"7")))["manifest"]
    broken = image(member("rootfs/other", b"x"), member("rootfs/bin/h", typeflag=b"1", linkname="rootfs/other"))
    refused(tmp_path, broken, "no such file when rkt creates the link")

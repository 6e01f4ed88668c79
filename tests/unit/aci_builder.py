"""Build ACIs for the tests with tarfile: good ones and each kind of broken one."""

import bz2
import gzip
import io
import json
import lzma
import tarfile
import zlib

GOOD_MANIFEST = {
    "acKind": "ImageManifest",
    "acVersion": "0.8.11",
    "name": "example.com/app",
    "labels": [
        {"name": "version", "value": "1.0.0"},
        {"name": "os", "value": "linux"},
        {"name": "arch", "value": "amd64"},
    ],
    "app": {"exec": ["/bin/app"], "user": "0", "group": "0"},
}


def entry(name, data=b"", kind=tarfile.REGTYPE, link=""):
    return {"name": name, "data": data, "kind": kind, "link": link}


def good_entries(manifest=None, payload=b"hello from rootfs\n" * 100):
    return [
        entry("manifest", json.dumps(manifest or GOOD_MANIFEST).encode()),
        entry("rootfs", kind=tarfile.DIRTYPE),
        entry("rootfs/bin", kind=tarfile.DIRTYPE),
        entry("rootfs/bin/app", payload),
        entry("rootfs/bin/sh", kind=tarfile.SYMTYPE, link="/bin/app"),
        entry("rootfs/bin/relative", kind=tarfile.SYMTYPE, link="app"),
        entry("rootfs/bin/hard", kind=tarfile.LNKTYPE, link="rootfs/bin/app"),
    ]


def tar_bytes(entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for item in entries:
            info = tarfile.TarInfo(item["name"])
            info.type = item["kind"]
            info.linkname = item["link"]
            info.mode = item.get("mode", 0o755 if item["kind"] == tarfile.DIRTYPE else 0o644)
            info.size = len(item["data"]) if item["kind"] == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(item["data"]) if info.size else None)
    return buffer.getvalue()


def compress(data, compression):
    return {
        "none": lambda d: d,
        "gzip": lambda d: gzip.compress(d, mtime=0),
        "bzip2": bz2.compress,
        "xz": lzma.compress,
    }[compression](data)


def write_aci(path, entries=None, compression="gzip"):
    raw = tar_bytes(entries or good_entries())
    path.write_bytes(compress(raw, compression))
    return raw


# Byte-level tar and compression writers, for the formats and malformations tarfile cannot write.


def checksum(block):
    return sum(block[:148]) + 8 * 32 + sum(block[156:])


def header(name, typeflag=b"0", size=0, linkname=b"", magic=b"ustar\x0000", mode=0o644, prefix=b"", fields=None):
    """One 512-byte header block; `magic` is b"ustar\\x0000" (USTAR/PAX), b"ustar  \\x00" (GNU)
    or b"" (V7). `fields` overrides raw byte ranges {(start, end): bytes} before the checksum."""
    block = bytearray(512)
    name = name.encode() if isinstance(name, str) else name
    linkname = linkname.encode() if isinstance(linkname, str) else linkname
    block[0:100] = name[:100].ljust(100, b"\0")
    block[100:108] = b"%07o\0" % mode
    block[108:116] = b"%07o\0" % 0
    block[116:124] = b"%07o\0" % 0
    block[124:136] = b"%011o\0" % size if size < 8**11 else b"\x80" + size.to_bytes(11, "big")
    block[136:148] = b"%011o\0" % 0
    block[156:157] = typeflag
    block[157:257] = linkname[:100].ljust(100, b"\0")
    block[257 : 257 + len(magic)] = magic
    block[345:500] = prefix[:155].ljust(155, b"\0")
    for (start, end), value in (fields or {}).items():
        block[start:end] = value
    block[148:156] = b"%06o\0 " % checksum(block)
    return bytes(block)


def member(name, data=b"", typeflag=b"0", **kwargs):
    """A header and its data, padded to whole blocks."""
    size = kwargs.pop("size", len(data))
    return header(name, typeflag, size, **kwargs) + data + b"\0" * (-len(data) % 512)


def pax_records(records):
    out = b""
    for key, value in records.items():
        key = key.encode() if isinstance(key, str) else key
        value = value.encode() if isinstance(value, str) else value
        body = b" " + key + b"=" + value + b"\n"
        length = len(body) + 1
        while len(str(length).encode() + body) != length:
            length += 1
        out += str(length).encode() + body
    return out


def pax(records, name="PaxHeader", typeflag=b"x"):
    return member(name, pax_records(records), typeflag)


END = b"\0" * 1024


def raw_manifest(data=None):
    return member("manifest", data if data is not None else json.dumps(GOOD_MANIFEST).encode())


def raw_tar(*members, end=END):
    """A tar from byte-level members, after a manifest and a rootfs directory."""
    return raw_manifest() + member("rootfs/", typeflag=b"5") + b"".join(members) + end


def gzip_member(data, name=None, comment=None, extra=None, header_crc=False):
    """One gzip member written by hand (gzip.compress cannot set FEXTRA or FHCRC)."""
    flags = (4 if extra is not None else 0) | (8 if name is not None else 0) | (16 if comment is not None else 0)
    head = b"\x1f\x8b\x08" + bytes([flags | (2 if header_crc else 0)]) + b"\0\0\0\0\0\xff"
    if extra is not None:
        head += len(extra).to_bytes(2, "little") + extra
    for text in (name, comment):
        if text is not None:
            head += text + b"\0"
    if header_crc:
        head += (zlib.crc32(head) & 0xFFFF).to_bytes(2, "little")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    return head + body + zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")

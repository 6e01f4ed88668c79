"""Build ACIs for the tests with tarfile: good ones and each kind of broken one."""

import bz2
import gzip
import io
import json
import lzma
import tarfile

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

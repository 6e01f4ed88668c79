# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Read an appc ACI in one streaming pass: detect the compression by magic bytes, hash the
uncompressed tar (image ID = sha512-<hex>), check the layout and the image manifest per the appc
spec. The image is never loaded into memory and never extracted."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import lzma
import posixpath
import re
import os
import tarfile
import zlib

CHUNK = 1 << 20
MAX_MANIFEST = 1 << 20
MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
# appc spec (schema/types/acidentifier.go): lowercase alphanumerics separated by one of -._~/.
# \Z, not $: Go's $ matches only at the very end, Python's also before a final newline.
AC_IDENTIFIER = re.compile(r"^[a-z0-9]+([-._~/][a-z0-9]+)*\Z")
# semver.org 2.0.0
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z"
)


class ImageError(Exception):
    """The file is not a valid ACI; the message names the problem."""


class _Hashing:
    """A read-only stream that hashes and counts what passes through it."""

    def __init__(self, stream):
        self._stream = stream
        self.hasher = hashlib.sha512()
        self.size = 0

    def read(self, size=-1):
        data = self._stream.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data


class _Decompressing:
    """bz2/xz through their decompressor objects, so that bytes after the end of the compressed
    stream are an error (BZ2File and LZMAFile silently drop them)."""

    def __init__(self, raw, decompressor):
        self._raw = raw
        self._decompressor = decompressor

    def read(self, size=-1):
        while not self._decompressor.eof:
            if self._decompressor.needs_input:
                block = self._raw.read(CHUNK)
                if not block:
                    raise EOFError("compressed stream ends early")
            else:
                block = b""
            data = self._decompressor.decompress(block, size if size and size > 0 else -1)
            if data:
                return data
        if self._decompressor.unused_data or self._raw.read(1):
            raise ImageError("trailing data after the end of the compressed stream")
        return b""


def compression_of(head):
    return next((name for magic, name in MAGIC if head.startswith(magic)), "none")


def _decompressed(raw, compression):
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bzip2":
        return _Decompressing(raw, bz2.BZ2Decompressor())
    if compression == "xz":
        return _Decompressing(raw, lzma.LZMADecompressor())
    return raw


def is_ac_identifier(text):
    return isinstance(text, str) and bool(AC_IDENTIFIER.match(text))


def _entry_name(member):
    name = member.name
    if name.startswith("/"):
        raise ImageError(f"entry {name!r} has an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ImageError(f"entry {name!r} has a '..' component")
    if not parts:
        return ""
    if parts[0] not in ("manifest", "rootfs") or (parts[0] == "manifest" and len(parts) > 1):
        raise ImageError(f"entry {name!r}: an ACI holds only 'manifest' and 'rootfs/' at the top level")
    return "/".join(parts)


def _check_link(member, name, seen):
    if member.issym():
        target = member.linkname
        if target.startswith("/"):
            return  # resolved inside the rootfs at run time
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if resolved != "rootfs" and not resolved.startswith("rootfs/"):
            raise ImageError(f"symlink {name!r} -> {target!r} points outside rootfs/")
    elif member.islnk():
        target = "/".join(part for part in member.linkname.split("/") if part not in ("", "."))
        if target not in seen or not target.startswith("rootfs/"):
            raise ImageError(f"hard link {name!r} -> {member.linkname!r} names no earlier entry inside rootfs/")


def check_manifest(data):
    """The parsed image manifest, or ImageError naming the first rule it breaks."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImageError(f"manifest is not JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ImageError("manifest is not a JSON object")
    if manifest.get("acKind") != "ImageManifest":
        raise ImageError(f"manifest acKind is {manifest.get('acKind')!r}, not 'ImageManifest'")
    if not isinstance(manifest.get("acVersion"), str) or not SEMVER.match(manifest["acVersion"]):
        raise ImageError(f"manifest acVersion {manifest.get('acVersion')!r} is not a semantic version")
    if not is_ac_identifier(manifest.get("name")):
        raise ImageError(f"manifest name {manifest.get('name')!r} is not an AC Identifier")
    labels = manifest.get("labels") or []
    if not isinstance(labels, list):
        raise ImageError("manifest labels is not a list")
    names = []
    for label in labels:
        if not isinstance(label, dict) or not isinstance(label.get("value"), str):
            raise ImageError(f"manifest label {label!r} needs a name and a string value")
        if not is_ac_identifier(label.get("name")):
            raise ImageError(f"manifest label name {label.get('name')!r} is not an AC Identifier")
        if label["name"] == "name":
            raise ImageError("manifest label 'name' is not allowed (the image name is its own field)")
        if label["name"] in names:
            raise ImageError(f"manifest label {label['name']!r} appears twice")
        names.append(label["name"])
    if "arch" in names and "os" not in names:
        raise ImageError("manifest label 'arch' needs an 'os' label")
    return manifest


def _drain_padding(archive, stream):
    """After the end-of-archive marker only zero padding may follow: in tarfile's read-ahead
    buffer (a private but long-stable attribute of its stream reader) and in the rest."""
    if bytes(getattr(archive.fileobj, "buf", b"")).strip(b"\0"):
        raise ImageError("trailing data after the end of the tar archive")
    while True:
        block = stream.read(CHUNK)
        if not block:
            return
        if block.strip(b"\0"):
            raise ImageError("trailing data after the end of the tar archive")


def read_image(path):
    """{'image_id', 'manifest', 'compression', 'size', 'uncompressed_size'} or ImageError."""
    with open(path, "rb") as raw_file:
        head = raw_file.read(8)
        raw_file.seek(0)
        compression = compression_of(head)
        try:
            stream = _Hashing(_decompressed(raw_file, compression))
            manifest_data, seen = None, set()
            with tarfile.open(fileobj=stream, mode="r|") as archive:
                for member in archive:
                    name = _entry_name(member)
                    if not name:
                        continue
                    if name in seen:
                        raise ImageError(f"entry {name!r} appears twice")
                    _check_link(member, name, seen)
                    seen.add(name)
                    if name == "manifest":
                        if not member.isfile() or member.size > MAX_MANIFEST:
                            raise ImageError("manifest is not a regular file of at most 1 MiB")
                        manifest_data = archive.extractfile(member).read()
                _drain_padding(archive, stream)
        except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
            raise ImageError(f"not a readable {compression if compression != 'none' else 'tar'} ACI: {exc}") from None
    if manifest_data is None:
        raise ImageError("no manifest entry")
    if not any(name == "rootfs" or name.startswith("rootfs/") for name in seen):
        raise ImageError("no rootfs/ entry")
    if stream.size == 0:
        raise ImageError("empty file")
    return {
        "image_id": "sha512-" + stream.hasher.hexdigest(),
        "manifest": check_manifest(manifest_data),
        "compression": compression,
        "size": os.path.getsize(path),
        "uncompressed_size": stream.size,
    }

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Read an appc ACI as rkt 1.30.0 reads it, in one streaming pass that never holds more than a
bounded amount of it in memory and never extracts it.

The rules are rkt's and appc spec v0.8.11's, each named after the upstream function it follows
(tests/unit/test_aci*.py name the same functions), each part in its own module:

- aci_compression.py: the file type by magic bytes (appc aci/file.go DetectFileType), the
  decompressors as Go's compress/gzip and compress/bzip2 and the `xz` command rkt runs
  (aci/file.go NewXzReader), and the image ID's hash;
- go_tar.py: the tar as Go's archive/tar Reader.Next reads it (Go 1.19.8, the toolchain the
  project builds rkt 1.30.0 with), with its 1 MiB limit on PAX and GNU long-name headers
  (readSpecialFile);
- appc_manifest.py: the manifest, the first entry whose cleaned name is `manifest`
  (aci/file.go ManifestFromImage), decoded as Go's encoding/json decodes it (go_json.py) into
  appc's schema types (schema/image.go ImageManifest.UnmarshalJSON, and schema/types/*.go in
  appc_types.py and appc_isolators.py);
- aci_layout.py: the layout as appc's aci/layout.go ValidateArchive checks it, and as rkt
  renders it (appc pkg/acirenderer getACIFiles, rkt pkg/tar extractFile).

This module runs them in order over one pass of the file and decides what may follow the tar.
Where the module is stricter than rkt, the refusal says so; docs/image-trust.md lists each case."""

from __future__ import annotations

import os

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_compression import (
    CHUNK,
    Hashing,
    Source,
    decompressed,
    detect_type,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError, Unreadable
from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_layout import Layout
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_manifest import check_manifest
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_types import SEMVER, VALID_OS_ARCH, is_ac_identifier
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_tar import TarReader

# The names the rest of the collection (modules, module_utils, tests) uses.
__all__ = [
    "SEMVER",
    "VALID_OS_ARCH",
    "ImageError",
    "check_manifest",
    "detect_type",
    "is_ac_identifier",
    "read_image",
]


def _drain(stream):
    """Module rule: after the end of the tar only zeros may follow (rkt ignores such data but
    counts it in the image ID; no tool writes it, and it can hide content)."""
    while True:
        block = stream.read(CHUNK)
        if not block:
            return
        if block.strip(b"\0"):
            raise ImageError("trailing data after the end of the tar archive (a module rule)")


def _detect(raw):
    head = raw.read(512)
    raw.seek(0)
    kind = detect_type(head)
    if kind == "unknown":
        raise ImageError(
            "not an ACI rkt can read: neither gzip, bzip2 nor xz, nor a tar with 'ustar' at byte 257 "
            "(appc DetectFileType)"
        )
    return kind


def _inner_is_tar(stream, kind):
    """rkt's store detects the type again after decompressing (store WriteACI)."""
    inner = stream.read_exact(512)
    stream.unread(inner)
    if detect_type(inner) != "tar":
        raise ImageError(f"the {kind} data does not hold a tar rkt recognizes ('ustar' at byte 257)")


def read_image(path, on_manifest=None):
    """{'image_id', 'manifest', 'compression', 'size', 'uncompressed_size'} or ImageError.
    `on_manifest(manifest)` runs as soon as the manifest is read, so that a caller can refuse
    before the rest of the image is decompressed."""
    with open(path, "rb") as raw:
        kind = _detect(raw)
        compression = "none" if kind == "tar" else kind
        try:
            stream = Hashing(decompressed(Source(raw), kind))
            if kind != "tar":
                _inner_is_tar(stream, kind)
            layout, tar = Layout(on_manifest), TarReader(stream)
            entry = tar.next()
            while entry is not None:
                layout.add(entry, tar)
                entry = tar.next()
            _drain(stream)
        except Unreadable as exc:
            raise ImageError(f"not a readable {kind} ACI: {exc}") from None
    layout.finish()
    return {
        "image_id": "sha512-" + stream.hasher.hexdigest(),
        "manifest": layout.manifest,
        "compression": compression,
        "size": os.path.getsize(path),
        "uncompressed_size": stream.size,
    }

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""An ACI's file type and its decompression as rkt 1.30.0 reads them (appc aci/file.go
DetectFileType and NewCompressedReader): the magic bytes; gzip as Go's compress/gzip reads it
(multistream, every member's header, CRC-32 and size checked); bzip2 as Go's compress/bzip2
and xz as the `xz --decompress --stdout` that rkt runs (aci/file.go NewXzReader), each stream
checked to its end and nothing else after the last one. The decompressed stream is hashed as it
passes, for rkt's image ID (store/imagestore WriteACI). Reads in CHUNK-sized pieces, so memory
stays flat whatever the image's size."""

from __future__ import annotations

import bz2
import hashlib
import lzma
import zlib

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import Unreadable

CHUNK = 1 << 20
MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
XZ_CHECKS = {0, 1, 4, 10}  # none, CRC32, CRC64, SHA-256: the others make `xz -d` exit with 2


def detect_type(head):
    """appc aci/file.go DetectFileType on the first 512 bytes: a compression magic, or a tar
    with "ustar" at byte 257 (so more than 262 bytes), or nothing rkt reads."""
    head = head[:512]
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    return "unknown"


class Source:
    """A file read in chunks, with push-back for the bytes a decompressor did not use."""

    def __init__(self, stream):
        self._stream, self._back = stream, b""

    def read(self, size=CHUNK):
        if self._back:
            data, self._back = self._back[:size], self._back[size:]
            return data
        return self._stream.read(size)

    def unread(self, data):
        self._back = data + self._back

    def read_exact(self, size, what):
        """Exactly `size` bytes; b'' at a clean end when nothing was read."""
        data = b""
        while len(data) < size:
            block = self.read(size - len(data))
            if not block:
                if data:
                    raise Unreadable(f"{what}: unexpected EOF")
                return b""
            data += block
        return data


class _Gzip:
    """Go's compress/gzip Reader (multistream): every member's header, CRC-32 and size are
    checked, and after the last member only the end of the file may follow."""

    def __init__(self, source):
        self._src, self._inflate, self._crc, self._size = source, None, 0, 0
        if not self._header(first=True):
            raise Unreadable("gzip: unexpected EOF")

    def _string(self, digest):
        data = b""
        while not data.endswith(b"\0"):
            if len(data) >= 512:  # Go reads header strings into a 512-byte buffer
                raise Unreadable("gzip: invalid header (a name or comment longer than 511 bytes)")
            data += self._need(1)
        return zlib.crc32(data, digest)

    def _need(self, size):
        data = self._src.read_exact(size, "gzip header")
        if not data:
            raise Unreadable("gzip: unexpected EOF in a member header")
        return data

    def _header(self, first=False):
        head = self._src.read_exact(10, "gzip member header")
        if not head:
            return False
        if head[:3] != b"\x1f\x8b\x08":
            raise Unreadable("gzip: invalid header" + ("" if first else " (trailing data after the last gzip member)"))
        flags, digest = head[3], zlib.crc32(head)
        if flags & 4:
            size = self._need(2)
            extra = self._need(int.from_bytes(size, "little")) if size != b"\0\0" else b""
            digest = zlib.crc32(extra, zlib.crc32(size, digest))
        for bit in (8, 16):
            if flags & bit:
                digest = self._string(digest)
        if flags & 2 and int.from_bytes(self._need(2), "little") != digest & 0xFFFF:
            raise Unreadable("gzip: invalid header (header CRC mismatch)")
        self._inflate, self._crc, self._size = zlib.decompressobj(-15), 0, 0
        return True

    def _trailer(self):
        self._src.unread(self._inflate.unused_data)
        trailer = self._src.read_exact(8, "gzip trailer")
        if len(trailer) != 8:
            raise Unreadable("gzip: unexpected EOF")
        if int.from_bytes(trailer[:4], "little") != self._crc or int.from_bytes(trailer[4:], "little") != self._size:
            raise Unreadable("gzip: invalid checksum")
        return self._header()

    def read(self, size=CHUNK):
        while self._inflate is not None:
            if self._inflate.eof:
                if not self._trailer():
                    self._inflate = None
                continue
            data = self._inflate.unconsumed_tail or self._src.read()
            try:
                out = self._inflate.decompress(data, size)
            except zlib.error as exc:
                raise Unreadable(f"gzip: {exc}") from None
            self._crc, self._size = zlib.crc32(out, self._crc), (self._size + len(out)) & 0xFFFFFFFF
            if out:
                return out
            if not data and not self._inflate.eof:
                raise Unreadable("gzip: unexpected EOF")
        return b""


class _Concatenated:
    """bzip2 (Go's compress/bzip2) and xz (`xz --decompress --stdout`, as rkt runs it): one
    stream after another, each checked to its end; anything else after one is an error."""

    def __init__(self, source, kind):
        self._src, self._kind, self._dec, self._head = source, kind, None, b""
        self._start()

    def _start(self):
        self._dec = bz2.BZ2Decompressor() if self._kind == "bzip2" else lzma.LZMADecompressor(lzma.FORMAT_XZ)
        self._head, self._checked = b"", False

    def _check_head(self, data):
        """What the decompressor libraries accept but rkt's readers refuse, seen in the first
        bytes of each stream: Go refuses a randomized bzip2 block, `xz -d` exits with status 2
        on an integrity check type it cannot verify."""
        self._head += data[:16]
        if self._checked or len(self._head) < 15:
            return
        self._checked = True
        if self._kind == "bzip2" and self._head[4:10] == bytes.fromhex("314159265359") and self._head[14] & 0x80:
            raise Unreadable("bzip2: deprecated randomized files (Go's compress/bzip2 refuses them)")
        if self._kind == "xz" and self._head[7] & 0x0F not in XZ_CHECKS:
            check = self._head[7] & 0x0F
            raise Unreadable(f"xz: unsupported integrity check type {check} (`xz -d` exits with status 2 on it)")

    def _next_stream(self):
        rest = self._dec.unused_data
        rest = self._skip_padding(rest) if self._kind == "xz" else rest or self._src.read()
        if not rest:
            self._dec = None
            return
        if self._kind == "bzip2":
            while len(rest) < 2:
                more = self._src.read()
                if not more:
                    raise Unreadable("bzip2: unexpected EOF")
                rest += more
            if rest[:2] != b"BZ":
                raise Unreadable("bzip2: bad magic value in continuation file (trailing data after the last stream)")
        self._start()
        self._src.unread(rest)

    def _skip_padding(self, rest):
        zeros = 0
        while True:
            rest = rest or self._src.read()
            if not rest:
                break
            stripped = rest.lstrip(b"\0")
            zeros += len(rest) - len(stripped)
            rest = stripped
            if rest:
                break
        if zeros % 4:
            raise Unreadable("xz: stream padding is not a multiple of 4 bytes")
        if rest and not rest.startswith(b"\xfd7zXZ\x00"[: len(rest)]):
            raise Unreadable("xz: trailing data after the last stream (`xz -d` fails on it)")
        return rest

    def read(self, size=CHUNK):
        while self._dec is not None:
            if _ended(self._dec):
                self._next_stream()
                continue
            data = b"" if not self._dec.needs_input else self._src.read()
            if self._dec.needs_input and not data:
                raise Unreadable(f"{self._kind}: unexpected EOF")
            self._check_head(data)
            try:
                out = self._dec.decompress(data, size)
            except (OSError, lzma.LZMAError, EOFError) as exc:
                raise Unreadable(f"{self._kind}: {exc}") from None
            if out:
                return out
        return b""


def _ended(decompressor):
    return bool(decompressor.eof)


class Hashing:
    """The decompressed stream, hashed and counted as it passes (rkt's image ID is the sha512 of
    the whole uncompressed tar, store/imagestore WriteACI)."""

    def __init__(self, stream):
        self._stream, self.hasher, self.size, self._back = stream, hashlib.sha512(), 0, b""

    def read(self, size=CHUNK):
        if self._back:
            data, self._back = self._back[:size], self._back[size:]
            return data
        data = self._stream.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data

    def unread(self, data):
        self._back = data + self._back

    def read_exact(self, size):
        """Up to `size` bytes, fewer only at the end of the stream."""
        data = b""
        while len(data) < size:
            block = self.read(size - len(data))
            if not block:
                break
            data += block
        return data

    def skip(self, size):
        """Read and drop `size` bytes; False when the stream ends first."""
        while size > 0:
            block = self.read(min(size, CHUNK))
            if not block:
                return False
            size -= len(block)
        return True


def decompressed(source, kind):
    if kind == "gzip":
        return _Gzip(source)
    if kind in ("bzip2", "xz"):
        return _Concatenated(source, kind)
    return source

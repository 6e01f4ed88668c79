# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The tar inside an ACI as Go's archive/tar Reader.Next reads it (Go 1.19.8, the toolchain the
project builds rkt 1.30.0 with: reader.go next/readHeader/readSpecialFile, strconv.go,
format.go): header formats and checksums, octal and base-256 numbers, PAX records and GNU long
names, read up to Go's 1 MiB limit (maxSpecialFileSize) and no further, so that a header's
declared size never reaches memory. A failure is Unreadable, with Go's wording; sparse files,
which rkt cannot extract, are refused."""

from __future__ import annotations

import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError, Unreadable
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_json import INT64_MAX, UINT64_MAX

MAX_SPECIAL = 1 << 20  # Go archive/tar maxSpecialFileSize (format.go)
BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
HEADER_ONLY = frozenset(b"123456")  # isHeaderOnlyType: their size field is ignored


class Entry:
    """One tar entry as Go's Reader.Next returns it (names and link names are bytes)."""

    __slots__ = ("linkname", "mode", "name", "pax", "size", "typeflag")

    def __init__(self, name, linkname, typeflag, size, mode):
        self.name, self.linkname, self.typeflag, self.size, self.mode = name, linkname, typeflag, size, mode
        self.pax = {}


def _header_error(what):
    raise Unreadable(f"archive/tar: invalid tar header ({what})")


def _cstring(field):
    """parser.parseString: up to the first NUL."""
    return field.split(b"\0", 1)[0]


def _octal(field, what):
    """parser.parseOctal: spaces and NULs trimmed, then an unsigned octal number."""
    text = _cstring(field.strip(b" \0"))
    if not field.strip(b" \0"):
        return 0
    if not re.fullmatch(rb"[0-7]+", text) or int(text, 8) > UINT64_MAX:
        _header_error(f"{what} is not an octal number")
    value = int(text, 8)
    return value - (1 << 64) if value > INT64_MAX else value  # Go's int64(uint64) conversion


def _numeric(field, what):
    """parser.parseNumeric: base-256 when the top bit is set, else octal."""
    if not field or not field[0] & 0x80:
        return _octal(field, what)
    invert = 0xFF if field[0] & 0x40 else 0
    value = 0
    for index, byte in enumerate(field):
        byte ^= invert
        if index == 0:
            byte &= 0x7F
        if value >> 56:
            _header_error(f"{what} overflows")
        value = value << 8 | byte
    if value >> 63:
        _header_error(f"{what} overflows")
    return ~value if invert else value


def _format(block):
    """block.getFormat: the checksum (unsigned or signed sum) and the magic decide."""
    try:
        stored = _octal(block[148:156], "checksum")
    except ImageError:
        return None
    rest = block[:148] + block[156:]  # the checksum field counts as eight spaces
    unsigned = sum(rest) + 8 * 32
    signed = unsigned - 256 * sum(1 for byte in rest if byte >= 128)
    if stored not in (unsigned, signed):
        return None
    magic, version = block[257:263], block[263:265]
    if magic == b"ustar\0" and block[508:512] == b"tar\0":
        return "star"
    if magic == b"ustar\0":
        return "ustar"
    if magic == b"ustar " and version == b" \0":
        return "gnu"
    return "v7"


def _parse_header(block):
    """Reader.readHeader after the end-of-archive check."""
    kind = _format(block)
    if kind is None:
        _header_error("checksum mismatch or unknown format")
    entry = Entry(_cstring(block[0:100]), _cstring(block[157:257]), block[156], 0, 0)
    entry.size = _numeric(block[124:136], "size")
    entry.mode = _numeric(block[100:108], "mode")
    for start, end, what in ((108, 116, "uid"), (116, 124, "gid"), (136, 148, "mtime")):
        _numeric(block[start:end], what)
    if kind == "v7":
        return entry
    _numeric(block[329:337], "devmajor")
    _numeric(block[337:345], "devminor")
    prefix = b""
    if kind == "ustar":
        prefix = _cstring(block[345:500])
    elif kind == "star":
        prefix = _cstring(block[345:476])
        _numeric(block[476:488], "atime")
        _numeric(block[488:500], "ctime")
    elif kind == "gnu":
        try:
            for start in (345, 357):
                if block[start]:
                    _numeric(block[start : start + 12], "time")
        except ImageError:  # a buggy GNU header: Go falls back to an ASCII USTAR prefix
            candidate = _cstring(block[345:500])
            prefix = candidate if candidate.isascii() else b""
    if prefix:
        entry.name = prefix + b"/" + entry.name
    return entry


def _pax_records(data):
    """parsePAX/parsePAXRecord: "%d %s=%s\\n" records, strictly."""
    records, sparse = {}, []
    while data:
        length_text, space, _rest = data.partition(b" ")
        if not space or not re.fullmatch(rb"[+-]?[0-9]+", length_text):
            _header_error("PAX record length")
        length = int(length_text)
        if length < 5 or length > len(data) or length <= len(length_text) + 1:
            _header_error("PAX record length")
        record, data = data[len(length_text) + 1 : length], data[length:]
        if not record.endswith(b"\n") or b"=" not in record:
            _header_error("PAX record format")
        key, _eq, value = record[:-1].partition(b"=")
        nul_matters = value if key in (b"path", b"linkpath", b"uname", b"gname") else key
        if not key or b"\0" in nul_matters:
            _header_error("PAX record key or value")
        if key in (b"GNU.sparse.offset", b"GNU.sparse.numbytes"):
            expected = b"GNU.sparse.offset" if len(sparse) % 2 == 0 else b"GNU.sparse.numbytes"
            if key != expected or b"," in value:
                _header_error("PAX sparse map")
            sparse.append(value)
            continue
        records[key] = value
    if sparse:
        records[b"GNU.sparse.map"] = b",".join(sparse)
    return records


def _go_parse_int(text):
    """strconv.ParseInt(s, 10, 64), or None."""
    if not re.fullmatch(rb"[+-]?[0-9]+", text) or not -(1 << 63) <= int(text) <= INT64_MAX:
        return None
    return int(text)


def _merge_pax(entry, records):
    """mergePAX: path, linkpath and size replace the header's; numbers and times must parse."""
    for key, value in records.items():
        if not value:
            continue  # an empty record keeps the header's value
        if key == b"path":
            entry.name = value
        elif key == b"linkpath":
            entry.linkname = value
        elif key in (b"uid", b"gid", b"size"):
            number = _go_parse_int(value)
            if number is None:
                _header_error(f"PAX {key.decode()} record")
            if key == b"size":
                entry.size = number
        elif key in (b"atime", b"mtime", b"ctime"):
            seconds, dot, fraction = value.partition(b".")
            if _go_parse_int(seconds) is None or (dot and fraction and not fraction.isdigit()):
                _header_error(f"PAX {key.decode()} record")
    entry.pax = records


def _is_pax_sparse(records):
    """readGNUSparsePAXHeaders: the records that make Go read a PAX sparse file."""
    major, minor = records.get(b"GNU.sparse.major", b""), records.get(b"GNU.sparse.minor", b"")
    if (major == b"0" and minor in (b"0", b"1")) or (major, minor) == (b"1", b"0"):
        return True
    return not major and not minor and bool(records.get(b"GNU.sparse.map"))


class TarReader:
    """Go's tar Reader.Next over a decompressed stream. Meta headers (PAX 'x', GNU 'L'/'K') are
    read up to Go's 1 MiB limit and no further, so their declared size never reaches memory."""

    def __init__(self, stream):
        self._s, self._left, self._pad = stream, 0, 0

    def _data_size(self, entry):
        """handleRegularFile: how many data bytes follow the header."""
        size = 0 if entry.typeflag in HEADER_ONLY else entry.size
        if size < 0:
            _header_error("negative size")
        return size

    def _special(self, entry):
        """readSpecialFile: the data of a meta header, at most 1 MiB."""
        size = self._data_size(entry)
        data = self._s.read_exact(min(size, MAX_SPECIAL + 1))
        if len(data) > MAX_SPECIAL:
            raise Unreadable(
                f"archive/tar: header field too long (a {'PAX' if entry.typeflag in b'xg' else 'GNU long name'} "
                f"header declares {size} bytes; Go's archive/tar reads at most {MAX_SPECIAL})"
            )
        if len(data) < size:
            raise Unreadable("archive/tar: unexpected EOF in an extended header")
        padding = -size % BLOCK
        self._s.read_exact(padding)  # a short padding at the end reads as the end (tryReadFull)
        return data

    def _header_block(self):
        """readHeader's first part: the next header block, or None at the end of the archive."""
        block = self._s.read_exact(BLOCK)
        if len(block) < BLOCK:
            if block:
                raise Unreadable("archive/tar: unexpected EOF in a header")
            return None  # the file ends at a header boundary: Go's io.EOF
        if block != ZERO_BLOCK:
            return block
        second = self._s.read_exact(BLOCK)
        if len(second) not in (0, BLOCK):
            raise Unreadable("archive/tar: unexpected EOF after a zero block")
        if second and second != ZERO_BLOCK:
            _header_error("a zero block followed by a non-zero block")
        return None  # one or two zero blocks: the end of the archive

    def next(self):
        """The next entry, or None at the end of the archive."""
        pax, long_name, long_link = {}, b"", b""
        while True:
            if not self._s.skip(self._left):
                raise Unreadable("archive/tar: unexpected EOF in an entry's data")
            padding = self._s.read_exact(self._pad)
            if len(padding) < self._pad:
                return None  # tryReadFull: a cut in the last padding reads as the end
            self._left = self._pad = 0
            block = self._header_block()
            if block is None:
                return None
            entry = _parse_header(block)
            self._data_size(entry)
            if entry.typeflag in b"xg":
                pax = _pax_records(self._special(entry))
                if entry.typeflag == ord("g"):
                    _merge_global(entry, pax)
                    return entry
                continue
            if entry.typeflag in b"LK":
                value = _cstring(self._special(entry))
                long_name, long_link = (value, long_link) if entry.typeflag == ord("L") else (long_name, value)
                continue
            return self._file(entry, pax, long_name, long_link)

    def _file(self, entry, pax, long_name, long_link):
        _merge_pax(entry, pax)
        entry.name = long_name or entry.name
        entry.linkname = long_link or entry.linkname
        if entry.typeflag == 0:  # TypeRegA: a directory when the name ends in a slash
            entry.typeflag = ord("5") if entry.name.endswith(b"/") else ord("0")
        if entry.typeflag == ord("S") or _is_pax_sparse(pax):
            raise ImageError(
                f"entry {show_name(entry.name)} is a sparse file (refused by this module: rkt cannot extract the old "
                "GNU sparse type, and GNU tar writes sparse files only with --sparse)"
            )
        self._left = self._data_size(entry)
        self._pad = -self._left % BLOCK
        return entry

    def read_data(self, limit):
        """The current entry's data, or None when it is longer than `limit`."""
        if self._left > limit:
            return None
        data = self._s.read_exact(self._left)
        if len(data) < self._left:
            raise Unreadable("archive/tar: unexpected EOF in an entry's data")
        self._left = 0
        return data


def _merge_global(entry, records):
    """A global header ('g') is returned as an entry; its own records may rename it."""
    if records.get(b"path"):
        entry.name = records[b"path"]
    entry.pax = records


def show_name(name):
    return repr(name.decode("utf-8", "backslashreplace"))

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""OpenPGP data as rkt 1.30.0's OpenPGP library (golang.org/x/crypto/openpgp as vendored by rkt)
reads it, structure only (the cryptography is left to gpgv, gpg_tools.py): ASCII armor
(armor.Decode, with its mandatory CRC-24 line), packet framing (packet.readHeader, old and new
formats, partial lengths, MPIs) and signature packets (Signature.parse, SignatureV3.parse and
their subpackets). read_signature decides, as rkt's keystore.checkSignature does, whether a
detached signature file is one rkt can check at all."""

from __future__ import annotations

import base64
import binascii

from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_errors import (
    Fatal,
    GpgError,
    Structural,
    Unsupported,
)

ALGORITHMS = {1: "RSA", 2: "RSA", 3: "RSA", 16: "ElGamal", 17: "DSA", 18: "ECDH", 19: "ECDSA", 22: "EdDSA"}
SIGNATURE_ALGORITHMS = {1, 3, 17, 19}  # Signature.parse
V3_SIGNATURE_ALGORITHMS = {1, 3, 17}
HASHES = {1: "MD5", 2: "SHA1", 3: "RIPEMD160", 8: "SHA256", 9: "SHA384", 10: "SHA512", 11: "SHA224"}


def armor_decode(data):
    """armor.Decode: the first "-----BEGIN <type>-----" line shorter than the 100-byte line
    buffer, headers up to a blank line, a base64 body and a mandatory "=XXXX" CRC-24 line.
    Returns (type, body), or None when no armored block starts (Go's io.EOF)."""
    lines = data.split(b"\n")
    index = 0
    while index < len(lines):
        line = lines[index].rstrip(b"\r")
        index += 1
        stripped = line.strip()
        if len(line) < 100 and len(stripped) > 16 and stripped.startswith(b"-----BEGIN "):
            kind = stripped[len(b"-----BEGIN ") : -5].decode("latin-1")
            headers_end = _armor_headers(lines, index)
            if headers_end is None:
                return None  # EOF inside the headers: Go's Decode returns io.EOF
            if headers_end < 0:
                continue  # a header line without ": ": Go looks for the next BEGIN line
            return kind, _armor_body(lines, headers_end)
    return None


def _armor_headers(lines, index):
    """The index after the blank line ending the headers; -1 when a header line is malformed;
    None at the end of the data."""
    while index < len(lines):
        line = lines[index].rstrip(b"\r").strip()
        index += 1
        if not line:
            return index
        if b": " not in line:
            return -1
    return None


def _armor_body(lines, index):
    body, crc = [], None
    for raw in lines[index:]:
        line = raw.rstrip(b"\r")
        if crc is not None:
            if not line.startswith(b"-----END "):
                raise Structural("openpgp: invalid data: armor invalid (no END line after the checksum)")
            break
        if len(line) == 5 and line.startswith(b"="):
            crc = _b64(line[1:], 3)
            continue
        if len(line) > 96:
            raise Structural("openpgp: invalid data: armor invalid (a line longer than 96 characters)")
        body.append(line)
    if crc is None:
        raise Structural('armor: no "=XXXX" CRC-24 line before the END line, which rkt\'s library requires')
    payload = _b64(b"".join(body), None)
    if _crc24(payload) != int.from_bytes(crc, "big"):
        raise Structural("openpgp: invalid data: armor invalid (CRC-24 mismatch)")
    return payload


def _b64(text, size):
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Structural("armor: illegal base64 data") from None
    if size is not None and len(decoded) != size:
        raise Structural("armor: bad CRC-24 line")
    return decoded


def _crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


class Packet:
    __slots__ = ("body", "offset", "raw", "tag", "truncated")

    def __init__(self, tag, body, raw, offset=0):
        self.tag, self.body, self.raw, self.offset, self.truncated = tag, body, raw, offset, False


def _length(data, pos):
    """readLength (new format): (length, partial, next position)."""
    first = data[pos]
    if first < 192:
        return first, False, pos + 1
    if first < 224:
        return ((first - 192) << 8) + data[pos + 1] + 192, False, pos + 2
    if first < 255:
        return 1 << (first & 0x1F), True, pos + 1
    return int.from_bytes(data[pos + 1 : pos + 5], "big"), False, pos + 5


def read_packet(data, pos):
    """packet.readHeader: one packet at `pos` -> (Packet, next position); partial lengths are
    joined. A packet cut short keeps what is there (`truncated`): Go fails only when a parser
    needs the missing bytes, and never for a packet type it skips."""
    start = pos
    try:
        tag_byte = data[pos]
        if not tag_byte & 0x80:
            raise Structural("openpgp: invalid data: tag byte does not have MSB set")
        if not tag_byte & 0x40:  # old format
            tag, kind, pos = (tag_byte & 0x3F) >> 2, tag_byte & 3, pos + 1
            if kind == 3:
                return Packet(tag, data[pos:], data[start:], start), len(data)
            size = 1 << kind
            if pos + size > len(data):
                raise IndexError
            length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
            body = data[pos : pos + length]
        else:
            tag, body = tag_byte & 0x3F, b""
            length, partial, pos = _length(data, pos + 1)
            while partial:
                body, pos = body + data[pos : pos + length], pos + length
                length, partial, pos = _length(data, pos)
            body += data[pos : pos + length]
    except IndexError:
        raise Fatal("unexpected EOF inside an OpenPGP packet header") from None
    end = min(pos + length, len(data))
    packet = Packet(tag, bytes(body), data[start:end], start)
    packet.truncated = pos + length > len(data)
    return packet, end


class Signature:
    """What CheckDetachedSignature takes from a signature packet."""

    __slots__ = ("algorithm", "creation", "flags", "hash", "issuer", "issuer_fingerprint", "primary_uid", "raw")
    __slots__ += ("revocation_reason", "rsa_length", "type", "version")

    def __init__(self):
        self.issuer = self.issuer_fingerprint = self.flags = self.revocation_reason = self.creation = None
        self.rsa_length = None
        self.primary_uid = False


def subpacket_length(data, pos):
    first = data[pos]
    if first < 192:
        return first, pos + 1
    if first < 255:
        if pos + 1 >= len(data):
            raise Structural("openpgp: invalid data: signature subpacket truncated")
        return ((first - 192) << 8) + data[pos + 1] + 192, pos + 2
    if pos + 4 >= len(data):
        raise Structural("openpgp: invalid data: signature subpacket truncated")
    return int.from_bytes(data[pos + 1 : pos + 5], "big"), pos + 5


def _subpackets(sig, data, hashed):
    """parseSignatureSubpackets: the subpackets rkt's library understands, each with its rules."""
    pos = 0
    while pos < len(data):
        length, pos = subpacket_length(data, pos)
        if length > len(data) - pos:
            raise Structural("openpgp: invalid data: signature subpacket truncated")
        if length == 0:
            raise Structural("openpgp: invalid data: zero length signature subpacket")
        kind, critical, value = data[pos] & 0x7F, data[pos] & 0x80, data[pos + 1 : pos + length]
        pos += length
        _subpacket(sig, kind, critical, value, hashed)
    if sig.creation is None:
        raise Structural("openpgp: invalid data: no creation time in signature")


def _subpacket(sig, kind, critical, value, hashed):
    """parseSignatureSubpacket: the types rkt's library knows, with their length rules; an
    unknown critical one makes the signature unsupported."""
    sizes = {2: 4, 3: 4, 9: 4, 16: 8, 25: 1}
    if kind in sizes and (hashed or kind == 16) and len(value) != sizes[kind]:
        raise Structural(f"openpgp: invalid data: signature subpacket {kind} with bad length")
    if kind == 33 and len(value) == 21:
        sig.issuer_fingerprint = value[1:].hex()  # unknown to rkt's library; kept for messages
    if kind == 2:
        if not hashed:
            raise Structural("openpgp: invalid data: signature creation time in non-hashed area")
        sig.creation = int.from_bytes(value, "big")
    elif kind == 16:
        sig.issuer = value.hex()
    elif kind in (27, 29) and hashed:
        if not value:
            raise Structural(f"openpgp: invalid data: empty {'key flags' if kind == 27 else 'revocation reason'}")
        if kind == 27:
            sig.flags = value[0]
        else:
            sig.revocation_reason = value[0]
    elif kind == 25 and hashed:
        sig.primary_uid = value[0] > 0
    elif kind not in (3, 9, 11, 21, 22, 25, 27, 29) and critical:
        raise Unsupported(f"openpgp: unsupported feature: unknown critical signature subpacket type {kind}")


def parse_signature(body):
    """Signature.parse (version 4) and SignatureV3.parse."""
    sig = Signature()
    try:
        sig.version = body[0]
        if sig.version < 4:
            return _parse_v3(sig, body)
        if sig.version != 4:
            raise Unsupported(f"openpgp: unsupported feature: signature packet version {sig.version}")
        sig.type, sig.algorithm, sig.hash = body[1], body[2], body[3]
        _check_algorithms(sig, SIGNATURE_ALGORITHMS)
        hashed_end = 6 + int.from_bytes(body[4:6], "big")
        if hashed_end > len(body):
            raise IndexError
        _subpackets(sig, body[6:hashed_end], True)
        unhashed_end = hashed_end + 2 + int.from_bytes(body[hashed_end : hashed_end + 2], "big")
        if unhashed_end + 2 > len(body):
            raise IndexError
        _subpackets(sig, body[hashed_end + 2 : unhashed_end], False)
        _signature_mpis(sig, body, unhashed_end + 2)
    except IndexError:
        raise Fatal("unexpected EOF inside a signature packet") from None
    return sig


def _parse_v3(sig, body):
    if sig.version not in (2, 3):
        raise Unsupported(f"openpgp: unsupported feature: signature packet version {sig.version}")
    if len(body) < 2:
        raise Fatal("unexpected EOF inside a signature packet")
    if body[1] != 5:
        raise Unsupported(f"openpgp: unsupported feature: invalid hashed material length {body[1]}")
    if len(body) < 19:
        raise Fatal("unexpected EOF inside a signature packet")
    sig.type, sig.creation, sig.issuer = body[2], int.from_bytes(body[3:7], "big"), body[7:15].hex()
    sig.algorithm, sig.hash = body[15], body[16]
    _check_algorithms(sig, V3_SIGNATURE_ALGORITHMS)
    _signature_mpis(sig, body, 19)
    return sig


def _signature_mpis(sig, body, pos):
    """readMPI for the signature values; an RSA signature's length is kept as read (the bytes
    its bit count names), since rkt's library hands exactly those bytes to Go's crypto/rsa."""
    if sig.algorithm in (1, 3):
        skip_mpis(body, pos, 1)
        sig.rsa_length = (int.from_bytes(body[pos : pos + 2], "big") + 7) // 8
    else:
        skip_mpis(body, pos, 2)


def _check_algorithms(sig, algorithms):
    if sig.algorithm not in algorithms:
        name = ALGORITHMS.get(sig.algorithm, "unknown")
        raise Unsupported(f"openpgp: unsupported feature: public key algorithm {sig.algorithm} ({name})")
    if sig.hash not in HASHES:
        raise Unsupported(f"openpgp: unsupported feature: hash function {sig.hash}")


def read_signature(data):
    """What rkt's keystore.checkSignature reads of a detached signature file: the armored
    "PGP SIGNATURE" block if there is one, else binary data; only the first packet counts, and
    it must be a signature that names its issuer, with a binary or text signature type and a
    hash rkt can compute. Returns (Signature, the packet's bytes) or raises GpgError."""
    armored = armor_decode(data)
    if armored is not None and armored[0] != "PGP SIGNATURE":
        raise GpgError(f"openpgp: invalid argument: expected 'PGP SIGNATURE', got: {armored[0]}")
    body = armored[1] if armored else data
    if not body:
        raise GpgError("keystore: no valid signatures found in signature file")
    packet, _end = read_packet(body, 0)
    if packet.tag != 2:
        raise GpgError(f"openpgp: invalid data: non signature packet found (packet type {packet.tag})")
    sig = parse_signature(packet.body)
    if sig.issuer is None:
        raise GpgError("openpgp: invalid data: signature doesn't have an issuer")
    if sig.hash == 3:
        raise GpgError("openpgp: unsupported feature: hash not available: RIPEMD160 (rkt is built without it)")
    if sig.type not in (0, 1):
        raise GpgError(f"openpgp: unsupported feature: unsupported signature type: {sig.type}")
    return sig, packet.raw


def _mpi_end(body, pos):
    bits = int.from_bytes(body[pos : pos + 2], "big")
    return pos + 2 + (bits + 7) // 8


def skip_mpis(body, pos, count):
    """readMPI `count` times: a truncated one is io.ErrUnexpectedEOF in Go."""
    for _mpi in range(count):
        if pos + 2 > len(body):
            raise Fatal("unexpected EOF inside an OpenPGP packet (MPI)")
        pos = _mpi_end(body, pos)
        if pos > len(body):
            raise Fatal("unexpected EOF inside an OpenPGP packet (MPI)")
    return pos

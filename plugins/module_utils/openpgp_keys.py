# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Key files as rkt 1.30.0's OpenPGP library (golang.org/x/crypto/openpgp as vendored by rkt)
reads them, structure only (the cryptography is left to gpgv, gpg_tools.py): public keys
(PublicKey.parse: the algorithms and curves it knows), entities (ReadEntity: a signing-capable
primary key, user IDs with their self-signatures, subkeys with their bindings, revocations),
key rings (ReadKeyRing, which skips an unsupported or malformed key) and key files
(keystore.entityFromFile: ReadArmoredKeyRing, then the first entity). A key rkt could not read
is refused with the library's own error."""

from __future__ import annotations

import hashlib

from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_errors import Fatal, Structural, Unsupported
from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_packets import (
    ALGORITHMS,
    armor_decode,
    parse_signature,
    read_packet,
    skip_mpis,
    subpacket_length,
)

CAN_SIGN = {1, 3, 17}  # PublicKeyAlgorithm.CanSign: RSA and DSA only (not ECDSA) in this version
NIST_CURVES = {
    bytes.fromhex("2a8648ce3d030107"): "P-256",
    bytes.fromhex("2b81040022"): "P-384",
    bytes.fromhex("2b81040023"): "P-521",
}
CURVE_NAMES = {bytes.fromhex("2b060104019755010501"): "Curve25519", bytes.fromhex("2b06010401da470f01"): "Ed25519"}


class Key:
    """A primary key or subkey as rkt's library holds it."""

    __slots__ = ("algorithm", "binding", "fingerprint", "key_id", "rsa_size")

    def __init__(self, fingerprint, algorithm, rsa_size=None):
        self.fingerprint, self.algorithm, self.binding = fingerprint, algorithm, None
        self.key_id = fingerprint[-16:]
        self.rsa_size = rsa_size  # rsa.PublicKey.Size(): the modulus's length in bytes


def rsa_length_problem(key, sig):
    """Why PublicKey.VerifySignature fails for an RSA signature whose length is not the key's.
    rkt's library hands Go's rsa.VerifyPKCS1v15 the signature as stored, and OpenPGP stores it
    without its leading zero bytes (about one RSA signature in 256 is a byte short). Since Go
    1.15, crypto/rsa refuses a signature of another length than the key (RFC 8017, 8.2.2), so
    rkt 1.30.0 built with Go 1.15 or later, as every build today is, refuses what gpg accepts.
    None when the lengths agree or the key is not RSA."""
    if key.rsa_size is None or sig.rsa_length is None or sig.rsa_length == key.rsa_size:
        return None
    return (
        f"openpgp: invalid signature: RSA verification failure (the signature is {sig.rsa_length} bytes and key "
        f"{key.fingerprint}'s modulus {key.rsa_size}: rkt built with Go 1.15 or later refuses an RSA signature "
        "of another length than its key, which gpg makes about once in 256 signatures)"
    )


class Entity:
    """openpgp.Entity: a primary key, its user IDs' self-signatures, subkeys and revocations;
    `packets` are its bytes, ready for a gpgv keyring."""

    def __init__(self, primary):
        self.primary, self.subkeys, self.self_signatures, self.revoked, self.packets = primary, [], [], False, b""

    @property
    def fingerprint(self):
        return self.primary.fingerprint

    def keys_by_id(self, key_id):
        """KeysById: the primary key and subkeys with that 64-bit ID."""
        return [key for key in (self.primary, *self.subkeys) if key.key_id == key_id]

    def signing_problem(self, key):
        """KeysByIdUsage(id, KeyFlagSign): why rkt would not use `key` to check a signature."""
        if self.revoked:
            return "the key is revoked"
        binding = key.binding if key is not self.primary else self._primary_self_signature()
        if binding is not None and binding.revocation_reason is not None:
            return "its self-signature carries a revocation reason"
        if binding is not None and binding.flags is not None and not binding.flags & 0x02:
            return "its key flags do not allow signing"
        return None

    def _primary_self_signature(self):
        chosen = next((sig for sig in self.self_signatures if sig.primary_uid), None)
        return chosen or (self.self_signatures[0] if self.self_signatures else None)


def parse_public_key(body):
    """PublicKey.parse (version 4 only; a version 3 key is a PublicKeyV3, which rkt's library
    never takes as a primary key and ignores as a subkey). Returns Key, or None for v3."""
    if not body:
        raise Fatal("unexpected EOF inside a key packet")
    if body[0] < 4:
        if len(body) < 8:
            raise Fatal("unexpected EOF inside a key packet")
        if body[0] not in (2, 3):
            raise Unsupported("openpgp: unsupported feature: public key version")
        if body[7] not in (1, 2, 3):
            raise Unsupported(f"openpgp: unsupported feature: public key type: {body[7]}")
        return None
    if body[0] != 4 or len(body) < 6:
        raise Unsupported(f"openpgp: unsupported feature: public key version {body[0]}")
    algorithm, end = body[5], len(body)
    rsa_size = None
    if algorithm in (1, 2, 3):
        exponent = skip_mpis(body, 6, 1)  # the exponent's MPI follows the modulus
        skip_mpis(body, exponent, 1)
        if (int.from_bytes(body[exponent : exponent + 2], "big") + 7) // 8 > 3:
            raise Unsupported("openpgp: unsupported feature: large public exponent")
        rsa_size = (int.from_bytes(body[8:exponent], "big").bit_length() + 7) // 8
    elif algorithm in (18, 19):
        if len(body) > 6 and body[6] > 8:  # maxOIDLength
            curve = CURVE_NAMES.get(body[7 : 7 + body[6]], "unknown")
            raise Unsupported(f"openpgp: unsupported feature: invalid oid length: {body[6]} (curve {curve})")
        oid = body[7 : 7 + body[6]] if len(body) > 6 else b""
        if oid not in NIST_CURVES:
            curve = CURVE_NAMES.get(oid, "unknown")
            raise Unsupported(f"openpgp: unsupported feature: unsupported oid: {oid.hex()} (curve {curve})")
        if len(body) < 7 + body[6]:
            raise Fatal("unexpected EOF inside an OpenPGP packet (OID)")
        point_end = skip_mpis(body, 7 + body[6], 1)
        if algorithm == 18:
            kdf = point_end
            if kdf >= end or body[kdf] < 3 or kdf + 1 >= end or body[kdf + 1] != 1:
                raise Unsupported("openpgp: unsupported feature: Unsupported ECDH KDF parameters")
    elif algorithm in (16, 17):
        skip_mpis(body, 6, 3 if algorithm == 16 else 4)
    else:
        name = ALGORITHMS.get(algorithm, "unknown")
        raise Unsupported(f"openpgp: unsupported feature: public key type: {algorithm} ({name})")
    fingerprint = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest()  # noqa: S324 - RFC 4880
    return Key(fingerprint, algorithm, rsa_size)


_UNKNOWN = object()


class _PacketReader:
    """packet.Reader: Next skips packet types the library does not know; Unread pushes back."""

    def __init__(self, body):
        self.body, self.pos, self.queue = body, 0, []

    def next(self):
        """(Packet, parsed) or None at the end; parse errors propagate as x/crypto's do."""
        if self.queue:
            return self.queue.pop()
        while self.pos < len(self.body):
            packet, self.pos = read_packet(self.body, self.pos)
            parsed = _parse(packet)
            if parsed is not _UNKNOWN:
                return packet, parsed
        return None

    def unread(self, item):
        self.queue.append(item)


def _parse(packet):
    if packet.tag in (5, 7):
        raise Fatal("the key file holds a secret key (refused by this module: a trust store holds public keys)")
    if packet.tag in (6, 14):
        return parse_public_key(packet.body)
    if packet.tag == 2:
        return parse_signature(packet.body)
    if packet.tag in (13, 17) and packet.truncated:
        raise Fatal("unexpected EOF inside a user ID packet")
    if packet.tag == 17:
        _user_attribute(packet.body)
    if packet.tag in (1, 3, 4, 8, 9, 11, 18):
        raise Fatal(
            f"the key file holds an OpenPGP packet of type {packet.tag}, which is no part of a key (refused by this "
            "module: rkt's library reads such a packet only partly and misreads what follows)"
        )
    return None if packet.tag in (13, 17) else _UNKNOWN


def _user_attribute(body):
    """UserAttribute.parse (OpaqueSubpackets): each subpacket's length must fit."""
    pos = 0
    while pos < len(body):
        header = 1 if body[pos] < 192 else 2 if body[pos] < 255 else 5
        if len(body) - pos < header + 1:
            raise Structural("openpgp: invalid data: subpacket truncated")
        length, start = subpacket_length(body, pos)
        if length == 0 or length > len(body) - start:
            raise Structural("openpgp: invalid data: subpacket truncated")
        pos = start + length


def _is_v4_signature(item):
    return item is not None and item[0].tag == 2 and item[1].version == 4


def _read_entity(reader):
    """ReadEntity. Returns Entity, or None at the end of the packets."""
    item = reader.next()
    if item is None:
        return None
    start = item[0].offset
    if item[0].tag not in (6, 14) or item[1] is None:
        reader.unread(item)
        raise Structural("openpgp: invalid data: first packet was not a public/private key")
    entity = Entity(item[1])
    if entity.primary.algorithm not in CAN_SIGN:
        raise Structural("openpgp: invalid data: primary key cannot be used for signatures")
    identities, revocations = 0, []
    while True:
        item = reader.next()
        if item is None:
            break
        packet, parsed = item
        if packet.tag == 13:
            identities += 1
            _self_signature(reader, entity)
        elif packet.tag == 2 and parsed.version == 4:
            _key_signature(parsed, identities, revocations)
        elif packet.tag == 6 and parsed is not None:
            reader.unread(item)
            break
        elif packet.tag == 14 and parsed is not None:
            _add_subkey(reader, entity, parsed)
    if not identities:
        raise Structural("openpgp: invalid data: entity without any identities")
    _check_revocations(entity, revocations)
    end = reader.queue[-1][0].offset if reader.queue else reader.pos
    entity.packets = reader.body[start:end]
    return entity


def _self_signature(reader, entity):
    """After a user ID: signatures up to the primary key's own certification of it."""
    while True:
        item = reader.next()
        if item is None:
            raise Fatal("unexpected EOF after a user ID")
        if not _is_v4_signature(item):
            raise Structural("openpgp: invalid data: user ID packet not followed by self-signature")
        sig = item[1]
        if sig.type in (0x10, 0x13) and sig.issuer == entity.primary.key_id:
            problem = rsa_length_problem(entity.primary, sig)  # VerifyUserIdSignature
            if problem:
                raise Structural(f"openpgp: invalid data: user ID self-signature invalid: {problem}")
            entity.self_signatures.append(sig)
            return


def _key_signature(sig, identities, revocations):
    if sig.type == 0x20:
        revocations.append(sig)
    elif sig.type != 0x1F and not identities:
        raise Structural("openpgp: invalid data: signature packet found before user id packet")


def _check_revocations(entity, revocations):
    """VerifyRevocationSignature with the primary key: one it cannot verify (made by another
    key, or of another length) makes the whole entity unreadable."""
    for sig in revocations:
        other_key = sig.issuer is not None and sig.issuer != entity.primary.key_id
        problem = rsa_length_problem(entity.primary, sig)
        if other_key or problem:
            why = f" ({problem})" if problem else ""
            raise Structural(f"openpgp: invalid data: revocation signature signed by alternate key{why}")
        entity.revoked = True


def _add_subkey(reader, entity, key):
    """addSubkey: a subkey must be followed by its binding (or revocation) signature."""
    try:
        item = reader.next()
    except (Unsupported, Structural) as exc:
        raise Structural(f"openpgp: invalid data: subkey signature invalid: {exc}") from None
    if item is None:
        raise Fatal("unexpected EOF after a subkey")
    if not _is_v4_signature(item):
        raise Structural("openpgp: invalid data: subkey packet not followed by signature")
    if item[1].type not in (0x18, 0x28):
        raise Structural("openpgp: invalid data: subkey signature with wrong type")
    problem = rsa_length_problem(entity.primary, item[1])  # VerifyKeySignature
    if problem:
        raise Structural(f"openpgp: invalid data: subkey signature invalid: {problem}")
    key.binding = item[1]
    entity.subkeys.append(key)


def _skip_to_next_key(reader):
    """readToNextPublicKey: False at the end of the packets."""
    while True:
        try:
            item = reader.next()
        except Unsupported:
            continue
        if item is None:
            return False
        if item[0].tag == 6 and item[1] is not None:
            reader.unread(item)
            return True


def read_key_ring(body):
    """ReadKeyRing: the readable entities; an unsupported or malformed one is skipped, and the
    last such error is the result when none is left."""
    reader, entities, last = _PacketReader(body), [], None
    while True:
        try:
            entity = _read_entity(reader)
        except (Unsupported, Structural) as exc:
            last = exc
            if not _skip_to_next_key(reader):
                break
            continue
        if entity is None:
            break
        entities.append(entity)
    if not entities:
        raise last or Fatal("missing opengpg entity")
    return entities


def read_key_file(data):
    """keystore.entityFromFile: ReadArmoredKeyRing (armored only: the first block, which must
    be a public or private key block), then the first entity."""
    armored = armor_decode(data)
    if armored is None:
        raise Fatal("openpgp: invalid argument: no armored data found (rkt reads only ASCII-armored key files)")
    if armored[0] not in ("PGP PUBLIC KEY BLOCK", "PGP PRIVATE KEY BLOCK"):
        raise Fatal(f"openpgp: invalid argument: expected public or private key block, got: {armored[0]}")
    return read_key_ring(armored[1])[0]

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""rkt's trust store, read as rkt 1.30.0 reads it (pkg/keystore/keystore.go loadKeyring and
entityFromFile, Go's path/filepath.Walk, x/crypto/openpgp ReadArmoredKeyRing).

Each root (local /etc/rkt, system /usr/lib/rkt) has trustedkeys/root.d/<fingerprint> and
trustedkeys/prefix.d/<prefix>/<fingerprint>. The rules, each with a test in
tests/unit/test_rkt_keystore.py named after it:
  R1 order: system root.d, local root.d, system prefix.d, local prefix.d; a later key file with
     the same fingerprint replaces an earlier one.
  R2 mask: an empty file removes the key of that fingerprint loaded before it (so a local empty
     file masks a system key). Empty means the size lstat reports: a symlink is never empty.
  R3 root.d keys trust every image; only files directly in root.d count.
  R4 prefix.d is walked from prefix.d/<first path component of the image name>; a directory is
     entered when the path prefix.d/<image name> starts with the directory's path as a string,
     so prefix.d/example.com/app trusts example.com/app, example.com/app/x and also
     example.com/apple; every file in an entered directory is loaded.
  R5 a key file's name must be its first key's fingerprint (40 lowercase hex); otherwise
     loading fails, and with it every image whose walk reaches the file.
  R6 prefixes and image names are AC Identifiers.
  R7 the walk uses lstat (filepath.Walk): a symlink is a key file whatever it points to, and
     reading it follows it, so a dangling symlink, a symlink to a directory or to an empty file
     fails the load; a directory is read before rkt decides to skip it.
  R8 a key file is ASCII-armored (ReadArmoredKeyRing): the first armored block, a public key
     block, whose first key rkt's OpenPGP library can read; binary key files, EdDSA keys and
     keys with Curve25519 subkeys fail the load.
A trust store that rkt would fail to load fails here too, naming the file and the reason."""

from __future__ import annotations

import os
import re
import stat

from ansible_collections.rktnetes.cluster.plugins.module_utils import openpgp
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_types import is_ac_identifier

FINGERPRINT = re.compile(r"^[0-9a-f]{40}\Z")
DEFAULT_ROOTS = ("/etc/rkt/trustedkeys", "/usr/lib/rkt/trustedkeys")
MAX_KEY_FILE = 16 << 20  # module bound: a real key file is a few kB
# Seen on a lab host: `rkt run` -> "openpgp: unsupported feature: public key type: 22".
UNREADABLE_BY_RKT = {22: "an EdDSA (ed25519) key"}


class KeystoreError(Exception):
    """The trust store cannot be read as rkt would read it."""


def normalize_fingerprint(text):
    value = re.sub(r"\s+", "", str(text or "")).lower()
    value = value[2:] if value.startswith("0x") else value
    if not FINGERPRINT.match(value):
        raise KeystoreError(f"fingerprint {text!r} is not 40 hexadecimal digits")
    return value


def check_prefix(prefix):
    if not is_ac_identifier(prefix):
        raise KeystoreError(
            f"prefix {prefix!r} is not an AC Identifier (lowercase letters, digits, and -._~/ between them)"
        )
    return prefix


def read_key(path):
    """keystore.entityFromFile's reading of one key file: the file it names (symlinks followed),
    as rkt's OpenPGP library reads it. Returns openpgp.Entity or raises KeystoreError."""
    try:
        target = os.stat(path)
    except FileNotFoundError:
        raise KeystoreError(f"{path}: a symlink to nothing (rkt: open: no such file or directory)") from None
    except OSError as exc:
        raise KeystoreError(f"{path}: {exc.strerror}") from None
    if stat.S_ISDIR(target.st_mode):
        raise KeystoreError(f"{path}: a symlink to a directory (rkt: read: is a directory)")
    if not stat.S_ISREG(target.st_mode):
        raise KeystoreError(f"{path}: not a regular file (rkt would block or fail reading it)")
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise KeystoreError(f"{path}: {exc.strerror}") from None
    if len(data) > MAX_KEY_FILE:
        raise KeystoreError(f"{path}: larger than {MAX_KEY_FILE} bytes (a module limit)")
    try:
        return openpgp.read_key_file(data)
    except openpgp.GpgError as exc:
        raise KeystoreError(f"{path}: {_readable(exc)}") from None


def _readable(exc):
    """rkt's own words, with what they mean when they are not obvious."""
    text = str(exc)
    if "public key type: 22" in text or "curve Curve25519" in text or "curve Ed25519" in text:
        text += f" - {openpgp.RKT_LIBRARY} cannot read EdDSA or Curve25519 keys: use an RSA key"
    if "RSA verification failure" in text:
        text += (
            " - let gpg make the key's self-signatures anew (for example gpg --quick-set-expire with its expiry)"
            " and export it with --export-options export-minimal, or use a new key"
        )
    return text


def _lstat(path):
    """os.Lstat as filepath.Walk uses it: None when the path does not exist."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeystoreError(f"{path}: {exc.strerror}") from None


def _walk(path, info, full_path):
    """filepath.Walk (Go 1.19) with keystore.go's walk function from `path`: a directory's names
    are read in byte order, and it is entered only when full_path starts with its path. Yields
    the paths and lstat results of the non-directories found."""
    if not stat.S_ISDIR(info.st_mode):
        yield path, info
        return
    try:
        names = sorted(os.listdir(os.fsencode(path)))
    except OSError as exc:
        raise KeystoreError(f"{path}: cannot read the directory: {exc.strerror}") from None
    if not full_path.startswith(path):
        return
    for name in names:
        child = os.path.join(path, os.fsdecode(name))
        child_info = _lstat(child)
        if child_info is not None:
            yield from _walk(child, child_info, full_path)


def _passes(image_name, roots):
    """loadKeyring's four walks: (walk root, full path, base for trusted_by), lowest first."""
    first = image_name.split("/")[0]
    roots = [os.path.normpath(root) for root in roots]
    passes = [(os.path.join(root, "root.d"), os.path.join(root, "root.d"), "root") for root in reversed(roots)]
    for root in reversed(roots):
        prefix_d = os.path.join(root, "prefix.d")
        passes.append((os.path.join(prefix_d, first), os.path.join(prefix_d, image_name), prefix_d))
    return passes


def trusted_keys(image_name, roots=DEFAULT_ROOTS, read=read_key):
    """{fingerprint: {'path', 'trusted_by', 'entity'}} of the keys rkt would trust for
    `image_name`, or KeystoreError when rkt would fail to load them.

    `roots` are trustedkeys directories, local first (rkt's order of precedence); `read(path)`
    reads one key file (read_key)."""
    if not is_ac_identifier(image_name):
        raise KeystoreError(f"image name {image_name!r} is not an AC Identifier")
    keys = {}
    for walk_root, full_path, base in _passes(image_name, roots):
        info = _lstat(walk_root)
        if info is None:
            continue
        for path, file_info in _walk(walk_root, info, full_path):
            _load(keys, path, file_info, base, read)
    return keys


def _load(keys, path, info, base, read):
    name = os.path.basename(path)
    if info.st_size == 0:
        keys.pop(name, None)
        return
    entity = read(path)
    if entity.fingerprint != name:
        raise KeystoreError(
            f"{path}: the file name is not the key's fingerprint {entity.fingerprint} "
            "(rkt: fingerprint mismatch; it refuses the whole store for this image)"
        )
    trusted_by = "root" if base == "root" else "prefix:" + os.path.relpath(os.path.dirname(path), base)
    keys[name] = {"path": path, "trusted_by": trusted_by, "entity": entity}


def every_key(roots=DEFAULT_ROOTS):
    """Every key file rkt can read anywhere in the stores, for a signature check before the
    image's name is known: ({fingerprint: [path, ...]}, {key ID: [Entity, ...]}, [unreadable
    file and why, ...]). An unreadable file fails the load later if the image's walk reaches it."""
    paths, by_id, unreadable = {}, {}, []
    for root in roots:
        for top in ("root.d", "prefix.d"):
            for directory, _dirs, files in os.walk(os.path.join(root, top)):
                for name in sorted(files):
                    _collect(os.path.join(directory, name), paths, by_id, unreadable)
    return paths, by_id, unreadable


def _collect(path, paths, by_id, unreadable):
    try:
        if os.lstat(path).st_size == 0:
            return
        entity = read_key(path)
    except KeystoreError as exc:
        unreadable.append(str(exc))
        return
    except OSError as exc:
        unreadable.append(f"{path}: {exc.strerror}")
        return
    if entity.fingerprint in paths:
        paths[entity.fingerprint].append(path)
        return
    paths[entity.fingerprint] = [path]
    for key in (entity.primary, *entity.subkeys):
        by_id.setdefault(key.key_id, []).append(entity)


def key_path(store, fingerprint, prefix=None, root=False):
    """Where rkt keeps a key: <store>/root.d/<fp> or <store>/prefix.d/<prefix>/<fp>."""
    fingerprint = normalize_fingerprint(fingerprint)
    if root:
        return os.path.join(store, "root.d", fingerprint)
    return os.path.join(store, "prefix.d", check_prefix(prefix), fingerprint)


def validate_key(data, fingerprint=None, allow_multiple=False, key_info=None):
    """The first key of `data` (as rkt stores it under that key's fingerprint), or KeystoreError
    when it is not a public key, holds a secret key, holds several keys unless allowed, is not
    one rkt's OpenPGP library reads (binary, EdDSA, Curve25519 subkey...) or does not match
    `fingerprint`. `key_info` is openpgp.key_info (passed in to keep this module gpg-free)."""
    if not data or not data.strip():
        raise KeystoreError("the key is empty")
    keys = key_info(data)
    if any(key["secret"] for key in keys):
        raise KeystoreError("this is a secret key: give rkt only the public key (gpg --armor --export)")
    if len(keys) > 1 and not allow_multiple:
        listed = ", ".join(key["fingerprint"] for key in keys)
        raise KeystoreError(f"the data holds {len(keys)} keys ({listed}); give one, or set allow_multiple")
    key = keys[0]
    if key.get("algorithm") in UNREADABLE_BY_RKT:
        raise KeystoreError(
            f"key {key['fingerprint']} is {UNREADABLE_BY_RKT[key['algorithm']]}, which rkt's OpenPGP library "
            "(golang.org/x/crypto/openpgp) cannot read: rkt would refuse every image it signed; use an RSA key"
        )
    _readable_by_rkt(data, key)
    if fingerprint is not None and key["fingerprint"] != normalize_fingerprint(fingerprint):
        raise KeystoreError(
            f"the key's fingerprint is {key['fingerprint']}, not the pinned {normalize_fingerprint(fingerprint)}"
        )
    return key


def _readable_by_rkt(data, key):
    """R5/R8: rkt reads the stored file with ReadArmoredKeyRing and names it after its first key."""
    try:
        entity = openpgp.read_key_file(data)
    except openpgp.GpgError as exc:
        raise KeystoreError(f"rkt could not read this key file: {_readable(exc)}") from None
    if entity.fingerprint != key["fingerprint"]:
        raise KeystoreError(
            f"rkt reads {entity.fingerprint} as the first key of this data, GnuPG reads {key['fingerprint']}: "
            "give the key alone"
        )

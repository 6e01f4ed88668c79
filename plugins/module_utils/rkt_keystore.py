# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""rkt's trust store, read as rkt reads it (rkt pkg/keystore/keystore.go, loadKeyring).

Each root (local /etc/rkt, system /usr/lib/rkt) has trustedkeys/root.d/<fingerprint> and
trustedkeys/prefix.d/<prefix>/<fingerprint>. The rules taken from keystore.go, each with a test
in tests/unit/test_rkt_keystore.py named after it:
  R1 order: system root.d, local root.d, system prefix.d, local prefix.d; a later key file with
     the same fingerprint replaces an earlier one.
  R2 mask: an empty file removes the key of that fingerprint loaded before it (so a local empty
     file masks a system key).
  R3 root.d keys trust every image; only files directly in root.d count.
  R4 prefix.d is walked from prefix.d/<first path component of the image name>; a directory is
     entered when the path prefix.d/<image name> starts with the directory's path as a string,
     so prefix.d/example.com/app trusts example.com/app, example.com/app/x and also
     example.com/apple; every file in an entered directory is loaded.
  R5 a key file's name must be its fingerprint (40 lowercase hex); otherwise loading fails.
  R6 prefixes and image names are AC Identifiers."""

from __future__ import annotations

import os
import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci import is_ac_identifier

FINGERPRINT = re.compile(r"^[0-9a-f]{40}\Z")
DEFAULT_ROOTS = ("/etc/rkt/trustedkeys", "/usr/lib/rkt/trustedkeys")
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


def _walk(root, full_path):
    """Go's filepath.Walk from `root` in lexical order, entering a directory only when full_path
    starts with its path (keystore.go's walk function). Yields file paths."""
    if not os.path.isdir(root):
        return
    if not full_path.startswith(root):
        return
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(path):  # Go's Walk uses Lstat
            yield from _walk(path, full_path)
        else:
            yield path


def trusted_keys(image_name, roots=DEFAULT_ROOTS, fingerprint_of=None):
    """{fingerprint: {'path', 'trusted_by'}} of the keys rkt would trust for `image_name`.

    `roots` are trustedkeys directories, local first (rkt's order of precedence).
    `fingerprint_of(path)` returns the primary key fingerprint of a key file."""
    if not is_ac_identifier(image_name):
        raise KeystoreError(f"image name {image_name!r} is not an AC Identifier")
    first = image_name.split("/")[0]
    passes = [(os.path.join(root, "root.d"), os.path.join(root, "root.d"), "root") for root in reversed(roots)]
    passes += [
        (
            os.path.join(root, "prefix.d", first),
            os.path.join(root, "prefix.d", image_name),
            os.path.join(root, "prefix.d"),
        )
        for root in reversed(roots)
    ]
    keys = {}
    for walk_root, full_path, base in passes:
        for path in _walk(walk_root, full_path):
            name = os.path.basename(path)
            if os.path.getsize(path) == 0:
                keys.pop(name, None)
                continue
            actual = fingerprint_of(path)
            if actual != name:
                raise KeystoreError(
                    f"{path}: the file name is not the key's fingerprint {actual}; rkt refuses such a store"
                )
            trusted_by = "root" if base == "root" else "prefix:" + os.path.relpath(os.path.dirname(path), base)
            keys[name] = {"path": path, "trusted_by": trusted_by}
    return keys


def key_path(store, fingerprint, prefix=None, root=False):
    """Where rkt keeps a key: <store>/root.d/<fp> or <store>/prefix.d/<prefix>/<fp>."""
    fingerprint = normalize_fingerprint(fingerprint)
    if root:
        return os.path.join(store, "root.d", fingerprint)
    return os.path.join(store, "prefix.d", check_prefix(prefix), fingerprint)


def validate_key(data, fingerprint=None, allow_multiple=False, key_info=None):
    """The first key of `data` (as rkt stores it under that key's fingerprint), or KeystoreError
    when it is not a public key, holds a secret key, holds several keys unless allowed, or does not
    match `fingerprint`. `key_info` is openpgp.key_info (passed in to keep this module gpg-free)."""
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
    if fingerprint is not None and key["fingerprint"] != normalize_fingerprint(fingerprint):
        raise KeystoreError(
            f"the key's fingerprint is {key['fingerprint']}, not the pinned {normalize_fingerprint(fingerprint)}"
        )
    return key

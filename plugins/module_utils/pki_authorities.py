# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The pki role's certificate authorities and its service-account key pair, made on the controller
in the same module run as the leaf certificates: a key is made only where none is (never
replaced), a CA certificate is self-signed only where none is (or when asked to replace it)."""

from __future__ import annotations

import datetime
import os
import secrets
import string

from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import private_directory, write_atomically
from ansible_collections.rktnetes.cluster.plugins.module_utils.leaf_certificates import (
    LeafError,
    certificate_builder,
    describe,
    public_der,
    read_cert,
    read_key,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
except ImportError:  # leaf_certificates reports it (CRYPTOGRAPHY_ERROR)
    pass


def key_pem(key):
    """PKCS#1 / SEC 1 PEM, what community.crypto's openssl_privatekey wrote for these keys before,
    so that every reader of the earlier files reads the new ones."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def self_signed(key, common_name, now, days):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        certificate_builder(name, name, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )  # digitalSignature, keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def ensure_authorities(directory, authorities, days, replace=False, check_mode=False, now=None):
    """Each CA of `authorities` ({file name: common name}) has a key (ECDSA P-256) and a self-signed
    certificate. Returns (keys made, CA certificates issued, {name: (cert, key)} as they are now,
    before/after descriptions). Every CA is read and checked before anything is written; in check
    mode the would-be files are returned, not written."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    found = {}
    for name, common_name in authorities.items():
        if not name or "/" in name or not common_name:
            raise LeafError(f"authority {name!r}: needs a file name without '/' and a common name")
        key_path, cert_path = (os.path.join(directory, f"{name}.{ext}") for ext in ("key", "crt"))
        key, cert = read_key(key_path), read_cert(cert_path)
        if cert is not None and key is None:
            raise LeafError(f"CA {name}: {cert_path} is there without its key {key_path}; put the key back")
        if cert is not None and public_der(cert.public_key()) != public_der(key.public_key()):
            raise LeafError(f"CA {name}: {cert_path} is not a certificate of {key_path}; put the matching pair back")
        found[name] = (common_name, key_path, cert_path, key, cert)
    made, issued, loaded, before, after = [], [], {}, {}, {}
    for name, (common_name, key_path, cert_path, key, cert) in found.items():
        if key is None:
            made.append(name)
            key = ec.generate_private_key(ec.SECP256R1())
            if not check_mode:
                write_atomically(key_path, key_pem(key), 0o600)
        if cert is None or replace:
            new = self_signed(key, common_name, now, days)
            issued.append(name)
            before[name], after[name] = describe(cert), describe(new)
            if not check_mode:
                write_atomically(cert_path, new.public_bytes(serialization.Encoding.PEM), 0o644)
            cert = new
        loaded[name] = (cert, key)
    return made, issued, loaded, before, after


def ensure_key_pairs(directory, names, check_mode=False):
    """Each name has <name>.key (RSA 2048, never replaced) and <name>.pub, its public key (written
    when missing or not that key's). Returns (keys made, public keys written)."""
    made, written = [], []
    for name in names:
        if not name or "/" in name:
            raise LeafError(f"key pair {name!r}: needs a file name without '/'")
        key_path = os.path.join(directory, f"{name}.key")
        key = read_key(key_path)
        if key is None:
            made.append(name)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if not check_mode:
                write_atomically(key_path, key_pem(key), 0o600)
        pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        pub_path = os.path.join(directory, f"{name}.pub")
        try:
            with open(pub_path, "rb") as stream:
                current = stream.read()
        except FileNotFoundError:
            current = None
        if current != pub:
            written.append(name)
            if not check_mode:
                write_atomically(pub_path, pub, 0o644)
    return made, written


SECRET_CHARACTERS = string.ascii_letters + string.digits


def ensure_secrets(entries, check_mode=False):
    """Each entry {path, length} is a file of `length` random letters and digits (and a newline), made where none
    is (never replaced; its directory made private when missing) and kept 0600. Returns (paths
    made, paths whose mode was set); never a secret."""
    made, fixed = [], []
    for entry in entries:
        path, length = entry["path"], entry["length"]
        if not os.path.isabs(path) or length < 16:
            raise LeafError(f"secret {path}: needs an absolute path and a length of 16 or more")
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            made.append(path)
            if not check_mode:
                private_directory(os.path.dirname(path), set_mode=False)
                value = "".join(secrets.choice(SECRET_CHARACTERS) for _position in range(length))
                # a newline after it, as in the key files ansible's password lookup wrote for
                # earlier releases: pki_store compares a host's EncryptionConfig in that form
                write_atomically(path, value.encode() + b"\n", 0o600)
            continue
        if mode != 0o600:
            fixed.append(path)
            if not check_mode:
                os.chmod(path, 0o600)
    return made, fixed

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Leaf certificates signed by the cluster's own CAs, all decided and issued in one pass.

One module run for every certificate instead of four community.crypto runs per certificate (key,
read, request, issue): on the lab that was 40 s of a cold site.yml. A certificate is kept while it
still matches what the inventory asks for; it is issued again when its key, CA, subject, SANs or
usages changed, or it expires within the renewal window.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import traceback

from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    CRYPTOGRAPHY_ERROR = traceback.format_exc()
else:
    CRYPTOGRAPHY_ERROR = None

USAGES = ("serverAuth", "clientAuth")
# Issued certificates start a little in the past: a host whose clock is behind still accepts them.
BACKDATE = datetime.timedelta(minutes=5)


class LeafError(ValueError):
    """Bad input (a certificate's entry, a CA file): nothing was written."""


def parse_san(cert_name, text):
    kind, value = str(text).partition(":")[::2]
    if kind == "DNS" and value:
        return x509.DNSName(value)
    if kind == "IP":
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            pass
    raise LeafError(f"certificate {cert_name}: SAN {text!r} is neither DNS:<name> nor IP:<address>")


class Leaf:
    """One entry of pki_leaf_certificates: name, ca, cn, optional org, sans, usages."""

    def __init__(self, entry):
        self.name = entry.get("name")
        if not self.name or "/" in str(self.name):
            raise LeafError(f"a certificate entry needs a file name without '/': {entry!r}")
        missing = [field for field in ("ca", "cn", "sans", "usages") if not entry.get(field)]
        if missing:
            raise LeafError(f"certificate {self.name}: missing {', '.join(missing)}")
        unknown = [usage for usage in entry["usages"] if usage not in USAGES]
        if unknown:
            raise LeafError(f"certificate {self.name}: unknown usages {unknown} (known: {', '.join(USAGES)})")
        self.ca = entry["ca"]
        self.subject = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, entry["cn"])]
            + ([x509.NameAttribute(NameOID.ORGANIZATION_NAME, entry["org"])] if entry.get("org") else [])
        )
        self.sans = [parse_san(self.name, san) for san in entry["sans"]]
        oids = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH}
        self.usages = [oids[usage] for usage in entry["usages"]]


def load_authority(directory, ca):
    paths = [os.path.join(directory, f"{ca}.{ext}") for ext in ("crt", "key")]
    try:
        with open(paths[0], "rb") as stream:
            cert = x509.load_pem_x509_certificate(stream.read())
        with open(paths[1], "rb") as stream:
            key = serialization.load_pem_private_key(stream.read(), password=None)
    except (OSError, ValueError) as error:
        raise LeafError(f"CA {ca}: cannot read {' / '.join(paths)} ({error}); the pki role makes them") from error
    if public_der(cert.public_key()) != public_der(key.public_key()):
        raise LeafError(f"CA {ca}: {paths[1]} is not the key of {paths[0]}; put the matching pair back")
    return cert, key


def public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def extension_value(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def signed_by(cert, ca_cert):
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def reasons_to_issue(cert, key, ca_cert, leaf, now, renew_days):
    """Why `cert` no longer does for `leaf` (an empty list: keep it)."""
    reasons = []
    if public_der(cert.public_key()) != public_der(key.public_key()):
        reasons.append("key")
    if not signed_by(cert, ca_cert):
        reasons.append("CA")
    if cert.subject != leaf.subject:
        reasons.append("subject")
    sans = extension_value(cert, x509.SubjectAlternativeName)
    if sans is None or set(sans) != set(leaf.sans):
        reasons.append("SANs")
    usages = extension_value(cert, x509.ExtendedKeyUsage)
    if usages is None or set(usages) != set(leaf.usages):
        reasons.append("usages")
    if cert.not_valid_after_utc < now + datetime.timedelta(days=renew_days):
        reasons.append("expiry")
    return reasons


def certificate_builder(subject, issuer, public_key, now, days):
    """A new certificate's subject, issuer, key, random serial and validity (from a little in the past)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
    )


def issue(leaf, key, ca_cert, ca_key, now, days):
    builder = (
        certificate_builder(leaf.subject, ca_cert.subject, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=False
        )  # digitalSignature, keyEncipherment
        .add_extension(x509.ExtendedKeyUsage(leaf.usages), critical=False)
        .add_extension(x509.SubjectAlternativeName(leaf.sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256())


def read_key(path):
    try:
        with open(path, "rb") as stream:
            return serialization.load_pem_private_key(stream.read(), password=None)
    except FileNotFoundError:
        return None
    except ValueError as error:
        message = f"{path} is not an unencrypted PEM private key ({error}); move it away to get a new one"
        raise LeafError(message) from error


def read_cert(path):
    try:
        with open(path, "rb") as stream:
            return x509.load_pem_x509_certificate(stream.read())
    except (FileNotFoundError, ValueError):
        return None  # missing or unreadable: issued again


def describe(cert):
    if cert is None:
        return "none"
    sans = extension_value(cert, x509.SubjectAlternativeName) or []
    names = ", ".join(str(getattr(san, "value", san)) for san in sans)
    return f"{cert.subject.rfc4514_string()} [{names}] until {cert.not_valid_after_utc:%Y-%m-%d}"


def ensure(directory, entries, renew_days, cert_days, check_mode=False, now=None, loaded=None):
    """Make every leaf's key and certificate current; returns (keys made, certificates issued with
    their reasons, before/after descriptions of those). Bad input raises LeafError before any write.
    `loaded`: {ca: (cert, key)} already read or made in this run (in check mode, not on disk)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    leaves = [Leaf(entry) for entry in entries]
    loaded = loaded or {}
    authorities = {ca: loaded.get(ca) or load_authority(directory, ca) for ca in sorted({leaf.ca for leaf in leaves})}
    keys = {leaf.name: read_key(os.path.join(directory, f"{leaf.name}.key")) for leaf in leaves}
    made_keys, issued, before, after = [], [], {}, {}
    for leaf in leaves:
        ca_cert, ca_key = authorities[leaf.ca]
        key, cert_path = keys[leaf.name], os.path.join(directory, f"{leaf.name}.crt")
        cert = read_cert(cert_path)
        if key is None:
            made_keys.append(leaf.name)
            key = ec.generate_private_key(ec.SECP256R1())
            reasons = ["new key"]
            if not check_mode:
                pem = key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                write_atomically(os.path.join(directory, f"{leaf.name}.key"), pem, 0o600)
        elif cert is None:
            reasons = ["missing"]
        else:
            reasons = reasons_to_issue(cert, key, ca_cert, leaf, now, renew_days)
        if not reasons:
            continue
        new = issue(leaf, key, ca_cert, ca_key, now, cert_days)
        issued.append({"name": leaf.name, "reasons": reasons})
        before[leaf.name], after[leaf.name] = describe(cert), describe(new)
        if not check_mode:
            write_atomically(cert_path, new.public_bytes(serialization.Encoding.PEM), 0o644)
    return made_keys, issued, before, after

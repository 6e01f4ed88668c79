# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Verify an ACI as rkt 1.30.0 would before running it: a valid image, signed by a key the trust
store trusts for the image's name. Used by the rkt_image_verify and rkt_image modules.

The checks run cheapest first, so that a bad input costs as little as possible:
  1. the image's first 512 bytes: a type rkt reads (appc DetectFileType);
  2. the signature file as rkt parses it (keystore.checkSignature): its first packet only;
  3. gpgv over the image file as given, with the keys of the signature's issuer found anywhere
     in the trust stores: a bad signature is refused before anything is decompressed (rkt also
     checks the signature over the file as fetched);
  4. the image, decompressed as a stream up to its manifest: the name it declares, and the keys
     rkt trusts for that name (keystore.loadKeyring), which must hold the signer;
  5. the rest of the image (archive/tar, layout, image ID)."""

from __future__ import annotations

import os

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci, openpgp, rkt_keystore

# The options every verifying module takes (doc fragment rktnetes.cluster.image_verification).
VERIFY_ARGUMENT_SPEC = {
    "trust_roots": {"type": "list", "elements": "path", "default": list(rkt_keystore.DEFAULT_ROOTS)},
    "expected_name": {"type": "str"},
    "expected_labels": {"type": "dict"},
}


class Rejected(Exception):
    """The image is not accepted; the message names the problem."""


def _check_files(path, signature, skip_signature):
    if not os.path.isfile(path):
        raise Rejected(f"no image at {path}")
    if not skip_signature and not os.path.isfile(signature):
        raise Rejected(f"missing signature: {signature} does not exist (rkt needs a detached .asc next to the image)")


def _image_type(path):
    try:
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError as exc:
        raise Rejected(f"{path}: {exc.strerror}") from None
    if aci.detect_type(head) == "unknown":
        raise Rejected(
            f"{path}: not an ACI rkt can read: neither gzip, bzip2 nor xz, nor a tar with 'ustar' at byte 257 "
            "(appc DetectFileType)"
        )


def _read_signature(signature):
    try:
        with open(signature, "rb") as stream:
            data = stream.read(1 << 20)
    except OSError as exc:
        raise Rejected(f"{signature}: {exc.strerror}") from None
    try:
        return openpgp.read_signature(data)
    except openpgp.GpgError as exc:
        raise Rejected(f"{signature}: rkt cannot use this signature: {exc}") from None


def _issuer(sig):
    fingerprint = f" ({sig.issuer_fingerprint})" if sig.issuer_fingerprint else ""
    return f"key ID {sig.issuer}{fingerprint}"


def _check_signature(path, signature, trust_roots, accept_expired_keys, validity):
    """Steps 2 and 3: the signer, before the image is decompressed."""
    sig, packet = _read_signature(signature)
    _paths, by_id, unreadable = rkt_keystore.every_key(trust_roots)
    candidates = {entity.fingerprint: entity for entity in by_id.get(sig.issuer, [])}
    if not candidates:
        skipped = f"; key files rkt cannot read: {'; '.join(unreadable[:3])}" if unreadable else ""
        raise Rejected(
            f"{path}: signed by {_issuer(sig)}, which is not trusted for this image: no key file rkt can read in "
            f"{', '.join(trust_roots)} holds it{skipped}"
        )
    keyring = b"".join(entity.packets for entity in candidates.values())
    try:
        signer = openpgp.verify_detached(keyring, path, packet, accept_expired_keys)
    except openpgp.GpgError as exc:
        raise Rejected(f"{path}: {exc}") from None
    _check_rsa_length(signature, sig, signer, candidates.values())
    signer["issuer"] = sig.issuer
    if validity:
        signer["valid_until"] = _valid_until(signer, candidates.get(signer["primary_fingerprint"]), accept_expired_keys)
    return signer


def _valid_until(signer, entity, accept_expired_keys):
    """Until when this verdict holds with no file changed: the signature's expiry and, when expired
    keys are refused, the signing key's and its primary key's. None for ever, 0 when unknown."""
    times = [signer["signature_expires"]]
    if not accept_expired_keys:
        if entity is None:
            return 0
        try:
            primary = openpgp.key_info(entity.packets)[0]
        except openpgp.GpgError:
            return 0
        times.append(primary["expires"])
        times += [sub["expires"] for sub in primary["subkeys"] if sub["fingerprint"] == signer["fingerprint"]]
    if "unknown" in times:
        return 0
    known = [moment for moment in times if moment is not None]
    return min(known) if known else None


def _check_rsa_length(signature, sig, signer, entities):
    """gpgv accepts an RSA signature a byte shorter than its key; rkt built with a current Go
    does not (openpgp_keys.rsa_length_problem)."""
    for entity in entities:
        for key in entity.keys_by_id(sig.issuer):
            problem = key.fingerprint == signer["fingerprint"] and openpgp.rsa_length_problem(key, sig)
            if problem:
                raise Rejected(f"{signature}: rkt would refuse this signature: {problem}; sign the image again")


def _check_name(manifest, expected_name, expected_labels):
    labels = {label["name"]: label["value"] for label in manifest.get("labels") or []}
    if expected_name is not None and manifest["name"] != expected_name:
        raise Rejected(f"image name is {manifest['name']!r}, expected {expected_name!r}")
    for name, value in (expected_labels or {}).items():
        if labels.get(name) != str(value):
            raise Rejected(f"label {name} is {labels.get(name)!r}, expected {value!r}")
    return labels


def _check_trust(name, signer, trust_roots):
    """Step 4: rkt's keyring for this name (loadKeyring) holds the signer, and rkt would use
    the signing key (KeysByIdUsage with the signing flag)."""
    try:
        trusted = rkt_keystore.trusted_keys(name, trust_roots)
    except rkt_keystore.KeystoreError as exc:
        raise Rejected(f"trust store: rkt would fail to load the keys for {name!r}: {exc}") from None
    if not trusted:
        raise Rejected(
            f"no key in {', '.join(trust_roots)} is trusted for {name!r} (root.d, or prefix.d/<a prefix of the name>)"
        )
    entry = trusted.get(signer["primary_fingerprint"])
    if entry is None:
        where = rkt_keystore.every_key(trust_roots)[0].get(signer["primary_fingerprint"], [])
        found = f" (its key file: {', '.join(where)})" if where else ""
        raise Rejected(
            f"signed by key {signer['primary_fingerprint']}, which is not trusted for this image ({name}){found}; "
            "rkt: openpgp: signature made by unknown entity"
        )
    entity = entry["entity"]
    for key in entity.keys_by_id(signer["issuer"]):
        problem = entity.signing_problem(key)
        if problem:
            raise Rejected(
                f"rkt would not check the signature with key {key.fingerprint} of {entity.fingerprint}: {problem} "
                "(rkt: openpgp: signature made by unknown entity)"
            )
    return entry


def verify(
    path,
    signature=None,
    trust_roots=rkt_keystore.DEFAULT_ROOTS,
    expected_name=None,
    expected_labels=None,
    insecure_options=(),
    accept_expired_keys=False,
    validity=False,
):
    """The verified image's facts, or Rejected. Reads only. With `validity`, also valid_until: until
    when the verdict holds with no file changed (None for ever, 0 unknown)."""
    signature = signature or f"{path}.asc"
    skip_signature = "image" in insecure_options or "all" in insecure_options
    trust_roots = list(trust_roots)
    _check_files(path, signature, skip_signature)
    _image_type(path)
    signer = None if skip_signature else _check_signature(path, signature, trust_roots, accept_expired_keys, validity)
    found = {}

    def on_manifest(manifest):
        found["labels"] = _check_name(manifest, expected_name, expected_labels)
        if signer is not None:
            found["trust"] = _check_trust(manifest["name"], signer, trust_roots)

    try:
        image = aci.read_image(path, on_manifest)
    except aci.ImageError as exc:
        raise Rejected(f"{path}: {exc}") from None
    except Rejected as exc:
        raise Rejected(f"{path}: {exc}") from None
    except OSError as exc:
        raise Rejected(f"{path}: {exc.strerror}") from None
    return _result(path, image, found, signer)


def _result(path, image, found, signer):
    manifest = image["manifest"]
    result = {
        "image_id": image["image_id"],
        "name": manifest["name"],
        "labels": found["labels"],
        "app": manifest.get("app"),
        "size": image["size"],
        "uncompressed_size": image["uncompressed_size"],
        "compression": image["compression"],
        "signer": None,
        "trusted_by": None,
        "warnings": [],
    }
    if signer is None:
        result["warnings"].append(f"insecure_options: image: the signature of {path} was not checked")
        result["valid_until"] = 0
        return result
    result["valid_until"] = signer.get("valid_until", 0)
    result["signer"] = {"fingerprint": signer["primary_fingerprint"], "user_id": signer["user_id"]}
    result["trusted_by"] = found["trust"]["trusted_by"]
    return result

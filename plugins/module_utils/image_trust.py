# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Verify an ACI as rkt would before running it: a valid image, signed by a key the trust store
trusts for the image's name. Used by the rkt_image_verify module."""

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


def fingerprint_of(path):
    with open(path, "rb") as stream:
        keys = openpgp.key_info(stream.read())
    return keys[0]["fingerprint"]


def verify(
    path,
    signature=None,
    trust_roots=rkt_keystore.DEFAULT_ROOTS,
    expected_name=None,
    expected_labels=None,
    insecure_options=(),
    accept_expired_keys=False,
):
    """The verified image's facts, or Rejected. Reads only."""
    signature = signature or f"{path}.asc"
    skip_signature = "image" in insecure_options or "all" in insecure_options
    if not os.path.isfile(path):
        raise Rejected(f"no image at {path}")
    if not skip_signature and not os.path.isfile(signature):
        raise Rejected(f"missing signature: {signature} does not exist (rkt needs a detached .asc next to the image)")
    try:
        image = aci.read_image(path)
    except aci.ImageError as exc:
        raise Rejected(f"{path}: {exc}") from None
    manifest = image["manifest"]
    labels = {label["name"]: label["value"] for label in manifest.get("labels") or []}
    if expected_name is not None and manifest["name"] != expected_name:
        raise Rejected(f"{path}: image name is {manifest['name']!r}, expected {expected_name!r}")
    for name, value in (expected_labels or {}).items():
        if labels.get(name) != str(value):
            raise Rejected(f"{path}: label {name} is {labels.get(name)!r}, expected {value!r}")
    result = {
        "image_id": image["image_id"],
        "name": manifest["name"],
        "labels": labels,
        "app": manifest.get("app"),
        "size": image["size"],
        "uncompressed_size": image["uncompressed_size"],
        "compression": image["compression"],
        "signer": None,
        "trusted_by": None,
        "warnings": [],
    }
    if skip_signature:
        result["warnings"].append(f"insecure_options: image: the signature of {path} was not checked")
        return result
    try:
        trusted = rkt_keystore.trusted_keys(manifest["name"], trust_roots, fingerprint_of)
    except (rkt_keystore.KeystoreError, openpgp.GpgError) as exc:
        raise Rejected(f"trust store: {exc}") from None
    if not trusted:
        raise Rejected(
            f"no key in {', '.join(trust_roots)} is trusted for {manifest['name']!r} "
            "(root.d, or prefix.d/<a prefix of the name>)"
        )
    keys = []
    for entry in trusted.values():
        with open(entry["path"], "rb") as stream:
            keys.append(stream.read())
    try:
        signer = openpgp.verify_detached(keys, path, signature, accept_expired_keys)
    except openpgp.GpgError as exc:
        raise Rejected(f"{path}: {exc}") from None
    entry = trusted.get(signer["primary_fingerprint"])
    if entry is None:  # gpgv only had trusted keys; this would be a gpgv bug, refuse anyway
        raise Rejected(f"{path}: signed by {signer['primary_fingerprint']}, not a key trusted for {manifest['name']!r}")
    result["signer"] = {"fingerprint": signer["primary_fingerprint"], "user_id": signer["user_id"]}
    result["trusted_by"] = entry["trusted_by"]
    return result

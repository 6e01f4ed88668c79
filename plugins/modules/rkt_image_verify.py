#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rkt_image_verify
short_description: Verify an ACI and its detached signature against rkt's trust store, as rkt would
version_added: 0.1.0
description:
  - Decides as rkt 1.30.0 and the appc spec v0.8.11 decide, before rkt sees the image; where it is
    stricter, the refusal says so and the collection's docs/image-trust.md lists why.
  - Checks the cheapest things first. The file type from its first 512 bytes (gzip, bzip2, xz, or
    a tar with C(ustar) at byte 257, as appc's DetectFileType). Then the detached signature (armored
    or binary; only its first packet counts, as in rkt) with C(gpgv), over the file as given and
    against the keys of its issuer found in the trust stores, so that a bad signature is refused
    before anything is decompressed. Then the image, read once as a stream (never loaded into
    memory, never extracted) up to its manifest; then the keys rkt trusts for the manifest's name,
    which must hold the signer; then the rest of the image.
  - Reads the archive as rkt does - Go's compress/gzip and compress/bzip2, C(xz -d), Go's
    archive/tar with its 1 MiB limit on PAX and GNU long-name headers - and computes the image ID
    (C(sha512-) and the sha512 of the uncompressed tar). Decodes the manifest as Go's
    encoding/json does (case-insensitive keys, the last duplicate wins, each one checked) into
    appc's types, with every rule they check (AC Identifier and AC Name, semantic version, labels
    and os/arch pairs, annotations, dependencies, the app section, isolators, ports). Checks the
    layout as appc's ValidateArchive and rkt's renderer do.
  - Reads the trust stores as rkt does (C(root.d) keys, and C(prefix.d) keys by rkt's own prefix
    rules, an empty local file masking a system key, symlinks and directories as Go's
    filepath.Walk sees them, ASCII-armored key files only, and only keys rkt's OpenPGP library can
    read - not EdDSA, not Curve25519 subkeys, not ECDSA primary keys). A store rkt would fail to
    load fails here, naming the file and the reason.
  - Refuses bad signatures, unknown keys, keys rkt would not use (revoked, or whose flags do not
    allow signing), expired keys (unless O(accept_expired_keys)); a refusal repeats what C(gpgv)
    reported. Refuses, as rkt built with Go 1.15 or later does, an RSA signature a byte shorter
    than its key (about one in 256 that gpg makes, which gpgv accepts), and a key file whose
    self-signature, subkey binding or revocation is one.
  - Fails on any rejection, with a message that names the problem. Only reads, except for
    O(record).
  - Needs C(gpgv) on the managed host (Debian's C(gpgv) package), and says so when it is missing.
author:
  - rktnetes.cluster maintainers (@rktnetes)
extends_documentation_fragment:
  - rktnetes.cluster.image_verification
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs the same verification.
  diff_mode:
    support: none
    description: Nothing is changed.
options:
  path:
    description: The ACI file on the managed host.
    type: path
    required: true
  signature:
    description: Its detached signature; defaults to O(path) with C(.asc) appended.
    type: path
  accept_expired_keys:
    description:
      - Accept a good signature by a key that has expired since (never a revoked key, never a bad
        signature). For end-of-life releases, such as rkt's stage1 images, whose signing keys have
        expired after the release.
    type: bool
    default: false
  record:
    description:
      - A file on the managed host that keeps this verification's verdict, so that a later run
        whose inputs have not changed returns it without reading the image again.
      - It is used only for the same options and the same verifying code (this module's and the
        collection's sources), while the clock is between the verification and the earliest
        expiry (the signature's and, unless O(accept_expired_keys), the signing key's and its
        primary key's), and while the image, its signature, every entry of the trust stores
        (links and their targets too) and the C(gpgv) and C(gpg) found on PATH keep their device,
        inode, size, mtime and ctime. Any write changes a file's ctime, which no program can set
        back. Delete the file to make the next run verify in full.
      - Written (atomically, 0644) after a full verification, not in check mode; not when the
        signature was skipped, nor when an input changed a moment before (within a timestamp
        tick; the next run records it). A record that cannot be written is a warning.
        Unset, nothing is recorded.
      - Only root should be able to write it, as for the image.
    type: path
  insecure_options:
    description:
      - As rkt's C(--insecure-options). V(image) (or V(all)) skips the signature check only,
        with a warning in the result; the image itself is still checked.
    type: list
    elements: str
    default: []
    choices: [image, all]
"""

EXAMPLES = r"""
- name: Refuse a stage1 image that the pinned CoreOS key did not sign
  rktnetes.cluster.rkt_image_verify:
    path: /usr/lib/rkt/stage1-images/stage1-coreos.aci
    signature: /usr/lib/rkt/stage1-images/stage1-coreos.aci.asc
    expected_name: coreos.com/rkt/stage1-coreos
    expected_labels:
      version: 1.30.0
  register: stage1

- name: Show who signed it and why it is trusted
  ansible.builtin.debug:
    msg: "{{ stage1.image_id }} signed by {{ stage1.signer.fingerprint }} ({{ stage1.trusted_by }})"
"""

RETURN = r"""
image_id:
  description: C(sha512-) followed by the hex sha512 of the uncompressed tar, as rkt names images.
  returned: success
  type: str
name:
  description: The image name from its manifest.
  returned: success
  type: str
labels:
  description: The image's labels, name to value.
  returned: success
  type: dict
app:
  description:
    - The manifest's C(app) section as rkt reads it (keys named as in the appc schema), when it has
      one.
  returned: success
  type: dict
signer:
  description: The signing key's primary fingerprint and user ID; null when the signature was skipped.
  returned: success
  type: dict
  contains:
    fingerprint:
      description: 40 lowercase hex digits.
      type: str
    user_id:
      description: The user ID gpgv reported.
      type: str
trusted_by:
  description: V(root), or C(prefix:) and the prefix directory whose key signed; null when skipped.
  returned: success
  type: str
size:
  description: Size of the file in bytes.
  returned: success
  type: int
uncompressed_size:
  description: Size of the uncompressed tar in bytes.
  returned: success
  type: int
compression:
  description: V(gzip), V(bzip2), V(xz) or V(none).
  returned: success
  type: str
from_record:
  description: Whether the verdict came from O(record) (nothing the verification reads has changed).
  returned: success
  type: bool
"""

import sys
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils import verify_record
from ansible_collections.rktnetes.cluster.plugins.module_utils.image_trust import VERIFY_ARGUMENT_SPEC, Rejected, verify

VERIFY_OPTIONS = ("path", "signature", "trust_roots", "expected_name", "expected_labels", "accept_expired_keys")


def verified(params, check_mode):
    """verify(), or the verdict params["record"] keeps when nothing it read has changed."""
    record = params["record"]
    use_record = bool(record and not params["insecure_options"])
    request = seen = taken_at = None  # read only when use_record: the code digest reads every source
    if use_record:
        code = verify_record.code_digest(sys.modules[__name__])
        request = {**{name: params[name] for name in VERIFY_OPTIONS}, "code": code}
        taken_at = time.time()
        signature = params["signature"] or f"{params['path']}.asc"
        seen = verify_record.inputs(params["path"], signature, params["trust_roots"])
        recalled = request["code"] and verify_record.recall(record, request, seen)
        if recalled:
            return {**recalled, "warnings": [], "from_record": True}
    result = verify(
        params["path"],
        params["signature"],
        params["trust_roots"],
        params["expected_name"],
        params["expected_labels"],
        params["insecure_options"],
        params["accept_expired_keys"],
        validity=use_record,
    )
    valid_until = result.pop("valid_until")
    if use_record and not check_mode:
        result["warnings"] += _remember(record, request, seen, taken_at, valid_until, result)
    return {**result, "from_record": False}


def _remember(record, request, seen, taken_at, valid_until, result):
    """Records the verdict; the warnings when it cannot be recorded (the next run verifies in full)."""
    reason = None
    if not request["code"]:
        reason = "the module's source cannot be read"
    elif valid_until == 0:
        reason = "the signature's or signing key's expiry is unknown"
    elif verify_record.racy(seen, taken_at):
        return []  # written a moment ago (a new install): the next run records it, and says nothing
    else:
        verdict = {name: value for name, value in result.items() if name != "warnings"}
        try:
            verify_record.remember(record, request, seen, taken_at, valid_until, verdict)
        except (OSError, TypeError, ValueError) as exc:
            reason = f"{getattr(exc, 'strerror', None) or exc}"
    return [f"record: {record} not written ({reason}); the next run verifies in full"] if reason else []


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "signature": {"type": "path"},
            **VERIFY_ARGUMENT_SPEC,
            "insecure_options": {"type": "list", "elements": "str", "default": [], "choices": ["image", "all"]},
            "accept_expired_keys": {"type": "bool", "default": False},
            "record": {"type": "path"},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = verified(params, module.check_mode)
    except Rejected as exc:
        module.fail_json(msg=f"image rejected: {exc}")
    except Exception as exc:  # a last resort: no input may end in a traceback
        module.fail_json(msg=f"image rejected: {params['path']}: unexpected {type(exc).__name__}: {exc}")
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

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
  - Reads the image once as a stream (never loaded into memory, never extracted), whatever its
    compression (gzip, bzip2, xz or none, found by magic bytes), computes its image ID
    (C(sha512-) and the sha512 of the uncompressed tar) and checks its layout and image manifest
    against the appc spec - exactly C(manifest) and C(rootfs/) at the top, no duplicate entries,
    no absolute or C(..) paths, no symlink climbing out of C(rootfs/), hard links only to entries
    inside the image, C(acKind), a semantic C(acVersion), AC Identifier name and labels.
  - Finds the keys rkt trusts for the image's name (C(root.d) keys, and C(prefix.d) keys by rkt's
    own prefix rules, an empty local file masking a system key) and checks the detached signature
    (armored or binary, as rkt accepts both) with C(gpgv) against a temporary keyring holding only
    those keys, reading gpgv's status output. Expired and revoked keys are refused.
  - Fails on any rejection, with a message that names the problem. Only reads.
  - Needs C(gpg) and C(gpgv) on the managed host, and says so when they are missing.
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
  description: The manifest's C(app) section, when it has one.
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
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils.image_trust import VERIFY_ARGUMENT_SPEC, Rejected, verify


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "signature": {"type": "path"},
            **VERIFY_ARGUMENT_SPEC,
            "insecure_options": {"type": "list", "elements": "str", "default": [], "choices": ["image", "all"]},
            "accept_expired_keys": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = verify(
            params["path"],
            params["signature"],
            params["trust_roots"],
            params["expected_name"],
            params["expected_labels"],
            params["insecure_options"],
            params["accept_expired_keys"],
        )
    except Rejected as exc:
        module.fail_json(msg=f"image rejected: {exc}")
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rkt_image
short_description: Import a verified ACI into rkt's image store, once, keyed by its image ID
version_added: 0.1.0
description:
  - Verifies the image and its detached signature exactly as M(rktnetes.cluster.rkt_image_verify)
    does (layout, manifest, a key rkt's trust store trusts for the image's name), computes its
    image ID, and runs C(rkt fetch) of the local file only when rkt's store does not hold that
    image yet, so a second run fetches nothing. rkt checks the signature again as it imports.
  - With O(state=absent) removes the image from the store (C(rkt image rm)) when it is there.
  - An image that fails verification is never fetched, and the store is left as it was.
  - The signature must be next to the image as O(path) with C(.asc) appended, where rkt looks for it.
author:
  - rktnetes.cluster maintainers (@rktnetes)
extends_documentation_fragment:
  - rktnetes.cluster.image_verification
attributes:
  check_mode:
    support: full
    description: Verifies and compares with the store, and reports what it would do without doing it.
  diff_mode:
    support: full
    description: Shows whether the store holds the image before and after.
options:
  path:
    description: The ACI file on the managed host; its signature is O(path) with C(.asc) appended.
    type: path
    required: true
  state:
    description: V(present) imports the image unless the store holds it; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  rkt_path:
    description: The rkt binary.
    type: path
    default: /usr/local/bin/rkt
notes:
  - The kubelet pulls only C(docker://) images and never checks signatures; this module is for the
    ACIs a site distributes itself.
seealso:
  - module: rktnetes.cluster.rkt_image_verify
  - module: rktnetes.cluster.rkt_trust
"""
EXAMPLES = r"""
- name: Import the site's tools image, signed by a key rkt_trust put in the store
  rktnetes.cluster.rkt_image:
    path: /srv/images/tools-1.2.0-linux-amd64.aci
    expected_name: example.com/tools
    expected_labels:
      version: 1.2.0
  register: tools_image

- name: Remove it again
  rktnetes.cluster.rkt_image:
    path: /srv/images/tools-1.2.0-linux-amd64.aci
    state: absent
"""
RETURN = r"""
image_id:
  description: C(sha512-) and the hex sha512 of the uncompressed tar (rkt shows its first half as the key).
  returned: success
  type: str
name:
  description: The image name from its manifest.
  returned: success
  type: str
labels:
  description: The image's labels.
  returned: success
  type: dict
signer:
  description: The fingerprint and user ID of the key that signed it.
  returned: success
  type: dict
fetched:
  description: Whether this run imported the image (false in check mode).
  returned: success
  type: bool
"""
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rktnetes.cluster.plugins.module_utils.image_trust import VERIFY_ARGUMENT_SPEC, Rejected, verify
from ansible_collections.rktnetes.cluster.plugins.module_utils.rkt_store import Store


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "rkt_path": {"type": "path", "default": "/usr/local/bin/rkt"},
            **VERIFY_ARGUMENT_SPEC,
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        image = verify(params["path"], None, params["trust_roots"], params["expected_name"], params["expected_labels"])
    except Rejected as exc:
        module.fail_json(msg=f"image rejected, nothing fetched: {exc}")
    store = Store(params["rkt_path"], module.run_command)
    facts = {key: image[key] for key in ("image_id", "name", "labels", "signer")}
    try:
        held = store.holds(image["image_id"])
        wanted = params["state"] == "present"
        changed = held != wanted
        if changed and not module.check_mode:
            if wanted:
                store.fetch(params["path"])
            else:
                store.remove(image["image_id"])
            if store.holds(image["image_id"]) != wanted:
                module.fail_json(msg=f"rkt's store still {'lacks' if wanted else 'holds'} {image['image_id']}", **facts)
    except RuntimeError as exc:
        module.fail_json(msg=str(exc), **facts)
    diff = {"before": {"in_store": held}, "after": {"in_store": wanted}}
    module.exit_json(changed=changed, fetched=changed and wanted and not module.check_mode, diff=diff, **facts)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: leaf_certificates
short_description: Keep a set of leaf certificates signed by local CAs current, in one run
version_added: 0.1.0
description:
  - For each entry of O(certificates) makes C(<dir>/<name>.key) (ECDSA P-256, mode 0600) when
    missing, and issues C(<dir>/<name>.crt) (mode 0644) signed by the CA C(<dir>/<ca>.crt) /
    C(<dir>/<ca>.key) when it is missing or no longer matches (another key, not signed by that
    CA's key, another subject, SANs or extended key usages) or expires within O(renew_days).
  - A certificate that still matches is left alone (same serial), so a second run changes nothing.
  - Every entry and every CA is checked before anything is written; bad input writes nothing.
  - Made for the controller (the pki role runs it there once for the whole cluster), where the CA
    keys stay. One run replaces four community.crypto module runs per certificate.
author:
  - rktnetes.cluster maintainers (@rktnetes)
requirements:
  - cryptography >= 40 (on the host the module runs on)
attributes:
  check_mode:
    support: full
    description: Decides everything and reports what it would make and issue, writing nothing.
  diff_mode:
    support: full
    description: Subject, SANs and expiry of each certificate it issues, before and after.
options:
  dir:
    description: The directory of the CA files, the keys and the certificates.
    type: path
    required: true
  certificates:
    description: The leaf certificates.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: File name without extension.
        type: str
        required: true
      ca:
        description: The CA's file name without extension.
        type: str
        required: true
      cn:
        description: The subject common name.
        type: str
        required: true
      org:
        description: The subject organization (Kubernetes reads it as the group).
        type: str
      sans:
        description: Subject alternative names, each C(DNS:<name>) or C(IP:<address>).
        type: list
        elements: str
        required: true
      usages:
        description: Extended key usages.
        type: list
        elements: str
        choices: [serverAuth, clientAuth]
        required: true
  renew_days:
    description: Issue again when the certificate expires within this many days.
    type: int
    default: 30
  valid_days:
    description: Validity of a certificate issued now.
    type: int
    default: 365
notes:
  - Go 1.17 and later ignore the common name for host names, so give servers every name as a SAN.
seealso:
  - module: community.crypto.x509_certificate
"""
EXAMPLES = r"""
- name: Issue the etcd member certificates
  rktnetes.cluster.leaf_certificates:
    dir: /srv/rktnetes/pki
    certificates:
      - name: etcd-server-node-1
        ca: etcd-ca
        cn: node-1
        sans: ["DNS:node-1", "IP:10.0.0.11", "IP:127.0.0.1"]
        usages: [serverAuth, clientAuth]
  delegate_to: localhost
  run_once: true
"""
RETURN = r"""
keys_made:
  description: Names whose private key this run made (or would make, in check mode).
  returned: success
  type: list
  elements: str
issued:
  description: Certificates this run issued (or would issue), with why.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The certificate's file name without extension.
      type: str
    reasons:
      description: Any of C(new key), C(missing), C(key), C(CA), C(subject), C(SANs), C(usages), C(expiry).
      type: list
      elements: str
"""
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.rktnetes.cluster.plugins.module_utils.leaf_certificates import (
    CRYPTOGRAPHY_ERROR,
    LeafError,
    ensure,
)

CERTIFICATE_SPEC = {
    "name": {"type": "str", "required": True},
    "ca": {"type": "str", "required": True},
    "cn": {"type": "str", "required": True},
    "org": {"type": "str"},
    "sans": {"type": "list", "elements": "str", "required": True},
    "usages": {"type": "list", "elements": "str", "choices": ["serverAuth", "clientAuth"], "required": True},
}


def main():
    module = AnsibleModule(
        argument_spec={
            "dir": {"type": "path", "required": True},
            "certificates": {"type": "list", "elements": "dict", "required": True, "options": CERTIFICATE_SPEC},
            "renew_days": {"type": "int", "default": 30},
            "valid_days": {"type": "int", "default": 365},
        },
        supports_check_mode=True,
    )
    if CRYPTOGRAPHY_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_ERROR)
    params = module.params
    try:
        keys_made, issued, before, after = ensure(
            params["dir"], params["certificates"], params["renew_days"], params["valid_days"], module.check_mode
        )
    except LeafError as exc:
        module.fail_json(msg=f"{exc}; nothing written")
    except OSError as exc:
        module.fail_json(msg=f"cannot write in {params['dir']}: {exc}")
    module.exit_json(
        changed=bool(keys_made or issued),
        keys_made=keys_made,
        issued=issued,
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: leaf_certificates
short_description: Keep local CAs, key pairs and the leaf certificates they sign current, in one run
version_added: 0.1.0
description:
  - For each entry of O(certificates) makes C(<dir>/<name>.key) (ECDSA P-256, mode 0600) when
    missing, and issues C(<dir>/<name>.crt) (mode 0644) signed by the CA C(<dir>/<ca>.crt) /
    C(<dir>/<ca>.key) when it is missing or no longer matches (another key, not signed by that
    CA's key, another subject, SANs or extended key usages) or expires within O(renew_days).
  - A certificate that still matches is left alone (same serial), so a second run changes nothing.
  - Every entry and every CA is checked before anything is written; bad input writes nothing.
  - With O(authorities), first makes each CA's key C(<dir>/<ca>.key) (ECDSA P-256, mode 0600) and
    self-signed certificate C(<dir>/<ca>.crt) (CA:TRUE, keyCertSign and cRLSign, mode 0644) where
    missing; an existing key is never replaced, and an existing CA certificate only with
    O(replace_authorities). With O(key_pairs), makes C(<dir>/<name>.key) (RSA 2048, never replaced)
    and its public key C(<dir>/<name>.pub). With O(secrets), makes each file of random letters and
    digits where none is (never replaced) and keeps it 0600.
  - Keeps O(dir) a private directory (mode 0700), made when missing.
  - Made for the controller (the pki role runs it there once for the whole cluster), where the CA
    keys stay. One run replaces four community.crypto module runs per certificate, and the eight
    per run that kept the CAs and the service-account key pair.
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
    description: The directory of the CA files, the keys and the certificates, kept mode 0700.
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
  authorities:
    description: The CAs to keep, file name without extension -> subject common name.
    type: dict
    default: {}
  authority_days:
    description: Validity of a CA certificate self-signed now.
    type: int
    default: 3650
  replace_authorities:
    description:
      - Self-sign every CA certificate of O(authorities) again, with the same key (a new validity).
      - Leaves stay valid under it (same issuer name and key) and are kept.
    type: bool
    default: false
  key_pairs:
    description: Names of RSA key pairs to keep (C(<name>.key), C(<name>.pub)), such as the service-account signing key.
    type: list
    elements: str
    default: []
  secrets:
    description:
      - Files of random letters and digits and a newline (what the
        P(ansible.builtin.password#lookup) lookup makes; the P(ansible.builtin.file#lookup) lookup
        reads the value without the newline), for example the key that encrypts Secrets at rest.
        Made where missing, with their missing directories (0700); an existing file is never
        replaced, only its mode set to 0600.
        No secret is returned.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      length:
        description: Characters (16 or more).
        type: int
        default: 32
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

- name: Keep the CAs and the Secrets encryption key (made once, 0600)
  rktnetes.cluster.leaf_certificates:
    dir: /srv/rktnetes/pki
    authorities: {kubernetes-ca: Kubernetes CA}
    certificates: []
    secrets:
      - {path: /srv/rktnetes/pki/secrets-encryption.key, length: 32}
  delegate_to: localhost
  run_once: true
"""
RETURN = r"""
directory_changed:
  description: Whether O(dir) was made or its mode set (or would be, in check mode).
  returned: success
  type: bool
secrets_made:
  description: Paths of the O(secrets) this run made (or would make).
  returned: success
  type: list
  elements: str
secret_modes_set:
  description: Paths of the O(secrets) whose mode this run set to 0600 (or would).
  returned: success
  type: list
  elements: str
authorities_issued:
  description: CAs whose certificate this run self-signed (or would, in check mode).
  returned: success
  type: list
  elements: str
public_keys_written:
  description: Key pairs whose C(.pub) this run wrote (or would write).
  returned: success
  type: list
  elements: str
keys_made:
  description: Names whose private key this run made (or would make, in check mode), CAs and key pairs included.
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
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import private_directory
from ansible_collections.rktnetes.cluster.plugins.module_utils.leaf_certificates import (
    CRYPTOGRAPHY_ERROR,
    Leaf,
    LeafError,
    ensure,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.pki_authorities import (
    ensure_authorities,
    ensure_key_pairs,
    ensure_secrets,
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
            "authorities": {"type": "dict", "default": {}},
            "authority_days": {"type": "int", "default": 3650},
            "replace_authorities": {"type": "bool", "default": False},
            "key_pairs": {"type": "list", "elements": "str", "default": [], "no_log": False},
            "secrets": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "no_log": False,  # paths and lengths only: the module makes the secrets
                "options": {"path": {"type": "path", "required": True}, "length": {"type": "int", "default": 32}},
            },
            "renew_days": {"type": "int", "default": 30},
            "valid_days": {"type": "int", "default": 365},
        },
        supports_check_mode=True,
    )
    if CRYPTOGRAPHY_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_ERROR)
    params = module.params
    check = module.check_mode
    try:
        for entry in params["certificates"]:  # every entry checked before anything is written
            Leaf(entry)
        ensure_secrets(params["secrets"], check_mode=True)
        directory_changed = private_directory(params["dir"], check)
        ca_keys, ca_issued, loaded, before, after = ensure_authorities(
            params["dir"], params["authorities"], params["authority_days"], params["replace_authorities"], check
        )
        pair_keys, pubs = ensure_key_pairs(params["dir"], params["key_pairs"], check)
        keys_made, issued, leaf_before, leaf_after = ensure(
            params["dir"], params["certificates"], params["renew_days"], params["valid_days"], check, loaded=loaded
        )
        secrets_made, secret_modes_set = ensure_secrets(params["secrets"], check)
    except LeafError as exc:
        module.fail_json(msg=f"{exc}; nothing written")
    except OSError as exc:
        module.fail_json(msg=f"cannot write in {params['dir']}: {exc}")
    module.exit_json(
        changed=bool(directory_changed or ca_keys or ca_issued or pair_keys or pubs or keys_made or issued)
        or bool(secrets_made or secret_modes_set),
        directory_changed=directory_changed,
        secrets_made=secrets_made,
        secret_modes_set=secret_modes_set,
        authorities_issued=ca_issued,
        public_keys_written=pubs,
        keys_made=ca_keys + pair_keys + keys_made,
        issued=issued,
        diff={"before": {**before, **leaf_before}, "after": {**after, **leaf_after}},
    )


if __name__ == "__main__":
    main()

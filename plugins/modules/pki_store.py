#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pki_store
short_description: Read or restore the cluster's PKI files by name (hashes, fingerprints, contents)
version_added: 0.2.0
description:
  - With O(paths), reads each named file and returns its SHA-256, and for a PEM certificate the
    SHA-256 fingerprint of its DER encoding (what C(openssl x509 -noout -fingerprint -sha256)
    prints). Missing files are left out. With O(contents=true) it also returns the contents,
    base64-encoded; use C(no_log) on such a task.
  - With O(trusted), also reads the CA certificates the components read, to compare them.
  - With O(restore), writes each named file to its path in O(paths) from its base64 content where
    it differs, atomically, keys (C(*.key)) with mode 0600 and the rest 0644; nothing is read.
  - Needs only the Python standard library, so it runs on any host. The pki role uses it to
    restore the controller's PKI directory from the copy the control-plane and etcd hosts keep.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reading changes nothing; writing reports the paths it would write.
  diff_mode:
    support: full
    description: The paths written, not their contents.
options:
  paths:
    description: File name (as in the PKI directory) to its path on this host, to read (or write).
    type: dict
  trusted:
    description: File name to a list of paths where components read a copy of it.
    type: dict
  contents:
    description: Also return the contents of the O(paths) files (base64).
    type: bool
    default: false
  restore:
    description:
      - File name to its content, base64-encoded, to write to its path in O(paths). The
        directories must exist.
    type: dict
notes:
  - The contents never appear in the diff. Returned contents are secrets; the task reading them
    must set C(no_log).
seealso:
  - module: rktnetes.cluster.host_files
"""
EXAMPLES = r"""
- name: What the controller's PKI directory holds
  rktnetes.cluster.pki_store:
    paths:
      kubernetes-ca.crt: /srv/rktnetes/pki/kubernetes-ca.crt
      kubernetes-ca.key: /srv/rktnetes/pki/kubernetes-ca.key
  delegate_to: localhost

- name: Read the missing ones from a control-plane host's copy
  rktnetes.cluster.pki_store:
    paths:
      kubernetes-ca.key: /etc/rktnetes/pki/kubernetes-ca.key
    contents: true
  no_log: true
  register: fetched

- name: Write them on the controller
  rktnetes.cluster.pki_store:
    paths:
      kubernetes-ca.key: /srv/rktnetes/pki/kubernetes-ca.key
    restore: "{{ fetched.contents }}"
  delegate_to: localhost
  no_log: true
"""
RETURN = r"""
files:
  description: For each file read, its path, C(sha256) and C(fingerprint) (null unless a certificate).
  returned: when O(paths) is given without O(restore)
  type: dict
trusted:
  description: For each name of O(trusted), the list of copies found, each with path, sha256 and fingerprint.
  returned: when O(trusted) is given
  type: dict
contents:
  description: File name to base64 content.
  returned: when O(contents=true)
  type: dict
written:
  description: The paths written (or that would be, in check mode).
  returned: when O(restore) is given
  type: list
  elements: str
"""
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rktnetes.cluster.plugins.module_utils import pki_store


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "dict"},
            "trusted": {"type": "dict"},
            "contents": {"type": "bool", "default": False},
            "restore": {"type": "dict"},  # secrets as input: the task sets no_log
        },
        required_one_of=[("paths", "trusted")],
        required_by={"restore": "paths"},
        supports_check_mode=True,
    )
    params = module.params
    try:
        if params["restore"] is not None:
            unknown = sorted(set(params["restore"]) - set(params["paths"]))
            if unknown:
                names = ", ".join(unknown)
                module.fail_json(msg=f"pki_store: restore names {names}, which paths lacks; nothing written")
            files = {name: {"path": params["paths"][name], "content": data} for name, data in params["restore"].items()}
            written = pki_store.write_files(files, module.check_mode)
            diff = {"before": dict.fromkeys(written, "missing or differs"), "after": dict.fromkeys(written, "restored")}
            module.exit_json(changed=bool(written), written=written, diff=diff)
        result = {"changed": False}
        if params["paths"] is not None:
            result["files"], contents = pki_store.read_files(params["paths"], params["contents"])
            if params["contents"]:
                result["contents"] = contents
        if params["trusted"] is not None:
            result["trusted"] = pki_store.read_trusted(params["trusted"])
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"pki_store: {error}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()

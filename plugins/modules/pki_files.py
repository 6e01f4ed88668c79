#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pki_files
short_description: Install a component's certificates and keys from the controller in one run
version_added: 0.1.0
description:
  - Reads each O(files[].src) under O(src_dir) on the controller (vault-encrypted files too) and
    writes it to O(dest_dir)/O(files[].dest) on the host with its mode, owner and group, only where
    the host's file differs; one module run for all of them.
  - Writes each file atomically (a temporary file in the same directory, then renamed), so a
    component never reads half a key.
  - The contents never appear in the output or the diff, which show paths only.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  action:
    support: full
    description: An action plugin reads the files on the controller.
  check_mode:
    support: full
    description: Reports which files it would write.
  diff_mode:
    support: full
    description: The paths written, not their contents.
options:
  src_dir:
    description: The directory on the controller holding the files (the pki role's output).
    type: path
    required: true
  dest_dir:
    description: The directory on the host; it must exist.
    type: path
    required: true
  owner:
    description: Owner of every file unless the entry sets its own.
    type: str
    default: root
  group:
    description: Group of every file unless the entry sets its own.
    type: str
    default: root
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      src:
        description: File name under O(src_dir).
        type: str
        required: true
      dest:
        description: File name under O(dest_dir).
        type: str
        required: true
      mode:
        description: Octal mode, for example V("0600") for a key.
        type: str
        default: "0644"
      owner:
        description: Owner of this file.
        type: str
      group:
        description: Group of this file.
        type: str
      content:
        description: Set by the action plugin from O(files[].src); do not set it.
        type: str
seealso:
  - module: ansible.builtin.copy
"""
EXAMPLES = r"""
- name: Install the scheduler's CA, certificate and key
  rktnetes.cluster.pki_files:
    src_dir: /srv/rktnetes/pki
    dest_dir: /etc/kubernetes/pki
    files:
      - {src: kubernetes-ca.crt, dest: ca.crt}
      - {src: kube-scheduler.crt, dest: kube-scheduler.crt}
      - {src: kube-scheduler.key, dest: kube-scheduler.key, mode: "0600"}
  notify: Restart kube-scheduler
"""
RETURN = r"""
written:
  description: The paths this run wrote (or would write, in check mode).
  returned: success
  type: list
  elements: str
"""
import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically

FILE_SPEC = {
    "src": {"type": "str", "required": True},
    "dest": {"type": "str", "required": True},
    "mode": {"type": "str", "default": "0644"},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "content": {"type": "str", "no_log": True},
}


def wanted_state(module, entry):
    try:
        uid = pwd.getpwnam(entry["owner"] or module.params["owner"]).pw_uid
        gid = grp.getgrnam(entry["group"] or module.params["group"]).gr_gid
        mode = int(entry["mode"], 8)
    except (KeyError, ValueError) as error:
        module.fail_json(msg=f"pki_files: {entry['dest']}: bad owner, group or mode ({error}); nothing written")
    if entry["content"] is None or "/" in entry["dest"]:
        module.fail_json(msg=f"pki_files: {entry['dest']}: needs content (from src) and a plain file name")
    return os.path.join(module.params["dest_dir"], entry["dest"]), to_bytes(entry["content"]), mode, uid, gid


def differs(path, content, mode, uid, gid):
    try:
        status = os.stat(path)
        with open(path, "rb") as stream:
            current = stream.read()
    except FileNotFoundError:
        return True
    return current != content or (status.st_mode & 0o7777, status.st_uid, status.st_gid) != (mode, uid, gid)


def main():
    module = AnsibleModule(
        argument_spec={
            "src_dir": {"type": "path", "required": True},
            "dest_dir": {"type": "path", "required": True},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
            "files": {"type": "list", "elements": "dict", "required": True, "options": FILE_SPEC},
        },
        supports_check_mode=True,
    )
    if not os.path.isdir(module.params["dest_dir"]):
        module.fail_json(msg=f"pki_files: {module.params['dest_dir']} is not a directory on the host; nothing written")
    states = [wanted_state(module, entry) for entry in module.params["files"]]  # every entry checked first
    written = [state[0] for state in states if differs(*state)]
    if not module.check_mode:
        for state in states:
            if state[0] in written:
                try:
                    write_atomically(*state, prefix=".pki-")
                except OSError as error:
                    module.fail_json(msg=f"pki_files: cannot write {state[0]}: {error}")
    diff = {"before": dict.fromkeys(written, "differs or missing"), "after": dict.fromkeys(written, "installed")}
    module.exit_json(changed=bool(written), written=written, diff=diff)


if __name__ == "__main__":
    main()

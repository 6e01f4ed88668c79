#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_files
short_description: Keep a role's directories and small files on a host current in one run
version_added: 0.2.0
description:
  - Creates the directories and writes the files a role owns on a host (units, configuration,
    kubeconfigs, certificates), each only where the host's copy differs in content, mode, owner or
    group; one module run for all of them where a C(file), C(copy) or C(template) task costs one or
    two runs per item.
  - A file's content is given (a rendered template, with C(lookup('ansible.builtin.template', ...)))
    or read from a file on the controller (O(files[].src), vault-encrypted files too) by the action
    plugin.
  - Directories come first, in the order given. Each file is written atomically (a temporary file in
    the same directory, then renamed), with its mode from the first byte.
  - The contents never appear in the output or the diff, which show paths only.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  action:
    support: full
    description: An action plugin reads O(files[].src) on the controller.
  check_mode:
    support: full
    description: Reports which paths it would write.
  diff_mode:
    support: full
    description: The paths written, not their contents.
options:
  directories:
    description: Directories to create (and whose mode, owner and group to keep).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      mode:
        description: Octal mode (default V("0755")).
        type: str
      owner:
        description: Owner (default O(owner)).
        type: str
      group:
        description: Group (default O(group)).
        type: str
  files:
    description: Files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path on the host; its directory must exist or be in O(directories).
        type: path
        required: true
      content:
        description: The file's content (set it or O(files[].src)).
        type: str
      src:
        description: A file on the controller whose content to write; the action plugin reads it.
        type: path
      mode:
        description: Octal mode, for example V("0600") for a key (default V("0644")).
        type: str
      owner:
        description: Owner (default O(owner)).
        type: str
      group:
        description: Group (default O(group)).
        type: str
  owner:
    description: Owner of every entry that names none.
    type: str
    default: root
  group:
    description: Group of every entry that names none.
    type: str
    default: root
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: The component's directories, kubeconfig and unit
  rktnetes.cluster.host_files:
    directories:
      - {path: /etc/kubernetes, mode: "0700"}
    files:
      - dest: /etc/kubernetes/kube-scheduler.kubeconfig
        content: "{{ scheduler_kubeconfig | to_nice_yaml }}"
        mode: "0600"
      - dest: /etc/systemd/system/kube-scheduler.service
        content: "{{ lookup('ansible.builtin.template', 'component.service.j2') }}"
  register: written
  notify: Restart the component
"""

RETURN = r"""
written:
  description: The paths this run created, wrote or fixed (or would, in check mode), directories first.
  returned: success
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically
from ansible_collections.rktnetes.cluster.plugins.module_utils.host_files import (
    directory_differs,
    file_differs,
    owner_ids,
)

OWNED = {"mode": {"type": "str"}, "owner": {"type": "str"}, "group": {"type": "str"}}
DIRECTORY_SPEC = {"path": {"type": "path", "required": True}, **OWNED}
FILE_SPEC = {
    "dest": {"type": "path", "required": True},
    "content": {"type": "str", "no_log": True},
    "src": {"type": "path"},
    **OWNED,
}


def wanted(module, entry, path, default_mode):
    """(path, mode, uid, gid) of an entry, checked before anything is written."""
    try:
        uid, gid = owner_ids(entry["owner"] or module.params["owner"], entry["group"] or module.params["group"])
        mode = int(entry["mode"] or default_mode, 8)
    except (KeyError, ValueError) as error:
        module.fail_json(msg=f"host_files: {path}: bad owner, group or mode ({error}); nothing written")
    if not os.path.isabs(path):
        module.fail_json(msg=f"host_files: {path} is not an absolute path; nothing written")
    return path, mode, uid, gid


def main():
    module = AnsibleModule(
        argument_spec={
            "directories": {"type": "list", "elements": "dict", "default": [], "options": DIRECTORY_SPEC},
            "files": {"type": "list", "elements": "dict", "default": [], "options": FILE_SPEC},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
        },
        supports_check_mode=True,
    )
    directories = [wanted(module, entry, entry["path"], "0755") for entry in module.params["directories"]]
    files = []
    for entry in module.params["files"]:
        if entry["content"] is None:
            module.fail_json(msg=f"host_files: {entry['dest']}: needs content or src; nothing written")
        files.append((*wanted(module, entry, entry["dest"], "0644"), to_bytes(entry["content"])))
    written = []
    try:
        for path, mode, uid, gid in directories:
            state = directory_differs(path, mode, uid, gid)
            if state and not module.check_mode:
                if state == "missing":
                    os.makedirs(path, mode=mode)
                os.chmod(path, mode)
                os.chown(path, uid, gid)
            written += [path] if state else []
        for path, mode, uid, gid, content in files:
            if file_differs(path, content, mode, uid, gid):
                if not module.check_mode:
                    write_atomically(path, content, mode, uid, gid, prefix=".host-files-")
                written.append(path)
    except OSError as error:
        module.fail_json(msg=f"host_files: {error}; the paths before it were written: {', '.join(written) or 'none'}")
    diff = {"before": dict.fromkeys(written, "differs or missing"), "after": dict.fromkeys(written, "written")}
    module.exit_json(changed=bool(written), written=written, diff=diff)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: artifact_install
short_description: Install verified files from the controller's artifact cache on a host, in one run
version_added: 0.1.0
description:
  - Compares every file a role needs (binaries from the cache M(rktnetes.cluster.artifact_fetch)
    filled) with the host's copy by sha256, mode, owner and group in one module run, and sends only
    the files whose content differs; one more run installs those.
  - The sha256 each file must have comes from the cache's manifest, which the fetch verified in
    this run; the host checks every file it receives against it before installing it.
  - Writes each file atomically (a temporary file in the same directory, renamed over the old one),
    so a service restarting meanwhile never runs half a binary. Creates missing directories (0755).
  - A file whose content is right but whose mode, owner or group is not is fixed in place.
  - Remembers, in O(state_file) on the host, each installed file's sha256 with its inode, size,
    modification and change times. A later run hashes a file again only when one of those changed
    (any write changes the change time, which user space cannot set back) or with O(rehash); so a
    run that changes nothing reads no binary through.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  action:
    support: full
    description: An action plugin reads the manifest and sends the files that differ.
  check_mode:
    support: full
    description: Reports which files it would write; sends nothing.
  diff_mode:
    support: full
    description: The paths written, not their contents.
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      src:
        description: The file in the controller's cache (an unpacked file next to its C(.manifest.json)).
        type: path
        required: true
      dest:
        description: Absolute path on the host.
        type: path
        required: true
      mode:
        description: Octal mode.
        type: str
        default: "0755"
      sha256:
        description: Set by the action plugin from the cache's manifest; do not set it.
        type: str
      staged:
        description: Set by the action plugin (the sent copy on the host); do not set it.
        type: path
  state_file:
    description: Where the host keeps the sha256 and stat of the files this module installed or hashed.
    type: path
    default: /var/lib/rktnetes/artifacts-installed.json
  rehash:
    description: Hash every file, whatever O(state_file) says (to check the binaries in full).
    type: bool
    default: false
  owner:
    description: Owner of every file and created directory.
    type: str
    default: root
  group:
    description: Group of every file and created directory.
    type: str
    default: root
seealso:
  - module: rktnetes.cluster.artifact_fetch
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Install the scheduler's binary from the controller's cache
  rktnetes.cluster.artifact_install:
    files:
      - src: ~/.cache/rktnetes/artifacts/kubernetes/v1.10.5/amd64/files/kube-scheduler
        dest: /usr/local/bin/kube-scheduler
  register: installed
"""

RETURN = r"""
written:
  description: The paths this run wrote or fixed (or would, in check mode).
  returned: success
  type: list
  elements: str
needs:
  description: The paths whose content differs and for which no copy was sent yet (the action plugin sends them).
  returned: success
  type: list
  elements: str
directories:
  description: The directories this run created (or would create).
  returned: success
  type: list
  elements: str
"""

import hashlib
import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.rktnetes.cluster.plugins.module_utils.artifact_cache import stat_signature
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import (
    copy_atomically,
    read_state,
    write_state,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.host_files import owner_ids

FILE_SPEC = {
    "src": {"type": "path", "required": True},
    "dest": {"type": "path", "required": True},
    "mode": {"type": "str", "default": "0755"},
    "sha256": {"type": "str"},
    "staged": {"type": "path"},
}
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Known:
    """The state file: {dest: {"sha256", "stat"}} of files whose content this module last knew."""

    def __init__(self, path, rehash):
        self.path, self.rehash, self.changed = path, rehash, False
        self.files = read_state(path, "files")  # missing or unreadable: every file is hashed, the file written anew

    def content_is(self, path, sha256):
        """Whether `path` holds `sha256`: by its stat when that is as recorded, else by hashing."""
        known = self.files.get(path)
        recorded = isinstance(known, dict) and known.get("sha256") == sha256 and known.get("stat")
        if not self.rehash and recorded and known["stat"] == stat_signature(path):
            return True
        if sha256_of(path) != sha256:
            return False
        self.record(path, sha256)
        return True

    def record(self, path, sha256):
        entry = {"sha256": sha256, "stat": stat_signature(path)}
        if self.files.get(path) != entry:
            self.files[path], self.changed = entry, True

    def save(self):
        if self.changed:
            os.makedirs(os.path.dirname(self.path), mode=0o755, exist_ok=True)
            write_state(self.path, "files", self.files, prefix=".artifact-state-")


def state_of(known, path, sha256, mode, uid, gid):
    """'content' (missing or other bytes), 'attributes' (right bytes, wrong mode/owner/group) or 'same'."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return "content"
    if not known.content_is(path, sha256):
        return "content"
    return "same" if (status.st_mode & 0o7777, status.st_uid, status.st_gid) == (mode, uid, gid) else "attributes"


def wanted(module, entry):
    """(dest, sha256, mode, staged copy) of an entry, every value checked before anything is written."""
    dest, sha256 = entry["dest"], (entry["sha256"] or "").lower()
    try:
        mode = int(entry["mode"], 8)
    except ValueError:
        module.fail_json(msg=f"artifact_install: {dest}: mode {entry['mode']!r} is not octal; nothing written")
    if not os.path.isabs(dest) or not SHA256.match(sha256):
        module.fail_json(msg=f"artifact_install: {dest}: needs an absolute dest and a sha256; nothing written")
    return dest, sha256, mode, entry["staged"]


def install(module, entries, uid, gid, known):
    """Compare every entry, then (unless in check mode) fix attributes and install staged copies."""
    written, needs, directories = [], [], []
    for dest, _sha256, _mode, _staged in entries:
        directory = os.path.dirname(dest)
        if not os.path.isdir(directory) and directory not in directories:
            directories.append(directory)
    if not module.check_mode:
        for directory in directories:
            os.makedirs(directory, mode=0o755, exist_ok=True)
            os.chown(directory, uid, gid)
    for dest, sha256, mode, staged in entries:
        state = state_of(known, dest, sha256, mode, uid, gid)
        if state == "same":
            continue
        if module.check_mode:
            written.append(dest)
        elif state == "attributes":
            os.chmod(dest, mode)
            os.chown(dest, uid, gid)
            known.record(dest, sha256)  # its change time moved, not its content
            written.append(dest)
        elif not staged:
            needs.append(dest)
        else:
            if sha256_of(staged) != sha256:
                module.fail_json(msg=f"artifact_install: the copy sent for {dest} differs from the cache's manifest")
            copy_atomically(staged, dest, mode, uid, gid, prefix=".artifact-")
            known.record(dest, sha256)
            written.append(dest)
    return written, needs, directories


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {"type": "list", "elements": "dict", "required": True, "options": FILE_SPEC},
            "state_file": {"type": "path", "default": "/var/lib/rktnetes/artifacts-installed.json"},
            "rehash": {"type": "bool", "default": False},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
        },
        supports_check_mode=True,
    )
    try:
        uid, gid = owner_ids(module.params["owner"], module.params["group"])
    except KeyError as error:
        module.fail_json(msg=f"artifact_install: no such owner or group ({error}); nothing written")
    entries = [wanted(module, entry) for entry in module.params["files"]]
    known = Known(module.params["state_file"], module.params["rehash"])
    try:
        written, needs, directories = install(module, entries, uid, gid, known)
        if not module.check_mode:
            known.save()  # only when it learnt something: a run that changes nothing writes nothing
    except OSError as error:
        module.fail_json(msg=f"artifact_install: {error}")
    diff = {"before": dict.fromkeys(written, "differs or missing"), "after": dict.fromkeys(written, "installed")}
    module.exit_json(
        changed=bool(written or directories), written=written, needs=needs, directories=directories, diff=diff
    )


if __name__ == "__main__":
    main()

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
  - System groups come first, then system users (so that directories and files can name them), then
    directories, in the order given, then files, then symbolic links, then kernel parameters. Each file is written
    atomically (a temporary file in the same directory, then renamed), with its mode from the first
    byte; so is each link.
  - The contents never appear in the output or the diff, which show paths only.
  - With O(sysctls), kernel parameters are set where the running kernel's value differs (the file
    in C(/etc/sysctl.d) that keeps them across boots is one of O(files)).
  - With O(start), the same module run then starts the role's unit as M(rktnetes.cluster.unit_started)
    does, so that a run that changes nothing asks a component one question for its files and its
    process together.
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
  groups:
    description:
      - System groups to create when missing (C(groupadd --system)); an existing group is left as it is.
    type: list
    elements: str
    default: []
  users:
    description:
      - System users to create when missing (C(useradd --system), without a home directory), each
        with a group of its name (made with it, unless that group exists). An existing user is left
        as it is.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The user's name.
        type: str
        required: true
      home:
        description: Its home directory (not created by this; list it in O(directories)).
        type: path
        required: true
      shell:
        description: Its login shell.
        type: path
        default: /usr/sbin/nologin
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
      validate:
        description:
          - A command that checks the new content before it replaces the host's file, with V(%s)
            standing for a temporary file that holds it, for example V(haproxy -c -q -f %s).
          - It runs only when the file differs, just before the file is written (the files before it
            in O(files) are in place by then, so it can check a configuration that names them), and
            not in check mode. When it fails the file is left as it was and the task fails with its
            output, naming the paths written before it.
        type: str
      mode:
        description: Octal mode, for example V("0600") for a key (default V("0644")).
        type: str
      owner:
        description: Owner (default O(owner)).
        type: str
      group:
        description: Group (default O(group)).
        type: str
  links:
    description:
      - Symbolic links to keep. A link elsewhere, a file or an empty directory at O(links[].path) is
        replaced; a directory that holds something is an error (nothing is written).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the link; its directory must exist or be in O(directories).
        type: path
        required: true
      src:
        description: What the link points to, kept as given.
        type: str
        required: true
  sysctls:
    description:
      - Kernel parameters (V(net.ipv4.ip_forward)) and the values to set now, through C(/proc/sys),
        after the files and links, where the running kernel's value differs (whitespace between
        words is not a difference; a boolean is 1 or 0). A parameter the kernel lacks, or a value
        that is not one line of ASCII, is an error before anything is written.
    type: dict
    default: {}
  owner:
    description:
      - Owner of every entry that names none. Unset, the user the module runs as (root with
        C(become); the controller's user for a task delegated to it without).
    type: str
  group:
    description: Group of every entry that names none. Unset, the primary group the module runs as.
    type: str
  start:
    description:
      - After the groups, directories, files and links, reload, enable and start a unit, read
        whether its process is older than its files and wait for its health URL, as
        M(rktnetes.cluster.unit_started) does with the same options, in the same module run.
      - A restart is taken as pending (no freshness read, no wait when the unit was running) when
        O(start.restart_pending) is set or when this run wrote a file or link, since the caller restarts
        or reloads a running unit whose files changed, and waits after that.
    type: dict
    suboptions:
      unit:
        description: The unit, for example V(kube-scheduler.service).
        type: str
        required: true
      more_units:
        description: Further units started beside it, with one systemd reload for all.
        type: list
        elements: str
        default: []
      paths:
        description: The files the unit's process runs or reads.
        type: list
        elements: path
        default: []
      no_block:
        description: Start without waiting for its start-up to finish; no health wait then.
        type: bool
        default: false
      restart_pending:
        description: The caller restarts the unit after this task for a reason besides this run's files.
        type: bool
        default: false
      healthz:
        description: An http(s) URL answering 200 once the component works; empty for none.
        type: str
        default: ""
      healthz_pending:
        description: A regular expression that, found in a 200 answer, means "not ready yet".
        type: str
        default: ""
      healthz_timeout:
        description: Seconds to wait for O(start.healthz).
        type: int
        default: 120
      ca_path:
        description: CA certificate for an https O(start.healthz).
        type: path
      client_cert:
        description: Client certificate for an O(start.healthz) that wants TLS client authentication.
        type: path
      client_key:
        description: Its key.
        type: path
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.copy
  - module: rktnetes.cluster.unit_started
"""

EXAMPLES = r"""
- name: etcd's user (with its group) and its data directory
  rktnetes.cluster.host_files:
    users:
      - {name: etcd, home: /var/lib/etcd}
    directories:
      - {path: /var/lib/etcd, owner: etcd, group: etcd, mode: "0700"}

- name: rkt's group, its data directory (group-owned) and a link to the IPAM state
  rktnetes.cluster.host_files:
    groups: [rkt]
    directories:
      - {path: /var/lib/rkt, group: rkt, mode: "2750"}
    links:
      - {path: /var/lib/cni/networks, src: /run/cni-ipam}

- name: Let the node forward packets, now and at every boot
  rktnetes.cluster.host_files:
    files:
      - {dest: /etc/sysctl.d/60-rktnetes.conf, content: "net.ipv4.ip_forward=1\n"}
    sysctls:
      net.ipv4.ip_forward: "1"

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
    start:
      unit: kube-scheduler.service
      paths: [/usr/local/bin/kube-scheduler, /etc/systemd/system/kube-scheduler.service]
      healthz: http://127.0.0.1:10251/healthz
  register: scheduler

- name: Restart the scheduler when a file it reads changed while it ran (the handler waits for health)
  ansible.builtin.debug:
    msg: restarting kube-scheduler
  changed_when: true
  notify: Restart the scheduler
  when: scheduler.written | length > 0 and not scheduler.start.started
"""

RETURN = r"""
written:
  description: The paths this run created, wrote or fixed (or would, in check mode), directories first, links last.
  returned: success
  type: list
  elements: str
users_created:
  description: The users this run created (or would, in check mode).
  returned: success
  type: list
  elements: str
groups_created:
  description: The groups this run created (or would, in check mode).
  returned: success
  type: list
  elements: str
sysctls_set:
  description: The kernel parameters this run set (or would, in check mode).
  returned: success
  type: list
  elements: str
start:
  description:
    - With O(start), what M(rktnetes.cluster.unit_started) returns (C(actions), C(more_actions),
      C(started), C(stale), C(newer), C(health)); without, an empty dictionary.
  returned: success
  type: dict
  sample: {actions: [], more_actions: {}, started: false, stale: false, newer: [], health: ready}
"""

import grp
import os
import pwd
import shlex
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically
from ansible_collections.rktnetes.cluster.plugins.module_utils.host_files import (
    directory_differs,
    file_differs,
    link_differs,
    owner_ids,
    replace_with_link,
    set_sysctl,
    sysctl_differs,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_started import UNIT_OPTIONS, start_units

OWNED = {"mode": {"type": "str"}, "owner": {"type": "str"}, "group": {"type": "str"}}
DIRECTORY_SPEC = {"path": {"type": "path", "required": True}, **OWNED}
FILE_SPEC = {
    "dest": {"type": "path", "required": True},
    "content": {"type": "str", "no_log": True},
    "src": {"type": "path"},
    "validate": {"type": "str"},
    **OWNED,
}
USER_SPEC = {
    "name": {"type": "str", "required": True},
    "home": {"type": "path", "required": True},
    "shell": {"type": "path", "default": "/usr/sbin/nologin"},
}
LINK_SPEC = {"path": {"type": "path", "required": True}, "src": {"type": "str", "required": True}}


def wanted(module, entry, path, default_mode, pending=()):
    """(path, mode, uid, gid) of an entry, checked before anything is written. In check mode a user
    or group this run would create has no id yet: -1, which no path has, so the path counts as to
    write."""
    owner, group = entry["owner"] or module.params["owner"], entry["group"] or module.params["group"]
    try:
        uid, gid = owner_ids("root" if owner in pending else owner, "root" if group in pending else group)
        uid, gid = -1 if owner in pending else uid, -1 if group in pending else gid
        mode = int(entry["mode"] or default_mode, 8)
    except (KeyError, ValueError) as error:
        module.fail_json(msg=f"host_files: {path}: bad owner, group or mode ({error}); nothing written")
    if not os.path.isabs(path):
        module.fail_json(msg=f"host_files: {path} is not an absolute path; nothing written")
    return path, mode, uid, gid


def missing_groups(module):
    """The O(groups) not known to the host yet."""
    missing = []
    for name in module.params["groups"]:
        try:
            grp.getgrnam(name)
        except KeyError:
            missing.append(name)
    return missing


def missing_users(module):
    """The O(users) not known to the host yet."""
    missing = []
    for entry in module.params["users"]:
        try:
            pwd.getpwnam(entry["name"])
        except KeyError:
            missing.append(entry)
    return missing


def create_users(module, entries):
    useradd = module.get_bin_path("useradd", required=True)
    for done, entry in enumerate(entries):
        try:
            grp.getgrnam(entry["name"])
            group = ["--gid", entry["name"]]
        except KeyError:
            group = ["--user-group"]
        command = [useradd, "--system", "--no-create-home", "--home-dir", entry["home"], "--shell", entry["shell"]]
        rc, out, err = module.run_command([*command, *group, entry["name"]])
        if rc != 0:
            why = err.strip() or out.strip()
            before = ", ".join(user["name"] for user in entries[:done]) or "none"
            module.fail_json(
                msg=f"host_files: useradd --system {entry['name']}: {why}; created before it: {before}; no path written"
            )


def create_groups(module, names):
    groupadd = module.get_bin_path("groupadd", required=True)
    for done, name in enumerate(names):
        rc, out, err = module.run_command([groupadd, "--system", name])
        if rc != 0:
            why = err.strip() or out.strip()
            before = ", ".join(names[:done]) or "none"
            module.fail_json(
                msg=f"host_files: groupadd --system {name}: {why}; created before it: {before}; no path written"
            )


def validate(module, command, path, content, written):
    """Run `command` on a temporary copy of the new content of `path`; fail unless it passes."""
    handle, temporary = tempfile.mkstemp(prefix=".host-files-validate-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        argv = [word.replace("%s", temporary) for word in shlex.split(command)]
        rc, out, err = module.run_command(argv)
    finally:
        os.unlink(temporary)
    if rc != 0:
        why = (err.strip() or out.strip() or f"exit status {rc}").replace(temporary, path)
        before = ", ".join(written) or "none"
        module.fail_json(
            msg=f"host_files: {path}: fails `{command}`: {why}; left as it was; written before it: {before}"
        )


def wanted_entries(module, pending):
    """(directories, files, links) as tuples, each entry checked; fails before anything is written."""
    params = module.params
    directories = [wanted(module, entry, entry["path"], "0755", pending) for entry in params["directories"]]
    files = []
    for entry in params["files"]:
        if entry["content"] is None:
            module.fail_json(msg=f"host_files: {entry['dest']}: needs content or src; nothing written")
        if entry["validate"] is not None and "%s" not in entry["validate"]:
            module.fail_json(
                msg=f"host_files: {entry['dest']}: validate needs %s for the file to check; nothing written"
            )
        files.append(
            (
                *wanted(module, entry, entry["dest"], "0644", pending),
                to_bytes(entry["content"]),
                entry["validate"],
            )
        )
    links = []
    for entry in params["links"]:
        if not os.path.isabs(entry["path"]):
            module.fail_json(msg=f"host_files: link {entry['path']} is not an absolute path; nothing written")
        try:
            links.append((entry["path"], entry["src"], link_differs(entry["path"], entry["src"])))
        except ValueError as error:
            module.fail_json(msg=f"host_files: link {error}; nothing written")
    return directories, files, links


def sysctls_to_set(module):
    """{name: value} of the O(sysctls) whose running value differs (a YAML boolean as 1 or 0, as
    sysctl files write it); fails before anything is written for one the kernel lacks or a value
    that is not one line of ASCII."""
    wanted = {}
    for name, value in module.params["sysctls"].items():
        value = ("1" if value else "0") if isinstance(value, bool) else str(value).strip()
        if "\n" in value or not value.isascii():
            module.fail_json(msg=f"host_files: sysctl {name}: a value is one line of ASCII; nothing written")
        try:
            if sysctl_differs(name, value):
                wanted[name] = value
        except (ValueError, OSError) as error:
            module.fail_json(msg=f"host_files: sysctl {error}; nothing written")
    return wanted


def main():
    module = AnsibleModule(
        argument_spec={
            "directories": {"type": "list", "elements": "dict", "default": [], "options": DIRECTORY_SPEC},
            "files": {"type": "list", "elements": "dict", "default": [], "options": FILE_SPEC},
            "groups": {"type": "list", "elements": "str", "default": []},
            "users": {"type": "list", "elements": "dict", "default": [], "options": USER_SPEC},
            "links": {"type": "list", "elements": "dict", "default": [], "options": LINK_SPEC},
            "sysctls": {"type": "dict", "default": {}},
            "owner": {"type": "str"},
            "group": {"type": "str"},
            "start": {"type": "dict", "options": UNIT_OPTIONS},
        },
        supports_check_mode=True,
    )
    groups, users = missing_groups(module), missing_users(module)
    pending = set(groups) | {user["name"] for user in users}  # a new user comes with its group
    entries = wanted_entries(module, pending)  # every entry checked before anything changes
    sysctls = sysctls_to_set(module)
    if pending and not module.check_mode:
        create_groups(module, groups)
        create_users(module, users)
        entries = wanted_entries(module, set())  # now with the new users' and groups' ids
    directories, files, links = entries
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
        for path, mode, uid, gid, content, check in files:
            if file_differs(path, content, mode, uid, gid):
                if not module.check_mode:
                    if check:
                        validate(module, check, path, content, written)
                    write_atomically(path, content, mode, uid, gid, prefix=".host-files-")
                written.append(path)
        for path, target, state in links:
            if state and not module.check_mode:
                replace_with_link(path, target)
            written += [path] if state else []
        for done, (name, value) in enumerate(sysctls.items()):
            if not module.check_mode:
                try:
                    set_sysctl(name, value)
                except OSError as error:
                    before = ", ".join(list(sysctls)[:done]) or "none"
                    paths = ", ".join(written) or "none"
                    module.fail_json(
                        msg=f"host_files: sysctl {name}: {error}; set before it: {before}; written: {paths}"
                    )
    except OSError as error:
        module.fail_json(msg=f"host_files: {error}; the paths before it were written: {', '.join(written) or 'none'}")
    started = {}
    if module.params["start"]:
        unit = dict(module.params["start"])
        files_written = set(written) - {entry[0] for entry in directories}
        unit["restart_pending"] = unit["restart_pending"] or bool(files_written)
        started = start_units(module, unit)
    unit_changed = started.pop("changed", False)
    diff = {"before": dict.fromkeys(written, "differs or missing"), "after": dict.fromkeys(written, "written")}
    module.exit_json(
        changed=bool(written or groups or users or sysctls or unit_changed),
        written=written,
        users_created=[user["name"] for user in users],
        groups_created=groups,
        sysctls_set=list(sysctls),
        start=started,
        diff=diff,
    )


if __name__ == "__main__":
    main()

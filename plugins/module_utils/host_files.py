# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What the file-writing modules share: the wanted state of a file, directory or symbolic link, and
whether the host's differs (content, mode, owner, group, target)."""

from __future__ import annotations

import grp
import os
import pwd


def owner_ids(owner, group):
    """(uid, gid) of names; KeyError for an unknown one. None stands for the user (group) this
    process runs as: the controller's user for a task delegated to it without become."""
    uid = os.getuid() if owner is None else pwd.getpwnam(owner).pw_uid
    gid = os.getgid() if group is None else grp.getgrnam(group).gr_gid
    return uid, gid


def file_differs(path, content, mode, uid, gid):
    """True when the file at `path` is missing or differs in bytes, mode, owner or group."""
    try:
        status = os.stat(path)
        with open(path, "rb") as stream:
            current = stream.read()
    except FileNotFoundError:
        return True
    return current != content or (status.st_mode & 0o7777, status.st_uid, status.st_gid) != (mode, uid, gid)


def directory_differs(path, mode, uid, gid):
    """'missing', 'attributes' (mode, owner or group) or '' for a directory as wanted."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return "missing"
    if (status.st_mode & 0o7777, status.st_uid, status.st_gid) != (mode, uid, gid):
        return "attributes"
    return ""


def link_differs(path, target):
    """'missing', 'replace' (a link elsewhere, a file or an empty directory) or '' for a symbolic link
    to `target`. ValueError for a directory that holds something: replacing it would lose that."""
    if os.path.islink(path):
        return "" if os.readlink(path) == target else "replace"
    if not os.path.lexists(path):
        return "missing"
    if os.path.isdir(path) and os.listdir(path):
        raise ValueError(f"{path} is a directory that is not empty; move what it holds, then run again")
    return "replace"


def replace_with_link(path, target):
    """A symbolic link `path` -> `target`, put in place by a rename (an empty directory is removed first)."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.rmdir(path)
    temporary = os.path.join(os.path.dirname(path), f".host-files-link-{os.getpid()}-{os.path.basename(path)}")
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.replace(temporary, path)


def sysctl_path(name, root="/proc/sys"):
    """The /proc/sys file of a kernel parameter named as sysctl names it (net.ipv4.ip_forward)."""
    if not name or name.startswith((".", "/")) or ".." in name or "/" in name:
        raise ValueError(f"{name!r} is not a kernel parameter name")
    return os.path.join(root, *name.split("."))


def sysctl_differs(name, value, root="/proc/sys"):
    """True when the running kernel's `name` is not `value` (whitespace between words ignored, as
    sysctl prints "4096\t87380" for "4096 87380"). ValueError for a parameter the kernel lacks."""
    path = sysctl_path(name, root)
    try:
        with open(path, encoding="ascii", errors="replace") as stream:
            current = stream.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ValueError(f"{name}: no such kernel parameter ({path})") from None
    return current.split() != str(value).split()


def set_sysctl(name, value, root="/proc/sys"):
    with open(sysctl_path(name, root), "w", encoding="ascii") as stream:
        stream.write(f"{value}\n")

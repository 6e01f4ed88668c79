# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What the file-writing modules share: the wanted state of a file or directory, and whether the
host's differs (content, mode, owner, group)."""

from __future__ import annotations

import grp
import os
import pwd


def owner_ids(owner, group):
    """(uid, gid) of names; KeyError for an unknown one."""
    return pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid


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

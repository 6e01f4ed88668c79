# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Replace a file so that no reader ever sees half of it or a moment of the wrong mode; keep a
directory private; read and replace a module's JSON state file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile


def write_atomically(path, data, mode, uid=None, gid=None, prefix=".tmp-"):
    """`data` at `path` with `mode` (and `uid`/`gid` when given) from its first byte: written to a
    temporary file in the same directory, then renamed over `path`."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as stream:
            if uid is not None:
                os.fchown(stream.fileno(), uid, gid)
            os.fchmod(stream.fileno(), mode)
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def copy_atomically(source, path, mode, uid=None, gid=None, prefix=".tmp-"):
    """The file `source` at `path`, as write_atomically does, streamed (binaries of 100 MB and more)."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as stream, open(source, "rb") as data:
            if uid is not None:
                os.fchown(stream.fileno(), uid, gid)
            os.fchmod(stream.fileno(), mode)
            shutil.copyfileobj(data, stream, 1 << 20)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def private_directory(path, check_mode=False, set_mode=True):
    """`path` a directory only its owner enters (0700): made when missing, with its missing
    parents (0700 too), or its mode set when it differs (unless not `set_mode`: a directory that
    exists is then left as it is). Returns whether it changed (or would)."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        if not check_mode:
            os.makedirs(path, 0o700, exist_ok=True)
            os.chmod(path, 0o700)  # makedirs' mode is masked by the umask
        return True
    if mode == 0o700 or not set_mode:
        return False
    if not check_mode:
        os.chmod(path, 0o700)
    return True


def read_state(path, key):
    """The object under `key` of the JSON state file `path`; {} when the file is missing,
    unreadable or of another shape (everything it would have spared is then done again)."""
    try:
        with open(path, encoding="utf-8") as stream:
            value = json.load(stream)[key]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def write_state(path, key, value, prefix):
    """{key: value} as the JSON state file `path` (0644), replaced atomically."""
    data = json.dumps({key: value}, indent=1, sort_keys=True).encode() + b"\n"
    write_atomically(path, data, 0o644, prefix=prefix)

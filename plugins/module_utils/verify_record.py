# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""A record of one image verification on the host, so that a run in which nothing it read has
changed does not decompress and hash the image again (issue 21).

A recorded verdict is used only while all of these hold:
  - the same request (path, signature, trust roots, expected name and labels, expired keys);
  - the same verifying code (a digest of the collection's module_utils as loaded);
  - the same inputs: the stat signatures (inode, size, mtime, ctime; artifact_cache.stat_signature)
    of the image, its signature and every entry of the trust stores, links and their targets.
    Any write moves a file's ctime, which no program can set back;
  - before the signature or the signing key expires (a key's expiry counts only when expired keys
    are refused): after that the verdict can change with nothing written.
The inputs are read before the verification, so a change during it makes the record stale."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time

from ansible_collections.rktnetes.cluster.plugins.module_utils.artifact_cache import stat_signature
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import read_state, write_state

PACKAGE = "ansible_collections.rktnetes.cluster.plugins.module_utils."
KEY = "image_verification"


def code_digest():
    """sha256 over the source of every module_utils module of this collection loaded now; None when
    a source cannot be read (then nothing is recalled or recorded)."""
    digest = hashlib.sha256()
    for name in sorted(name for name in sys.modules if name.startswith(PACKAGE)):
        module = sys.modules[name]
        try:
            source = module.__loader__.get_source(name)
        except (AttributeError, ImportError, OSError):
            return None
        if source is None:
            return None
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()


def _entry_signature(path):
    """The entry itself (lstat, with its type) and, for a link, what it points to now."""
    try:
        status = os.lstat(path)
        target = os.readlink(path) if stat.S_ISLNK(status.st_mode) else None
    except OSError:
        return None
    own = [status.st_mode, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]
    return own if target is None else [*own, target, stat_signature(path)]


def _store_signatures(roots):
    """Every entry under each root's root.d and prefix.d (directories too: an added or removed key
    moves its directory's mtime), walked without following links, as rkt walks them."""
    seen = {}
    for root in roots:
        for top in ("root.d", "prefix.d"):
            base = os.path.join(root, top)
            seen[base] = _entry_signature(base)
            for directory, dirs, files in os.walk(base):
                for name in dirs + files:
                    path = os.path.join(directory, name)
                    seen[path] = _entry_signature(path)
    return seen


def inputs(path, signature, roots):
    """What a verification of `path` reads, as stat signatures."""
    return {
        "image": _entry_signature(path),
        "signature": _entry_signature(signature),
        "trust_stores": _store_signatures(roots),
    }


def recall(record_path, request, seen, now=None):
    """The recorded verdict for `request` when it still holds for the inputs `seen`; else None."""
    recorded = read_state(record_path, KEY)
    if not recorded or recorded.get("request") != request or recorded.get("inputs") != seen:
        return None
    until = recorded.get("valid_until")
    if until is not None and not (isinstance(until, int) and (now or time.time()) < until):
        return None
    result = recorded.get("result")
    return result if isinstance(result, dict) else None


def remember(record_path, request, seen, valid_until, result):
    """Records a verdict (rewritten atomically; the directory is made when missing)."""
    directory = os.path.dirname(record_path)
    if directory:
        os.makedirs(directory, mode=0o755, exist_ok=True)
    value = {"request": request, "inputs": seen, "valid_until": valid_until, "result": result}
    if read_state(record_path, KEY) != value:
        write_state(record_path, KEY, value, prefix=".verified-")

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""A record of one image verification on the host, so that a run in which nothing it read has
changed does not decompress and hash the image again (issue 21).

A recorded verdict is used only while all of these hold:
  - the same request (path, signature, trust roots, expected name and labels, expired keys);
  - the same verifying code (a digest of the running module's and the collection's sources);
  - the same inputs: the stat signatures (device, inode, size, mtime, ctime) of the image, its
    signature and every entry of the trust stores, links and their targets, and of the gpg tools.
    Any write moves a file's ctime, which no program can set back;
  - a clock between the verification and the earliest expiry: the signature's and, when expired
    keys are refused, the signing key's. After it the verdict can change with nothing written.
The inputs are read before the verification, so a change during it makes the record stale, and
inputs changed within a timestamp tick of that are not recorded (racy)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import time

from ansible_collections.rktnetes.cluster.plugins.module_utils.artifact_cache import stat_signature
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import read_state, write_state

PACKAGE = "ansible_collections.rktnetes.cluster.plugins."
KEY = "image_verification"
TOOLS = ("gpgv", "gpg")
# A file written this close before its stat was taken could be written again within the same
# timestamp tick without its stat changing (git's "racy clean"): such inputs are not recorded.
RACY_S = 0.1
RACY_COARSE_S = 2.0  # a file system that keeps whole seconds only


def code_digest(own=None):
    """sha256 over the source of the running module (`own`) and of every module of this collection
    loaded now; None when a source cannot be read (then nothing is recalled or recorded)."""
    modules = {name: module for name, module in sys.modules.items() if name.startswith(PACKAGE)}
    if own is not None:
        spec = getattr(own, "__spec__", None)
        modules[getattr(spec, "name", None) or own.__name__] = own
    digest = hashlib.sha256()
    for name, module in sorted(modules.items()):
        try:
            source = module.__loader__.get_source(name)
        except (AttributeError, ImportError, OSError):
            return None
        if source is None:
            return None
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()


def _entry_signature(path):
    """The entry itself (lstat, with its type and device) and, for a link, what it points to now."""
    try:
        status = os.lstat(path)
        target = os.readlink(path) if stat.S_ISLNK(status.st_mode) else None
    except OSError:
        return None
    own = [status.st_mode, status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]
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
    """What a verification of `path` reads, as stat signatures: the files, and the gpg tools it
    runs (where PATH finds them, and their stat)."""
    tools = {}
    for name in TOOLS:
        found = shutil.which(name)
        tools[name] = [found, stat_signature(found) if found else None]
    return {
        "image": _entry_signature(path),
        "signature": _entry_signature(signature),
        "trust_stores": _store_signatures(roots),
        "tools": tools,
    }


def _ctimes(seen):
    """The ctime of every input in `seen` (entry signatures, and stat signatures of links' targets
    and the tools)."""
    entries = [seen["image"], seen["signature"], *seen["trust_stores"].values()]
    times = [entry[5] for entry in entries if entry]
    times += [entry[7][3] for entry in entries if entry and len(entry) > 7 and entry[7]]
    times += [status[3] for _path, status in seen["tools"].values() if status]
    return times


def racy(seen, taken_at):
    """Whether an input was changed so shortly before `taken_at` (seconds) that a write after it
    might not show in its stat."""
    return any(
        moment / 1e9 > taken_at - (RACY_COARSE_S if moment % 1_000_000_000 == 0 else RACY_S) for moment in _ctimes(seen)
    )


def recall(record_path, request, seen, now=None):
    """The recorded verdict for `request` when it still holds for the inputs `seen`; else None.
    The clock must be between the verification and the first expiry: a clock set back before it
    could be before a key's creation, which gpgv refuses."""
    recorded = read_state(record_path, KEY)
    if not recorded or recorded.get("request") != request or recorded.get("inputs") != seen:
        return None
    now = time.time() if now is None else now
    since, until = recorded.get("verified_at"), recorded.get("valid_until")
    if not isinstance(since, (int, float)) or now < since:
        return None
    if until is not None and not (isinstance(until, int) and now < until):
        return None
    result = recorded.get("result")
    return result if isinstance(result, dict) else None


def remember(record_path, request, seen, taken_at, valid_until, result):
    """Records a verdict reached from the inputs `seen`, taken at `taken_at` (rewritten
    atomically; the directory is made when missing)."""
    directory = os.path.dirname(record_path)
    if directory:
        os.makedirs(directory, mode=0o755, exist_ok=True)
    value = {"request": request, "inputs": seen, "verified_at": taken_at, "valid_until": valid_until, "result": result}
    write_state(record_path, KEY, value, prefix=".verified-")

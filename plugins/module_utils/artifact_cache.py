# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The controller's artifact cache: fetch once, verify, keep the wanted files of an archive unpacked.

Layout under the cache root, per artifact/version/arch: the downloaded file as published, and
`files/` with the members the hosts get, plus `files/.manifest.json` recording the archive checksum
and each file's sha256, so a corrupted cache file is noticed and replaced on the next run. At the
root, `verified.json` records what the last check of each artifact saw (stat signatures): a later
run hashes an artifact again only when one of them changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile

from ansible_collections.rktnetes.cluster.plugins.module_utils.artifacts import digest_file, parse_checksum
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import read_state, write_state

CHUNK = 1 << 20
MANIFEST = ".manifest.json"
RECORD = "verified.json"


class FetchError(Exception):
    """A download that failed, was missing or did not match its checksum; nothing was kept."""


class NotFound(FetchError):
    """The source has no such file (HTTP 404 or no such file in a directory mirror)."""


def where_to_put_it(entry, mirror):
    """The sentence every missing-artifact or bad-checksum error ends with."""
    if mirror:
        return f"upstream URL {entry['url']}; in the mirror it belongs at {mirror.rstrip('/')}/{entry['mirror_path']}"
    return f"upstream URL {entry['url']}; in a mirror (artifacts_mirror) it belongs at <mirror>/{entry['mirror_path']}"


def _open_source(source, opener, timeout):
    if source.startswith("/"):
        try:
            return open(source, "rb")
        except FileNotFoundError:
            raise NotFound(f"no such file {source}") from None
        except OSError as exc:
            raise FetchError(f"cannot read {source}: {exc}") from None
    return opener(source, timeout)


def _copy_hashing(stream, target, algorithm):
    hasher = hashlib.new(algorithm)
    for block in iter(lambda: stream.read(CHUNK), b""):
        hasher.update(block)
        target.write(block)
    return hasher.hexdigest()


def download(entry, dest, opener, mirror="", timeout=60):
    """Fetch entry['source'] to `dest` atomically, verifying the checksum on the way in."""
    checksum = entry.get("checksum")
    algorithm, expected = parse_checksum(checksum) if checksum else ("sha256", None)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(dest))
    try:
        with os.fdopen(handle, "wb") as target:
            try:
                stream = _open_source(entry["source"], opener, timeout)
            except NotFound as exc:
                raise NotFound(
                    f"{entry['name']} {entry['version']} ({entry['arch']}) not found at {entry['source']} ({exc}): "
                    + where_to_put_it(entry, mirror)
                ) from None
            with stream:
                actual = _copy_hashing(stream, target, algorithm)
        if expected and actual != expected:
            raise FetchError(
                f"checksum mismatch for {entry['name']} {entry['version']} ({entry['arch']}) from {entry['source']}: "
                f"expected {algorithm}:{expected}, got {algorithm}:{actual}. The file was deleted and nothing was "
                f"installed. Replace it with the publisher's file: " + where_to_put_it(entry, mirror)
            )
        os.chmod(partial, 0o644)
        os.replace(partial, dest)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def cached_file_ok(entry, path):
    """True when `path` exists and holds what the entry's checksum says (any file, for openpgp)."""
    if not os.path.isfile(path):
        return False
    checksum = entry.get("checksum")
    if not checksum:
        return True
    algorithm, expected = parse_checksum(checksum)
    return digest_file(path, algorithm) == expected


def _read_manifest(files_dir):
    try:
        with open(os.path.join(files_dir, MANIFEST), encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return {}


def wanted_files(entry, archive_digest, files_dir, only=None):
    """The files to keep unpacked: those asked for (all of the entry's when `only` is None), plus
    those already unpacked from the same archive, so roles asking for different files of one
    archive do not unpack it again and again."""
    asked = set(entry["files"]) if only is None else set(only)
    unknown = asked - set(entry["files"])
    if unknown:
        raise FetchError(
            f"{entry['name']} has no file {', '.join(sorted(unknown))} (the table lists {', '.join(entry['files'])})"
        )
    manifest = _read_manifest(files_dir)
    if manifest.get("archive") == archive_digest:
        asked |= set(manifest.get("files", {})) & set(entry["files"])
    return sorted(asked)


def unpacked_ok(entry, archive_digest, files_dir, wanted=None):
    manifest = _read_manifest(files_dir)
    wanted = set(entry["files"]) if wanted is None else set(wanted)
    if manifest.get("archive") != archive_digest or set(manifest.get("files", {})) != wanted:
        return False
    return all(
        os.path.isfile(os.path.join(files_dir, name)) and digest_file(os.path.join(files_dir, name), "sha256") == digest
        for name, digest in manifest["files"].items()
    )


def _normal(member_name):
    return member_name[2:] if member_name.startswith("./") else member_name


def unpack(entry, archive_path, archive_digest, files_dir, wanted=None, also=()):
    """Write the wanted files (default all the entry's) from the archive (or the single file) into
    files_dir, then the manifest. `also`: more of the entry's files, taken in the same pass where
    the archive has them (a later role asking for one finds it unpacked and verified)."""
    wanted = list(entry["files"]) if wanted is None else list(wanted)
    staging = tempfile.mkdtemp(prefix=".unpack-", dir=os.path.dirname(files_dir))
    try:
        digests = {}
        if entry["archive"]:
            members = {_normal(entry["files"][name]): name for name in wanted}
            optional = {_normal(entry["files"][name]): name for name in also if name not in wanted}
            with tarfile.open(archive_path, "r:*") as archive:
                for member in archive:
                    name = members.pop(_normal(member.name), None) or optional.pop(_normal(member.name), None)
                    if name is None:
                        continue
                    if not member.isfile():
                        raise FetchError(f"{archive_path}: {member.name} is not a regular file")
                    with archive.extractfile(member) as source, open(os.path.join(staging, name), "wb") as target:
                        digests[name] = _copy_hashing(source, target, "sha256")
            if members:
                raise FetchError(
                    f"{archive_path} has no member {', '.join(sorted(members))}: the file is not laid out as "
                    f"{entry['name']} {entry['version']} is upstream (artifacts table, {entry['name']}.files)"
                )
        else:
            for name in wanted:
                shutil.copyfile(archive_path, os.path.join(staging, name))
                digests[name] = digest_file(os.path.join(staging, name), "sha256")
        with open(os.path.join(staging, MANIFEST), "w", encoding="utf-8") as stream:
            json.dump({"archive": archive_digest, "files": digests}, stream, sort_keys=True)
        if os.path.isdir(files_dir):
            shutil.rmtree(files_dir)
        os.replace(staging, files_dir)
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging)
    return digests


def stat_signature(path):
    """What changes whenever a file's content can have changed: inode, size, mtime and ctime (ctime
    cannot be set back from user space). None for a missing file."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def signatures(archive_path, files_dir):
    """The stat signatures of the cached file, the manifest and every unpacked file, after a check."""
    manifest = _read_manifest(files_dir)
    names = sorted(manifest.get("files", {}))
    return {
        "path": archive_path,
        "archive": stat_signature(archive_path),
        "manifest": stat_signature(os.path.join(files_dir, MANIFEST)),
        "files": {name: stat_signature(os.path.join(files_dir, name)) for name in names},
    }


def still_verified(verified, entry, archive_path, files_dir, only):
    """True when an earlier check of this run (its `signatures`) still holds: nothing it hashed has
    changed since (same signatures) and it covered every file asked for now."""
    if not verified or not verified.get("archive"):
        return False
    now = signatures(archive_path, files_dir)
    asked = set(entry["files"]) if only is None else set(only)
    return now == verified and asked <= set(now["files"])


def load_record(cache_root):
    """{cache_file: {"pin", "signatures"}} of the checks earlier runs made; {} when unreadable."""
    return read_state(os.path.join(cache_root, RECORD), "artifacts")


def pin(entry):
    """What an entry is checked against: its checksum and where that came from (the table, the
    mirror's checksum file; none for a file an OpenPGP signature vouches for, checked on the hosts)."""
    return [entry.get("checksum"), entry.get("checksum_source")]


def recorded_check(recorded, entry):
    """The signatures an earlier run's check of `entry` left, when it checked against the same pin
    (a new pin is checked anew); {} for none. Any write to a file moves its ctime, which no program
    can set back: a file changed since then does not match them."""
    known = recorded.get(entry.get("cache_file"))
    if isinstance(known, dict) and known.get("pin") == pin(entry):
        return known.get("signatures") if isinstance(known.get("signatures"), dict) else {}
    return {}


def record_checks(cache_root, checks):
    """Adds [(entry, signatures)] to the record (rewritten atomically, only when it changes)."""
    recorded = load_record(cache_root)
    before = json.dumps(recorded, sort_keys=True)
    for entry, signatures_seen in checks:
        if signatures_seen:
            recorded[entry["cache_file"]] = {"pin": pin(entry), "signatures": signatures_seen}
    if json.dumps(recorded, sort_keys=True) != before:
        write_state(os.path.join(cache_root, RECORD), "artifacts", recorded, prefix=".verified-")


def cache_paths(entry, cache_root):
    """Where an entry's downloaded file and its unpacked files sit in the cache."""
    return os.path.join(cache_root, entry["cache_file"]), os.path.join(cache_root, entry["cache_dir"], "files")


def ensure(entry, cache_root, opener, mirror="", timeout=60, check_mode=False, only=None, verified=None):
    """Bring one artifact into the cache with the files `only` names (default all) unpacked.
    `verified`: the signatures an earlier call of this run returned; when nothing changed since,
    the hashing is not done again. Returns what happened (with the new signatures); raises
    FetchError on failure."""
    archive_path, files_dir = cache_paths(entry, cache_root)
    result = {"path": archive_path, "files_dir": files_dir, "downloaded": False, "replaced": False, "unpacked": False}
    if still_verified(verified, entry, archive_path, files_dir, only):
        result["verified"] = verified
        return result
    present = os.path.exists(archive_path)
    if not cached_file_ok(entry, archive_path):
        result["downloaded"] = True
        result["replaced"] = present
        if check_mode:
            return dict(result, verified={})  # nothing checked: nothing to trust
        if present:
            os.unlink(archive_path)  # corrupt or stale: never leave a bad file in the cache
        download(entry, archive_path, opener, mirror, timeout)
    archive_digest = digest_file(archive_path, "sha256")
    wanted = wanted_files(entry, archive_digest, files_dir, only)
    if not unpacked_ok(entry, archive_digest, files_dir, wanted):
        result["unpacked"] = True
        if not check_mode:
            # One pass over the archive for every file the table lists that it holds: the roles that
            # ask for the Kubernetes binaries one by one then find them all unpacked (not a pass each).
            unpack(entry, archive_path, archive_digest, files_dir, wanted, also=entry["files"])
    # What a later call of the same run may trust, unless in check mode something is still missing.
    complete = not (check_mode and result["unpacked"])
    result["verified"] = signatures(archive_path, files_dir) if complete else {}
    return result

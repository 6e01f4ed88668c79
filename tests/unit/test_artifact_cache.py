"""The controller cache: real archives on disk and over HTTP on loopback, real checksums."""

import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading
import urllib.error
import urllib.request

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils import artifact_cache, artifacts

FILES = {"etcd": b"#!/bin/sh\necho etcd\n", "etcdctl": b"#!/bin/sh\necho etcdctl\n"}


def make_archive(path, compression="gz", top="etcd-v9.9.9-linux-amd64"):
    with tarfile.open(path, f"w:{compression}") as archive:
        for name, data in {**FILES, "README.md": b"not wanted\n"}.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def entry_for(mirror, checksum, archive=True, files=None):
    catalog = {
        "etcd": {
            "url": "https://upstream.invalid/v{version}/etcd-v{version}-linux-{arch}.tar.gz",
            "mirror_path": "etcd/v{version}/etcd-v{version}-linux-{arch}.tar.gz",
            "archive": archive,
            "files": files or {name: f"etcd-v{{version}}-linux-{{arch}}/{name}" for name in FILES},
            "checksums": {"9.9.9": {"amd64": checksum}},
        }
    }
    return artifacts.resolve(catalog, "etcd", "9.9.9", "amd64", str(mirror))


def urllib_opener(url, timeout):
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - loopback test server
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise artifact_cache.NotFound(f"HTTP 404 from {url}") from None
        raise


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror"
    (root / "etcd" / "v9.9.9").mkdir(parents=True)
    checksum = make_archive(root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz")
    return root, checksum


@pytest.fixture
def http_mirror(mirror):
    root, checksum = mirror
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, checksum
    server.shutdown()


def test_directory_mirror_fetch_verify_unpack_then_nothing(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    cache = tmp_path / "cache"
    first = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    assert (first["downloaded"], first["replaced"], first["unpacked"]) == (True, False, True)
    files_dir = cache / "etcd" / "9.9.9" / "amd64" / "files"
    assert {p.name for p in files_dir.iterdir()} == {"etcd", "etcdctl", ".manifest.json"}
    assert (files_dir / "etcd").read_bytes() == FILES["etcd"]
    mtime = os.stat(first["path"]).st_mtime_ns
    second = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    assert (second["downloaded"], second["unpacked"]) == (False, False)
    assert os.stat(first["path"]).st_mtime_ns == mtime


def test_http_mirror_on_loopback(tmp_path, http_mirror):
    base, _root, checksum = http_mirror
    entry = entry_for(base, checksum)
    result = artifact_cache.ensure(entry, str(tmp_path / "cache"), urllib_opener, base)
    assert result["downloaded"] and (tmp_path / "cache" / entry["cache_file"]).exists()


def test_missing_artifact_names_upstream_url_and_mirror_path(tmp_path, http_mirror):
    base, root, checksum = http_mirror
    (root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz").unlink()
    with pytest.raises(artifact_cache.NotFound) as caught:
        artifact_cache.ensure(entry_for(base, checksum), str(tmp_path / "cache"), urllib_opener, base)
    message = str(caught.value)
    assert "https://upstream.invalid/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz" in message
    assert f"belongs at {base}/etcd/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz" in message
    assert "HTTP 404" in message
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_missing_file_in_directory_mirror(tmp_path):
    entry = entry_for(tmp_path / "empty", "sha256:" + "0" * 64)
    where = r"belongs at .*/empty/etcd/v9\.9\.9/etcd-v9\.9\.9-linux-amd64\.tar\.gz"
    with pytest.raises(artifact_cache.NotFound, match=where):
        artifact_cache.ensure(entry, str(tmp_path / "cache"), urllib_opener, str(tmp_path / "empty"))


def test_checksum_mismatch_deletes_the_download_and_says_both_sums(tmp_path, mirror):
    root, checksum = mirror
    wrong = "sha256:" + "0" * 64
    with pytest.raises(artifact_cache.FetchError) as caught:
        artifact_cache.ensure(entry_for(root, wrong), str(tmp_path / "cache"), urllib_opener, str(root))
    message = str(caught.value)
    assert f"expected {wrong}, got {checksum}" in message
    assert "deleted and nothing was installed" in message
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_corrupted_cache_file_is_replaced(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    cache = tmp_path / "cache"
    path = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))["path"]
    with open(path, "r+b") as stream:
        stream.seek(20)
        stream.write(b"\xff")
    result = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    assert (result["downloaded"], result["replaced"]) == (True, True)
    assert "sha256:" + artifacts.digest_file(path, "sha256") == checksum


def test_corrupted_cache_and_corrupted_mirror_leaves_no_file(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    cache = tmp_path / "cache"
    path = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))["path"]
    for target in (path, root / entry["mirror_path"]):
        with open(target, "ab") as stream:
            stream.write(b"tampered")
    with pytest.raises(artifact_cache.FetchError, match="checksum mismatch"):
        artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    assert not os.path.exists(path)


def test_tampered_unpacked_file_is_unpacked_again(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    cache = tmp_path / "cache"
    files_dir = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))["files_dir"]
    with open(os.path.join(files_dir, "etcdctl"), "ab") as stream:
        stream.write(b"evil")
    result = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    assert (result["downloaded"], result["unpacked"]) == (False, True)
    with open(os.path.join(files_dir, "etcdctl"), "rb") as stream:
        assert stream.read() == FILES["etcdctl"]


def test_check_mode_changes_nothing(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    result = artifact_cache.ensure(entry, str(tmp_path / "cache"), urllib_opener, str(root), 60, check_mode=True)
    assert result["downloaded"] and not (tmp_path / "cache").exists()
    assert result["verified"] == {}  # nothing checked, nothing for a later call (or the record) to trust


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz", ""])
def test_every_compression_tar_reads(tmp_path, compression):
    root = tmp_path / "mirror"
    (root / "etcd" / "v9.9.9").mkdir(parents=True)
    checksum = make_archive(root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz", compression)
    result = artifact_cache.ensure(entry_for(root, checksum), str(tmp_path / "c"), urllib_opener, str(root))
    with open(os.path.join(result["files_dir"], "etcd"), "rb") as stream:
        assert stream.read() == FILES["etcd"]


def test_archive_without_a_listed_member_fails_and_keeps_no_files(tmp_path):
    root = tmp_path / "mirror"
    (root / "etcd" / "v9.9.9").mkdir(parents=True)
    checksum = make_archive(root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz", top="other")
    with pytest.raises(artifact_cache.FetchError, match=r"has no member etcd-v9\.9\.9-linux-amd64/etcd"):
        artifact_cache.ensure(entry_for(root, checksum), str(tmp_path / "c"), urllib_opener, str(root))
    assert not (tmp_path / "c" / "etcd" / "9.9.9" / "amd64" / "files").exists()


def test_single_file_artifact_is_kept_as_is(tmp_path):
    root = tmp_path / "mirror"
    (root / "etcd" / "v9.9.9").mkdir(parents=True)
    (root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz").write_bytes(b"-----BEGIN PGP SIGNATURE-----\n")
    digest = "sha256:" + hashlib.sha256(b"-----BEGIN PGP SIGNATURE-----\n").hexdigest()
    entry = entry_for(root, digest, archive=False, files={"x.asc": ""})
    result = artifact_cache.ensure(entry, str(tmp_path / "c"), urllib_opener, str(root))
    with open(os.path.join(result["files_dir"], "x.asc"), "rb") as stream:
        assert stream.read().startswith(b"-----BEGIN PGP")


def test_one_pass_unpacks_every_listed_file_and_later_asks_for_another_find_it(tmp_path, mirror):
    root, checksum = mirror
    entry = entry_for(root, checksum)
    cache = str(tmp_path / "cache")
    first = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcdctl"])
    assert sorted(os.listdir(first["files_dir"])) == [".manifest.json", "etcd", "etcdctl"]  # not README.md
    assert sorted(first["verified"]["files"]) == ["etcd", "etcdctl"]
    more = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd"])
    assert not more["unpacked"]
    assert not artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcdctl"])["unpacked"]


def test_an_archive_lacking_a_file_nobody_asked_for_is_fine(tmp_path):
    root = tmp_path / "mirror"
    (root / "etcd" / "v9.9.9").mkdir(parents=True)
    checksum = make_archive(root / "etcd" / "v9.9.9" / "etcd-v9.9.9-linux-amd64.tar.gz")
    files = {"etcd": "etcd-v9.9.9-linux-amd64/etcd", "missing": "etcd-v9.9.9-linux-amd64/missing"}
    entry = entry_for(root, checksum, files=files)
    assert artifact_cache.ensure(entry, str(tmp_path / "c"), urllib_opener, str(root), only=["etcd"])["unpacked"]
    with pytest.raises(artifact_cache.FetchError, match=r"has no member etcd-v9\.9\.9-linux-amd64/missing"):
        artifact_cache.ensure(entry, str(tmp_path / "c"), urllib_opener, str(root), only=["missing"])
    with pytest.raises(artifact_cache.FetchError, match="has no file nope"):
        artifact_cache.ensure(entry, str(tmp_path / "c"), urllib_opener, str(root), only=["nope"])


def counting_digests(monkeypatch):
    """Count the files artifact_cache hashes (the cost a check of this run spares later calls)."""
    calls = []
    real = artifact_cache.digest_file

    def digest(path, algorithm):
        calls.append(os.path.basename(path))
        return real(path, algorithm)

    monkeypatch.setattr(artifact_cache, "digest_file", digest)
    return calls


def test_a_later_call_of_the_run_trusts_an_unchanged_check(tmp_path, mirror, monkeypatch):
    root, checksum = mirror
    entry, cache = entry_for(root, checksum), str(tmp_path / "cache")
    first = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd", "etcdctl"])
    calls = counting_digests(monkeypatch)
    again = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd"], verified=first["verified"])
    assert calls == [] and again["verified"] == first["verified"]
    assert (again["downloaded"], again["unpacked"]) == (False, False)
    # Without the earlier result (a new run), everything is hashed again.
    artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd"])
    assert sorted(set(calls)) == ["etcd", "etcd-v9.9.9-linux-amd64.tar.gz", "etcdctl"]


def test_a_file_changed_since_the_check_is_verified_again(tmp_path, mirror, monkeypatch):
    root, checksum = mirror
    entry, cache = entry_for(root, checksum), str(tmp_path / "cache")
    first = artifact_cache.ensure(entry, cache, urllib_opener, str(root))
    files_dir = os.path.join(cache, entry["cache_dir"], "files")
    with open(os.path.join(files_dir, "etcd"), "r+b") as stream:  # same size, new bytes
        stream.write(b"X")
    calls = counting_digests(monkeypatch)
    again = artifact_cache.ensure(entry, cache, urllib_opener, str(root), verified=first["verified"])
    assert again["unpacked"] and "etcd" in calls
    with open(os.path.join(files_dir, "etcd"), "rb") as stream:
        assert stream.read() == FILES["etcd"]


def test_a_check_that_did_not_cover_the_files_asked_for_now_is_not_trusted(tmp_path, mirror, monkeypatch):
    root, checksum = mirror
    entry, cache = entry_for(root, checksum), str(tmp_path / "cache")
    first = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd"])
    partial = {**first["verified"], "files": {"etcd": first["verified"]["files"]["etcd"]}}  # as an older cache's
    calls = counting_digests(monkeypatch)
    again = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcdctl"], verified=partial)
    assert "etcd-v9.9.9-linux-amd64.tar.gz" in calls and "etcdctl" in calls  # checked again, not trusted
    assert sorted(again["verified"]["files"]) == ["etcd", "etcdctl"]


def test_check_mode_with_files_missing_gives_nothing_to_trust(tmp_path, mirror):
    root, checksum = mirror
    entry, cache = entry_for(root, checksum), str(tmp_path / "cache")
    first = artifact_cache.ensure(entry, cache, urllib_opener, str(root), only=["etcd"])
    os.unlink(os.path.join(first["files_dir"], "etcdctl"))
    result = artifact_cache.ensure(entry, cache, urllib_opener, str(root), check_mode=True, only=["etcdctl"])
    assert result["unpacked"] and result["verified"] == {}


def test_artifacts_to_verify_names_only_what_this_run_has_not_checked_as_it_is(tmp_path, mirror):
    """The artifacts role's later includes run no module for an artifact still as checked."""
    from ansible_collections.rktnetes.cluster.plugins.filter.artifacts import artifacts_to_verify

    root, checksum = mirror
    entry = entry_for(root, checksum)
    plan = {"artifacts": {entry["key"]: entry}}
    cache = tmp_path / "cache"
    install = [{"artifact": "etcd", "files": ["etcd"], "dest": "/usr/local/bin"}]
    # Nothing checked in this run yet: it is to verify, with the files asked of it.
    assert [(e["key"], e["asked"]) for e in artifacts_to_verify(plan, install, str(cache), {})] == [
        (entry["key"], ["etcd"])
    ]
    first = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root), only=["etcd"])
    memory = {entry["key"]: first["verified"]}
    assert artifacts_to_verify(plan, install, str(cache), memory) == []
    # Another file of it: the check's one pass unpacked and verified it too.
    more = [{"artifact": "etcd", "files": ["etcd", "etcdctl"], "dest": "/usr/local/bin"}]
    assert artifacts_to_verify(plan, more, str(cache), memory) == []
    # A file asked for now that the check did not cover (a cache an older version unpacked).
    partial = {entry["key"]: {**first["verified"], "files": {"etcd": first["verified"]["files"]["etcd"]}}}
    assert [e["asked"] for e in artifacts_to_verify(plan, more, str(cache), partial)] == [["etcd", "etcdctl"]]
    # The unpacked file changed since the check (same size, new content): checked again.
    unpacked = cache / entry["cache_dir"] / "files" / "etcd"
    unpacked.write_bytes(unpacked.read_bytes().upper())
    assert len(artifacts_to_verify(plan, install, str(cache), memory)) == 1


def test_a_check_is_recorded_for_later_runs_by_checksum_and_a_changed_file_is_checked_again(tmp_path, mirror):
    """verified.json: the filter trusts an earlier run's check of a file whose stat is unchanged
    (no module run), not one of another checksum, not with rehash, and not after an edit in place
    with the mtime set back (the ctime moved)."""
    from ansible_collections.rktnetes.cluster.plugins.filter.artifacts import artifacts_to_verify

    root, checksum = mirror
    entry = entry_for(root, checksum)
    plan = {"artifacts": {entry["key"]: entry}}
    cache = tmp_path / "cache"
    install = [{"artifact": "etcd", "files": ["etcd", "etcdctl"], "dest": "/usr/local/bin"}]
    assert artifact_cache.load_record(str(cache)) == {}
    first = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    artifact_cache.record_checks(str(cache), [(entry, first["verified"])])
    recorded = artifact_cache.load_record(str(cache))
    assert artifact_cache.recorded_check(recorded, entry) == first["verified"]
    assert artifacts_to_verify(plan, install, str(cache), {}) == []  # a new run, nothing hashed
    assert len(artifacts_to_verify(plan, install, str(cache), {}, rehash=True)) == 1
    repinned = {**entry, "checksum": "sha256:" + "0" * 64}
    assert artifact_cache.recorded_check(recorded, {**entry, "checksum_source": "mirror"}) == {}
    assert artifact_cache.recorded_check(recorded, repinned) == {}
    assert len(artifacts_to_verify({"artifacts": {entry["key"]: repinned}}, install, str(cache), {})) == 1
    unpacked = cache / entry["cache_dir"] / "files" / "etcd"
    kept = unpacked.stat()
    unpacked.write_bytes(unpacked.read_bytes().upper())
    os.utime(unpacked, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert len(artifacts_to_verify(plan, install, str(cache), {})) == 1
    (cache / artifact_cache.RECORD).write_text("{not json")
    assert artifact_cache.load_record(str(cache)) == {}  # unreadable: everything is checked


def test_recording_rewrites_the_record_only_when_it_changes(tmp_path, mirror):
    root, checksum = mirror
    entry, cache = entry_for(root, checksum), tmp_path / "cache"
    first = artifact_cache.ensure(entry, str(cache), urllib_opener, str(root))
    artifact_cache.record_checks(str(cache), [(entry, first["verified"])])
    written = (cache / artifact_cache.RECORD).stat()
    artifact_cache.record_checks(str(cache), [(entry, first["verified"]), (entry, {})])
    assert (cache / artifact_cache.RECORD).stat().st_ino == written.st_ino  # not rewritten
    # A file an OpenPGP signature vouches for (no checksum) is recorded by that pin, distinct from a checksum's.
    unpinned = {**entry, "checksum": None, "checksum_source": "openpgp"}
    assert artifact_cache.recorded_check(artifact_cache.load_record(str(cache)), unpinned) == {}
    artifact_cache.record_checks(str(cache), [(unpinned, first["verified"])])
    recorded = artifact_cache.load_record(str(cache))
    assert artifact_cache.recorded_check(recorded, unpinned) == first["verified"]
    assert artifact_cache.recorded_check(recorded, entry) == {}  # its pin is no longer the one recorded


def test_the_record_is_found_under_a_cache_dir_given_with_a_tilde(tmp_path, mirror, monkeypatch):
    """artifacts_cache_dir's default is under ~: the filter reads the record the module wrote there."""
    from ansible_collections.rktnetes.cluster.plugins.filter.artifacts import artifacts_to_verify

    monkeypatch.setenv("HOME", str(tmp_path))
    root, checksum = mirror
    entry = entry_for(root, checksum)
    first = artifact_cache.ensure(entry, str(tmp_path / "cache"), urllib_opener, str(root))
    artifact_cache.record_checks(str(tmp_path / "cache"), [(entry, first["verified"])])
    install = [{"artifact": "etcd", "files": ["etcd"], "dest": "/usr/local/bin"}]
    assert artifacts_to_verify({"artifacts": {entry["key"]: entry}}, install, "~/cache", {}) == []

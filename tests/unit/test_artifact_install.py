"""artifact_install (the module half) and the artifact_install_files filter: a file is sent only
where its content differs by sha256, fixed in place where only its mode differs, and the copy sent
is checked against the cache's manifest before it replaces anything. The action half and the
artifacts role run in every scenario."""

import hashlib
import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.action.artifact_install import manifest_digest
from ansible_collections.rktnetes.cluster.plugins.filter.artifacts import artifact_install_files
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import copy_atomically
from ansible_collections.rktnetes.cluster.plugins.modules import artifact_install
from ansible_collections.rktnetes.cluster.plugins.modules.artifact_install import Known, state_of

IDS = (os.getuid(), os.getgid())
PLAN = {
    "artifacts": {"etcd/amd64": {"cache_dir": "etcd/3.4.23/amd64"}, "etcd/arm64": {"cache_dir": "etcd/3.4.23/arm64"}}
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_missing_other_bytes_wrong_mode_and_same(tmp_path):
    path, known = tmp_path / "etcd", Known(str(tmp_path / "state.json"), rehash=False)
    assert state_of(known, str(path), sha256(b"v1"), 0o755, *IDS) == "content"
    path.write_bytes(b"v1")
    path.chmod(0o644)
    assert state_of(known, str(path), sha256(b"v2"), 0o755, *IDS) == "content"
    assert state_of(known, str(path), sha256(b"v1"), 0o755, *IDS) == "attributes"
    path.chmod(0o755)
    assert state_of(known, str(path), sha256(b"v1"), 0o755, *IDS) == "same"


@pytest.fixture
def hashed(monkeypatch):
    """The paths artifact_install reads through to hash them."""
    calls, real = [], artifact_install.sha256_of
    monkeypatch.setattr(artifact_install, "sha256_of", lambda path: calls.append(path) or real(path))
    return calls


def test_a_file_is_hashed_again_only_when_its_stat_changed_or_when_asked(tmp_path, hashed):
    path, state = tmp_path / "kubelet", str(tmp_path / "var" / "state.json")
    path.write_bytes(b"binary v1")
    digest = sha256(b"binary v1")
    first = Known(state, rehash=False)
    assert first.content_is(str(path), digest) and hashed == [str(path)]
    first.save()
    assert Known(state, rehash=False).content_is(str(path), digest) and len(hashed) == 1  # by its stat
    assert Known(state, rehash=True).content_is(str(path), digest) and len(hashed) == 2  # asked to
    assert not Known(state, rehash=False).content_is(str(path), sha256(b"binary v2")) and len(hashed) == 3
    times = path.stat()
    path.write_bytes(b"binary X1")  # the same size, its mtime set back: only its ctime tells
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert not Known(state, rehash=False).content_is(str(path), digest) and len(hashed) == 4


def test_an_unreadable_state_file_means_hashing_everything(tmp_path, hashed):
    path, state = tmp_path / "kubelet", tmp_path / "state.json"
    path.write_bytes(b"binary")
    for garbage in ("{not json", '{"files": []}', json.dumps({"files": {str(path): "x"}}), "[]"):
        state.write_text(garbage)
        assert Known(str(state), rehash=False).content_is(str(path), sha256(b"binary"))
    assert len(hashed) == 4


def test_nothing_learnt_writes_no_state_file(tmp_path):
    known = Known(str(tmp_path / "state.json"), rehash=False)
    known.save()
    assert not (tmp_path / "state.json").exists()


def test_a_copy_replaces_the_file_whole_with_its_mode(tmp_path):
    source, path = tmp_path / "sent", tmp_path / "bin" / "etcd"
    path.parent.mkdir()
    source.write_bytes(b"x" * (3 << 20))
    path.write_bytes(b"old")
    copy_atomically(str(source), str(path), 0o755, *IDS, prefix=".artifact-")
    assert path.read_bytes() == source.read_bytes() and path.stat().st_mode & 0o7777 == 0o755
    assert os.listdir(path.parent) == ["etcd"]  # no temporary file left


def test_the_digest_comes_from_the_cache_manifest(tmp_path):
    (tmp_path / ".manifest.json").write_text('{"archive": "a", "files": {"etcd": "' + "ab" * 32 + '"}}')
    assert manifest_digest(str(tmp_path / "etcd")) == "ab" * 32


def test_a_file_the_cache_did_not_verify_is_refused(tmp_path):
    with pytest.raises(Exception, match="not a file the artifact cache verified"):
        manifest_digest(str(tmp_path / "etcd"))


def test_the_filter_maps_each_file_to_its_cache_path_and_host_path():
    install = [{"artifact": "etcd", "files": ["etcd", "etcdctl"], "dest": "/usr/local/bin/"}]
    assert artifact_install_files(install, PLAN, "/cache", "arm64") == [
        {"src": "/cache/etcd/3.4.23/arm64/files/etcd", "dest": "/usr/local/bin/etcd", "mode": "0755"},
        {"src": "/cache/etcd/3.4.23/arm64/files/etcdctl", "dest": "/usr/local/bin/etcdctl", "mode": "0755"},
    ]


def test_the_filter_names_an_artifact_the_plan_lacks():
    with pytest.raises(AnsibleFilterError, match="the plan has no rkt for amd64"):
        artifact_install_files([{"artifact": "rkt", "files": ["rkt"], "dest": "/usr/local/bin"}], PLAN, "/cache")

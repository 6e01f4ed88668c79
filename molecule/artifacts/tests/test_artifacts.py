"""molecule/artifacts verify: the files are the mirror's, and the failure cases change no host."""

import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("all")

LAB_DIR = os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab")  # noqa: S108 (labctl's lab dir, not a temp file)
MIRROR = Path(LAB_DIR) / "mirror"
CACHE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "artifact-cache"
CONVERGE = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"
ETCD = "etcd/v3.4.23-debian/etcd-v3.4.23-debian-linux-amd64.tar.gz"
ETCD_CACHE = CACHE / "etcd" / "3.4.23-debian" / "amd64" / "etcd-v3.4.23-debian-linux-amd64.tar.gz"
UNTOUCHED_DIR = "/opt/rktnetes-never"


def mirror_sums():
    lines = (MIRROR / "SHA256SUMS").read_text().splitlines()
    return {path: digest for digest, path in (line.split(None, 1) for line in lines)}


def member_sha256(archive, member):
    with tarfile.open(MIRROR / archive) as tar, tar.extractfile(member) as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def converge(*extra):
    command = ["ansible-playbook", "-i", INVENTORY, str(CONVERGE)]
    for item in extra:
        command += ["-e", item]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def folded(result):
    return " ".join((result.stdout + result.stderr).split())


@pytest.mark.parametrize(
    ("path", "archive", "member"),
    [
        ("/usr/local/bin/etcd", ETCD, "etcd-v3.4.23-debian-linux-amd64/etcd"),
        ("/usr/local/bin/etcdctl", ETCD, "etcd-v3.4.23-debian-linux-amd64/etcdctl"),
        ("/opt/cni/bin/bridge", "cni-plugins/v1.1.1-debian/cni-plugins-linux-amd64-v1.1.1-debian.tgz", "./bridge"),
    ],
)
def test_files_are_the_mirrors_bytes_root_owned_and_executable(host, path, archive, member):
    installed = host.file(path)
    assert installed.user == "root" and installed.group == "root" and installed.mode == 0o755
    assert installed.sha256sum == member_sha256(archive, member)


def test_etcd_runs_on_the_host(host):
    assert "3.4.23" in host.run("/usr/local/bin/etcd --version").stdout


def test_cache_holds_what_the_mirror_checksum_file_says():
    assert hashlib.sha256(ETCD_CACHE.read_bytes()).hexdigest() == mirror_sums()[ETCD]


def test_a_second_run_downloads_nothing_and_changes_nothing():
    before = ETCD_CACHE.stat().st_mtime_ns
    result = converge()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=0" in result.stdout and "changed=1" not in result.stdout
    assert ETCD_CACHE.stat().st_mtime_ns == before


def test_a_host_binary_edited_in_place_is_found_and_reinstalled_though_its_size_and_mtime_are_kept(host):
    """The host hashes again only files whose stat changed since it last hashed them: a write in
    place with the mtime set back still moves the ctime."""
    path = "/opt/cni/bin/bridge"
    good = host.file(path).sha256sum
    edit = host.run(
        f't="$(stat -c %y {path})" && printf XXXXXXXX | dd of={path} bs=1 seek=1000 conv=notrunc status=none'
        f' && touch -d "$t" {path}'
    )
    assert edit.rc == 0, edit.stderr
    assert host.file(path).sha256sum != good
    result = converge()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=1" in result.stdout
    assert host.file(path).sha256sum == good


def test_a_corrupted_cache_file_is_detected_and_replaced_though_its_size_and_mtime_are_kept(host):
    """The controller hashes a cached artifact again only when its stat changed since the check the
    cache's verified.json records: a write in place with the mtime set back still moves the ctime."""
    installed = host.file("/usr/local/bin/etcd").sha256sum
    assert ETCD_CACHE.name in (CACHE / "verified.json").read_text()  # the earlier runs' check
    kept = ETCD_CACHE.stat()
    with ETCD_CACHE.open("r+b") as stream:
        stream.seek(1000)
        stream.write(b"\x00corrupt")
    os.utime(ETCD_CACHE, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    corrupted = ETCD_CACHE.stat().st_mtime_ns
    assert (corrupted, ETCD_CACHE.stat().st_size) == (kept.st_mtime_ns, kept.st_size)
    result = converge()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=1" in result.stdout  # the fetch, reported once (run_once); no host copy changed
    assert ETCD_CACHE.stat().st_mtime_ns != corrupted
    assert hashlib.sha256(ETCD_CACHE.read_bytes()).hexdigest() == mirror_sums()[ETCD]
    assert host.file("/usr/local/bin/etcd").sha256sum == installed


@pytest.fixture
def broken_mirror(tmp_path):
    copy = tmp_path / "mirror"
    shutil.copytree(MIRROR, copy)
    return copy


def run_with(mirror, tmp_path):
    return converge(
        f"artifacts_mirror={mirror}",
        f"artifacts_cache_dir={tmp_path / 'cache'}",
        f"artifacts_test_bin_dir={UNTOUCHED_DIR}",
        f"artifacts_test_cni_dir={UNTOUCHED_DIR}",
    )


def test_a_corrupted_mirror_file_fails_with_the_checksum_error_and_changes_no_host(host, broken_mirror, tmp_path):
    with (broken_mirror / ETCD).open("ab") as stream:
        stream.write(b"tampered")
    result = run_with(broken_mirror, tmp_path)
    assert result.returncode != 0
    output = folded(result)
    assert f"checksum mismatch for etcd 3.4.23-debian (amd64) from {broken_mirror}/{ETCD}" in output
    assert f"expected sha256:{mirror_sums()[ETCD]}" in output
    assert not host.file(UNTOUCHED_DIR).exists
    assert not (tmp_path / "cache" / "etcd" / "3.4.23-debian" / "amd64" / ETCD.rsplit("/", 1)[1]).exists()


def test_a_missing_artifact_fails_with_the_url_and_the_mirror_path(host, broken_mirror, tmp_path):
    (broken_mirror / ETCD).unlink()
    result = run_with(broken_mirror, tmp_path)
    assert result.returncode != 0
    output = folded(result)
    upstream = "https://github.com/etcd-io/etcd/releases/download/v3.4.23-debian/etcd-v3.4.23-debian-linux-amd64.tar.gz"
    assert upstream in output
    assert f"in the mirror it belongs at {broken_mirror}/{ETCD}" in output
    assert not host.file(UNTOUCHED_DIR).exists

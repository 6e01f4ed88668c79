"""The pki role's CAs and service-account key pair (module_utils/pki_authorities.py), made in the
same module run as the leaves: real keys, checked by openssl; a second run changes nothing, an
existing key is never replaced, check mode writes nothing. Every cluster scenario runs it through
the pki role (leaf_certificates with authorities and key_pairs)."""

import base64
import datetime
import hashlib
import os
import subprocess

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils import pki_store
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import private_directory
from ansible_collections.rktnetes.cluster.plugins.module_utils.leaf_certificates import LeafError, ensure
from ansible_collections.rktnetes.cluster.plugins.module_utils.pki_authorities import (
    ensure_authorities,
    ensure_key_pairs,
    ensure_secrets,
)

AUTHORITIES = {"kubernetes-ca": "kubernetes", "etcd-ca": "etcd-ca"}
LEAF = {"name": "apiserver", "ca": "kubernetes-ca", "cn": "kube-apiserver", "sans": ["DNS:a"], "usages": ["serverAuth"]}


def snapshot(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def openssl(*args):
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)


def test_cas_and_a_leaf_they_sign_openssl_accepts_and_a_second_run_changes_nothing(tmp_path):
    made, issued, loaded, before, _after = ensure_authorities(str(tmp_path), AUTHORITIES, 3650)
    assert made == issued == ["kubernetes-ca", "etcd-ca"] and before["etcd-ca"] == "none"
    assert oct(os.stat(tmp_path / "etcd-ca.key").st_mode & 0o777) == "0o600"
    assert (tmp_path / "etcd-ca.key").read_bytes().startswith(b"-----BEGIN EC PRIVATE KEY-----")
    text = openssl("x509", "-noout", "-text", "-in", tmp_path / "kubernetes-ca.crt").stdout
    assert "CA:TRUE" in text and "Certificate Sign, CRL Sign" in text and "CN = kubernetes" in text
    ensure(str(tmp_path), [LEAF], 30, 365, loaded=loaded)
    checked = openssl("verify", "-CAfile", tmp_path / "kubernetes-ca.crt", tmp_path / "apiserver.crt")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    files = snapshot(tmp_path)
    assert ensure_authorities(str(tmp_path), AUTHORITIES, 3650)[:2] == ([], [])
    assert snapshot(tmp_path) == files


def test_replacing_a_ca_keeps_its_key_and_the_leaves_it_signed_stay_valid(tmp_path):
    _made, _issued, loaded, _b, _a = ensure_authorities(str(tmp_path), AUTHORITIES, 3650)
    ensure(str(tmp_path), [LEAF], 30, 365, loaded=loaded)
    key = (tmp_path / "kubernetes-ca.key").read_bytes()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    made, issued, loaded, _b, _a = ensure_authorities(str(tmp_path), AUTHORITIES, 3650, replace=True, now=later)
    assert made == [] and issued == ["kubernetes-ca", "etcd-ca"]
    assert (tmp_path / "kubernetes-ca.key").read_bytes() == key
    assert ensure(str(tmp_path), [LEAF], 30, 365, loaded=loaded)[1] == []


def test_check_mode_decides_but_writes_nothing_and_the_leaves_are_judged_against_the_would_be_ca(tmp_path):
    made, issued, loaded, _b, _a = ensure_authorities(str(tmp_path), AUTHORITIES, 3650, check_mode=True)
    assert made == issued == ["kubernetes-ca", "etcd-ca"]
    assert ensure(str(tmp_path), [LEAF], 30, 365, check_mode=True, loaded=loaded)[1][0]["name"] == "apiserver"
    assert ensure_key_pairs(str(tmp_path), ["service-account"], check_mode=True) == (
        ["service-account"],
        ["service-account"],
    )
    assert snapshot(tmp_path) == {}


def test_a_ca_certificate_of_another_key_is_refused_not_replaced(tmp_path):
    ensure_authorities(str(tmp_path), AUTHORITIES, 3650)
    (tmp_path / "etcd-ca.key").unlink()
    files = snapshot(tmp_path)
    with pytest.raises(LeafError, match=r"etcd-ca\.crt is there without its key"):
        ensure_authorities(str(tmp_path), AUTHORITIES, 3650)
    assert snapshot(tmp_path) == files  # no new key made for a certificate it would not match
    other = tmp_path.parent / f"{tmp_path.name}-other"
    other.mkdir()
    ensure_authorities(str(other), {"etcd-ca": "etcd-ca"}, 3650)
    (tmp_path / "etcd-ca.key").write_bytes((other / "etcd-ca.key").read_bytes())
    files = snapshot(tmp_path)
    with pytest.raises(LeafError, match=r"etcd-ca\.crt is not a certificate of"):
        ensure_authorities(str(tmp_path), AUTHORITIES, 3650)
    assert snapshot(tmp_path) == files


def test_the_service_account_key_pair_is_made_once_and_its_public_key_kept_matching(tmp_path):
    assert ensure_key_pairs(str(tmp_path), ["service-account"]) == (["service-account"], ["service-account"])
    assert (tmp_path / "service-account.key").read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    derived = openssl("rsa", "-in", tmp_path / "service-account.key", "-pubout").stdout
    assert (tmp_path / "service-account.pub").read_text() == derived
    assert ensure_key_pairs(str(tmp_path), ["service-account"]) == ([], [])
    (tmp_path / "service-account.pub").write_text("stale\n")
    assert ensure_key_pairs(str(tmp_path), ["service-account"]) == ([], ["service-account"])
    assert (tmp_path / "service-account.pub").read_text() == derived


def mode(path):
    return os.stat(path).st_mode & 0o7777


def test_a_secret_is_made_once_in_a_private_directory_and_kept_0600_never_replaced(tmp_path):
    path = tmp_path / "new" / "secrets-encryption.key"
    entries = [{"path": str(path), "length": 32}]
    assert ensure_secrets(entries, check_mode=True) == ([str(path)], [])
    assert not path.parent.exists()  # check mode writes nothing
    assert ensure_secrets(entries) == ([str(path)], [])
    value = path.read_text()
    assert len(value) == 33 and value[:32].isalnum() and value[:32].isascii() and value.endswith("\n")
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert ensure_secrets(entries) == ([], [])
    path.chmod(0o644)
    assert ensure_secrets(entries, check_mode=True) == ([], [str(path)]) and mode(path) == 0o644
    assert ensure_secrets(entries) == ([], [str(path)]) and mode(path) == 0o600
    assert path.read_text() == value  # never replaced
    tmp_path.chmod(0o755)
    other = tmp_path / "other.key"
    ensure_secrets([{"path": str(other), "length": 32}])
    assert other.read_text() != value and mode(tmp_path) == 0o755  # an existing directory is left as it is


@pytest.mark.parametrize("entry", [{"path": "relative.key", "length": 32}, {"path": "/x/short.key", "length": 8}])
def test_a_secret_needs_an_absolute_path_and_16_characters(entry):
    with pytest.raises(LeafError, match="absolute path and a length of 16 or more"):
        ensure_secrets([entry], check_mode=True)


def test_the_pki_directory_is_made_0700_and_kept_so(tmp_path):
    directory = tmp_path / "a" / "pki"
    assert private_directory(str(directory), check_mode=True) and not directory.exists()
    assert private_directory(str(directory)) and mode(directory) == 0o700
    assert not private_directory(str(directory))
    directory.chmod(0o755)
    assert not private_directory(str(directory), set_mode=False) and mode(directory) == 0o755
    assert private_directory(str(directory), check_mode=True) and mode(directory) == 0o755
    assert private_directory(str(directory)) and mode(directory) == 0o700


def test_a_made_secret_is_the_key_an_encryption_config_of_it_is_compared_as(tmp_path):
    """The recovery compares a host's EncryptionConfig with the key file: the apiserver role writes
    the key as the file lookup reads it (no trailing newline), base64-encoded."""
    path = tmp_path / "secrets-encryption.key"
    ensure_secrets([{"path": str(path), "length": 32}])
    data = path.read_bytes()
    as_read = data.decode().rstrip("\n")  # ansible.builtin.file's lookup strips it
    config = "kind: EncryptionConfig\nresources:\n  - providers:\n      - aescbc:\n          keys:\n"
    config += f"            - name: key1\n              secret: {base64.b64encode(as_read.encode()).decode()}\n"
    state = pki_store.encryption_key_state({"sha256": "unread"}, config.encode())
    assert state["sha256"] == hashlib.sha256(data).hexdigest()

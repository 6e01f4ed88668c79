"""Restoring the controller's PKI from the hosts (module_utils/pki_store.py, filter pki_recovery):
fingerprints as openssl prints them, and every rule that decides between restoring and stopping.
The lab proof (a cluster whose controller lost its PKI keeps every serial) is molecule/cluster's."""

import base64
import subprocess

import pytest
from test_leaf_certificates import make_ca

from ansible_collections.rktnetes.cluster.plugins.filter.pki import pki_recovery
from ansible_collections.rktnetes.cluster.plugins.module_utils import pki_store

CAS = ["etcd-ca", "kubernetes-ca"]
GUARDED = ["etcd-ca.crt", "etcd-ca.key", "kubernetes-ca.crt", "kubernetes-ca.key", "secrets-encryption.key"]


@pytest.fixture()
def two_cas(tmp_path):
    """Two different etcd CAs (a and b) and one kubernetes CA, as files."""
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        make_ca(tmp_path / sub)
        make_ca(tmp_path / sub, "kubernetes-ca")
    (tmp_path / "b" / "kubernetes-ca.crt").write_bytes((tmp_path / "a" / "kubernetes-ca.crt").read_bytes())
    (tmp_path / "b" / "kubernetes-ca.key").write_bytes((tmp_path / "a" / "kubernetes-ca.key").read_bytes())
    for sub in ("a", "b"):
        (tmp_path / sub / "secrets-encryption.key").write_text("k" * 32)
    return tmp_path


def state(directory, names=None):
    names = GUARDED if names is None else names
    return pki_store.read_files({name: str(directory / name) for name in names})[0]


def test_the_fingerprint_is_openssls(two_cas):
    path = two_cas / "a" / "etcd-ca.crt"
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert pki_store.describe(path.read_bytes())["fingerprint"] == out.strip().split("=", 1)[1]
    assert pki_store.describe(b"not a certificate")["fingerprint"] is None


def test_a_certificate_is_the_same_whatever_its_pem_wrapping(two_cas):
    pem = (two_cas / "a" / "etcd-ca.crt").read_bytes()
    rewrapped = b"subject=whatever\n" + pem.replace(b"\n", b"\r\n")
    assert pki_store.identity(pki_store.describe(pem)) == pki_store.identity(pki_store.describe(rewrapped))


def test_missing_files_are_left_out_and_contents_come_only_when_asked(two_cas):
    paths = {"etcd-ca.crt": str(two_cas / "a" / "etcd-ca.crt"), "nope.key": str(two_cas / "nope.key")}
    states, contents = pki_store.read_files(paths)
    assert list(states) == ["etcd-ca.crt"] and contents == {}
    states, contents = pki_store.read_files(paths, with_contents=True)
    assert base64.b64decode(contents["etcd-ca.crt"]) == (two_cas / "a" / "etcd-ca.crt").read_bytes()


def test_writing_sets_key_modes_and_skips_identical_files(tmp_path):
    content = base64.b64encode(b"secret").decode()
    files = {"x.key": {"path": str(tmp_path / "x.key"), "content": content}}
    assert pki_store.write_files(files, check_mode=True) == [str(tmp_path / "x.key")]
    assert not (tmp_path / "x.key").exists()
    assert pki_store.write_files(files) == [str(tmp_path / "x.key")]
    assert (tmp_path / "x.key").stat().st_mode & 0o777 == 0o600
    assert pki_store.write_files(files) == []


def results(**hosts):
    """Loop results as the pki role's delegated pki_store task registers them."""
    out = []
    for host, report in hosts.items():
        if report is None:
            out.append({"item": host, "unreachable": True, "msg": "timed out"})
        else:
            out.append({"item": host, "changed": False, **report})
    return out


def test_an_empty_controller_restores_everything_from_the_first_host(two_cas):
    hosts = state(two_cas / "a", [*GUARDED, "etcd-server-cp1.crt"])
    plan = pki_recovery({}, results(cp2={"files": hosts}, cp1={"files": hosts}), GUARDED, CAS)
    assert plan["problems"] == []
    assert plan["restore"] == {"cp1": sorted(hosts)}


def test_a_controller_that_has_them_restores_nothing_and_stops_for_nothing(two_cas):
    mine = state(two_cas / "a")
    plan = pki_recovery(mine, results(cp1={"files": mine}), GUARDED, CAS)
    assert plan == {"restore": {}, "problems": [], "held": sorted(mine)}


def test_a_new_cluster_restores_nothing(two_cas):
    plan = pki_recovery({}, results(cp1={"files": {}}, cp2={"files": {}}), GUARDED, CAS)
    assert plan["problems"] == [] and plan["restore"] == {}


def test_only_the_lost_encryption_key_is_restored(two_cas):
    mine = state(two_cas / "a")
    hosts = dict(mine)
    del mine["secrets-encryption.key"]
    plan = pki_recovery(mine, results(cp1={"files": hosts}), GUARDED, CAS)
    assert plan["problems"] == [] and plan["restore"] == {"cp1": ["secrets-encryption.key"]}


def test_hosts_holding_two_cas_stop_the_run_naming_hosts_and_fingerprints(two_cas):
    a, b = state(two_cas / "a"), state(two_cas / "b")
    plan = pki_recovery({}, results(cp1={"files": a}, cp2={"files": a}, cp3={"files": b}), GUARDED, CAS)
    text = " ".join(plan["problems"])
    assert "the hosts disagree on etcd-ca.crt" in text
    assert a["etcd-ca.crt"]["fingerprint"] in text and b["etcd-ca.crt"]["fingerprint"] in text
    assert "cp1 (copy), cp2 (copy): SHA-256 fingerprint" in text and "cp3 (copy): SHA-256 fingerprint" in text
    assert "kubernetes-ca" not in text  # the hosts agree on that one


def test_a_component_trusting_another_ca_than_the_copy_is_a_disagreement(two_cas):
    a, b = state(two_cas / "a"), state(two_cas / "b")
    trusted = {"etcd-ca.crt": [dict(b["etcd-ca.crt"], path="/etc/etcd/pki/ca.crt")]}
    plan = pki_recovery({}, results(cp1={"files": a, "trusted": trusted}, cp2={"files": a}), GUARDED, CAS)
    assert "cp1 (copy), cp2 (copy): SHA-256" in plan["problems"][0]
    assert "cp1 (/etc/etcd/pki/ca.crt): SHA-256" in plan["problems"][0]


def test_a_controller_holding_another_ca_stops_unless_rotating(two_cas):
    a, b = state(two_cas / "a"), state(two_cas / "b")
    plan = pki_recovery(b, results(cp1={"files": a}), GUARDED, CAS, pki_dir="/inv/pki")
    assert len(plan["problems"]) == 2  # etcd-ca.crt and etcd-ca.key
    assert "is not the etcd-ca.crt the cluster's hosts hold (cp1:" in plan["problems"][0]
    assert "move /inv/pki away" in plan["problems"][0] and "pki_replace_ca=true" in plan["problems"][0]
    assert pki_recovery(b, results(cp1={"files": a}), GUARDED, CAS, replace_ca=True)["problems"] == []


def test_another_encryption_key_on_the_controller_stops_even_when_rotating(two_cas):
    a = state(two_cas / "a")
    mine = dict(a, **{"secrets-encryption.key": {"sha256": "0" * 64, "fingerprint": None, "path": "/p/s.key"}})
    plan = pki_recovery(mine, results(cp1={"files": a}), GUARDED, CAS, replace_ca=True)
    assert len(plan["problems"]) == 1
    assert "never replaces this key under a running cluster" in plan["problems"][0]


def test_a_host_with_a_ca_but_no_copy_stops_an_empty_controller(two_cas):
    a = state(two_cas / "a")
    trusted = {"kubernetes-ca.crt": [dict(a["kubernetes-ca.crt"], path="/etc/kubernetes/pki/ca.crt")]}
    plan = pki_recovery({}, results(cp1={"files": {}, "trusted": trusted}), GUARDED, CAS, pki_dir="/inv/pki")
    assert plan["restore"] == {}
    assert plan["problems"][0].startswith("cp1 holds the cluster's kubernetes-ca.crt but no copy of its PKI")
    assert "restore /inv/pki from a backup" in plan["problems"][0]


def test_an_unreachable_holder_stops_an_empty_controller_but_not_a_full_one(two_cas):
    a = state(two_cas / "a")
    plan = pki_recovery({}, results(cp1={"files": a}, cp2=None), GUARDED, CAS)
    assert "cp2 could not be asked" in plan["problems"][0]
    assert pki_recovery(a, results(cp1={"files": a}, cp2=None), GUARDED, CAS)["problems"] == []


ENCRYPTION_CONFIG = """# Ansible managed
kind: EncryptionConfig
apiVersion: v1
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: {secret}
      - identity: {{}}
"""


@pytest.fixture()
def key_in_use(tmp_path):
    """The key file as the pki role writes it (ansible's password lookup: the key and a newline) and
    the API server's EncryptionConfig made from it, as kube_apiserver's template renders it."""
    key = "Kq3v" * 8
    (tmp_path / "secrets-encryption.key").write_text(key + "\n")
    secret = base64.b64encode(key.encode()).decode()
    (tmp_path / "encryption-config.yaml").write_text(ENCRYPTION_CONFIG.format(secret=secret))
    return tmp_path


def trusted_key(directory):
    return pki_store.read_trusted({"secrets-encryption.key": [str(directory / "encryption-config.yaml")]})


def test_the_key_the_api_server_uses_is_the_key_files_identity(key_in_use):
    (in_use,) = trusted_key(key_in_use)["secrets-encryption.key"]
    copy = state(key_in_use, ["secrets-encryption.key"])["secrets-encryption.key"]
    assert pki_store.identity(in_use) == pki_store.identity(copy)
    assert in_use["path"].endswith("encryption-config.yaml")


def test_a_host_whose_copy_of_the_key_is_gone_still_stops_an_empty_controller(key_in_use):
    """Without the config in the comparison, this controller would make a new key, and every
    stored Secret would be unreadable."""
    plan = pki_recovery({}, results(cp1={"files": {}, "trusted": trusted_key(key_in_use)}), GUARDED, CAS)
    assert plan["restore"] == {}
    assert plan["problems"][0].startswith("cp1 holds the cluster's secrets-encryption.key but no copy of its PKI")


def test_a_controller_key_other_than_the_one_in_use_stops(key_in_use, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    (other / "secrets-encryption.key").write_text("Zz9y" * 8 + "\n")
    mine = state(other, ["secrets-encryption.key"])
    plan = pki_recovery(mine, results(cp1={"files": {}, "trusted": trusted_key(key_in_use)}), GUARDED, CAS)
    assert "is not the secrets-encryption.key the cluster's hosts hold" in plan["problems"][0]
    assert "never replaces this key" in plan["problems"][0]


def test_a_file_that_is_not_an_encryption_config_is_compared_as_it_is(tmp_path):
    (tmp_path / "encryption-config.yaml").write_text("kind: Something\nsecret: abc\n")
    (in_use,) = trusted_key(tmp_path)["secrets-encryption.key"]
    assert in_use["sha256"] == pki_store.describe(b"kind: Something\nsecret: abc\n")["sha256"]

"""The pki role's leaf certificates (module_utils/leaf_certificates.py) with real keys, checked by
openssl itself; the role runs the module for the whole cluster in every scenario (molecule/etcd
renews one certificate and checks the others keep their serials)."""

import datetime
import os
import re
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.rktnetes.cluster.plugins.module_utils.leaf_certificates import LeafError, ensure

NOW = datetime.datetime.now(datetime.UTC)
SERVER = {
    "name": "etcd-server-a",
    "ca": "etcd-ca",
    "cn": "a",
    "sans": ["DNS:a", "IP:10.0.0.1"],
    "usages": ["serverAuth"],
}
CLIENT = {
    "name": "kubelet-client-a",
    "ca": "etcd-ca",
    "cn": "system:node:a",
    "org": "system:nodes",
    "sans": ["DNS:a"],
    "usages": ["clientAuth"],
}


def make_ca(directory, name="etcd-ca"):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def snapshot(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def serial(directory, name):
    return x509.load_pem_x509_certificate((directory / f"{name}.crt").read_bytes()).serial_number


@pytest.fixture
def pki(tmp_path):
    make_ca(tmp_path)
    return tmp_path


def test_issues_every_certificate_that_openssl_accepts_and_a_second_run_changes_nothing(pki):
    keys, issued, before, _after = ensure(str(pki), [SERVER, CLIENT], 30, 365)
    assert keys == ["etcd-server-a", "kubelet-client-a"]
    assert [entry["name"] for entry in issued] == keys and before["etcd-server-a"] == "none"
    assert oct(os.stat(pki / "etcd-server-a.key").st_mode & 0o777) == "0o600"
    assert oct(os.stat(pki / "etcd-server-a.crt").st_mode & 0o777) == "0o644"
    checked = subprocess.run(
        ["openssl", "verify", "-CAfile", pki / "etcd-ca.crt", "-purpose", "sslserver", pki / "etcd-server-a.crt"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = subprocess.run(
        ["openssl", "x509", "-noout", "-text", "-in", pki / "kubelet-client-a.crt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CN = system:node:a" in text and "O = system:nodes" in text and "TLS Web Client Authentication" in text
    assert "DNS:a" in text and "CA:FALSE" in text
    files = snapshot(pki)
    assert ensure(str(pki), [SERVER, CLIENT], 30, 365) == ([], [], {}, {})
    assert snapshot(pki) == files


def test_check_mode_decides_but_writes_nothing(pki):
    files = snapshot(pki)
    keys, issued, _before, after = ensure(str(pki), [SERVER], 30, 365, check_mode=True)
    assert keys == ["etcd-server-a"] and issued[0]["reasons"] == ["new key"] and "etcd-server-a" in after
    assert snapshot(pki) == files


def test_only_the_certificate_whose_sans_changed_is_issued_again_with_its_key_kept(pki):
    ensure(str(pki), [SERVER, CLIENT], 30, 365)
    key, client_serial = (pki / "etcd-server-a.key").read_bytes(), serial(pki, "kubelet-client-a")
    moved = dict(SERVER, sans=["DNS:a", "IP:10.0.0.2"])
    keys, issued, before, after = ensure(str(pki), [moved, CLIENT], 30, 365)
    assert keys == [] and issued == [{"name": "etcd-server-a", "reasons": ["SANs"]}]
    assert "10.0.0.1" in before["etcd-server-a"] and "10.0.0.2" in after["etcd-server-a"]
    assert (pki / "etcd-server-a.key").read_bytes() == key and serial(pki, "kubelet-client-a") == client_serial


def test_subject_usages_and_expiry_each_make_it_issue_again(pki):
    ensure(str(pki), [SERVER], 30, 365)
    changed = dict(SERVER, cn="b", usages=["serverAuth", "clientAuth"])
    assert ensure(str(pki), [changed], 30, 365)[1][0]["reasons"] == ["subject", "usages"]
    later = NOW + datetime.timedelta(days=340)
    assert ensure(str(pki), [changed], 30, 365, now=later)[1][0]["reasons"] == ["expiry"]
    assert ensure(str(pki), [changed], 30, 365, now=later)[1] == []


def test_a_new_ca_key_makes_every_certificate_it_signed_issue_again(pki):
    ensure(str(pki), [SERVER, CLIENT], 30, 365)
    make_ca(pki)  # same name and subject, another key (pki_replace_ca)
    issued = ensure(str(pki), [SERVER, CLIENT], 30, 365)[1]
    assert [(entry["name"], entry["reasons"]) for entry in issued] == [
        ("etcd-server-a", ["CA"]),
        ("kubelet-client-a", ["CA"]),
    ]


def test_a_certificate_under_another_key_is_issued_again(pki):
    ensure(str(pki), [SERVER], 30, 365)
    (pki / "etcd-server-a.key").write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    assert ensure(str(pki), [SERVER], 30, 365)[1][0]["reasons"] == ["key"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (dict(SERVER, sans=["a.example"]), "etcd-server-a: SAN 'a.example' is neither"),
        (dict(SERVER, sans=["IP:10.0.0.300"]), "SAN 'IP:10.0.0.300'"),
        (dict(SERVER, usages=["codeSigning"]), "unknown usages ['codeSigning']"),
        (dict(SERVER, ca="kubernetes-ca"), "CA kubernetes-ca: cannot read"),
        (dict(SERVER, name="../escape"), "without '/'"),
        ({"name": "x", "ca": "etcd-ca"}, "certificate x: missing cn, sans, usages"),
    ],
)
def test_bad_input_names_the_problem_and_writes_nothing(pki, entry, message):
    files = snapshot(pki)
    with pytest.raises(LeafError, match=re.escape(message)):
        ensure(str(pki), [CLIENT, entry], 30, 365)
    assert snapshot(pki) == files


def test_an_unreadable_key_is_refused_rather_than_replaced(pki):
    (pki / "etcd-server-a.key").write_text("not a key")
    with pytest.raises(LeafError, match=r"etcd-server-a\.key is not an unencrypted PEM private key"):
        ensure(str(pki), [SERVER], 30, 365)
    assert (pki / "etcd-server-a.key").read_text() == "not a key"


def test_a_ca_key_that_is_not_its_certificates_is_refused(pki, tmp_path_factory):
    """A CA restored from two places (a key from one, a certificate from another) signs nothing."""
    other = tmp_path_factory.mktemp("other")
    make_ca(other)
    (pki / "etcd-ca.key").write_bytes((other / "etcd-ca.key").read_bytes())
    files = snapshot(pki)
    with pytest.raises(LeafError, match=r"CA etcd-ca: .*etcd-ca\.key is not the key of .*etcd-ca\.crt"):
        ensure(str(pki), [SERVER], 30, 365)
    assert snapshot(pki) == files

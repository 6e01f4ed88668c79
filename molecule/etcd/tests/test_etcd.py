"""molecule/etcd verify: a real 3-member etcd over TLS, its failure cases, backup/restore, PKI."""

import datetime
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import testinfra
import testinfra.utils.ansible_runner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY)
testinfra_hosts = RUNNER.get_hosts("etcd")
MEMBERS = sorted(RUNNER.get_hosts("etcd"))
ADDRESS = {"etcd-1": "10.200.0.61", "etcd-2": "10.200.0.62", "etcd-3": "10.200.0.63"}
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
PKI = EPHEMERAL / "pki"
BACKUPS = EPHEMERAL / "etcd-backups"
ROOT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
ETCDCTL = "set -a; . /etc/etcd/etcdctl.env; set +a; /usr/local/bin/etcdctl"


def member(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}", sudo=True)


def ctl(name, command):
    result = member(name).run(f"{ETCDCTL} {command}")
    return result


def playbook(path, *extra):
    command = ["ansible-playbook", "-i", INVENTORY, str(path)]
    for item in extra:
        command += ["-e", item]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def serials():
    return {p.stem: x509.load_pem_x509_certificate(p.read_bytes()).serial_number for p in sorted(PKI.glob("*.crt"))}


def wait_healthy(name, timeout=60):
    for _second in range(timeout):
        if ctl(name, "endpoint health --cluster").rc == 0:
            return
        time.sleep(1)
    raise AssertionError(f"cluster not healthy from {name}")


def test_each_member_is_healthy_over_tls(host):
    with host.sudo():
        result = host.run(f"{ETCDCTL} endpoint health")
    assert result.rc == 0 and "is healthy" in result.stdout + result.stderr


def test_member_list_has_three():
    listing = json.loads(ctl("etcd-1", "member list --write-out json").stdout)
    assert sorted(m["name"] for m in listing["members"]) == MEMBERS


def test_a_key_written_through_one_member_is_read_through_another():
    assert ctl("etcd-1", "put /verify/replicated yes").rc == 0
    assert ctl("etcd-2", "get /verify/replicated --print-value-only").stdout.strip() == "yes"


def test_listeners_are_the_node_ip_and_loopback_only(host):
    name = host.backend.get_hostname()
    with host.sudo():
        sockets = host.run("ss -Hltn").stdout.split("\n")
    bound = {line.split()[3] for line in sockets if line.strip()}
    assert {a for a in bound if a.endswith((":2379", ":2380"))} == {
        f"{ADDRESS[name]}:2379",
        "127.0.0.1:2379",
        f"{ADDRESS[name]}:2380",
    }


@pytest.mark.parametrize("port", [2379, 2380])
def test_no_listener_answers_plain_http(host, port):
    name = host.backend.get_hostname()
    result = host.run(f"curl -sS -m 5 -f http://{ADDRESS[name]}:{port}/health")
    assert result.rc != 0 and '"health"' not in result.stdout


@pytest.mark.parametrize("port", [2379, 2380])
def test_a_client_without_a_certificate_is_refused(host, port):
    name = host.backend.get_hostname()
    with host.sudo():
        result = host.run(f"curl -sS -m 5 --cacert /etc/etcd/pki/ca.crt https://{ADDRESS[name]}:{port}/health")
        with_cert = host.run(
            "curl -sS -m 5 --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/admin.crt "
            f"--key /etc/etcd/pki/admin.key https://{ADDRESS[name]}:2379/health"
        )
    assert result.rc != 0 and '"health"' not in result.stdout
    assert '"health":"true"' in with_cert.stdout.replace(" ", "")


def test_private_keys_are_0600_and_data_dir_0700(host):
    with host.sudo():
        keys = host.run("stat -c '%n %a %U' /etc/etcd/pki/*.key").stdout.split("\n")
        data = host.file("/var/lib/etcd")
        assert data.mode == 0o700 and data.user == "etcd"
    rows = [line.split() for line in keys if line]
    assert len(rows) == 3 and all(mode == "600" for _path, mode, _user in rows)
    assert {path.rsplit("/", 1)[1]: user for path, _mode, user in rows} == {
        "admin.key": "root",
        "peer.key": "etcd",
        "server.key": "etcd",
    }


def test_controller_keys_are_0600():
    assert PKI.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in PKI.glob("*.key"))


def test_a_stopped_member_leaves_a_writable_cluster_and_catches_up():
    down = member("etcd-3")
    assert down.run("systemctl stop etcd.service").rc == 0
    try:
        for index in range(20):
            assert ctl("etcd-1", f"put /verify/while-down/{index} {index}").rc == 0
    finally:
        assert down.run("systemctl start etcd.service").rc == 0
    wait_healthy("etcd-3")
    local = ctl("etcd-3", "get /verify/while-down/19 --print-value-only --consistency=s")
    assert local.stdout.strip() == "19"


def test_backup_then_restore_brings_deleted_keys_back():
    for index in range(5):
        assert ctl("etcd-1", f"put /verify/backup/{index} value-{index}").rc == 0
    backup = playbook(ROOT / "playbooks" / "etcd_backup.yml")
    assert backup.returncode == 0, backup.stdout[-3000:]
    (snapshot,) = sorted(BACKUPS.glob("etcd-*.db"))[-1:]
    assert ctl("etcd-1", "del --prefix /verify/backup/").stdout.strip() == "5"

    refused = playbook(ROOT / "playbooks" / "etcd_restore.yml", f"etcd_restore_snapshot={snapshot}")
    assert refused.returncode != 0 and "etcd_restore_confirm=true" in " ".join(refused.stdout.split())
    still_deleted = ctl("etcd-1", "get --prefix /verify/backup/ --keys-only")
    assert still_deleted.rc == 0 and still_deleted.stdout.strip() == ""  # the refusal changed nothing

    restored = playbook(
        ROOT / "playbooks" / "etcd_restore.yml", f"etcd_restore_snapshot={snapshot}", "etcd_restore_confirm=true"
    )
    assert restored.returncode == 0, restored.stdout[-3000:]
    for name in MEMBERS:
        wait_healthy(name)
        values = ctl(name, "get --prefix /verify/backup/ --print-value-only --consistency=s").stdout.split()
        assert values == [f"value-{index}" for index in range(5)]


def reissue_expiring(name, days):
    """Re-sign one leaf certificate, same key and extensions, valid for `days` only."""
    cert = x509.load_pem_x509_certificate((PKI / f"{name}.crt").read_bytes())
    ca_key = serialization.load_pem_private_key((PKI / "etcd-ca.key").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((PKI / "etcd-ca.crt").read_bytes())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(ca.subject)
        .public_key(cert.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    for extension in cert.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    (PKI / f"{name}.crt").write_bytes(builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


def test_pki_keeps_serials_and_renews_only_the_expiring_certificate():
    before = serials()
    again = playbook(ROOT / "molecule" / "etcd" / "converge.yml")
    assert again.returncode == 0, again.stdout[-3000:]
    assert serials() == before

    reissue_expiring("etcd-admin", days=5)
    expiring = serials()
    renewed = playbook(ROOT / "molecule" / "etcd" / "converge.yml")
    assert renewed.returncode == 0, renewed.stdout[-3000:]
    after = serials()
    assert [name for name in after if after[name] != expiring[name]] == ["etcd-admin"]
    cert = x509.load_pem_x509_certificate((PKI / "etcd-admin.crt").read_bytes())
    assert cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=300)
    for name in MEMBERS:
        wait_healthy(name)
        assert member(name).file("/etc/etcd/pki/admin.crt").content == (PKI / "etcd-admin.crt").read_bytes()

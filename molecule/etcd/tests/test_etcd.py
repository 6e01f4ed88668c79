"""molecule/etcd verify: a real 3-member etcd over TLS, its failure cases, backup/restore, PKI."""

import datetime
import json
import os
import re
import subprocess
import sys
import threading
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
sys.path.insert(0, str(ROOT / "molecule" / "_shared"))
from pki_fixtures import another_ca  # noqa: E402 (the shared fixtures' folder is added just above)

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


def converge_events(*extra):
    """Runs converge.yml with the JSON callback: (return code, {task name: [hosts it changed]}, stdout)."""
    command = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "molecule" / "etcd" / "converge.yml")]
    for item in extra:
        command += ["-e", item]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    changed = {}
    try:
        plays = json.loads(result.stdout)["plays"]
    except ValueError:
        return result.returncode, changed, result.stdout
    for play in plays:
        for task in play["tasks"]:
            hosts = sorted(host for host, outcome in task["hosts"].items() if outcome.get("changed"))
            if hosts:
                changed.setdefault(task["task"]["name"], []).extend(hosts)
    return result.returncode, changed, result.stdout


def host_state():
    """What a run could change on the members: every file under /etc (size, mtime), the content of
    the PKI copies and etcd's files, and the member list."""
    state = {}
    for name in MEMBERS:
        host = member(name)
        listing = host.run("find /etc -xdev -type f -printf '%p %s %T@\\n' | sort").stdout
        sums = host.run("sha256sum /etc/etcd/pki/* /etc/rktnetes/pki/* /etc/etcd/etcd.conf.yml").stdout
        state[name] = (listing, sums)
    state["members"] = ctl("etcd-1", "member list").stdout
    return state


@pytest.fixture()
def pki_moved_away(tmp_path):
    """The controller's PKI directory moved away for the test (as an AWX job starts), put back after."""
    kept = tmp_path / "pki-kept"
    PKI.rename(kept)
    yield kept
    if PKI.exists():
        subprocess.run(["rm", "-rf", str(PKI)], check=True)
    kept.rename(PKI)


def test_an_empty_controller_restores_the_pki_from_the_hosts_and_changes_no_host(pki_moved_away):
    """The etcd members keep etcd's part of the PKI: that is restored, byte for byte. This inventory
    has no control plane, so no host holds the Kubernetes CAs, the service-account key or the
    Secrets key: nothing runs on them, and the run may make them new on the controller."""
    held = set(member("etcd-1").run("ls /etc/rktnetes/pki").stdout.split())
    assert {"etcd-ca.crt", "etcd-ca.key"} <= held, held
    before = host_state()
    rc, changed, out = converge_events()
    assert rc == 0, out[-4000:]
    restored = "Write them into the controller's PKI directory (keys 0600)"
    assert any(task.split(" : ", 1)[-1] == restored for task in changed), changed  # "<role> : <task>"
    assert host_state() == before
    for name in sorted(held):
        assert (PKI / name).read_bytes() == (pki_moved_away / name).read_bytes(), name
        mode = (PKI / name).stat().st_mode & 0o777
        assert mode == (0o600 if name.endswith(".key") else 0o644), name
    rc, changed, out = converge_events()
    assert rc == 0 and changed == {}, (changed, out[-3000:])


def test_a_controller_holding_another_ca_stops_before_any_host_changes(pki_moved_away):
    subprocess.run(["cp", "-a", str(pki_moved_away), str(PKI)], check=True)
    other = another_ca(PKI, "etcd-ca", "rktnetes etcd CA")
    theirs = x509.load_pem_x509_certificate((pki_moved_away / "etcd-ca.crt").read_bytes())
    before = host_state()
    started = time.monotonic()
    rc, changed, out = converge_events()
    text = " ".join(out.split())
    assert rc != 0
    assert "nothing was changed on any host" in text
    assert other in text and theirs.fingerprint(hashes.SHA256()).hex(":").upper() in text
    assert "pki_replace_ca=true" in text
    assert time.monotonic() - started < 120
    assert not [task for task, hosts in changed.items() if set(hosts) & set(MEMBERS) and "controller" not in task]
    assert host_state() == before


def test_hosts_that_disagree_on_the_ca_stop_an_empty_controller(pki_moved_away):
    odd = member("etcd-3")
    copy = "/etc/rktnetes/pki/etcd-ca.crt"
    saved = odd.run(f"cat {copy}").stdout
    another_ca(EPHEMERAL, "etcd-ca", "rktnetes etcd CA")
    odd.run(f"install -m 0644 /dev/stdin {copy} <<'EOF'\n{(EPHEMERAL / 'etcd-ca.crt').read_text()}EOF")
    try:
        before = host_state()
        rc, _changed, out = converge_events()
        text = " ".join(out.split())
        assert rc != 0 and "the hosts disagree on etcd-ca.crt" in text, text[-3000:]
        assert "etcd-1 (copy, /etc/etcd/pki/ca.crt), etcd-2 (copy, /etc/etcd/pki/ca.crt)" in text
        assert "etcd-3 (copy):" in text
        assert not PKI.exists() or not list(PKI.glob("*.key"))  # nothing made: no new CA
        assert host_state() == before
    finally:
        odd.run(f"install -m 0644 /dev/stdin {copy} <<'EOF'\n{saved}EOF")


def replace(*extra):
    return playbook(ROOT / "playbooks" / "etcd_replace_member.yml", *extra)


def said(result):
    """All a run printed, as one line (a failed task's message goes to stderr here)."""
    return " ".join((result.stdout + result.stderr).split())


def test_replacing_a_member_is_refused_without_confirmation_or_quorum():
    refused = replace("etcd_member=etcd-3")
    assert refused.returncode != 0 and "etcd_replace_confirm=true" in said(refused)
    unknown = replace("etcd_member=nope", "etcd_replace_confirm=true")
    assert unknown.returncode != 0 and "etcd_member: nope is not a host" in said(unknown)
    for name in ("etcd-2", "etcd-3"):
        member(name).run("systemctl stop etcd.service")
    try:
        no_quorum = replace("etcd_member=etcd-3", "etcd_replace_confirm=true")
        text = said(no_quorum)
        assert no_quorum.returncode != 0 and "Quorum is lost" in text and "etcd_restore.yml" in text, text[-2000:]
    finally:
        for name in ("etcd-2", "etcd-3"):
            member(name).run("systemctl start etcd.service")
    for name in MEMBERS:
        wait_healthy(name)
    assert len(json.loads(ctl("etcd-1", "member list --write-out json").stdout)["members"]) == 3


def test_a_member_that_lost_its_data_is_replaced_while_writes_go_on():
    for batch in range(10):  # a transaction takes at most 128 operations
        puts = "".join(
            f"put /replace/key-{index:04d} value-{index}\n" for index in range(batch * 100, batch * 100 + 100)
        )
        loaded = member("etcd-1").run(f"{ETCDCTL} txn <<'EOF'\n\n{puts}\n\nEOF")
        assert loaded.rc == 0 and "SUCCESS" in loaded.stdout, loaded.stdout + loaded.stderr
    lost = member("etcd-3")
    lost.run("systemctl stop etcd.service && rm -rf /var/lib/etcd/member")
    done, counts = threading.Event(), {"ok": 0, "failed": 0}

    def writer():
        index = 0
        while not done.is_set():
            result = ctl("etcd-1", f"put /replace/during-{index} x")
            counts["ok" if result.rc == 0 else "failed"] += 1
            index += 1
            time.sleep(0.2)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        run = replace("etcd_member=etcd-3", "etcd_replace_confirm=true")
    finally:
        done.set()
        thread.join()
    assert run.returncode == 0, run.stdout[-4000:]
    assert counts["failed"] == 0 and counts["ok"] > 10, counts
    listing = json.loads(ctl("etcd-1", "member list --write-out json").stdout)["members"]
    assert sorted(m["name"] for m in listing) == MEMBERS
    for name in MEMBERS:
        wait_healthy(name)
        keys = ctl(name, "get --prefix /replace/key- --keys-only --consistency=s").stdout.split()
        assert len(keys) == 1000, (name, len(keys))
    again = playbook(ROOT / "molecule" / "etcd" / "converge.yml")
    assert again.returncode == 0 and re.search(r"changed=[1-9]", again.stdout) is None, again.stdout[-3000:]

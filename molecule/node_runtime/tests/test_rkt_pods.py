"""molecule/node_runtime verify, second module (after the reboots of the first): the rkt_image
module against the real store; pods run by rkt itself with the configured stage1 on the CNI
network, one per node, reaching each other, logging where rkt api-service reads, counted by
pod_capacity. Skipped without rkt (docs/artifacts.md)."""

import ipaddress
import time

import pytest
from lab_nodes import NODES, eventually, need_rkt, node, pod_subnet, upload_busybox

POD_UNIT = "rktnetes-verify-pod"
IMAGE = "rktnetes.test/busybox:1.0.0"


def pod_status(host, uuid):
    status = host.run(f"rkt status {uuid}").stdout
    return dict(line.split("=", 1) for line in status.splitlines() if "=" in line)


def rkt_image(host, path, check=False, state="present"):
    return host.ansible("rktnetes.cluster.rkt_image", f"path={path} state={state}", check=check, become=True)


def store(host):
    return set(host.run("rkt image list --no-legend --full --fields=id").stdout.split())


def test_rkt_image_imports_a_verified_image_once_keyed_by_its_id():
    need_rkt()
    host = node(NODES[0])
    upload_busybox(host, "/srv/import.aci")
    rkt_image(host, "/srv/import.aci", state="absent")
    before = store(host)
    planned = rkt_image(host, "/srv/import.aci", check=True)
    assert planned["changed"] and not planned["fetched"] and store(host) == before
    imported = rkt_image(host, "/srv/import.aci")
    assert imported["changed"] and imported["fetched"], imported
    assert store(host) == before | {imported["image_id"][: len("sha512-") + 64]}
    assert imported["name"] == "rktnetes.test/busybox"
    again = rkt_image(host, "/srv/import.aci")
    assert not again["changed"] and not again["fetched"] and again["image_id"] == imported["image_id"]
    removed = rkt_image(host, "/srv/import.aci", state="absent")
    assert removed["changed"] and store(host) == before


def test_rkt_image_refuses_an_image_no_trusted_key_signed_and_fetches_nothing():
    need_rkt()
    host = node(NODES[0])
    upload_busybox(host, "/srv/stranger.aci", signature="stage1-by-stranger.asc")
    before = store(host)
    refused = rkt_image(host, "/srv/stranger.aci", state="present")
    assert "image rejected, nothing fetched" in refused.get("msg", ""), refused
    assert not refused.get("changed") and "image_id" not in refused
    assert store(host) == before


@pytest.fixture(scope="module")
def rkt_pods():
    """One pod per node, run by rkt with the configured stage1 on the rktnetes network, printing a
    line and then serving HTTP: name -> (uuid, pod IP). Stopped and collected afterwards."""
    need_rkt()
    started = {}
    for name in NODES:
        host = node(name)
        upload_busybox(host, "/srv/busybox.aci")
        assert "image_id" in rkt_image(host, "/srv/busybox.aci")
        host.run(f"systemctl stop {POD_UNIT}; systemctl reset-failed {POD_UNIT}; rm -f /run/{POD_UNIT}.uuid")
        command = f"echo pod-output-from-{name}; mkdir /www; echo {name} > /www/name; exec httpd -f -p 8080 -h /www"
        run = host.run(
            f"systemd-run --unit={POD_UNIT} rkt run --uuid-file-save=/run/{POD_UNIT}.uuid --net=rktnetes "
            f"{IMAGE} --exec /bin/busybox -- sh -c '{command}'"
        )
        assert run.rc == 0, run.stderr
    for name in NODES:
        host, deadline, status = node(name), time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            uuid = host.run(f"cat /run/{POD_UNIT}.uuid").stdout.strip()
            status = pod_status(host, uuid) if uuid else {}
            if status.get("state") == "running" and "ip4=" in status.get("networks", ""):
                break
            time.sleep(1)
        assert "ip4=" in status.get("networks", ""), host.run(f"journalctl -u {POD_UNIT} --no-pager").stdout
        started[name] = (uuid, status["networks"].split("ip4=")[1].split(",")[0])
    yield started
    for name in NODES:
        node(name).run(f"systemctl stop {POD_UNIT}; systemctl reset-failed {POD_UNIT}; rkt gc --grace-period=0s")


def test_rkt_runs_a_pod_on_the_pod_network_of_its_node(rkt_pods):
    for name, (_uuid, ip) in rkt_pods.items():
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(pod_subnet(name))
        assert "rktnetes-verify-pod.service" in node(name).run("systemctl list-units --no-legend").stdout
        # rkt's own host-local shares the kubelet's pool on /run (one pool, no duplicate pod IPs)
        assert node(name).file(f"/run/cni/networks/rktnetes/{ip}").exists


def test_rkt_pods_reach_each_other_across_nodes(rkt_pods):
    for source, (uuid, _ip) in rkt_pods.items():
        for target, (_uuid, ip) in rkt_pods.items():
            if target != source:
                ping = eventually(
                    lambda s=source, u=uuid, i=ip: node(s).run(f"rkt enter {u} /bin/busybox ping -c 1 -W 2 {i}"),
                    lambda result: result.rc == 0,
                )
                assert ping.rc == 0, f"pod on {source} -> pod on {target} ({ip}): {ping.stdout}{ping.stderr}"


def test_a_node_reaches_a_pod_of_another_node_by_its_pod_ip(rkt_pods):
    for target, (_uuid, ip) in rkt_pods.items():
        source = next(n for n in NODES if n != target)
        fetched = eventually(
            lambda s=source, i=ip: node(s).run(f"curl -sSf --max-time 5 http://{i}:8080/name"),
            lambda result: result.rc == 0,
        )
        assert fetched.stdout.strip() == target, fetched.stderr


def test_a_pods_output_reaches_the_journal_rkt_api_service_reads(rkt_pods):
    # rkt api-service's GetLogs reads <pod>/stage1/rootfs/var/log/journal (pkg/pod JournalLogPath):
    # that is what `kubectl logs` shows. Without the flush fix it stays empty on systemd >= 233.
    for name, (uuid, _ip) in rkt_pods.items():
        journal = f"/var/lib/rkt/pods/run/{uuid}/stage1/rootfs/var/log/journal"
        logged = eventually(
            lambda n=name, j=journal: node(n).run(f"journalctl -D {j} -t busybox --no-pager -o cat"),
            lambda result, n=name: f"pod-output-from-{n}" in result.stdout,
        )
        assert f"pod-output-from-{name}" in logged.stdout, logged.stdout + logged.stderr


def test_a_pod_runs_one_journald(rkt_pods):
    # stage1-host also copies the host's journald unit in as systemd-journal-flush.service; without
    # the rkt role's ExecCondition that copy is a second journald on the same sockets.
    for name, (uuid, _ip) in rkt_pods.items():
        host = node(name)
        nspawn = pod_status(host, uuid)["pid"]
        processes = [line.split(None, 2) for line in host.run("ps -eo pid=,ppid=,comm=").stdout.splitlines()]
        pod_systemd = {pid for pid, ppid, comm in processes if ppid == nspawn and comm == "systemd"}
        journalds = [pid for pid, ppid, comm in processes if ppid in pod_systemd and comm == "systemd-journal"]
        assert len(pod_systemd) == 1 and len(journalds) == 1, (name, processes)


def test_pod_capacity_counts_the_pods_rkt_runs(rkt_pods):
    host = node(NODES[0])
    result = host.ansible(
        "rktnetes.cluster.pod_capacity",
        "network=rktnetes conf_dirs=/etc/cni/net.d,/etc/rkt/net.d ipam_state_dir=/run/cni/networks "
        "count_pods=true rkt_path=/usr/local/bin/rkt mode=report",
        check=False,
        become=True,
    )
    listed = host.run("rkt list --no-legend").stdout.splitlines()
    running = sum(1 for line in listed if line.split() and "running" in line.split())
    assert result["rkt_pods"] == running >= 1
    assert result["networks"]["rktnetes"]["capacity"] == 253

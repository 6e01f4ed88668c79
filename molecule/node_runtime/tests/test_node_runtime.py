"""molecule/node_runtime verify: real CNI plugins in network namespaces on 3 lab hosts, pods
reaching each other across hosts (host-gw routes), IPAM state freed by DEL and by a reboot,
routes following the inventory; rkt only when RKTNETES_ARTIFACTS_DIR supplied it."""

import ipaddress
import json
import os
import shutil
import subprocess
import time

import pytest
import yaml
from lab_nodes import (
    ADDRESS,
    FIXTURES,
    INVENTORY,
    NODES,
    RKT_VERSION,
    RUNNER,
    eventually,
    need_rkt,
    node,
    pod_subnet,
    upload_busybox,
)

testinfra_hosts = RUNNER.get_hosts("nodes")
CONVERGE = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml")
RKT_CONF = "/etc/rkt/net.d/10-rktnetes.conf"
NETNS = "verify-pod"


def cni(name, command, netns=NETNS):
    env = f"CNI_COMMAND={command} CNI_CONTAINERID={netns} CNI_NETNS=/run/netns/{netns} CNI_IFNAME=eth0"
    env += " CNI_PATH=/opt/cni/bin"
    return node(name).run(f"{env} /opt/cni/bin/bridge < {RKT_CONF}")


@pytest.fixture(scope="module")
def pods():
    """A network namespace on each node, attached with the installed bridge plugin: name -> IP."""
    addresses = {}
    for name in NODES:
        host = node(name)
        host.run(f"ip netns del {NETNS}")
        assert host.run(f"ip netns add {NETNS}").rc == 0
        added = cni(name, "ADD")
        assert added.rc == 0, added.stdout + added.stderr
        addresses[name] = json.loads(added.stdout)["ips"][0]["address"].split("/")[0]
    yield addresses
    for name in NODES:
        cni(name, "DEL")
        node(name).run(f"ip netns del {NETNS}")


def test_plugins_and_network_configs_are_installed(host):
    for plugin in ("bridge", "host-local", "loopback", "portmap"):
        assert host.file(f"/opt/cni/bin/{plugin}").mode == 0o755
    conflist = json.loads(host.file("/etc/cni/net.d/10-rktnetes.conflist").content_string)
    subnet = pod_subnet(host.backend.get_hostname())
    assert conflist["plugins"][0]["ipam"]["subnet"] == subnet  # the form rkt's own older host-local reads
    assert conflist["plugins"][0]["ipam"]["dataDir"] == "/run/cni/networks"
    assert json.loads(host.file(RKT_CONF).content_string)["ipam"] == conflist["plugins"][0]["ipam"]


def test_each_pod_gets_an_address_of_its_nodes_subnet(pods):
    for name, ip in pods.items():
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(pod_subnet(name))


def test_pods_reach_each_other_across_nodes(pods):
    for source in NODES:
        for target, ip in pods.items():
            if target != source:
                ping = eventually(
                    lambda s=source, i=ip: node(s).run(f"ip netns exec {NETNS} ping -c 1 -W 2 {i}"),
                    lambda result: result.rc == 0,
                )
                assert ping.rc == 0, f"{source} -> {target} ({ip}): {ping.stdout}{ping.stderr}"


def test_del_frees_the_address(pods):
    name = NODES[0]
    state = f"/run/cni/networks/rktnetes/{pods[name]}"
    assert node(name).file(state).exists
    node(name).run(f"ip netns add {NETNS}-2")
    second = cni(name, "ADD", f"{NETNS}-2")
    ip = json.loads(second.stdout)["ips"][0]["address"].split("/")[0]
    assert node(name).file(f"/run/cni/networks/rktnetes/{ip}").exists
    assert cni(name, "DEL", f"{NETNS}-2").rc == 0
    node(name).run(f"ip netns del {NETNS}-2")
    assert not node(name).file(f"/run/cni/networks/rktnetes/{ip}").exists


def test_traffic_leaving_the_cluster_is_masqueraded(host):
    rules = host.run("iptables -t nat -S RKTNETES-POSTROUTING").stdout
    subnet = pod_subnet(host.backend.get_hostname())
    assert f"-A RKTNETES-POSTROUTING -s {subnet} ! -d 10.244.0.0/16 -j MASQUERADE" in rules
    assert "-A POSTROUTING -j RKTNETES-POSTROUTING" in host.run("iptables -t nat -S POSTROUTING").stdout


def routes(name):
    return node(name).run("ip -4 route show root 10.244.0.0/16").stdout


def test_routes_to_every_other_node_survive_a_restart_of_the_unit(host):
    name = host.backend.get_hostname()
    assert host.run("systemctl restart rktnetes-pod-network.service").rc == 0
    for other in NODES:
        if other != name:
            assert f"{pod_subnet(other)} via {ADDRESS[other]}" in routes(name)


def back_from_reboot(name, old_boot_id):
    probe = subprocess.run(
        [
            "ansible",
            "-i",
            INVENTORY,
            name,
            "-b",
            "-m",
            "ansible.builtin.command",
            "-a",
            "sh -c 'systemctl is-system-running; cat /proc/sys/kernel/random/boot_id'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and "running" in probe.stdout and old_boot_id.strip() not in probe.stdout


def test_routes_survive_a_reboot_and_the_ipam_state_does_not():
    name = NODES[-1]
    host = node(name)
    host.run(
        "ip netns add leak && CNI_COMMAND=ADD CNI_CONTAINERID=leak CNI_NETNS=/run/netns/leak CNI_IFNAME=eth0 "
        f"CNI_PATH=/opt/cni/bin /opt/cni/bin/bridge < {RKT_CONF}"
    )
    assert host.run("ls /run/cni/networks/rktnetes").stdout.strip()
    boot_id = host.file("/proc/sys/kernel/random/boot_id").content_string
    host.run("systemd-run --on-active=1 systemctl reboot")
    time.sleep(1)
    assert eventually(lambda: back_from_reboot(name, boot_id), bool, 120), f"{name} did not come back from the reboot"
    assert "ip_forward = 1" in node(name).run("sysctl net.ipv4.ip_forward").stdout
    for other in NODES:
        if other != name:
            assert f"{pod_subnet(other)} via {ADDRESS[other]}" in routes(name)
    assert not node(name).run("ls /run/cni/networks/rktnetes 2>/dev/null").stdout.strip()


def converge(inventory):
    return subprocess.run(["ansible-playbook", "-i", inventory, CONVERGE], capture_output=True, text=True, check=False)


def test_removing_a_node_removes_its_route_and_adding_it_back_restores_it(tmp_path):
    gone = NODES[-1]
    subnet = pod_subnet(gone)
    with open(INVENTORY, encoding="utf-8") as stream:
        inventory = yaml.safe_load(stream)
    for group in inventory.values():
        (group.get("hosts") or {}).pop(gone, None)
        for child in (group.get("children") or {}).values():
            (child.get("hosts") or {}).pop(gone, None)
    for extra in ("group_vars", "host_vars"):  # keep the scenario's variables beside the copy
        if os.path.isdir(os.path.join(os.path.dirname(INVENTORY), extra)):
            shutil.copytree(os.path.join(os.path.dirname(INVENTORY), extra), tmp_path / extra)
    smaller = tmp_path / "inventory.yml"
    smaller.write_text(yaml.safe_dump(inventory))
    result = converge(str(smaller))
    assert result.returncode == 0, result.stdout[-3000:]
    assert subnet not in routes(NODES[0])
    result = converge(INVENTORY)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{subnet} via {ADDRESS[gone]}" in routes(NODES[0])
    assert pod_subnet(gone) == subnet  # the node kept its subnet


MIRROR = os.path.join(os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab"), "mirror")  # noqa: S108 (labctl's lab dir)
STAGE1 = f"rkt/v{RKT_VERSION}/stage1-host-{RKT_VERSION}-linux-amd64.aci"


def test_rkt_runs_with_the_verified_stage1_configured(host):
    need_rkt()
    assert host.run("rkt version").stdout.startswith("rkt Version: 1.30.0")
    stage1 = json.loads(host.file("/etc/rkt/stage1.d/host.json").content_string)
    assert stage1["name"] == "coreos.com/rkt/stage1-host" and stage1["version"] == "1.30.0"
    # The verdict the next run returns while nothing the verification reads changes.
    record = json.loads(host.file("/var/lib/rktnetes/stage1-verified.json").content_string)["image_verification"]
    assert record["result"]["name"] == stage1["name"] and record["result"]["image_id"].startswith("sha512-")
    assert record["request"]["path"] == "/usr/lib/rkt/stage1-images/stage1-host.aci"
    assert host.file("/etc/rkt/paths.d/paths.json").exists
    for group in ("rkt", "rkt-admin"):
        assert host.group(group).exists


def test_api_service_answers_on_loopback_only(host):
    need_rkt()
    name = host.backend.get_hostname()
    listening = host.run("ss -Hltn").stdout
    assert "127.0.0.1:15441" in listening and f"{ADDRESS[name]}:15441" not in listening
    other = next(n for n in NODES if n != name)
    assert node(other).run(f"nc -z -w 2 {ADDRESS[name]} 15441").rc != 0
    assert host.run("nc -z -w 2 127.0.0.1 15441").rc == 0
    assert host.service("rkt-gc.timer").is_enabled


def test_rkt_itself_accepts_an_image_signed_by_a_key_the_role_trusted(host):
    need_rkt()
    host.run("rkt image rm rktnetes.test/busybox:1.0.0")
    upload_busybox(host, "/srv/busybox.aci", signature="stage1-by-stranger.asc")
    refused = host.run("rkt fetch /srv/busybox.aci")
    assert refused.rc != 0, refused.stdout
    upload_busybox(host, "/srv/busybox.aci")
    fetched = host.run("rkt fetch /srv/busybox.aci")
    assert fetched.rc == 0, fetched.stderr
    assert fetched.stdout.strip().startswith("sha512-")
    assert "signature verified" in fetched.stderr


def test_a_stage1_signed_by_another_key_is_refused_and_rkt_left_unconfigured(tmp_path):
    need_rkt()
    target = NODES[-1]
    shutil.copytree(MIRROR, tmp_path / "mirror")
    shutil.copyfile(os.path.join(FIXTURES, "stage1-by-stranger.asc"), tmp_path / "mirror" / f"{STAGE1}.asc")
    command = [
        "ansible-playbook",
        "-i",
        INVENTORY,
        CONVERGE,
        "--limit",
        target,
        "-e",
        f"artifacts_mirror={tmp_path / 'mirror'}",
        "-e",
        f"artifacts_cache_dir={tmp_path / 'cache'}",
    ]
    refused = subprocess.run(command, capture_output=True, text=True, check=False)
    output = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0
    assert "stage1 image refused, rkt left unconfigured" in output, output[-3000:]
    assert not node(target).file("/etc/rkt/stage1.d").exists
    restored = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, CONVERGE, "--limit", target], capture_output=True, text=True, check=False
    )
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert node(target).file("/etc/rkt/stage1.d/host.json").exists


def test_stage1_host_gets_the_journal_flush_in_the_file_it_copies(host):
    need_rkt()
    unit = host.file("/lib/systemd/system/systemd-journald.service").content_string
    added = (
        'ExecCondition=/bin/bash -c "test %n != systemd-journal-flush.service"\n'  # the lab's systemd is >= 243
        'ExecStartPost=-/bin/bash -c "kill -USR1 $MAINPID"\n'
    )
    assert f"[Service]\n{added}" in unit
    original = host.file("/lib/systemd/system/systemd-journald.service.distrib").content_string
    assert unit.replace(added, "", 1) == original
    assert host.service("systemd-journald").is_running  # the condition lets the host's own journald run
    reload = host.run("systemctl show -p NeedDaemonReload systemd-journald.service").stdout.strip()
    assert reload == "NeedDaemonReload=no"  # systemd read the rewritten file
    assert "rktnetes" in host.run("dpkg-divert --list /lib/systemd/system/systemd-journald.service").stdout

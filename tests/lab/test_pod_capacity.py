"""pod_capacity on a lab host against real CNI configs and real host-local state: the real CNI
plugins (Debian's containernetworking-plugins, copied in) allocate addresses in network
namespaces until the range is full, and the module's numbers are checked at each step."""

import json
import os
import subprocess
from pathlib import Path

import own_lab
import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = Path("/usr/lib/cni")
NAME, IP = "pc-1", "10.203.0.11"
# A /29 with the gateway at .1: 8 - network - broadcast - gateway = 5 pod addresses.
CONF = {
    "cniVersion": "0.3.1",
    "name": "podnet",
    "type": "bridge",
    "bridge": "cni-pc0",
    "isGateway": True,
    "ipam": {"type": "host-local", "subnet": "10.250.0.0/29", "dataDir": "/run/cni/networks"},
}
CAPACITY = 5


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (PLUGINS / "host-local").exists():
        pytest.skip("no CNI plugins in /usr/lib/cni: apt-get install containernetworking-plugins")
    for env in own_lab.booted(own_lab.lab_env(tmp_path_factory, "rktlabc0", "10.203.0.1/24"), {NAME: IP}):
        prepare_host(env)
        yield env


def prepare_host(env):
    """An inventory for the host, the real CNI plugins and a network config on it."""
    inventory = Path(env["LAB_DIR"], "hosts.ini")
    inventory.write_text(
        f"{NAME} ansible_host={IP} ansible_user=root ansible_python_interpreter=/usr/bin/python3 "
        f"ansible_ssh_private_key_file={env['LAB_DIR']}/keys/id_ed25519\n"
    )
    env["INVENTORY"] = str(inventory)
    on_host(env, "mkdir -p /opt/cni/bin /etc/cni/net.d")
    for plugin in ("bridge", "host-local", "loopback"):
        binary = (PLUGINS / plugin).read_bytes()
        on_host(env, f"cat > /opt/cni/bin/{plugin} && chmod 0755 /opt/cni/bin/{plugin}", stdin=binary)
    on_host(env, f"cat > /etc/cni/net.d/10-podnet.conf <<'EOF'\n{json.dumps(CONF)}\nEOF")


def on_host(env, command, check=True, stdin=None):
    return own_lab.labctl(env, "ssh", NAME, command, check=check, stdin=stdin)


def cni(env, command, netns):
    """One real CNI call (ADD or DEL) of the bridge plugin for a pod in its own namespace."""
    script = (
        f"ip netns add {netns} 2>/dev/null; "
        f"CNI_COMMAND={command} CNI_CONTAINERID={netns} CNI_NETNS=/var/run/netns/{netns} CNI_IFNAME=eth0 "
        "CNI_PATH=/opt/cni/bin /opt/cni/bin/bridge < /etc/cni/net.d/10-podnet.conf"
    )
    return on_host(env, script, check=False)


def pod_capacity(env, check_mode=False, **args):
    """Run the module through Ansible on the host; returns (failed, result)."""
    command = ["ansible", NAME, "-i", env["INVENTORY"], "-m", "rktnetes.cluster.pod_capacity", "-a", json.dumps(args)]
    result = subprocess.run(
        [*command, "--check"] if check_mode else command,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",  # ad-hoc runs use the stdout callback only with this
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        },
    )
    payload = json.loads(result.stdout)
    host_result = payload["plays"][0]["tasks"][0]["hosts"][NAME]
    return bool(host_result.get("failed")), host_result


BASE_ARGS = {"conf_dirs": ["/etc/cni/net.d"], "mode": "report"}


def test_allocate_until_full_and_count_at_each_step(lab):
    for used in range(CAPACITY + 1):
        failed, result = pod_capacity(lab, **BASE_ARGS, max_pods=110)
        assert not failed, result
        assert result["network"] == "podnet"
        assert result["networks"]["podnet"]["capacity"] == CAPACITY
        assert result["networks"]["podnet"]["used"] == used
        assert result["networks"]["podnet"]["free"] == CAPACITY - used
        assert result["effective_limit"] == CAPACITY
        if used < CAPACITY:
            added = cni(lab, "ADD", f"pod{used}")
            assert added.returncode == 0, added.stderr + added.stdout
            assert json.loads(added.stdout)["ips"][0]["address"].startswith("10.250.0.")
    full = cni(lab, "ADD", "pod-over")
    assert full.returncode != 0  # host-local itself refuses: the range really is full


def test_enforce_fails_with_the_numbers(lab):
    failed, result = pod_capacity(lab, conf_dirs=["/etc/cni/net.d"], max_pods=110)
    assert failed
    assert f"max_pods 110 exceeds the {CAPACITY} pod addresses of network 'podnet'" in result["msg"]
    failed, result = pod_capacity(lab, conf_dirs=["/etc/cni/net.d"], max_pods=4, reserve=1)
    assert failed
    assert "has 0 free addresses (5 of 5 used), fewer than reserve 1" in result["msg"]


def test_del_frees_an_address(lab):
    deleted = cni(lab, "DEL", "pod0")
    assert deleted.returncode == 0, deleted.stderr
    failed, result = pod_capacity(lab, conf_dirs=["/etc/cni/net.d"], max_pods=4, reserve=1)
    assert not failed, result
    assert (result["networks"]["podnet"]["used"], result["effective_limit"]) == (CAPACITY - 1, 4)


def test_rkt_builtin_default_network_is_reported(lab):
    failed, result = pod_capacity(lab, mode="report", conf_dirs=["/etc/cni/net.d", "/etc/rkt/net.d"])
    assert not failed
    assert result["networks"]["default"]["capacity"] == 253
    assert result["networks"]["default"]["config"] == "rkt built-in"


def test_check_mode_reads_the_same(lab):
    normal = pod_capacity(lab, **BASE_ARGS)[1]
    failed, checked = pod_capacity(lab, check_mode=True, **BASE_ARGS)
    assert not failed
    assert checked["changed"] is False
    assert checked["networks"] == normal["networks"]

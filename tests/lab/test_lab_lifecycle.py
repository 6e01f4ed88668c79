"""The lab tooling itself: up/wait/down/status on real nspawn hosts, and that the machine is left
exactly as it was (sysctls, iptables, mounts, cgroups, bridge, processes).

Runs its own small lab (its own LAB_DIR and bridge, the shared base cache) so that it can
compare the machine before and after even while the demo lab is up.
"""

import re
import subprocess
import time
from pathlib import Path

import own_lab
import pytest
from own_lab import labctl

BRIDGE = "rktlabt0"
HOSTS = {"lc-1": "10.201.0.11", "lc-2": "10.201.0.12"}
SPECS = [f"{name}:{ip}" for name, ip in HOSTS.items()]
# sysctls that change by themselves (counters, random values): not state the lab could leave.
VOLATILE_SYSCTL = re.compile(
    r"^(fs\.(dentry-state|file-nr|inode-nr|inode-state|quota\.)|kernel\.(ns_last_pid|pty\.nr|random\.))"
)
# What the kubelet writes (the shield list), with values that differ from any sane machine's.
SHIELDED_WRITES = {
    "vm.overcommit_memory": "1",
    "vm.panic_on_oom": "0",
    "kernel.panic": "10",
    "kernel.panic_on_oops": "1",
}


def run(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=600)


@pytest.fixture(scope="module")
def lab_env(tmp_path_factory):
    return own_lab.lab_env(tmp_path_factory, BRIDGE, "10.201.0.1/24")


def sysctls():
    out = run("sysctl", "-a", check=False).stdout
    return {line for line in out.splitlines() if not VOLATILE_SYSCTL.match(line)}


def firewall():
    rules = [run(tool, check=False).stdout for tool in ("iptables-save", "ip6tables-save")]
    rules.append(run("nft", "list", "ruleset", check=False).stdout)
    # iptables-save prints the time of the dump in comments
    return [re.sub(r"(?m)^#.*$", "", text) for text in rules]


def machine_state(lab_dir):
    return {
        "sysctl": sysctls(),
        "firewall": firewall(),
        "mounts": [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if lab_dir in line],
        "cgroups": sorted(str(p) for p in Path("/sys/fs/cgroup").glob(f"*/{BRIDGE}")),
        # labctl mounts the cgroup v1 controllers rkt needs and this machine leaves unmounted
        "cgroup_hierarchies": sorted(p.name for p in Path("/sys/fs/cgroup").iterdir()),
        "bridge": run("ip", "link", "show", BRIDGE, check=False).returncode == 0,
        "processes": run("pgrep", "-f", lab_dir, check=False).stdout.split(),
    }


def on_host(env, name, command, check=True):
    return labctl(env, "ssh", name, command, check=check)


@pytest.fixture(scope="module")
def lab(lab_env):
    labctl(lab_env, "base")  # builds the cache if needed, before "before" is taken
    before = machine_state(lab_env["LAB_DIR"])
    for env in own_lab.booted(lab_env, HOSTS):
        yield env, before


def test_hosts_boot_and_report_running(lab):
    env = lab[0]
    status = labctl(env, "status").stdout
    for name, ip in HOSTS.items():
        assert f"{name} {ip} running" in status
        assert on_host(env, name, "systemctl is-system-running").stdout.strip() == "running"
        assert on_host(env, name, "hostname").stdout.strip() == name


def test_every_enabled_cgroup_controller_is_mounted_in_hosts(lab):
    # rkt's stage1 runs no pod otherwise ("couldn't mount the host v1 cgroups")
    enabled = "awk 'NR > 1 && $4 == 1 {print $1}' /proc/cgroups"
    unmounted = f"for c in $({enabled}); do mountpoint -q /sys/fs/cgroup/$c || echo $c; done"
    for name in HOSTS:
        assert on_host(lab[0], name, unmounted).stdout.split() == []


def test_up_and_wait_again_change_nothing(lab):
    env = lab[0]
    pids = {n: Path(env["LAB_DIR"], "hosts", n, "launcher.pid").read_text() for n in HOSTS}
    again = labctl(env, "up", *SPECS).stdout
    assert all(f"{name} already running" in again for name in HOSTS)
    labctl(env, "wait", *SPECS)
    assert pids == {n: Path(env["LAB_DIR"], "hosts", n, "launcher.pid").read_text() for n in HOSTS}


def test_kubelet_sysctl_writes_do_not_reach_the_machine(lab):
    env = lab[0]
    machine = {key: run("sysctl", "-n", key).stdout.strip() for key in SHIELDED_WRITES}
    for key, value in SHIELDED_WRITES.items():
        entry = "/proc/sys/" + key.replace(".", "/")
        on_host(env, "lc-1", f"echo {value} > {entry}")
        assert on_host(env, "lc-1", f"cat {entry}").stdout.strip() == value
    assert machine == {key: run("sysctl", "-n", key).stdout.strip() for key in SHIELDED_WRITES}


def test_other_global_sysctls_are_read_only_in_hosts(lab):
    env = lab[0]
    pid_max = run("sysctl", "-n", "kernel.pid_max").stdout
    write = on_host(env, "lc-1", "echo 4194303 > /proc/sys/kernel/pid_max", check=False)
    assert write.returncode != 0
    assert "Read-only" in write.stderr
    assert run("sysctl", "-n", "kernel.pid_max").stdout == pid_max


def test_per_host_network_state_stays_in_the_host(lab):
    env = lab[0]
    on_host(env, "lc-2", "echo 1 > /proc/sys/net/ipv4/ip_forward && iptables -A INPUT -p tcp --dport 9 -j DROP")
    assert "--dport 9" in on_host(env, "lc-2", "iptables-save").stdout
    assert "--dport 9" not in "".join(firewall())


def test_reboot_inside_a_host_comes_back(lab):
    env = lab[0]
    boot_id = on_host(env, "lc-2", "cat /proc/sys/kernel/random/boot_id").stdout  # nspawn gives each boot its own
    on_host(env, "lc-2", "systemctl reboot", check=False)
    deadline = time.monotonic() + 90
    state = new_boot_id = ""
    while time.monotonic() < deadline and (new_boot_id in ("", boot_id) or state != "running"):
        time.sleep(1)
        probe = on_host(env, "lc-2", "cat /proc/sys/kernel/random/boot_id; systemctl is-system-running", check=False)
        lines = probe.stdout.splitlines()
        new_boot_id = lines[0] + "\n" if lines else ""
        state = lines[1].strip() if len(lines) > 1 else ""
    assert new_boot_id not in ("", boot_id), "lc-2 did not reboot"
    assert state == "running"
    assert "lc-2 10.201.0.12 running" in labctl(env, "status").stdout


def test_bad_host_specs_are_refused_and_change_nothing(lab):
    env = lab[0]
    before = labctl(env, "status").stdout
    for spec, message in [
        ("Bad_Name:10.201.0.40", "lowercase DNS label"),
        ("ok:10.9.9.9", "IP must be in 10.201.0.2-254"),
        ("ok:10.201.0.255", "IP must be in 10.201.0.2-254"),
        ("noip", "want NAME:IP"),
    ]:
        refused = labctl(env, "up", spec, check=False)
        assert refused.returncode != 0
        assert message in refused.stderr
    assert labctl(env, "up", "a:10.201.0.41", "a:10.201.0.42", check=False).returncode != 0
    assert labctl(env, "status").stdout == before


def test_a_second_lab_on_the_same_network_is_refused(lab, tmp_path):
    env = lab[0]
    other = {**env, "LAB_DIR": str(tmp_path), "LAB_BRIDGE": "rktlabt9"}
    refused = labctl(other, "up", "lc-9:10.201.0.19", check=False)
    assert refused.returncode != 0
    assert f"10.201.0.0/24 is already on interface {BRIDGE}" in refused.stderr
    assert run("ip", "link", "show", "rktlabt9", check=False).returncode != 0
    assert not Path(tmp_path, "hosts", "lc-9").exists()
    assert "lc-1 10.201.0.11 running" in labctl(env, "status").stdout


def test_down_leaves_the_machine_as_it_was(lab):
    env, before = lab
    labctl(env, "down")
    assert labctl(env, "down").returncode == 0  # safe twice
    after = machine_state(env["LAB_DIR"])
    assert after["sysctl"] ^ before["sysctl"] == set()
    assert after["firewall"] == before["firewall"]
    assert after == before
    assert not Path(env["LAB_DIR"], "hosts").exists()
    assert labctl(env, "status").stdout == ""

"""molecule/lab verify: each lab host is a real systemd host that Ansible and the roles can use."""

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

LAB_ADDRESSES = {"lab-1": "10.200.0.21", "lab-2": "10.200.0.22", "lab-3": "10.200.0.23"}


def test_systemd_is_pid1_and_running(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running")
    assert state.stdout.strip() == "running", host.run("systemctl --failed --no-legend").stdout


def test_dbus_answers(host):
    with host.sudo():
        reply = host.run("busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId")
    assert reply.rc == 0, reply.stderr
    assert reply.stdout.startswith("s ")


def test_hostname_and_address_are_its_own(host):
    name = host.backend.get_hostname()
    assert host.run("hostname").stdout.strip() == name
    assert LAB_ADDRESSES[name] in host.interface("host0").addresses


def test_reaches_every_other_host(host):
    name = host.backend.get_hostname()
    for other, address in LAB_ADDRESSES.items():
        if other != name:
            assert host.run(f"ping -c1 -W2 {address}").rc == 0, f"{name} cannot reach {other}"
            assert host.run(f"getent hosts {other}").stdout.split()[0] == address


def test_no_route_off_the_lab_bridge(host):
    routes = host.run("ip -4 route show").stdout
    assert "default" not in routes
    assert host.run("ip -4 route get 192.0.2.1").rc != 0


def test_probe_unit_managed_by_ansible_runs(host):
    probe = host.service("lab-probe")
    assert probe.is_running
    assert probe.is_enabled


def test_nested_network_namespace(host):
    with host.sudo():
        nested = host.run("unshare --net ip -o link show")
    assert nested.rc == 0, nested.stderr
    links = [line.split(":")[1].strip() for line in nested.stdout.splitlines()]
    assert links == ["lo"]


def test_machine_sysctls_are_shielded(host):
    """Writes to the kubelet's non-namespaced sysctls land in shield files, not in the shared kernel."""
    with host.sudo():
        mounted = host.run("findmnt -n -o TARGET /proc/sys/vm/overcommit_memory")
        assert mounted.rc == 0
        unshielded = host.run("sh -c 'echo 4194304 > /proc/sys/kernel/pid_max'")
    assert unshielded.rc != 0, "non-namespaced /proc/sys must be read-only in lab hosts"

"""The kubelet's D-Bus version proxy against a real system bus and a real systemd (Debian's,
whose Version is like "252.39-1~deb12u2"), on a lab host of its own."""

from pathlib import Path

import own_lab
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "roles" / "kubelet" / "files" / "rktnetes-dbus-version-proxy"
NAME, ADDRESS = "dbus-1", "10.204.0.11"
SOCKET = "/run/rktnetes-dbus-test.sock"
GET_VERSION = "busctl {bus} get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 "
GET_VERSION += "org.freedesktop.systemd1.Manager Version"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    for env in own_lab.booted(own_lab.lab_env(tmp_path_factory, "rktlabd0", "10.204.0.1/24"), {NAME: ADDRESS}):
        on_host(
            env, "sudo install -m 0755 /dev/stdin /usr/local/sbin/rktnetes-dbus-version-proxy", stdin=PROXY.read_text()
        )
        on_host(
            env,
            "sudo systemd-run --unit=dbus-version-proxy /usr/bin/python3 "
            f"/usr/local/sbin/rktnetes-dbus-version-proxy {SOCKET}",
        )
        on_host(env, f"for i in $(seq 50); do [ -S {SOCKET} ] && exit 0; sleep 0.1; done; exit 1")
        yield env


def on_host(env, command, check=True, stdin=None):
    return own_lab.labctl(env, "ssh", NAME, command, check=check, stdin=stdin)


def version(env, bus):
    return on_host(env, "sudo " + GET_VERSION.format(bus=bus)).stdout.strip()


def test_through_the_proxy_the_version_is_digits_of_the_same_length(lab):
    real = version(lab, "--system")
    proxied = version(lab, f"--address=unix:path={SOCKET}")
    assert real.startswith('s "') and not real[3:-1].isdigit(), real  # Debian's suffixed version
    assert proxied.startswith('s "') and proxied[3:-1].isdigit(), proxied
    assert len(proxied) == len(real)
    assert int(proxied[3:-1]) == int(real[3:].split(".")[0])


def test_other_calls_pass_through_untouched(lab):
    bus = f"--address=unix:path={SOCKET}"
    for prop in ("Virtualization", "Architecture", "SystemState"):
        command = "sudo busctl {} get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 "
        command += f"org.freedesktop.systemd1.Manager {prop}"
        assert on_host(lab, command.format(bus)).stdout == on_host(lab, command.format("--system")).stdout
    units = on_host(
        lab,
        f"sudo busctl {bus} call org.freedesktop.systemd1 /org/freedesktop/systemd1 "
        "org.freedesktop.systemd1.Manager GetUnit s dbus.service",
    ).stdout
    assert units.startswith('o "/org/freedesktop/systemd1/unit/dbus_2eservice"')


def test_the_socket_is_root_only(lab):
    assert on_host(lab, f"sudo stat -c %a {SOCKET}").stdout.strip() == "600"
    refused = on_host(lab, "sudo -u nobody busctl --address=unix:path=" + SOCKET + " status", check=False)
    assert refused.returncode != 0

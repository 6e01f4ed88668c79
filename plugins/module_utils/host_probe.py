# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What a host lacks for the kubelet and rkt, read from the preflight role's probe
(roles/preflight/files/host-probe.sh); each problem names what to do."""

from __future__ import annotations

KIB_PER_GIB = 1048576


def host_problems(probe, limits):
    """The problems of one host's `probe` (the probe script's JSON) against `limits`:
    min_systemd_version, fail_swap_on, rkt_data_dir, rkt_min_free_gib."""
    problems = []
    if probe["pid1"] != "systemd":
        problems.append(
            f"init: PID 1 is {probe['pid1']}, not systemd; the kubelet runs each pod as a systemd unit, "
            "so the host must boot systemd"
        )
    elif probe["systemd_version"] < limits["min_systemd_version"]:
        problems.append(
            f"systemd {probe['systemd_version']} is older than {limits['min_systemd_version']} "
            "(preflight_min_systemd_version); upgrade the host"
        )
    if not probe["dbus"]:
        problems.append("D-Bus: the system bus does not answer (busctl --system list); start dbus.service")
    if probe["swap_kib"] > 0 and limits["fail_swap_on"]:
        problems.append(
            f"swap: {probe['swap_kib']} KiB of swap is on; turn it off (swapoff -a and fstab) "
            "or set rktnetes_fail_swap_on: false"
        )
    if probe["missing"]:
        problems.append(
            f"commands missing: {', '.join(probe['missing'])} (preflight_required_commands); install them "
            "(util-linux, coreutils, iptables, gpgv, iproute2, mount)"
        )
    if not probe["ip_forward_writable"]:
        problems.append("/proc/sys/net/ipv4/ip_forward is not writable: pod traffic needs forwarding")
    if probe["rkt_dir_free_kib"] < limits["rkt_min_free_gib"] * KIB_PER_GIB:
        problems.append(
            f"{limits['rkt_data_dir']}: {probe['rkt_dir_free_kib'] / KIB_PER_GIB:.1f} GiB free, "
            f"preflight_rkt_min_free_gib wants {limits['rkt_min_free_gib']:g}; free space or lower it"
        )
    return problems

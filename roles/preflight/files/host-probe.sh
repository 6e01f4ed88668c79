#!/bin/sh
# Read-only probe of what the kubelet and rkt need from a host; prints one JSON object.
# Usage: host-probe.sh RKT_DATA_DIR BINARY[:BINARY...] COMMAND...
rkt_dir=$1 binaries=$2
shift 2
missing=
for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 || missing="$missing \"$c\","
done
systemd_version=$(systemctl --version 2>/dev/null | awk 'NR == 1 {print $2 + 0}')
dbus=false
busctl --system --no-pager list >/dev/null 2>&1 && dbus=true
# systemd's version as the kubelet reads it (D-Bus Manager.Version, e.g. 252.22-1~deb12u1).
dbus_version=$(busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager Version 2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p' | tr -d '\042\134')
swap_kib=$(awk 'NR > 1 {sum += $3} END {print sum + 0}' /proc/swaps)
forward=false
[ -w /proc/sys/net/ipv4/ip_forward ] && forward=true
dir=$rkt_dir
while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
free_kib=$(df -Pk "$dir" | awk 'NR == 2 {print $4}')
# What the host runs already (a downgrade is refused): the first line of each binary's --version
# (the binaries' paths come separated by colons).
versions=
old_ifs=$IFS IFS=:
for b in $binaries; do
    [ -x "$b" ] && versions="$versions$("$b" --version 2>&1 | head -n 1 | tr -d '\042\134') / "
done
IFS=$old_ifs
# The pod subnet an earlier run recorded on this node (the cni role's local fact): a node keeps it.
subnet=$(sed -n 's/^ *"pod_subnet": *"\([0-9a-fA-F.:/]*\)".*/\1/p' /etc/ansible/facts.d/rktnetes.fact 2>/dev/null | head -n 1)
printf '{"pid1": "%s", "systemd_version": %s, "dbus": %s, "dbus_systemd_version": "%s", "swap_kib": %s, "missing": [%s], "ip_forward_writable": %s, "rkt_dir_free_kib": %s, "versions": "%s", "recorded_pod_subnet": "%s"}\n' \
    "$(cat /proc/1/comm)" "${systemd_version:-0}" "$dbus" "$dbus_version" "$swap_kib" "${missing%,}" "$forward" "${free_kib:-0}" "$versions" "$subnet"

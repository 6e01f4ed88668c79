#!/usr/bin/env bash
# What reset.yml cannot do with file/user modules: stop the cluster's units and every pod the
# kubelet started (k8s_<uuid>.service), collect rkt's pods, unmount what pods left under the data
# dirs (rm would otherwise walk into mounted volumes), remove the pod network (routes, masquerade
# chain, kube-proxy's chains, the bridge) and restore the journald unit the rkt role diverted.
# Prints one "changed: ..." line per action; with --check only says what it would do.
#   teardown.sh [--check] [--data-dir DIR]... CLUSTER_CIDR BRIDGE RKT UNIT...
# (--data-dir: what pods mounted under DIR is unmounted; rkt's and the kubelet's data dirs.)
set -uo pipefail
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
data_dirs=()
while [ "${1:-}" = --data-dir ]; do data_dirs+=("${2%/}"); shift 2; done
cidr=$1 bridge=$2 rkt=$3
shift 3

act() {  # act DESCRIPTION COMMAND...
    echo "changed: $1"
    $check || "${@:2}" >/dev/null 2>&1 || echo "warning: $1 failed" >&2
}

known_units=$(systemctl list-unit-files --no-legend --no-pager 'k8s_*' "$@" 2>/dev/null | awk '{print $1}')
stop_and_disable() {
    for unit in "$@"; do
        systemctl is-active --quiet "$unit" && act "stop $unit" systemctl stop "$unit"
        grep -qx "$unit" <<<"$known_units" && systemctl is-enabled --quiet "$unit" 2>/dev/null \
            && act "disable $unit" systemctl disable "$unit"
    done
}
# The kubelet first: stopped after its pods, it would start them again in between (a second run
# then found pod units running). Then the pods it left, listed once nothing can start more.
stop_and_disable "$@"
# shellcheck disable=SC2046  # unit names have no spaces
stop_and_disable $(systemctl list-units --all --no-legend --plain --no-pager 'k8s_*' 2>/dev/null | awk '{print $1}')

$check || systemctl reset-failed 'k8s_*' "$@" >/dev/null 2>&1  # no "failed" leftovers in listings

if [ -x "$rkt" ] && [ -n "$("$rkt" list --no-legend 2>/dev/null)" ]; then
    act "collect rkt's pods" "$rkt" gc --grace-period=0s
fi

# Deepest first, so that a mount inside another one goes before it. Only what pods mounted under
# the data dirs: a data dir that is a mount point of its own (a disk for rkt's images) stays.
findmnt -rn -o TARGET | sort -r | while read -r target; do
    for dir in "${data_dirs[@]}"; do
        case $target in "$dir"/*) act "unmount $target" umount -l "$target"; break ;; esac
    done
done

ip -4 route show root "$cidr" 2>/dev/null | while read -r dst via gateway _rest; do
    [ "$via" = via ] && act "remove the route to $dst" ip route del "$dst" via "$gateway"
done
for table in nat filter; do
    chains=$(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(RKTNETES|KUBE)-/ {print $2}')
    [ -n "$chains" ] || continue
    # The jumps from built-in chains first, then every chain emptied, then removed (they refer to each other).
    iptables -t "$table" -S | awk '$1 == "-A" && $2 !~ /^(RKTNETES|KUBE)-/ && / -j (RKTNETES|KUBE)-/' \
        | while read -r rule; do
            act "remove the rule $table: $rule" sh -c "iptables -t $table ${rule/-A /-D }"
        done
    for chain in $chains; do
        act "empty the iptables chain $table/$chain" iptables -t "$table" -F "$chain"
    done
    for chain in $chains; do
        act "remove the iptables chain $table/$chain" iptables -t "$table" -X "$chain"
    done
done
if ip link show "$bridge" >/dev/null 2>&1; then
    act "remove the bridge $bridge" ip link del "$bridge"
fi

journald=/lib/systemd/system/systemd-journald.service
if dpkg-divert --list "$journald" 2>/dev/null | grep -q 'by rktnetes$'; then
    act "restore the package's $journald" sh -c \
        "rm -f $journald && dpkg-divert --package rktnetes --rename --remove $journald && systemctl daemon-reload"
fi
exit 0

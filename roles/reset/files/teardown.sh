#!/usr/bin/env bash
# What reset.yml cannot do with file/user modules: stop the cluster's units and every pod the
# kubelet started (k8s_<uuid>.service), collect rkt's pods, unmount what pods left under the data
# dirs (rm would otherwise walk into mounted volumes), remove the pod network (routes, masquerade
# chain, kube-proxy's chains, the bridge) and restore the journald unit the rkt role diverted.
# Prints one "changed: ..." line per action; with --check only says what it would do.
#   teardown.sh [--check] CLUSTER_CIDR BRIDGE RKT UNIT...
set -uo pipefail
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
cidr=$1 bridge=$2 rkt=$3
shift 3

act() {  # act DESCRIPTION COMMAND...
    echo "changed: $1"
    $check || "${@:2}" >/dev/null 2>&1 || echo "warning: $1 failed" >&2
}

known_units=$(systemctl list-unit-files --no-legend --no-pager 'k8s_*' "$@" 2>/dev/null | awk '{print $1}')
loaded_pods=$(systemctl list-units --all --no-legend --plain --no-pager 'k8s_*' 2>/dev/null | awk '{print $1}')
for unit in $loaded_pods "$@"; do
    systemctl is-active --quiet "$unit" && act "stop $unit" systemctl stop "$unit"
    grep -qx "$unit" <<<"$known_units" && systemctl is-enabled --quiet "$unit" 2>/dev/null \
        && act "disable $unit" systemctl disable "$unit"
done

$check || systemctl reset-failed 'k8s_*' "$@" >/dev/null 2>&1  # no "failed" leftovers in listings

if [ -x "$rkt" ] && [ -n "$("$rkt" list --no-legend 2>/dev/null)" ]; then
    act "collect rkt's pods" "$rkt" gc --grace-period=0s
fi

# Deepest first, so that a mount inside another one goes before it.
findmnt -rn -o TARGET | grep -E '^/var/lib/(rkt|kubelet)(/|$)' | sort -r | while read -r target; do
    act "unmount $target" umount -l "$target"
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

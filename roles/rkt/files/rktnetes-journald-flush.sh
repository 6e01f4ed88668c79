#!/bin/sh
# stage1-host copies the host's /lib/systemd/system/systemd-journald.service into each pod as its
# journal-flush unit (rkt stage1/init/init.go): without a flush after start the pod journal never
# reaches /var/log/journal, where rkt api-service reads logs, and `kubectl logs` is empty. A drop-in
# is not copied, so the fix is in that very file: the package's file is diverted (systemd upgrades
# land in the .distrib copy) and the unit is rebuilt from it with the flush. bash in the line, not
# sh: a stage1-host pod's root has /bin/bash (and its builtin kill) but no /bin/sh.
# Usage: rktnetes-journald-flush SYSTEMD_VERSION [--check] (the version the rkt role already read).
# Prints "changed" when it diverted or rewrote the unit (with --check: when it would); idempotent,
# so one run per host and playbook run.
set -eu
unit=/lib/systemd/system/systemd-journald.service
distrib=$unit.distrib
systemd_version=${1:-}
check=${2:-}
case $systemd_version in
    '' | *[!0-9]*)
        echo "usage: rktnetes-journald-flush SYSTEMD_VERSION [--check] (a number, as systemctl --version prints it)" >&2
        exit 2
        ;;
esac
if [ ! -e "$distrib" ]; then
    if [ "$check" = --check ]; then
        echo changed
        exit 0
    fi
    dpkg-divert --package rktnetes --add --rename --divert "$distrib" "$unit" >/dev/null
fi
wanted=$(mktemp "$unit.rktnetes.XXXXXX")
trap 'rm -f "$wanted"' EXIT
# The pod's copy runs as systemd-journal-flush.service beside the pod's own journald: two journalds
# on the same sockets, both writing the pod's persistent journal, and a line the pod prints may land
# with either (seen: a pod's output missing from the journal rkt api-service reads). ExecCondition
# (systemd >= 243) skips the copy by its unit name (%n); the host's journald is unaffected.
condition=
if [ "$systemd_version" -ge 243 ]; then
    condition='ExecCondition=/bin/bash -c "test %n != systemd-journal-flush.service"'
fi
# shellcheck disable=SC2016 # $MAINPID is for systemd, not this shell
sed -e "${condition:+/^\[Service\]\$/a $condition}" \
    -e '/^\[Service\]$/a ExecStartPost=-/bin/bash -c "kill -USR1 $MAINPID"' "$distrib" >"$wanted"
if cmp -s "$wanted" "$unit"; then
    exit 0
fi
echo changed
if [ "$check" != --check ]; then
    chmod 0644 "$wanted"
    mv -f "$wanted" "$unit"
    # systemd keeps the host's journald as it was loaded; the reload makes it read the new file
    # (nothing restarts: the change matters to the pods, which copy the file when they start)
    systemctl daemon-reload
fi

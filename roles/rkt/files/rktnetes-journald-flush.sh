#!/bin/sh
# stage1-host copies the host's /lib/systemd/system/systemd-journald.service into each pod as its
# journal-flush unit (rkt stage1/init/init.go): without a flush after start the pod journal never
# reaches /var/log/journal, where rkt api-service reads logs, and `kubectl logs` is empty. A drop-in
# is not copied, so the fix is in that very file: the package's file is diverted (systemd upgrades
# land in the .distrib copy) and the unit is rebuilt from it with the flush. bash in the line, not
# sh: a stage1-host pod's root has /bin/bash (and its builtin kill) but no /bin/sh.
# Usage: rktnetes-journald-flush [--check]. Prints "changed" when it diverted or rewrote the unit
# (with --check: when it would); idempotent, so one run per host and playbook run.
set -eu
unit=/lib/systemd/system/systemd-journald.service
distrib=$unit.distrib
check=${1:-}
if [ ! -e "$distrib" ]; then
    if [ "$check" = --check ]; then
        echo changed
        exit 0
    fi
    dpkg-divert --package rktnetes --add --rename --divert "$distrib" "$unit" >/dev/null
fi
wanted=$(mktemp "$unit.rktnetes.XXXXXX")
trap 'rm -f "$wanted"' EXIT
# shellcheck disable=SC2016 # $MAINPID is for systemd, not this shell
sed '/^\[Service\]$/a ExecStartPost=-/bin/bash -c "kill -USR1 $MAINPID"' "$distrib" >"$wanted"
if cmp -s "$wanted" "$unit"; then
    exit 0
fi
echo changed
if [ "$check" != --check ]; then
    chmod 0644 "$wanted"
    mv -f "$wanted" "$unit"
fi

#!/usr/bin/env bash
# molecule test -s NAME, unless the scenario lists artifacts (molecule/NAME/requires-artifacts.txt,
# paths in the mirror layout of docs/artifacts.md) that RKTNETES_ARTIFACTS_DIR does not hold:
# then it says which and where, and exits 77 (skipped).
set -euo pipefail
name=$1
requires=molecule/$name/requires-artifacts.txt
dir=${RKTNETES_ARTIFACTS_DIR:-/var/cache/rktnetes/artifacts}
# Where the directory exists every scenario's lab mirror includes it (rkt tests run only then).
[ ! -d "$dir" ] || export RKTNETES_ARTIFACTS_DIR=$dir
if [ -f "$requires" ]; then
    missing=()
    while read -r path; do
        [ -z "$path" ] || [ "${path#\#}" != "$path" ] || [ -f "$dir/$path" ] || missing+=("$path")
    done < "$requires"
    if [ ${#missing[@]} -gt 0 ]; then
        echo "needs ${missing[*]} in RKTNETES_ARTIFACTS_DIR=$dir (no registry here has them; docs/artifacts.md)"
        exit 77
    fi
    export RKTNETES_ARTIFACTS_DIR=$dir
fi
# The cluster scenario deploys the older of two Kubernetes builds when both are there, and upgrades.
if [ -f "$dir/kubernetes/v1.10.4-local/kubernetes-server-linux-amd64.tar.gz" ]; then
    export RKTNETES_LAB_KUBERNETES_FROM=v1.10.4-local
fi
exec molecule test -s "$name"

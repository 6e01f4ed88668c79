#!/usr/bin/env bash
# Installs the Debian packages tests/host-deps.txt lists (idempotent: apt runs only for what is
# missing). Needs root.
#   tests/host-deps.sh           install what is missing
#   tests/host-deps.sh --check   install nothing; name each missing command and its package, exit 1
set -euo pipefail
list=$(dirname "$0")/host-deps.txt
packages=() missing=() absent=()
while read -r package commands _who; do
    packages+=("$package")
    [ "$commands" = - ] && continue
    for command in ${commands//,/ }; do
        command -v "$command" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$command" >/dev/null 2>&1 ||
            absent+=("$command (package $package)")
    done
done < <(grep -v '^#' "$list" | grep -v '^[[:space:]]*$')
if [ "${1:-}" = --check ]; then
    [ ${#absent[@]} -eq 0 ] && exit 0
    echo "host-deps: missing commands: ${absent[*]}; run tests/host-deps.sh as root (or make deps), or apt-get install those packages" >&2
    exit 1
fi
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "host-deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "host-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

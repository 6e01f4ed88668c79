#!/usr/bin/env bash
# Install the Debian packages this machine needs to run the lab and the tests (idempotent: runs
# apt only for what is missing). Needs root.
set -euo pipefail
packages=(systemd-container debootstrap iproute2 iptables openssh-client procps gpg gpgv
          shellcheck rsync python3-venv xz-utils bzip2
          containernetworking-plugins    # real CNI plugins copied into lab hosts by tests
          docker-registry skopeo)        # molecule/cluster: an image registry on the lab bridge
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "host-deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "host-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

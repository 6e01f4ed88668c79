#!/usr/bin/env bash
# Build the lab's artifact mirror from what this machine can really get: etcd from Debian's
# etcd-server/etcd-client packages and the CNI plugins from containernetworking-plugins, repacked
# in the upstream release layout under version labels of their own (<upstream>-debian), with a
# SHA256SUMS that the lab inventory names explicitly (the artifacts table pins upstream builds only).
# Kubernetes and rkt are not in any registry here: files under $RKTNETES_ARTIFACTS_DIR, laid out as
# the mirror (docs/artifacts.md), are linked in and checked against the pinned table by the role.
#
# usage: build-mirror.sh [MIRROR_DIR]      (default $LAB_DIR/mirror)
# Rebuilds only when the Debian package versions or RKTNETES_ARTIFACTS_DIR's listing change.
set -euo pipefail
lab_dir=${LAB_DIR:-/var/tmp/rktnetes-lab}
mirror=${1:-$lab_dir/mirror}
arch=$(dpkg --print-architecture)      # Debian and Go name amd64/arm64 alike
packages=(etcd-server etcd-client containernetworking-plugins)

candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
stamp_text() {
    for p in "${packages[@]}"; do echo "$p $(candidate "$p")"; done
    if [ -n "${RKTNETES_ARTIFACTS_DIR:-}" ] && [ -d "$RKTNETES_ARTIFACTS_DIR" ]; then
        (cd "$RKTNETES_ARTIFACTS_DIR" && find . -type f -printf '%P %s %T@\n' | sort)
    fi
    sha256sum "$0" | cut -d' ' -f1
}
stamp=$(stamp_text)
if [ -f "$mirror/.built-from" ] && [ "$(cat "$mirror/.built-from")" = "$stamp" ]; then
    echo "mirror: up to date at $mirror"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${packages[@]}" >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
upstream() { candidate "$1" | sed -E 's/^[0-9]+://; s/[-+~].*$//'; }   # 3.4.23-4+b4 -> 3.4.23
etcd_version="$(upstream etcd-server)-debian"
cni_version="$(upstream containernetworking-plugins)-debian"

# Same bytes for the same input: sorted names, fixed times and owners, gzip without a timestamp.
pack() {   # pack OUT DIR MEMBER...
    local out=$1 dir=$2; shift 2
    mkdir -p "$(dirname "$out")"
    tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$@" | gzip -n > "$out.tmp"
    mv "$out.tmp" "$out"
}
new="$mirror.new"
rm -rf "$new" && mkdir -p "$new"

etcd_top="etcd-v$etcd_version-linux-$arch"
mkdir -p "$work/etcd/$etcd_top"
cp "$work/root/usr/bin/etcd" "$work/root/usr/bin/etcdctl" "$work/etcd/$etcd_top/"
pack "$new/etcd/v$etcd_version/$etcd_top.tar.gz" "$work/etcd" "$etcd_top"

mkdir -p "$work/cni"
cp "$work"/root/usr/lib/cni/* "$work/cni/"
(cd "$work/cni" && pack "$new/cni-plugins/v$cni_version/cni-plugins-linux-$arch-v$cni_version.tgz" . .)

if [ -n "${RKTNETES_ARTIFACTS_DIR:-}" ]; then
    [ -d "$RKTNETES_ARTIFACTS_DIR" ] || { echo "mirror: RKTNETES_ARTIFACTS_DIR=$RKTNETES_ARTIFACTS_DIR is not a directory" >&2; exit 1; }
    (cd "$RKTNETES_ARTIFACTS_DIR" && { find kubernetes rkt images -type f 2>/dev/null || true; }) | while read -r file; do
        mkdir -p "$new/$(dirname "$file")"
        ln "$RKTNETES_ARTIFACTS_DIR/$file" "$new/$file" 2>/dev/null || cp "$RKTNETES_ARTIFACTS_DIR/$file" "$new/$file"
    done
fi

(cd "$new" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs -r sha256sum) > "$new/SHA256SUMS"
cat > "$new/versions.env" <<VERSIONS
# Version labels of the Debian-built artifacts in this mirror (the lab inventory reads them).
etcd=$etcd_version
cni_plugins=$cni_version
VERSIONS
printf '%s\n' "$stamp" > "$new/.built-from"
rm -rf "$mirror" && mv "$new" "$mirror"
echo "mirror: built $mirror (etcd $etcd_version, CNI plugins $cni_version$([ -n "${RKTNETES_ARTIFACTS_DIR:-}" ] && echo ", plus $RKTNETES_ARTIFACTS_DIR"))"

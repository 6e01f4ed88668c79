#!/usr/bin/env bash
# Regenerates tests/flags/data/ (the --help output the flag tests check rendered command lines
# against) from the real binaries in RKTNETES_ARTIFACTS_DIR (docs/artifacts.md layout):
#   tests/flags/regenerate.sh [KUBERNETES_LABEL] [RKT_LABEL]     (default v1.10.5-local 1.30.0-local)
# The output is written under tests/flags/data/kubernetes-<version>/ and rkt-<version>/, with a
# SOURCE file saying which binaries produced it. Commit the result.
set -euo pipefail
cd "$(dirname "$0")"
artifacts=${RKTNETES_ARTIFACTS_DIR:-/var/cache/rktnetes/artifacts}
k8s_label=${1:-v1.10.5-local}
rkt_label=${2:-1.30.0-local}
k8s_tar=$artifacts/kubernetes/$k8s_label/kubernetes-server-linux-amd64.tar.gz
rkt_tar=$artifacts/rkt/v$rkt_label/rkt-v$rkt_label.tar.gz
for f in "$k8s_tar" "$rkt_tar"; do
    [ -f "$f" ] || { echo "regenerate: $f is missing (build it: docs/artifacts.md)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$k8s_tar" -C "$work" kubernetes/server/bin
tar -xzf "$rkt_tar" -C "$work" "rkt-v$rkt_label/rkt"
k8s_out=data/kubernetes-${k8s_label%-local}
rkt_out=data/rkt-v${rkt_label%-local}
rm -rf "$k8s_out" "$rkt_out"
mkdir -p "$k8s_out" "$rkt_out"
for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    # v1.10 binaries print --help on stderr or stdout depending on the command; keep both.
    "$work/kubernetes/server/bin/$bin" --help > "$k8s_out/$bin.txt" 2>&1 || true
done
# kubectl lists its global flags apart, under `kubectl options`.
{ echo; echo "=== kubectl options ==="; "$work/kubernetes/server/bin/kubectl" options 2>&1 || true; } >> "$k8s_out/kubectl.txt"
rkt=$work/rkt-v$rkt_label/rkt
"$rkt" help > "$rkt_out/rkt.txt" 2>&1 || true
for sub in run api-service gc prepare run-prepared; do
    "$rkt" help "$sub" > "$rkt_out/rkt-$sub.txt" 2>&1 || true
done
{
    echo "--help output of the Kubernetes $k8s_label and rkt $rkt_label binaries, written by"
    echo "tests/flags/regenerate.sh from $k8s_tar"
    echo "(sha256 $(sha256sum "$k8s_tar" | cut -d' ' -f1)) and $rkt_tar"
    echo "(sha256 $(sha256sum "$rkt_tar" | cut -d' ' -f1)) on $(date -u +%Y-%m-%d)."
} > data/SOURCE
echo "regenerate: wrote $k8s_out and $rkt_out"

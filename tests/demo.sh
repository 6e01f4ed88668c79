#!/usr/bin/env bash
# `make demo`: bring up the lab's three hosts and run playbooks/site.yml on them, then verify.yml.
# Kubernetes and rkt come from RKTNETES_ARTIFACTS_DIR (default /var/cache/rktnetes/artifacts) when
# it holds them; self-built ones (their labels in tests/lab/self-built.yml, docs/artifacts.md)
# get their stage1 signed by a key of the lab, and an image registry on the lab bridge serves the
# image verify.yml runs.
set -euo pipefail
cd "$(dirname "$0")/.."
lab_dir=${LAB_DIR:-/var/tmp/rktnetes-lab}
artifacts=${RKTNETES_ARTIFACTS_DIR:-/var/cache/rktnetes/artifacts}
[ ! -d "$artifacts" ] || export RKTNETES_ARTIFACTS_DIR=$artifacts
tests/lab/mirror/build-mirror.sh
tests/lab/labctl up
tests/lab/labctl wait
start=$SECONDS
mirror=$lab_dir/mirror
self_built=tests/lab/self-built.yml
label() { sed -n "s/^$1: //p" "$self_built"; }
kubernetes=$(label rktnetes_kubernetes_version)
rkt=$(label rktnetes_rkt_version)
coredns=$(label rktnetes_coredns_version)
extra=()
if [ -f "$mirror/kubernetes/$kubernetes/kubernetes-server-linux-amd64.tar.gz" ] &&
   [ -f "$mirror/rkt/v$rkt/stage1-host-$rkt-linux-amd64.aci" ]; then
    python3 tests/lab/rkt_fixtures.py "$mirror" "$lab_dir/demo-rkt" "$rkt"
    # The registry also serves the mirror's images (CoreDNS: lab hosts reach no other registry),
    # and the lab's upstream DNS server answers what CoreDNS forwards.
    image=$(python3 tests/lab/registry.py start "$lab_dir/registry" 10.200.0.1 5443 "$mirror/images")
    python3 tests/lab/dns.py start "$lab_dir/dns" 10.200.0.1
    { echo "# Written by tests/demo.sh: the self-built Kubernetes and rkt of RKTNETES_ARTIFACTS_DIR."
      grep -v -e '^#' -e '^---' -e '^rktnetes_coredns_version:' "$self_built"; } > "$lab_dir/demo-vars.yml"
    cat >> "$lab_dir/demo-vars.yml" <<EOV
rkt_stage1_key:
  prefix: coreos.com/rkt
  fingerprint: $(cat "$lab_dir/demo-rkt/mirror-key.fpr")
  artifact: rkt_mirror_signing_key
  file: mirror-signing-key.asc
rkt_stage1_accept_expired_key: false
rkt_registry_ca_certificates: [$lab_dir/registry/ca.crt]
rktnetes_verify_image: $image
rktnetes_image_registry: 10.200.0.1:5443
EOV
    # The self-built CoreDNS, when RKTNETES_ARTIFACTS_DIR has it (docs/artifacts.md).
    [ ! -f "$mirror/images/coredns/$coredns/manifest.json" ] || echo "rktnetes_coredns_version: $coredns" >> "$lab_dir/demo-vars.yml"
    extra=(-e "@$lab_dir/demo-vars.yml")
fi
missing=$(mktemp)
trap 'rm -f "$missing"' EXIT
ansible-playbook -i inventories/lab/hosts.yml playbooks/artifacts.yml "${extra[@]}" -e "artifacts_missing_out=$missing" >/dev/null 2>&1 || true
if ! ansible-playbook -i inventories/lab/hosts.yml playbooks/site.yml "${extra[@]}"; then
    if [ -s "$missing" ]; then
        {
            echo
            echo "Demo stopped: the lab mirror $mirror lacks these artifacts:"
            sed 's/^/  /' "$missing"
            echo "Kubernetes and rkt are in no registry this machine reaches: put those files, in that layout,"
            echo "in a directory, set RKTNETES_ARTIFACTS_DIR to it and run make demo again (docs/artifacts.md)."
        } >&2
    fi
    exit 1
fi
deployed=$((SECONDS - start))
ansible-playbook -i inventories/lab/hosts.yml playbooks/verify.yml "${extra[@]}" | sed -n '/TASK \[Summary\]/,/PLAY RECAP/p'
cat <<EOT

Demo: site.yml ran on the lab in ${deployed} s; verify.yml's summary is above.
  use it:       tests/lab/labctl ssh node1 kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig get nodes
                (or any kubectl v1.10 here: kubectl --kubeconfig inventories/lab/pki/admin.kubeconfig get nodes)
  lab hosts:    tests/lab/labctl status      (ssh: tests/lab/labctl ssh node1)
  tear it down: make lab-down
EOT

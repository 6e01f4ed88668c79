#!/usr/bin/env bash
# `make demo`: bring up the lab's three hosts and run playbooks/site.yml on them.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/lab/mirror/build-mirror.sh
tests/lab/labctl up
tests/lab/labctl wait
start=$SECONDS
ansible-playbook -i inventories/lab playbooks/site.yml
cat <<EOT

Demo: site.yml ran on the lab in $((SECONDS - start)) s.
  lab hosts:    tests/lab/labctl status      (ssh: tests/lab/labctl ssh node1)
  tear it down: make lab-down
EOT

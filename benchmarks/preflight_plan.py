"""Benchmark (not a test): controller-side preflight + subnet planning for generated inventories.

Runs the role's planning tasks alone (roles/preflight/tasks/plan.yml through ansible-playbook, no
host contacted) for 100 and 1,000 nodes and prints the wall time of each and their ratio. It is
not what a user runs: benchmarks/preflight_inventory.py times the real playbooks/preflight.yml.
Usage: .venv/bin/python benchmarks/preflight_plan.py   (from the repository root)
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOK = """
- name: Controller-side preflight only
  hosts: all
  gather_facts: false
  tasks:
    - name: Resolve the artifacts table, as preflight does first (once, not per host)
      run_once: true
      ansible.builtin.include_role:
        name: rktnetes.cluster.artifacts
        tasks_from: plan
      vars:
        artifacts_names: null
        artifacts_arches: [amd64]
    - name: Plan and check
      ansible.builtin.import_role:
        name: rktnetes.cluster.preflight
        tasks_from: plan
"""


def inventory(nodes):
    hosts = {
        # outside the cluster and service CIDRs (10.0.0.0/12, 10.96.0.0/12), which preflight checks
        f"node{i:04d}": {"ansible_host": f"172.20.{i // 250}.{i % 250 + 1}"}
        for i in range(nodes)
    }
    names = list(hosts)
    return {
        "all": {
            "hosts": hosts,
            "vars": {"ansible_connection": "local", "rktnetes_cluster_cidr": "10.0.0.0/12"},
            "children": {
                "etcd": {"hosts": dict.fromkeys(names[:3])},
                "control_plane": {"hosts": dict.fromkeys(names[:3])},
                "nodes": {"hosts": dict.fromkeys(names)},
            },
        }
    }


def timed(nodes, work):
    inv = Path(work, f"inv{nodes}.yml")
    inv.write_text(yaml.safe_dump(inventory(nodes)))
    play = Path(work, "play.yml")
    play.write_text(PLAYBOOK)
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    start = time.monotonic()
    command = ["ansible-playbook", "-i", str(inv), str(play)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(result.stdout[-2000:])
    return elapsed


def main():
    with tempfile.TemporaryDirectory() as work:
        small, large = timed(100, work), timed(1000, work)
    print(f"preflight (controller side) 100 nodes: {small:.2f} s")
    print(f"preflight (controller side) 1000 nodes: {large:.2f} s (target <= 10 s)")
    print(f"growth 100 -> 1000 nodes: {large / small:.2f}x")


if __name__ == "__main__":
    main()

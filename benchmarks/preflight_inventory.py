"""Benchmark (not a test): the real playbooks/preflight.yml, controller part, for generated inventories.

Runs `ansible-playbook playbooks/preflight.yml --skip-tags preflight_hosts` as a user would to
check an inventory and its settings without contacting any host (docs/performance.md), against
a generated inventory of 3 etcd/control-plane hosts and N nodes at private addresses that
nothing answers on, and prints the wall time of each size, the growth per node and, from the
ansible.posix.profile_tasks callback, the slowest tasks. The CPU time (ansible-playbook and its
workers) is printed too: on a busy machine it moves less than the wall time.
Usage: .venv/bin/python benchmarks/preflight_inventory.py [N ...]   (from the repository root;
default 1000 5000)
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {1000: 10, 5000: 50}  # issue 21
# the virtualenv's ansible-playbook when run by its python, else the one on PATH
PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")
COMMAND = [
    str(PLAYBOOK_BIN) if PLAYBOOK_BIN.exists() else "ansible-playbook",
    "playbooks/preflight.yml",
    "--skip-tags",
    "preflight_hosts",
]
# profile_tasks' recap lines: "Role : task name ---- 1.23s"
PROFILE_LINE = re.compile(r"^(?P<task>.+?) -{2,} (?P<seconds>\d+\.\d+)s$")


def inventory(nodes):
    """3 etcd members that are also the control plane, and `nodes` nodes, 250 to a /24 of 172.20.0.0/16.

    Not the lab's 10.200.0.0/24: these addresses must lead nowhere, no host is to be contacted.
    """
    control = {f"cp{i}": {"ansible_host": f"172.19.0.{i + 10}"} for i in range(3)}
    workers = {f"node{i:05d}": {"ansible_host": f"172.20.{i // 250}.{i % 250 + 1}"} for i in range(nodes)}
    return {
        "all": {
            # the default /16 holds 256 pod subnets of /24; a /10 holds 16,384
            "vars": {"rktnetes_cluster_cidr": "10.0.0.0/10"},
            "children": {
                "etcd": {"hosts": control},
                "control_plane": {"hosts": dict.fromkeys(control)},
                "nodes": {"hosts": workers},
            },
        }
    }


def run(nodes, work):
    inv = Path(work, f"inventory-{nodes}.yml")
    inv.write_text(yaml.safe_dump(inventory(nodes)))
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
        "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "8",
        "PROFILE_TASKS_SORT_ORDER": "descending",
    }
    command = [*COMMAND, "-i", str(inv)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    recap = result.stdout.split("PLAY RECAP", 1)[-1]
    slowest = [m.groupdict() for m in map(PROFILE_LINE.match, recap.splitlines()) if m]
    return elapsed, cpu, slowest, command


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nodes", nargs="*", type=int, default=[1000, 5000], help="inventory sizes (nodes)")
    sizes = parser.parse_args().nodes
    figures = {}
    with tempfile.TemporaryDirectory() as work:
        for nodes in sizes:
            elapsed, cpu, slowest, command = run(nodes, work)
            figures[nodes] = elapsed
            target = f" (target <= {TARGETS_S[nodes]} s)" if nodes in TARGETS_S else ""
            print(f"{nodes} nodes (+3 etcd/control plane): {elapsed:.1f} s wall{target}, {cpu:.1f} s CPU")
            print(f"  command: ansible-playbook {' '.join(command[1:-2])} -i <generated inventory>")
            for row in slowest:
                print(f"  {row['seconds']:>8} s  {row['task']}")
    if len(figures) > 1:
        (small, t_small), (large, t_large) = min(figures.items()), max(figures.items())
        print(f"growth {small} -> {large} nodes: {t_large / t_small:.2f}x for {large / small:.2f}x the nodes")


if __name__ == "__main__":
    main()

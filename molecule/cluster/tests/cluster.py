"""What the cluster scenario's steps share: the lab hosts, kubectl on a control-plane host, the
collection's playbooks run as an operator runs them (their task results read from the JSON
callback), labctl, and waiting for what is asynchronous by nature."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import testinfra
import testinfra.utils.ansible_runner
import yaml

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY)
ROOT = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
# The labels of the lab's own builds (a label is its release with a suffix: <release>-local)
SELF_BUILT = yaml.safe_load((ROOT / "tests" / "lab" / "self-built.yml").read_text())
sys.path.insert(0, str(ROOT / "molecule" / "_shared"))
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
PKI = EPHEMERAL / "pki"
CONTROL_PLANE = sorted(RUNNER.get_hosts("control_plane"))
NODES = sorted(RUNNER.get_hosts("nodes"))
ALL = sorted(set(CONTROL_PLANE + NODES + RUNNER.get_hosts("etcd")))
ADDRESS = {f"cluster-{n}": f"10.200.0.8{n}" for n in range(1, 6)}
KUBECTL = "/usr/local/bin/kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig"
ETCDCTL = "set -a; . /etc/etcd/etcdctl.env; set +a; /usr/local/bin/etcdctl"


def host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}", sudo=True)


def kubectl(args, via="cluster-2", stdin=None):
    """kubectl on a control-plane host (cluster-2 by default: the tests stop cluster-1)."""
    command = f"{KUBECTL} {args}"
    if stdin is not None:
        command = f"{command} <<'EOF'\n{stdin}\nEOF"
    return host(via).run(command)


def eventually(run, ok, seconds=60, pause=1):
    """run() until ok(result) or `seconds` pass; the last result either way."""
    deadline = time.monotonic() + seconds
    result = run()
    while not ok(result) and time.monotonic() < deadline:
        time.sleep(pause)
        result = run()
    return result


class Run:
    """One ansible-playbook run: return code, output, and the tasks that changed something."""

    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.changed = {}  # task name -> hosts it changed
        self.failures = []
        try:
            plays = json.loads(completed.stdout)["plays"]
        except ValueError:
            plays = []
        for play in plays:
            for task in play["tasks"]:
                title = task["task"]["name"].split(" : ", 1)[-1]  # without the "<role> : " prefix
                for name, outcome in task["hosts"].items():
                    if outcome.get("changed"):
                        self.changed.setdefault(title, []).append(name)
                    if outcome.get("failed") or outcome.get("unreachable"):
                        self.failures.append(f"{title} on {name}: {outcome.get('msg', '')}")

    @property
    def text(self):
        """The output as one line (messages wrap in the JSON)."""
        return " ".join((self.stdout + self.stderr).split())

    def changed_on(self, hosts):
        return {task: names for task, names in self.changed.items() if set(names) & set(hosts)}

    @property
    def failed_checks(self):
        """verify.yml's "FAIL name: detail" lines, which the JSON tail of a long run leaves out."""
        return sorted({line.strip().strip("\"',") for line in self.stdout.splitlines() if "FAIL " in line})

    def __repr__(self):
        return (
            f"rc={self.rc} changed={self.changed} failures={self.failures} failed checks={self.failed_checks}"
            f" tail={self.stdout[-2000:]}"
        )


def playbook(name, *extra, check=False, env=None):
    command = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "playbooks" / name)]
    for item in extra:
        command += ["-e", item]
    if check:
        command.append("--check")
    environment = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", **(env or {}))
    return Run(subprocess.run(command, capture_output=True, text=True, check=False, env=environment))


def labctl(*args):
    result = subprocess.run(
        [str(ROOT / "tests" / "lab" / "labctl"), *args], capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def nodes_ready(via="cluster-2"):
    """{node: Ready status} as the API server has it."""
    ready = '{.status.conditions[?(@.type=="Ready")].status}'
    out = kubectl(f"get nodes -o jsonpath='{{range .items[*]}}{{.metadata.name}}={ready} {{end}}'", via).stdout
    return dict(item.split("=", 1) for item in out.split())


def pods(namespace, selector, via="cluster-2"):
    """[(name, phase, node, ip)] of the pods matching `selector`."""
    out = kubectl(
        f"-n {namespace} get pods -l {selector} -o jsonpath="
        "'{range .items[*]}{.metadata.name}={.status.phase}={.spec.nodeName}={.status.podIP} {end}'",
        via,
    ).stdout
    return [tuple(item.split("=")) for item in out.split()]


def host_files(name, paths="/etc"):
    """Every file under `paths` on a host with its size and mtime: what a run could have changed."""
    return host(name).run(f"find {paths} -xdev -type f -printf '%p %s %T@\\n' | sort").stdout

"""What the node_runtime verify modules share: the lab nodes and the rkt fixtures of prepare.yml."""

import json
import os
import time

import pytest
import testinfra
import testinfra.utils.ansible_runner
import yaml

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY)
NODES = sorted(RUNNER.get_hosts("nodes"))
ADDRESS = {"node-1": "10.200.0.71", "node-2": "10.200.0.72", "node-3": "10.200.0.73"}
FIXTURES = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rkt-fixtures")
SELF_BUILT_FILE = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "lab", "self-built.yml")
with open(SELF_BUILT_FILE, encoding="utf-8") as self_built:
    RKT_VERSION = yaml.safe_load(self_built)["rktnetes_rkt_version"]  # the lab's own rkt build


def node(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}", sudo=True)


def pod_subnet(name):
    return json.loads(node(name).file("/etc/ansible/facts.d/rktnetes.fact").content_string)["pod_subnet"]


def need_rkt():
    if not os.path.isfile(os.path.join(FIXTURES, "mirror-key.fpr")):
        pytest.skip(
            "rkt is not available here: put a self-built rkt in RKTNETES_ARTIFACTS_DIR "
            f"(rkt/v{RKT_VERSION}/, docs/artifacts.md) to run the rkt tests"
        )


def upload(host, local, remote):
    result = host.ansible("ansible.builtin.copy", f"src={local} dest={remote} mode=0644", check=False, become=True)
    assert "dest" in result, result


def upload_busybox(host, remote, signature="busybox.aci.asc"):
    """The test ACI at `remote`, with the fixture signature `signature` as `remote`.asc next to it."""
    upload(host, os.path.join(FIXTURES, "busybox.aci"), remote)
    upload(host, os.path.join(FIXTURES, signature), f"{remote}.asc")


def eventually(run, ok, seconds=30):
    """run() until ok(result) or `seconds` pass; the last result either way. For what is asynchronous
    by nature (a pod journal's flush, the first packet to a new neighbour), not for speed limits."""
    deadline = time.monotonic() + seconds
    result = run()
    while not ok(result) and time.monotonic() < deadline:
        time.sleep(1)
        result = run()
    return result

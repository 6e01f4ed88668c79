"""What the node_runtime verify modules share: the lab nodes and the rkt fixtures of prepare.yml."""

import json
import os

import pytest
import testinfra
import testinfra.utils.ansible_runner

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY)
NODES = sorted(RUNNER.get_hosts("nodes"))
ADDRESS = {"node-1": "10.200.0.71", "node-2": "10.200.0.72", "node-3": "10.200.0.73"}
FIXTURES = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rkt-fixtures")


def node(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}", sudo=True)


def pod_subnet(name):
    return json.loads(node(name).file("/etc/ansible/facts.d/rktnetes.fact").content_string)["pod_subnet"]


def need_rkt():
    if not os.path.isfile(os.path.join(FIXTURES, "mirror-key.fpr")):
        pytest.skip(
            "rkt is not available here: put a self-built rkt in RKTNETES_ARTIFACTS_DIR "
            "(rkt/v1.30.0-local/, docs/artifacts.md) to run the rkt tests"
        )


def upload(host, local, remote):
    result = host.ansible("ansible.builtin.copy", f"src={local} dest={remote} mode=0644", check=False, become=True)
    assert "dest" in result, result


def upload_busybox(host, remote, signature="busybox.aci.asc"):
    """The test ACI at `remote`, with the fixture signature `signature` as `remote`.asc next to it."""
    upload(host, os.path.join(FIXTURES, "busybox.aci"), remote)
    upload(host, os.path.join(FIXTURES, signature), f"{remote}.asc")

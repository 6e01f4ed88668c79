"""What scale.yml and remove_node.yml refuse, before any host is contacted: each refusal names
the variable or host and what to do. (Their real runs are steps of molecule/cluster.)"""

from pathlib import Path

import pytest
from playbook_run import ansible_playbook, one_line

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = """
all:
  children:
    etcd: {hosts: {cp1: {}, cp2: {}, w3: {}}}
    control_plane: {hosts: {cp1: {}, cp2: {}}}
    nodes: {hosts: {cp1: {}, w1: {}, w2: {}, w3: {}}}
  vars: {ansible_host: 192.0.2.250}
"""


def run(tmp_path, playbook, *extra, limit=None, inventory_text=INVENTORY):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(inventory_text)
    args = ["-i", inventory, ROOT / "playbooks" / playbook]
    for item in extra:
        args += ["-e", item]
    if limit:
        args += ["--limit", limit]
    result = ansible_playbook(*args, cwd=None, expect_ok=False)
    return result.returncode, one_line(result)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "node: name the nodes to remove"),
        (("node=nope",), "node: nope not in the inventory group nodes"),
        (("node=cp1",), "cp1 runs the control plane: add another control-plane host"),
        (("node=w3",), "w3 is an etcd member"),
        (("node=cp1,w1,w2,w3", "remove_node_confirm=true"), "cp1 runs the control plane"),
        (("node=w1",), "run it with -e remove_node_confirm=true"),
        (("node=w1", "remove_node_confirm=true"), "which --limit would hide from it"),
    ],
)
def test_remove_node_refuses_and_contacts_no_host(tmp_path, extra, message):
    rc, text = run(tmp_path, "remove_node.yml", *extra, limit="w1" if "limit" in message else None)
    assert rc != 0 and message in text and "Nothing was changed" in text, text[-2000:]
    assert "192.0.2.250" not in text  # no host was contacted


def test_remove_node_refuses_to_remove_every_node(tmp_path):
    inventory = INVENTORY.replace(
        "nodes: {hosts: {cp1: {}, w1: {}, w2: {}, w3: {}}}", "nodes: {hosts: {w1: {}, w2: {}}}"
    )
    rc, text = run(tmp_path, "remove_node.yml", "node=w1,w2", "remove_node_confirm=true", inventory_text=inventory)
    assert rc != 0 and "that would remove every node (w1, w2): a cluster needs one" in text, text[-2000:]


@pytest.mark.parametrize(
    ("extra", "limit", "message"),
    [
        ((), None, "scale_nodes: name the nodes to add"),
        (("scale_nodes=w9",), None, "(not in nodes: w9)"),
        (("scale_nodes=w1",), "w1", "which --limit would hide from it"),
    ],
)
def test_scale_refuses_and_contacts_no_host(tmp_path, extra, limit, message):
    rc, text = run(tmp_path, "scale.yml", *extra, limit=limit)
    assert rc != 0 and message in text and "Nothing was changed" in text, text[-2000:]

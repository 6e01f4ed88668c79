"""Every flag the Kubernetes roles render, for the lab and the example inventories, exists in that
binary's --help for v1.10.5 (the flag set of all v1.10): tests/flags/data/, the project's own copy,
written by tests/flags/regenerate.sh from the real binaries (its SOURCE file says which)."""

import json
import re
from pathlib import Path

import pytest
from playbook_run import ansible_playbook

from ansible_collections.rktnetes.cluster.plugins.module_utils.kube_config import flag_names

ROOT = Path(__file__).resolve().parents[2]
FLAGS_DIR = ROOT / "tests" / "flags" / "data" / "kubernetes-v1.10.5"
RKT_FLAGS_DIR = ROOT / "tests" / "flags" / "data" / "rkt-v1.30.0"
BINARY = {
    "kube_apiserver": "kube-apiserver",
    "kube_controller_manager": "kube-controller-manager",
    "kube_scheduler": "kube-scheduler",
    "kubelet": "kubelet",
    "kube_proxy": "kube-proxy",
}


@pytest.fixture(scope="module", params=["lab", "example"])
def rendered(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("flags") / f"{request.param}.json"
    ansible_playbook(
        *("-i", ROOT / "inventories" / request.param, ROOT / "tests" / "flags" / "render.yml"),
        *("-e", f"flags_out={out}", "-e", "ansible_connection=local"),
    )
    return request.param, json.loads(out.read_text())


def test_the_flag_lists_are_there():
    for name in BINARY.values():
        assert (FLAGS_DIR / f"{name}.txt").stat().st_size > 1000, f"{FLAGS_DIR}/{name}.txt (tests/flags/regenerate.sh)"


def test_every_rendered_flag_exists_in_the_binary(rendered):
    inventory, hosts = rendered
    checked = 0
    for host, commands in hosts.items():
        for component, flags in commands.items():
            known = flag_names((FLAGS_DIR / f"{BINARY[component]}.txt").read_text())
            for flag in flags:
                name = flag[2:].split("=", 1)[0]
                assert name in known, f"{inventory}/{host}: {BINARY[component]} has no flag --{name}"
                checked += 1
    components = {component for commands in hosts.values() for component in commands}
    assert components == set(BINARY), f"{inventory}: rendered only {sorted(components)}"
    assert checked > 60


def test_the_kubelet_runs_pods_with_rkt_on_the_cni_network(rendered):
    inventory, hosts = rendered
    kubelets = [commands["kubelet"] for commands in hosts.values() if "kubelet" in commands]
    assert kubelets, inventory
    for flags in kubelets:
        for expected in (
            "--container-runtime=rkt",
            "--network-plugin=cni",
            "--anonymous-auth=false",
            "--rkt-api-endpoint=localhost:15441",
            "--max-pods=110",
            "--read-only-port=0",
        ):
            assert expected in flags, f"{inventory}: {expected} missing"


def test_the_api_server_is_tls_only_with_node_authorization(rendered):
    inventory, hosts = rendered
    for commands in hosts.values():
        if "kube_apiserver" in commands:
            flags = commands["kube_apiserver"]
            assert "--insecure-port=0" in flags and "--authorization-mode=Node,RBAC" in flags, inventory
            assert any(f.startswith("--etcd-servers=https://") for f in flags)
    if inventory == "lab":
        etcd = ",".join(f"https://10.200.0.1{n}:2379" for n in (1, 2, 3))
        assert f"--etcd-servers={etcd}" in hosts["node1"]["kube_apiserver"]
        assert "--advertise-address=10.200.0.11" in hosts["node1"]["kube_apiserver"]
        assert "--node-ip=10.200.0.12" in hosts["node2"]["kubelet"]
        assert "--cluster-dns=10.96.0.10" in hosts["node2"]["kubelet"]


def test_every_rkt_flag_the_units_use_exists_in_rkt():
    """The rkt role's units call `rkt <command> --flag=...`: each flag is in that command's help."""
    checked = 0
    for unit in sorted((ROOT / "roles" / "rkt" / "templates").glob("*.service.j2")):
        for command, flags in re.findall(r"/rkt (\S+)((?: --[a-z-]+=\S+)*)", unit.read_text()):
            known = flag_names((RKT_FLAGS_DIR / f"rkt-{command}.txt").read_text())
            for name in re.findall(r"--([a-z-]+)=", flags):
                assert name in known, f"{unit.name}: rkt {command} has no flag --{name}"
                checked += 1
    assert checked >= 2

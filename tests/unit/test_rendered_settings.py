"""One variable moves every place that uses it (issue #20): the lab inventory rendered with a
non-default API server port, cluster domain, etcd data dir and etcd client port, and once as it is
(tests/flags/settings.yml: command lines, kubeconfig API servers, preflight's API plan, the API
server certificate, CoreDNS's zone, the paths reset removes). No host is contacted.

The defaults these are compared with are read from the roles that define them (the rktnetes role
for rktnetes_*, the etcd role for etcd_*), never written here, and no role or playbook may carry
those values as literals of its own."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from playbook_run import ansible_playbook

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = yaml.safe_load((ROOT / "roles" / "rktnetes" / "defaults" / "main.yml").read_text())
ETCD = yaml.safe_load((ROOT / "roles" / "etcd" / "defaults" / "main.yml").read_text())
CHANGED = {
    "rktnetes_api_server_port": 7443,
    "rktnetes_cluster_domain": "k8s.example",
    "etcd_data_dir": "/srv/etcd-data",
    "etcd_client_port": 12379,
}
DEFAULTS = {
    "rktnetes_api_server_port": CLUSTER["rktnetes_api_server_port"],
    "rktnetes_cluster_domain": CLUSTER["rktnetes_cluster_domain"],
    "etcd_data_dir": ETCD["etcd_data_dir"],
    "etcd_client_port": ETCD["etcd_client_port"],
}


def render(tmp_path, settings):
    """settings.yml on a copy of the lab inventory with `settings` in its group_vars/all (where an
    operator puts them, below extra vars and play vars)."""
    inventory = tmp_path / "inventory"
    shutil.copytree(ROOT / "inventories" / "lab", inventory)
    (inventory / "group_vars" / "all" / "settings.yml").write_text(yaml.safe_dump(settings))
    flags, out = tmp_path / "flags.json", tmp_path / "settings.json"
    ansible_playbook(
        *("-i", inventory, ROOT / "tests" / "flags" / "settings.yml"),
        *("-e", f"flags_out={flags}", "-e", f"settings_out={out}", "-e", "ansible_connection=local"),
    )
    return json.loads(flags.read_text()), json.loads(out.read_text())


@pytest.fixture(scope="module", params=["defaults", "changed"])
def rendered(request, tmp_path_factory):
    values = CHANGED if request.param == "changed" else {}
    flags, settings = render(tmp_path_factory.mktemp(request.param), values)
    return {**DEFAULTS, **values}, flags, settings


def flag(flags, name):
    found = [f.split("=", 1)[1] for f in flags if f.startswith(f"--{name}=")]
    assert len(found) == 1, (name, flags)
    return found[0]


def test_the_api_server_port(rendered):
    values, flags, settings = rendered
    port = values["rktnetes_api_server_port"]
    api = settings["plan_api"]
    assert api["port"] == port
    assert flag(flags["node1"]["kube_apiserver"], "secure-port") == str(port)
    # The control-plane host's own components reach their API server on it.
    assert settings["api_servers"]["node1"] == {
        "kube_controller_manager": f"https://127.0.0.1:{port}",
        "kube_scheduler": f"https://127.0.0.1:{port}",
    }
    # The nodes' load balancers send to it; the nodes reach their load balancer on its own port.
    assert api["backends"] == [{"name": "node1", "address": "10.200.0.11", "port": port}]
    assert api["admin_url"] == f"https://10.200.0.11:{port}"
    for node in ("node2", "node3"):
        assert settings["api_servers"][node] == {
            "kubelet": f"https://127.0.0.1:{api['lb_port']}",
            "kube_proxy": f"https://127.0.0.1:{api['lb_port']}",
        }
        assert api["urls"][node] == f"https://127.0.0.1:{api['lb_port']}"


def test_the_cluster_domain(rendered):
    values, flags, settings = rendered
    domain = values["rktnetes_cluster_domain"]
    for node in ("node2", "node3"):
        assert flag(flags[node]["kubelet"], "cluster-domain") == domain
    (apiserver,) = [c for c in settings["certificates"] if c["name"] == "kube-apiserver"]
    assert f"DNS:kubernetes.default.svc.{domain}" in apiserver["sans"]
    assert [s for s in apiserver["sans"] if s.startswith("DNS:kubernetes.default.svc.")] == [
        f"DNS:kubernetes.default.svc.{domain}"
    ]
    assert settings["cluster_dns_domain"] == domain


def test_the_etcd_client_port(rendered):
    values, flags, _settings = rendered
    port = values["etcd_client_port"]
    servers = flag(flags["node1"]["kube_apiserver"], "etcd-servers").split(",")
    assert servers == [f"https://10.200.0.1{n}:{port}" for n in (1, 2, 3)]


def test_reset_removes_the_etcd_data_dir_where_it_is(rendered):
    values, _flags, settings = rendered
    data = values["etcd_data_dir"]
    paths = settings["reset_paths"]
    assert {data, f"{data}-backup", f"{data}-restore.db"} <= set(paths)
    if data != DEFAULTS["etcd_data_dir"]:
        assert not [p for p in paths if p.startswith(DEFAULTS["etcd_data_dir"])], paths


def test_verify_reads_the_cluster_domain_from_the_rktnetes_role():
    (play,) = yaml.safe_load((ROOT / "playbooks" / "verify.yml").read_text())
    assert play["vars"]["verify_domain"] == "{{ rktnetes_cluster_domain }}"
    assert {"role": "rktnetes.cluster.rktnetes"} in [r for r in play["roles"] if isinstance(r, dict)]


# Where each value may be written: the one role that defines it (defaults and its spec). The
# preflight role still defaults rktnetes_* itself (issue #20: moved once its checks settle).
LITERALS = {
    r"\b6443\b": {"roles/rktnetes/"},
    r"\b2379\b": {"roles/etcd/defaults/", "roles/etcd/meta/"},
    r"\bcluster\.local\b": {"roles/rktnetes/"},
    r"/var/lib/etcd\b": {"roles/etcd/defaults/", "roles/etcd/meta/"},
}


@pytest.mark.parametrize("pattern", sorted(LITERALS))
def test_no_role_or_playbook_repeats_a_default(pattern):
    found = []
    for path in sorted([*(ROOT / "roles").rglob("*"), *(ROOT / "playbooks").rglob("*")]):
        relative = path.relative_to(ROOT).as_posix()
        if not path.is_file() or path.name == "README.md" or relative.startswith(tuple(LITERALS[pattern])):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "\n".join(found)

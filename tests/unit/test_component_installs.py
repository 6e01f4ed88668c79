"""component_installs and install_keys: a play's Kubernetes component roles get their binaries in
one artifacts run (kube_component), and the run remembers what it installed, by version."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.filter.kube import component_installs, install_keys, install_paths

ROOT = Path(__file__).resolve().parents[2]
BINARIES = yaml.safe_load((ROOT / "roles" / "kube_component" / "vars" / "main.yml").read_text())[
    "kube_component_role_binaries"
]


def test_the_control_plane_roles_share_one_entry_and_the_api_server_brings_kubectl():
    roles = ["kube_apiserver", "kube_controller_manager", "kube_scheduler"]
    assert component_installs(roles, BINARIES, ["/usr/local/bin"] * 3) == [
        {
            "artifact": "kubernetes",
            "files": ["kube-apiserver", "kubectl", "kube-controller-manager", "kube-scheduler"],
            "dest": "/usr/local/bin",
        }
    ]


def test_roles_with_their_own_bin_dirs_get_an_entry_each_and_a_file_is_listed_once():
    installs = component_installs(
        ["kubelet", "kube_proxy", "kubelet"], BINARIES, ["/opt/k8s", "/usr/local/bin", "/opt/k8s"]
    )
    assert installs == [
        {"artifact": "kubernetes", "files": ["kubelet"], "dest": "/opt/k8s"},
        {"artifact": "kubernetes", "files": ["kube-proxy"], "dest": "/usr/local/bin"},
    ]
    assert install_keys(installs, "v1.10.5") == ["v1.10.5 /opt/k8s/kubelet", "v1.10.5 /usr/local/bin/kube-proxy"]
    assert install_paths(installs) == ["/opt/k8s/kubelet", "/usr/local/bin/kube-proxy"]


def test_every_component_role_is_in_the_table():
    assert sorted(BINARIES) == sorted(
        path.parent.parent.name
        for path in (ROOT / "roles").glob("*/tasks/main.yml")
        if "kube_component_name:" in path.read_text()
    )


@pytest.mark.parametrize(
    ("roles", "bin_dirs"),
    [(["etcd"], ["/usr/local/bin"]), (["kubelet"], ["bin"]), (["kubelet"], []), ("kubelet", ["/usr/local/bin"])],
)
def test_an_unknown_role_a_relative_dir_or_unmatched_lists_are_refused(roles, bin_dirs):
    with pytest.raises(AnsibleFilterError, match="component_installs"):
        component_installs(roles, BINARIES, bin_dirs)

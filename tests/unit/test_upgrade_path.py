"""Which hosts an upgrade touches and what it refuses (module_utils/upgrade_path.py)."""

from ansible_collections.rktnetes.cluster.plugins.filter.upgrade import upgrade_plan, version_refusals

GROUPS = {"etcd": ["cp1", "cp2"], "control_plane": ["cp1", "cp2"], "nodes": ["w1", "w2"]}
CP_OLD = "Kubernetes v1.10.4\netcd Version: 3.4.23\nGit SHA: Not provided\n"
CP_NEW = "Kubernetes v1.10.5\netcd Version: 3.4.23\n"
NODE_OLD, NODE_NEW = "Kubernetes v1.10.4\n", "Kubernetes v1.10.5\n"
WANTED = {"kubernetes": "v1.10.5-local", "etcd": "3.4.23-debian", "rkt": "1.30.0-local"}


def test_only_the_hosts_running_another_version_are_touched():
    outputs = {"cp1": CP_NEW, "cp2": CP_OLD, "w1": NODE_NEW, "w2": NODE_OLD}
    assert upgrade_plan(outputs, WANTED, GROUPS) == {
        "etcd": [],
        "control_plane": ["cp2"],
        "nodes": ["w2"],
        "problems": [],
    }


def test_an_upgraded_cluster_needs_nothing():
    outputs = {"cp1": CP_NEW, "cp2": CP_NEW, "w1": NODE_NEW, "w2": NODE_NEW}
    assert upgrade_plan(outputs, WANTED, GROUPS) == {"etcd": [], "control_plane": [], "nodes": [], "problems": []}


def test_an_etcd_patch_release_is_an_etcd_phase():
    outputs = {"cp1": CP_NEW, "cp2": CP_NEW, "w1": NODE_NEW, "w2": NODE_NEW}
    assert upgrade_plan(outputs, {**WANTED, "etcd": "3.4.24"}, GROUPS)["etcd"] == ["cp1", "cp2"]


def test_a_downgrade_is_refused_naming_the_variable_the_host_and_both_versions():
    problems = version_refusals(CP_NEW, "cp1", {**WANTED, "kubernetes": "v1.10.4"})
    assert problems == [
        "rktnetes_kubernetes_version v1.10.4 but cp1 runs v1.10.5: that is a downgrade, which the collection never "
        "does (etcd's data and the API objects may not go back); set rktnetes_kubernetes_version to v1.10.5 or newer "
        "(upgrade.yml)"
    ]
    assert "downgrade" in version_refusals(CP_NEW, "cp1", {**WANTED, "etcd": "3.3.9"})[0]


def test_leaving_v1_10_and_a_new_etcd_major_are_refused():
    assert "only v1.10 patch releases" in version_refusals(NODE_OLD, "w1", {**WANTED, "kubernetes": "v1.11.0"})[0]
    assert "migration" in version_refusals(CP_OLD, "cp1", {**WANTED, "etcd": "4.0.0"})[0]


def test_a_host_with_nothing_deployed_is_named():
    outputs = {"cp1": CP_NEW, "cp2": CP_NEW, "w1": NODE_NEW, "w2": ""}
    problems = upgrade_plan(outputs, WANTED, GROUPS)["problems"]
    assert problems == [
        "w2 (nodes) runs no kubernetes yet: deploy it first (site.yml, or scale.yml for a node), then upgrade"
    ]


def test_a_new_host_is_no_refusal_for_preflight():
    assert version_refusals("", "w9", WANTED) == []

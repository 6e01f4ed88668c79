"""Controller-side preflight (plugins/module_utils/preflight_checks.py); the bad-input table that
runs it through Ansible against lab hosts is tests/lab/test_preflight_bad_input.py."""

from ansible_collections.rktnetes.cluster.plugins.module_utils.preflight_checks import check_cluster

GROUPS = {"etcd": ["cp"], "control_plane": ["cp"], "nodes": ["w1", "w2"]}
HOSTS = {"cp": {"node_ip": "192.0.2.1"}, "w1": {"node_ip": "192.0.2.2"}, "w2": {"node_ip": "192.0.2.3"}}
SETTINGS = {
    "kubernetes_version": "v1.10.13",
    "rkt_version": "1.30.0",
    "etcd_version": "3.4.23",
    "cluster_cidr": "10.244.0.0/16",
    "node_cidr_mask_size": 24,
    "service_cidr": "10.96.0.0/12",
    "node_network": "192.0.2.0/24",
    "max_pods": 110,
    "stage1_flavor": "host",
    "fail_swap_on": True,
}


def test_good_cluster_has_no_problem_and_a_plan():
    problems, plan = check_cluster(GROUPS, HOSTS, SETTINGS)
    assert problems == []
    assert plan == {
        "service": {"api": "10.96.0.1", "dns": "10.96.0.10"},
        "service_cidr": "10.96.0.0/12",
        "cluster_cidr": "10.244.0.0/16",
        "max_pods": 110,
        "node_ips": {"cp": "192.0.2.1", "w1": "192.0.2.2", "w2": "192.0.2.3"},
        "pod_subnets": {"w1": "10.244.0.0/24", "w2": "10.244.1.0/24"},
    }


def test_recorded_subnet_is_kept():
    hosts = {**HOSTS, "w2": {"node_ip": "192.0.2.3", "pod_subnet": "10.244.0.0/24"}}
    plan = check_cluster(GROUPS, hosts, SETTINGS)[1]
    assert plan["pod_subnets"] == {"w1": "10.244.1.0/24", "w2": "10.244.0.0/24"}


def test_string_numbers_from_the_inventory_are_accepted():
    problems = check_cluster(GROUPS, HOSTS, {**SETTINGS, "node_cidr_mask_size": "24", "max_pods": "110"})[0]
    assert problems == []


def test_every_problem_is_reported():
    settings = {**SETTINGS, "kubernetes_version": "v1.11.0", "rkt_version": "1.29.0", "stage1_flavor": "kvm"}
    problems = check_cluster({"etcd": [], "control_plane": [], "nodes": []}, HOSTS, settings)[0]
    assert len(problems) == 6


def test_artifact_problems_join_unless_the_variable_is_already_named():
    settings = {
        **SETTINGS,
        "kubernetes_version": "v1.11.0",
        "artifact_problems": [
            "rktnetes_kubernetes_version: no pinned checksum for kubernetes 1.11.0 (linux/amd64)",
            "rktnetes_etcd_version: no pinned checksum for etcd 3.4.23 (linux/amd64)",
        ],
    }
    problems = check_cluster(GROUPS, HOSTS, settings)[0]
    assert [p.split(":")[0] for p in problems] == ["rktnetes_kubernetes_version", "rktnetes_etcd_version"]
    assert "v1.11 is the last" not in problems[0] and "removed in v1.11" in problems[0]


def test_a_mirror_build_label_is_a_supported_etcd_version():
    assert check_cluster(GROUPS, HOSTS, {**SETTINGS, "etcd_version": "3.4.23-debian"})[0] == []
    assert check_cluster(GROUPS, HOSTS, {**SETTINGS, "etcd_version": "3.4.23-"})[0] != []


def test_a_trailing_newline_makes_no_valid_host_name_or_version():
    groups = {"etcd": ["cp\n"], "control_plane": ["cp\n"], "nodes": ["w1"]}
    hosts = {"cp\n": {"node_ip": "192.0.2.1"}, "w1": {"node_ip": "192.0.2.2"}}
    problems, _plan = check_cluster(groups, hosts, dict(SETTINGS, kubernetes_version="v1.10.5\n"))
    assert any(p.startswith("host 'cp\\n': not a valid DNS-1123 name") for p in problems)
    assert any(p.startswith("rktnetes_kubernetes_version:") for p in problems)

"""Controller-side preflight (plugins/module_utils/preflight_checks.py); the bad-input table that
runs it through Ansible against lab hosts is tests/lab/test_preflight_bad_input.py."""

import pytest

from ansible_collections.rktnetes.cluster.plugins.filter import planning
from ansible_collections.rktnetes.cluster.plugins.module_utils.preflight_checks import check_cluster, mirror_problem

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
    "cluster_domain": "cluster.local",
    "cni_plugins_version": "1.1.1",
    "coredns_version": "1.1.3",
    "artifacts_mirror": "",
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
        "api": {
            "port": 6443,
            "lb_port": 6443,
            "external_url": "",
            "backends": [{"name": "cp", "address": "192.0.2.1", "port": 6443}],
            "lb_hosts": ["w1", "w2"],
            "urls": {"cp": "https://127.0.0.1:6443", "w1": "https://127.0.0.1:6443", "w2": "https://127.0.0.1:6443"},
            "admin_url": "https://192.0.2.1:6443",
        },
        "images": {},
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
    problems = check_cluster({"etcd": [], "control_plane": [], "nodes": ["w1"]}, HOSTS, settings)[0]
    assert len(problems) == 5  # etcd, control_plane, the two versions, the stage1 flavor


def test_an_etcd_cluster_alone_is_an_inventory_but_half_a_kubernetes_one_is_not():
    assert check_cluster({"etcd": ["cp"], "control_plane": [], "nodes": []}, HOSTS, SETTINGS)[0] == []
    problems = check_cluster({"etcd": ["cp"], "control_plane": ["cp"], "nodes": []}, HOSTS, SETTINGS)[0]
    assert problems == ["inventory group 'nodes': has no hosts; put at least one host in it"]


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


def test_nodes_reach_every_api_server_through_their_load_balancer_control_planes_their_own():
    groups = {"etcd": ["cp1", "cp2", "cp3"], "control_plane": ["cp1", "cp2", "cp3"], "nodes": ["cp3", "w1"]}
    hosts = {h: {"node_ip": f"192.0.2.{i}"} for i, h in enumerate(["cp1", "cp2", "cp3", "w1"], 1)}
    settings = {**SETTINGS, "api_server_port": "7443", "api_lb_port": 16443}
    problems, plan = check_cluster(groups, hosts, settings)
    assert problems == []
    api = plan["api"]
    assert [b["address"] for b in api["backends"]] == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert {b["port"] for b in api["backends"]} == {7443}
    assert api["lb_hosts"] == ["w1"]  # cp3 runs a kubelet too, against its own API server
    assert api["urls"] == {
        "cp1": "https://127.0.0.1:7443",
        "cp2": "https://127.0.0.1:7443",
        "cp3": "https://127.0.0.1:7443",
        "w1": "https://127.0.0.1:16443",
    }


def test_an_external_load_balancer_replaces_the_local_ones():
    settings = {**SETTINGS, "api_server_url": "https://api.example.com:8443/"}
    api = check_cluster(GROUPS, HOSTS, settings)[1]["api"]
    assert api["lb_hosts"] == [] and set(api["urls"].values()) == {"https://api.example.com:8443"}
    assert api["admin_url"] == "https://api.example.com:8443"


def test_bad_api_settings_name_the_variable():
    settings = {**SETTINGS, "api_server_url": "http://api.example.com/path", "api_lb_port": 70000}
    problems = check_cluster(GROUPS, HOSTS, settings)[0]
    assert [p.split(":")[0] for p in problems] == ["rktnetes_api_lb_port", "rktnetes_api_server_url"]


def test_images_come_by_tag_with_their_digest_from_the_chosen_registry():
    image = {
        "name": "coredns",
        "arch": "amd64",
        "repository": "registry.k8s.io/coredns",
        "version": "1.1.3",
        "checksum": "sha256:" + "ab" * 32,
    }
    plan = check_cluster(GROUPS, HOSTS, {**SETTINGS, "images": [image]})[1]
    assert plan["images"] == {
        "coredns": {"amd64": {"image": "registry.k8s.io/coredns:1.1.3", "digest": "sha256:" + "ab" * 32}}
    }
    mirrored = check_cluster(GROUPS, HOSTS, {**SETTINGS, "images": [image], "image_registry": "10.0.0.5:5443"})[1]
    assert mirrored["images"]["coredns"]["amd64"]["image"] == "10.0.0.5:5443/coredns:1.1.3"
    problems = check_cluster(GROUPS, HOSTS, {**SETTINGS, "image_registry": "https://r.example/x"})[0]
    assert problems[0].startswith("rktnetes_image_registry: 'https://r.example/x' must be a registry's host[:port]")


def problems_of(settings=None, node_ips=None, pod_subnets=None):
    hosts = {host: dict(values) for host, values in HOSTS.items()}
    for host, ip in (node_ips or {}).items():
        hosts[host]["node_ip"] = ip
    for host, subnet in (pod_subnets or {}).items():
        hosts[host]["pod_subnet"] = subnet
    return check_cluster(GROUPS, hosts, {**SETTINGS, **(settings or {})})[0]


# What a Kubernetes v1.10 component would refuse at start-up, or what breaks the cluster's
# addressing: (id, settings, node IPs, the text one problem must contain: variable, value, why).
# Each has its row in the lab's bad-input table too (tests/lab/test_preflight_bad_input.py).
BAD = [
    # kubelet validateNodeIP (pkg/kubelet/kubelet_node_status.go): loopback, multicast,
    # link-local unicast, all zeros; and the limited broadcast address.
    ("node-ip-unspecified", {}, {"w1": "0.0.0.0"}, "rktnetes_node_ip of w1: 0.0.0.0 is the unspecified"),  # noqa: S104
    ("node-ip-loopback", {}, {"w1": "127.0.0.1"}, "rktnetes_node_ip of w1: 127.0.0.1 is a loopback address"),
    ("node-ip-multicast", {}, {"w1": "239.0.0.254"}, "rktnetes_node_ip of w1: 239.0.0.254 is a multicast address"),
    ("node-ip-link-local", {}, {"w1": "169.254.0.7"}, "rktnetes_node_ip of w1: 169.254.0.7 is a link-local address"),
    ("node-ip-broadcast", {}, {"w1": "255.255.255.255"}, "255.255.255.255 is the limited broadcast address"),
    (
        "node-ip-zone",
        {},
        {"w1": "2001:db8::1%eth0"},
        "rktnetes_node_ip of w1: 2001:db8::1%eth0 carries an interface zone",
    ),
    ("node-ip-v4-mapped", {}, {"w1": "::ffff:192.0.2.9"}, "give the IPv4 address 192.0.2.9 itself"),
    ("node-ip-network-address", {}, {"w1": "192.0.2.0"}, "192.0.2.0 is the network address of rktnetes_node_network"),
    ("node-ip-broadcast-address", {}, {"w1": "192.0.2.255"}, "192.0.2.255 is the broadcast address of"),
    (
        "node-ip-in-cluster-cidr",
        {"node_network": ""},
        {"w1": "10.244.9.9"},
        "10.244.9.9 is inside rktnetes_cluster_cidr",
    ),
    (
        "node-ip-in-service-cidr",
        {"node_network": ""},
        {"w1": "10.96.0.50"},
        "10.96.0.50 is inside rktnetes_service_cidr",
    ),
    # One address family: no dual stack in v1.10, and the collection's pod network is IPv4.
    ("node-ip-ipv6", {}, {"w1": "2001:db8::5"}, "2001:db8::5 is an IPv6 address while rktnetes_cluster_cidr"),
    ("service-cidr-ipv6", {}, {}, None),  # filled below (needs the value)
    ("pod-subnet-ipv6", {}, {}, None),
    ("dns-ip-ipv6", {"cluster_dns_ip": "fd00::a"}, {}, "rktnetes_cluster_dns_ip: fd00::a is an IPv6 address"),
    # kube-apiserver validateClusterIPFlags: bits-ones > 20 is "too large".
    ("service-cidr-too-large", {"service_cidr": "10.0.0.0/11"}, {}, "rktnetes_service_cidr: 10.0.0.0/11 is too large"),
    ("service-cidr-v6-too-large", {"service_cidr": "fd00::/107"}, {}, "use a prefix of /108 or longer"),
    # kube-apiserver DefaultServiceIPRange: the kubernetes service is GetIndexedIP(range, 1).
    (
        "api-service-ip-not-first",
        {"api_service_ip": "10.96.0.2"},
        {},
        "rktnetes_api_service_ip: 10.96.0.2 is not the first",
    ),
    ("api-service-ip-not-ip", {"api_service_ip": "first"}, {}, "rktnetes_api_service_ip: 'first' is not an IP address"),
    ("dns-ip-outside", {"cluster_dns_ip": "10.200.0.10"}, {}, "rktnetes_cluster_dns_ip: 10.200.0.10 is not a usable"),
    (
        "dns-ip-broadcast",
        {"cluster_dns_ip": "10.111.255.255"},
        {},
        "rktnetes_cluster_dns_ip: 10.111.255.255 is not a usable",
    ),
    # Networks no address can come from.
    (
        "cluster-cidr-loopback",
        {"cluster_cidr": "127.64.0.0/16"},
        {},
        "rktnetes_cluster_cidr: 127.64.0.0/16 overlaps loopback",
    ),
    ("cluster-cidr-link-local", {"cluster_cidr": "169.254.0.0/16"}, {}, "169.254.0.0/16 overlaps link-local"),
    (
        "service-cidr-multicast",
        {"service_cidr": "224.1.0.0/16"},
        {},
        "rktnetes_service_cidr: 224.1.0.0/16 overlaps multicast",
    ),
    (
        "cluster-cidr-zero",
        {"cluster_cidr": "0.0.0.0/16"},
        {},
        "rktnetes_cluster_cidr: 0.0.0.0/16 overlaps 'this network'",
    ),
    (
        "cidr-without-prefix",
        {"cluster_cidr": "10.244.0.0"},
        {},
        "rktnetes_cluster_cidr: '10.244.0.0' is not a network in CIDR",
    ),
    # kubeadm ValidateNetworking: ValidateDNS1123Subdomain(DNSDomain).
    (
        "domain-upper-case",
        {"cluster_domain": "Cluster.Local"},
        {},
        "rktnetes_cluster_domain: 'Cluster.Local' is not a DNS-1123",
    ),
    (
        "domain-trailing-dot",
        {"cluster_domain": "cluster.local."},
        {},
        "rktnetes_cluster_domain: 'cluster.local.' is not",
    ),
    (
        "domain-underscore",
        {"cluster_domain": "my_cluster.local"},
        {},
        "rktnetes_cluster_domain: 'my_cluster.local' is not",
    ),
    ("domain-long-label", {"cluster_domain": "a" * 64 + ".local"}, {}, "rktnetes_cluster_domain: 'aaaa"),
    ("domain-too-long", {"cluster_domain": ".".join(["a" * 60] * 4)}, {}, "of at most 230 characters"),
    ("domain-empty", {"cluster_domain": ""}, {}, "rktnetes_cluster_domain: must be a DNS domain such as cluster.local"),
    (
        "domain-number",
        {"cluster_domain": 5},
        {},
        "rktnetes_cluster_domain: must be a DNS domain such as cluster.local (got 5)",
    ),
    # Ports the cluster's own components hold, and the NodePort range kube-proxy holds.
    ("api-port-kubelet", {"api_server_port": 10250}, {}, "rktnetes_api_server_port: 10250 is the kubelet's port"),
    ("api-port-etcd", {"api_server_port": "2379"}, {}, "rktnetes_api_server_port: 2379 is etcd's client port"),
    ("lb-port-rkt-api", {"api_lb_port": 15441}, {}, "rktnetes_api_lb_port: 15441 is rkt's API service port"),
    ("lb-port-nodeport", {"api_lb_port": 30000}, {}, "rktnetes_api_lb_port: 30000 is in the NodePort range"),
    ("api-port-nodeport", {"api_server_port": 32767}, {}, "rktnetes_api_server_port: 32767 is in the NodePort range"),
    ("api-port-zero", {"api_server_port": 0}, {}, "rktnetes_api_server_port: 0 is outside 1..65535"),
    (
        "api-url-bracket",
        {"api_server_url": "https://[::1"},
        {},
        "rktnetes_api_server_url: 'https://[::1' is not a valid URL",
    ),
    ("api-url-port-zero", {"api_server_url": "https://api.example:0"}, {}, "has a bad port"),
    ("registry-port", {"image_registry": "r.example:70000"}, {}, "rktnetes_image_registry: 'r.example:70000' must be"),
    # Versions that reach file names: only x.y.z[-label].
    (
        "cni-version-path",
        {"cni_plugins_version": "../1.1.1"},
        {},
        "rktnetes_cni_plugins_version: '../1.1.1' is not a version",
    ),
    ("coredns-version-float", {"coredns_version": 1.2}, {}, "rktnetes_coredns_version: 1.2 is not a version"),
    ("fail-swap-on-word", {"fail_swap_on": "maybe"}, {}, "rktnetes_fail_swap_on: must be true or false (got 'maybe')"),
    # artifacts_mirror: an absolute directory on the controller or an http(s):// URL.
    ("mirror-relative", {"artifacts_mirror": "srv/mirror"}, {}, "artifacts_mirror: 'srv/mirror' is a relative path"),
    (
        "mirror-ftp",
        {"artifacts_mirror": "ftp://m.example/r"},
        {},
        "artifacts_mirror: 'ftp://m.example/r' is a ftp: URL",
    ),
    ("mirror-file-url", {"artifacts_mirror": "file:///srv/r"}, {}, "artifacts_mirror: 'file:///srv/r' is a file: URL"),
    ("mirror-no-host", {"artifacts_mirror": "https:///r"}, {}, "artifacts_mirror: 'https:///r' names no host"),
    ("mirror-query", {"artifacts_mirror": "https://m.example/r?x=1"}, {}, "has a query or fragment"),
    ("mirror-space", {"artifacts_mirror": "/srv/my mirror"}, {}, "contains white space"),
    ("mirror-missing", {"artifacts_mirror": "/nonexistent/rktnetes"}, {}, "'/nonexistent/rktnetes' is not a directory"),
    ("mirror-list", {"artifacts_mirror": ["/srv"]}, {}, "artifacts_mirror: ['/srv'] is not a path or URL"),
]
BAD = [row for row in BAD if row[3]] + [
    (
        "service-cidr-ipv6",
        {"service_cidr": "fd00::/108"},
        {},
        "rktnetes_service_cidr: fd00::/108 is an IPv6 network while",
    ),
    ("pod-subnet-ipv6", {}, {}, "pod subnet of w1: fd00::/24 is an IPv6 network"),
]
POD_SUBNETS = {"pod-subnet-ipv6": {"w1": "fd00::/24"}}


@pytest.mark.parametrize(("settings", "node_ips", "expected"), [r[1:] for r in BAD], ids=[r[0] for r in BAD])
def test_bad_input_is_refused_naming_variable_value_and_fix(request, settings, node_ips, expected):
    problems = problems_of(settings, node_ips, POD_SUBNETS.get(request.node.callspec.id))
    assert any(expected in p for p in problems), problems


def test_each_bad_row_is_refused_only_for_its_own_reason():
    """No row trips another rule by accident: its problems all name the same variable (or host)."""
    for name, settings, node_ips, _expected in BAD:
        problems = problems_of(settings, node_ips, POD_SUBNETS.get(name))
        subjects = {p.split(":", 1)[0] for p in problems}
        assert len(subjects) == 1, (name, problems)


@pytest.mark.parametrize(
    ("settings", "node_ips"),
    [
        ({"service_cidr": "10.0.0.0/12"}, {}),  # the largest the API server takes
        ({"api_service_ip": "10.96.0.1"}, {}),  # the first address, given
        ({"cluster_domain": "k8s.example.com"}, {}),
        ({"cluster_domain": "local"}, {}),
        ({"api_server_port": 443, "api_lb_port": 16443}, {}),
        ({"api_server_port": 29999, "api_lb_port": 32768}, {}),
        ({"fail_swap_on": "false"}, {}),  # -e rktnetes_fail_swap_on=false, an AWX survey answer
        ({"fail_swap_on": "yes"}, {}),
        ({"cni_plugins_version": "1.1.1-debian", "coredns_version": "v1.2.2-local"}, {}),
        ({"cni_plugins_version": None, "coredns_version": None}, {}),  # artifacts_versions without them
        ({"artifacts_mirror": "https://mirror.example/rktnetes/"}, {}),
        ({"artifacts_mirror": "HTTP://10.0.0.5:8080"}, {}),
        ({"node_network": ""}, {"w1": "10.0.0.1"}),  # private, outside both cluster networks
        ({}, {"w1": "192.0.2.254"}),  # the last host address of the node network
    ],
)
def test_good_values_near_the_limits_pass(settings, node_ips):
    assert problems_of(settings, node_ips) == []


def test_the_longest_cluster_domain_leaves_room_for_the_api_server_name():
    assert problems_of({"cluster_domain": "a" * 62 + "." + ".".join(["b" * 55] * 3)}) == []  # 230 characters
    assert len(problems_of({"cluster_domain": "a" * 63 + "." + ".".join(["b" * 55] * 3)})) == 1  # 231


def test_an_existing_mirror_directory_passes(tmp_path):
    assert mirror_problem(str(tmp_path)) is None
    assert problems_of({"artifacts_mirror": str(tmp_path)}) == []
    assert planning.mirror_problem(str(tmp_path)) == ""
    assert planning.mirror_problem("") == ""
    assert planning.mirror_problem("mirror").startswith("artifacts_mirror: 'mirror' is a relative path")


def test_a_cluster_all_in_ipv6_is_refused_as_such_not_as_mixed():
    hosts = {"cp": {"node_ip": "fd00::1"}, "w1": {"node_ip": "fd00::2"}, "w2": {"node_ip": "fd00::3"}}
    settings = {**SETTINGS, "cluster_cidr": "fd01::/112", "service_cidr": "fd02::/112", "node_network": "fd00::/64"}
    problems = check_cluster(GROUPS, hosts, settings)[0]
    assert problems and all("is an IPv6" in p and "while" not in p for p in problems), problems
    assert all("this collection sets up IPv4 clusters only" in p for p in problems)


def test_mixed_families_name_the_ipv4_network_they_differ_from():
    problems = problems_of({"cluster_cidr": "fd01::/112", "node_network": ""})
    assert problems == [
        "rktnetes_cluster_cidr: fd01::/112 is an IPv6 network while rktnetes_service_cidr 10.96.0.0/12 is IPv4: one "
        "cluster must use one address family for its pods, services and nodes. Kubernetes v1.10 has no dual stack, "
        "and this collection sets up IPv4 clusters only (host-gw routes and iptables masquerade in the cni role, "
        "https://<ip>:<port> URLs): use IPv4"
    ]


def test_the_service_cidr_limit_is_the_api_servers_2_to_the_20():
    assert not any("too large" in p for p in problems_of({"service_cidr": "10.0.0.0/12"}))
    assert any("too large" in p for p in problems_of({"service_cidr": "10.0.0.0/11"}))
    assert not any("too large" in p for p in problems_of({"service_cidr": "fd00::/108"}))
    assert any("too large" in p for p in problems_of({"service_cidr": "fd00::/107"}))


def test_a_wrong_api_service_ip_does_not_hide_a_wrong_dns_ip():
    problems = problems_of({"api_service_ip": "10.96.0.3", "cluster_dns_ip": "10.200.0.10"})
    assert [p.split(":")[0] for p in problems] == ["rktnetes_api_service_ip", "rktnetes_cluster_dns_ip"]


def test_a_node_ip_inside_the_cluster_cidr_is_named_once_per_network():
    problems = problems_of({"node_network": ""}, {"w1": "10.244.0.1", "w2": "10.96.0.1"})
    assert problems == [
        "rktnetes_node_ip of w1: 10.244.0.1 is inside rktnetes_cluster_cidr 10.244.0.0/16 (the pods' addresses, which "
        "every node routes to the pod subnets); give the host an address outside it or choose another "
        "rktnetes_cluster_cidr",
        "rktnetes_node_ip of w2: 10.96.0.1 is inside rktnetes_service_cidr 10.96.0.0/12 (the service addresses, whose "
        "traffic kube-proxy rewrites on every node); give the host an address outside it or choose another "
        "rktnetes_service_cidr",
    ]


def test_no_input_escapes_as_a_traceback():
    """Whatever the inventory holds, the filter returns problems; it never raises."""
    odd = [None, 0, 1.5, True, [], {}, "", " ", "\n", "%", "/", "::", "[", "https://[", "1" * 400, "é"]
    keys = [k for k in SETTINGS if k not in ("kubernetes_version", "rkt_version", "etcd_version")]
    for key in [*keys, "api_service_ip", "cluster_dns_ip", "api_server_port", "api_lb_port", "api_server_url"]:
        for value in odd:
            result = planning.cluster_preflight(GROUPS, HOSTS, {**SETTINGS, key: value})
            assert "could not check" not in " ".join(result["problems"]), (key, value, result["problems"])
    for value in odd:
        hosts = {**HOSTS, "w1": {"node_ip": value, "pod_subnet": value}}
        result = planning.cluster_preflight(GROUPS, hosts, SETTINGS)
        assert "could not check" not in " ".join(result["problems"]), (value, result["problems"])


def test_a_bug_is_a_problem_not_a_traceback():
    result = planning.cluster_preflight(GROUPS, {"cp": None}, SETTINGS)
    assert result["plan"] == {}
    assert result["problems"][0].startswith("preflight could not check the inventory and settings: AttributeError")

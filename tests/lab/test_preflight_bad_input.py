"""Preflight refuses bad inventories, settings and hosts, names the variable, and changes nothing.

Runs playbooks/preflight.yml against three lab hosts of its own, once per bad input; compares
each host's overlay upper layer (every file the host ever wrote) before and after all of them.
"""

import json
import os
import subprocess
from pathlib import Path

import own_lab
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOSTS = {"pf-1": "10.202.0.11", "pf-2": "10.202.0.12", "pf-3": "10.202.0.13"}
# What SSH logins and sudo themselves write (login records, the journal, Ansible's remote temp
# dir): not a change preflight made.
LOGIN_TRACES = (
    "var/log/wtmp",
    "var/log/lastlog",
    "var/log/btmp",
    "var/log/journal",
    "home/ansible/.sudo_as_admin_successful",
    "home/ansible/.ansible",
    "root/.ansible",
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from own_lab.booted(own_lab.lab_env(tmp_path_factory, "rktlabp0", "10.202.0.1/24"), HOSTS)


def base_inventory(lab):
    key = Path(lab["LAB_DIR"], "keys", "id_ed25519")
    return {
        "all": {
            "vars": {
                "ansible_user": "ansible",
                "ansible_become": True,
                "ansible_ssh_private_key_file": str(key),
                "ansible_python_interpreter": "/usr/bin/python3",
                "preflight_rkt_min_free_gib": 1,
            },
            "hosts": {name: {"ansible_host": ip} for name, ip in HOSTS.items()},
            "children": {
                "etcd": {"hosts": {"pf-1": None}},
                "control_plane": {"hosts": {"pf-1": None}},
                "nodes": {"hosts": {"pf-2": None, "pf-3": None}},
            },
        }
    }


def preflight(lab, tmp_path, inventory, extra_vars=None):
    inv = tmp_path / "hosts.yml"
    inv.write_text(yaml.safe_dump(inventory))
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps(extra_vars or {}))
    return subprocess.run(
        ["ansible-playbook", "-i", str(inv), "-e", f"@{extra}", str(ROOT / "playbooks" / "preflight.yml")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
    )


def upper_layers(lab):
    state = {}
    for name in HOSTS:
        upper = Path(lab["LAB_DIR"], "hosts", name, "upper")
        for path in upper.rglob("*"):
            rel = str(path.relative_to(upper))
            if rel.startswith(LOGIN_TRACES):
                continue
            info = path.lstat()
            # a directory's own mtime only says an entry came or went; the entries are listed
            state[f"{name}:{rel}"] = "dir" if path.is_dir() else (info.st_mtime_ns, info.st_size, info.st_mode)
    return state


def groups(inv):
    return inv["all"]["children"]


def host(inv, name):
    return inv["all"]["hosts"][name]


def set_group(group, members):
    def change(inv):
        groups(inv)[group]["hosts"] = dict.fromkeys(members)

    return change


def rename_host(inv):
    inv["all"]["hosts"]["Pf_1"] = inv["all"]["hosts"].pop("pf-1")
    for g in groups(inv).values():
        if "pf-1" in g["hosts"]:
            g["hosts"]["Pf_1"] = g["hosts"].pop("pf-1")


def host_vars(*names, **values):
    def change(inv):
        for name in names:
            host(inv, name).update(values)

    return change


# (id, inventory change or None, extra vars, text the failure must contain)
CASES = [
    ("etcd-even", set_group("etcd", ["pf-1", "pf-2"]), {}, "inventory group 'etcd'"),
    ("etcd-empty", set_group("etcd", []), {}, "inventory group 'etcd'"),
    ("control-plane-empty", set_group("control_plane", []), {}, "inventory group 'control_plane'"),
    ("nodes-empty", set_group("nodes", []), {}, "inventory group 'nodes'"),
    ("host-name", rename_host, {}, "host 'Pf_1': not a valid DNS-1123 name"),
    ("duplicate-node-ip", host_vars("pf-2", "pf-3", rktnetes_node_ip="10.202.0.12"), {}, "node IPs must be unique"),
    ("bad-node-ip", host_vars("pf-2", rktnetes_node_ip="10.300.0.1"), {}, "rktnetes_node_ip of pf-2"),
    ("kubernetes-1.11", None, {"rktnetes_kubernetes_version": "v1.11.0"}, "rktnetes_kubernetes_version"),
    ("kubernetes-1.9", None, {"rktnetes_kubernetes_version": "v1.9.3"}, "rktnetes_kubernetes_version"),
    ("kubernetes-number", None, {"rktnetes_kubernetes_version": 1.1}, "rktnetes_kubernetes_version"),
    ("rkt-version", None, {"rktnetes_rkt_version": "1.29.0"}, "rktnetes_rkt_version"),
    ("etcd-version", None, {"rktnetes_etcd_version": "2.3.8"}, "rktnetes_etcd_version"),
    ("etcd-unpinned", None, {"rktnetes_etcd_version": "3.4.99"}, "rktnetes_etcd_version: no pinned checksum"),
    ("cni-unpinned", None, {"rktnetes_cni_plugins_version": "9.9.9"}, "rktnetes_cni_plugins_version: no pinned"),
    ("rkt-on-arm64", host_vars("pf-3", rktnetes_arch="arm64"), {}, "rkt is built upstream only for amd64"),
    (
        "mirror-sums-bad",
        None,
        {"artifacts_mirror": "/etc", "artifacts_mirror_checksums": "hostname"},
        "artifacts_mirror_checksums (/etc/hostname) line 1",
    ),
    ("stage1-flavor", None, {"rktnetes_stage1_flavor": "kvm"}, "rktnetes_stage1_flavor"),
    ("fail-swap-on-type", None, {"rktnetes_fail_swap_on": "maybe"}, "rktnetes_fail_swap_on"),
    ("mask-not-number", None, {"rktnetes_node_cidr_mask_size": "big"}, "rktnetes_node_cidr_mask_size"),
    ("mask-31", None, {"rktnetes_node_cidr_mask_size": 31}, "rktnetes_node_cidr_mask_size"),
    ("max-pods-zero", None, {"rktnetes_max_pods": 0}, "rktnetes_max_pods"),
    ("max-pods-over-subnet", None, {"rktnetes_max_pods": 300}, "rktnetes_max_pods: 300 exceeds the 253"),
    ("cluster-cidr-prefix", None, {"rktnetes_cluster_cidr": "10.244.0.0/33"}, "rktnetes_cluster_cidr"),
    ("cluster-cidr-host-bits", None, {"rktnetes_cluster_cidr": "10.244.1.0/16"}, "rktnetes_cluster_cidr"),
    ("cluster-overlaps-service", None, {"rktnetes_cluster_cidr": "10.96.0.0/16"}, "overlaps rktnetes_service_cidr"),
    ("node-network-overlaps", None, {"rktnetes_node_network": "10.244.0.0/24"}, "rktnetes_node_network"),
    ("node-ip-outside-node-network", None, {"rktnetes_node_network": "10.9.0.0/24"}, "outside rktnetes_node_network"),
    ("cluster-exhausted", None, {"rktnetes_cluster_cidr": "10.244.0.0/24"}, "widen rktnetes_cluster_cidr"),
    ("service-cidr-small", None, {"rktnetes_service_cidr": "10.96.0.0/29"}, "rktnetes_service_cidr"),
    ("dns-ip-outside", None, {"rktnetes_cluster_dns_ip": "10.200.0.10"}, "rktnetes_cluster_dns_ip"),
    ("dns-equals-api", None, {"rktnetes_cluster_dns_ip": "10.96.0.1"}, "rktnetes_cluster_dns_ip"),
    ("pod-subnet-outside", host_vars("pf-2", rktnetes_pod_subnet="10.9.0.0/24"), {}, "pod subnet of pf-2"),
    ("pod-subnet-shared", host_vars("pf-2", "pf-3", rktnetes_pod_subnet="10.244.7.0/24"), {}, "also the subnet of"),
    # Node IPs that can never be a node's (kubelet v1.10 validateNodeIP) or that lie in the
    # cluster's own networks; one address family (no dual stack in v1.10, an IPv4 pod network).
    ("node-ip-unspecified", host_vars("pf-2", rktnetes_node_ip="0.0.0.0"), {}, "0.0.0.0 is the unspecified"),  # noqa: S104
    ("node-ip-loopback", host_vars("pf-2", rktnetes_node_ip="127.0.0.1"), {}, "of pf-2: 127.0.0.1 is a loopback"),
    ("node-ip-multicast", host_vars("pf-2", rktnetes_node_ip="239.1.2.3"), {}, "239.1.2.3 is a multicast address"),
    ("node-ip-link-local", host_vars("pf-2", ansible_host="169.254.3.4"), {}, "169.254.3.4 is a link-local address"),
    ("node-ip-broadcast", host_vars("pf-2", rktnetes_node_ip="255.255.255.255"), {}, "the limited broadcast address"),
    ("node-ip-zone", host_vars("pf-2", rktnetes_node_ip="2001:db8::1%eth0"), {}, "carries an interface zone"),
    ("node-ip-in-cluster-cidr", host_vars("pf-2", rktnetes_node_ip="10.244.3.7"), {}, "inside rktnetes_cluster_cidr"),
    ("node-ip-in-service-cidr", host_vars("pf-2", rktnetes_node_ip="10.96.0.77"), {}, "inside rktnetes_service_cidr"),
    ("node-ip-ipv6", host_vars("pf-2", rktnetes_node_ip="fd00::12"), {}, "fd00::12 is an IPv6 address while"),
    (
        "service-cidr-ipv6",
        None,
        {"rktnetes_service_cidr": "fd00::/108"},
        "rktnetes_service_cidr: fd00::/108 is an IPv6",
    ),
    ("node-network-ipv6", None, {"rktnetes_node_network": "fd00::/64"}, "rktnetes_node_network: fd00::/64 is an IPv6"),
    # kube-apiserver v1.10: --service-cluster-ip-range of at most 2^20 addresses, and the
    # kubernetes service on its first address.
    ("service-cidr-too-large", None, {"rktnetes_service_cidr": "10.0.0.0/11"}, "10.0.0.0/11 is too large"),
    ("api-service-ip-not-first", None, {"rktnetes_api_service_ip": "10.96.0.2"}, "10.96.0.2 is not the first address"),
    ("cluster-cidr-loopback", None, {"rktnetes_cluster_cidr": "127.64.0.0/16"}, "127.64.0.0/16 overlaps loopback"),
    ("service-cidr-multicast", None, {"rktnetes_service_cidr": "224.1.0.0/16"}, "224.1.0.0/16 overlaps multicast"),
    ("cidr-without-prefix", None, {"rktnetes_cluster_cidr": "10.244.0.0"}, "'10.244.0.0' is not a network in CIDR"),
    # Settings that reach a flag or a file.
    (
        "domain-upper-case",
        None,
        {"rktnetes_cluster_domain": "Cluster.Local"},
        "rktnetes_cluster_domain: 'Cluster.Local'",
    ),
    ("domain-trailing-dot", None, {"rktnetes_cluster_domain": "cluster.local."}, "rktnetes_cluster_domain: 'cluster"),
    ("api-port-kubelet", None, {"rktnetes_api_server_port": 10250}, "rktnetes_api_server_port: 10250 is the kubelet's"),
    ("api-lb-port-nodeport", None, {"rktnetes_api_lb_port": 30443}, "rktnetes_api_lb_port: 30443 is in the NodePort"),
    ("api-url-invalid", None, {"rktnetes_api_server_url": "https://[::1"}, "rktnetes_api_server_url: 'https://[::1'"),
    (
        "registry-port",
        None,
        {"rktnetes_image_registry": "r.example:70000"},
        "rktnetes_image_registry: 'r.example:70000'",
    ),
    (
        "cni-version-syntax",
        None,
        {"rktnetes_cni_plugins_version": "../1.1.1"},
        "rktnetes_cni_plugins_version: '../1.1.1'",
    ),
    (
        "coredns-version-number",
        None,
        {"rktnetes_coredns_version": 1.2},
        "rktnetes_coredns_version: 1.2 is not a version",
    ),
    # artifacts_mirror: an absolute directory on the controller or an http(s):// URL.
    ("mirror-relative", None, {"artifacts_mirror": "srv/mirror"}, "artifacts_mirror: 'srv/mirror' is a relative path"),
    ("mirror-ftp", None, {"artifacts_mirror": "ftp://mirror.example/r"}, "'ftp://mirror.example/r' is a ftp: URL"),
    ("mirror-missing-dir", None, {"artifacts_mirror": "/nonexistent/rktnetes"}, "is not a directory on the controller"),
    ("command-missing", None, {"preflight_required_commands": ["nsenter", "no-such-tool"]}, "no-such-tool"),
    ("disk-too-small", None, {"preflight_rkt_min_free_gib": 1000000}, "preflight_rkt_min_free_gib"),
    ("systemd-too-old", None, {"preflight_min_systemd_version": 999}, "preflight_min_systemd_version"),
]


@pytest.fixture(scope="module")
def untouched(lab):
    before = upper_layers(lab)
    yield
    assert upper_layers(lab) == before, "a preflight run changed a lab host"


def test_good_inventory_passes(lab, tmp_path, untouched):
    result = preflight(lab, tmp_path, base_inventory(lab))
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(("change", "extra", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_in_preflight_naming_it(lab, tmp_path, untouched, change, extra, expected):
    inventory = base_inventory(lab)
    if change:
        change(inventory)
    result = preflight(lab, tmp_path, inventory, extra)
    assert result.returncode != 0
    output = " ".join(result.stdout.split())  # the message is folded over lines
    assert "preflight found" in output, result.stdout[-3000:]
    assert expected in output, result.stdout[-3000:]


def test_all_problems_are_reported_in_one_run(lab, tmp_path, untouched):
    extra = {"rktnetes_kubernetes_version": "v1.12.0", "rktnetes_stage1_flavor": "kvm", "rktnetes_max_pods": 0}
    output = " ".join(preflight(lab, tmp_path, base_inventory(lab), extra).stdout.split())
    assert "preflight found 3 problem(s)" in output
    for variable in extra:
        assert variable in output

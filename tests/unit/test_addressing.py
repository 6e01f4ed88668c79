"""Address planning and pod capacity (plugins/module_utils/addressing.py)."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.rktnetes.cluster.plugins.module_utils import addressing as a


# --------------------------------------------------------------------------- IPAM capacity
@pytest.mark.parametrize(
    ("ipam", "capacity"),
    [
        ({"subnet": "172.16.28.0/24"}, 253),  # rkt's default network: gateway .1 excluded
        ({"subnet": "172.16.28.0/24", "gateway": "172.16.28.1"}, 253),
        ({"subnet": "10.0.0.0/24", "gateway": "10.0.0.254"}, 253),
        ({"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.100", "rangeEnd": "10.0.0.199"}, 100),
        ({"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.100", "rangeEnd": "10.0.0.199", "gateway": "10.0.0.150"}, 99),
        ({"subnet": "10.0.0.0/30"}, 1),
        ({"subnet": "10.0.0.0/23"}, 509),
        ({"ranges": [[{"subnet": "10.0.0.0/24"}, {"subnet": "10.0.1.0/25"}]]}, 253 + 125),
        ({"ranges": [[{"subnet": "10.0.0.0/24"}], [{"subnet": "fd00::/120"}]]}, 253),
    ],
)
def test_ipam_capacity(ipam, capacity):
    assert a.ipam_capacity(ipam) == capacity


@pytest.mark.parametrize(
    ("ipam", "message"),
    [
        ({}, "needs a 'subnet'"),
        ({"subnet": "10.0.0.0/31"}, "too small"),
        ({"subnet": "10.0.0.0/24", "rangeStart": "10.0.1.5"}, "rangeStart: 10.0.1.5 is outside"),
        ({"subnet": "10.0.0.0/24", "gateway": "nope"}, "gateway: 'nope' is not an IP"),
        ({"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.9", "rangeEnd": "10.0.0.3"}, "after rangeEnd"),
        ({"ranges": []}, "ranges is empty"),
    ],
)
def test_ipam_capacity_errors(ipam, message):
    with pytest.raises(a.PlanError, match=message):
        a.ipam_capacity(ipam)


def test_effective_max_pods_is_the_lower():
    assert a.effective_max_pods(110, 253) == 110
    assert a.effective_max_pods(300, 253) == 253


# --------------------------------------------------------------------------- node subnets
def test_new_nodes_take_the_lowest_free_subnets():
    plan = a.plan_pod_subnets(["n1", "n2", "n3"], "10.244.0.0/16", 24)
    assert plan == {"n1": "10.244.0.0/24", "n2": "10.244.1.0/24", "n3": "10.244.2.0/24"}


def test_existing_subnets_are_kept_and_gaps_reused():
    existing = {"n1": "10.244.0.0/24", "n3": "10.244.2.0/24", "gone": "10.244.5.0/24"}
    plan = a.plan_pod_subnets(["n1", "n3", "new1", "new2"], "10.244.0.0/16", 24, existing)
    assert plan == {"n1": "10.244.0.0/24", "n3": "10.244.2.0/24", "new1": "10.244.1.0/24", "new2": "10.244.3.0/24"}


def test_exhausted_cidr_says_how_many_fit_and_what_to_change():
    with pytest.raises(a.PlanError, match=r"holds 4 node subnets of /24; 5 nodes .*rktnetes_node_cidr_mask_size"):
        a.plan_pod_subnets([f"n{i}" for i in range(5)], "10.0.0.0/22", 24)


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ({"n1": "10.9.0.0/24"}, "not a /24 inside rktnetes_cluster_cidr"),
        ({"n1": "10.244.0.0/25"}, "not a /24"),
        ({"n1": "10.244.0.0/24", "n2": "10.244.0.0/24"}, "also the subnet of"),
        ({"n1": "10.244.0.5/24"}, "not a network in CIDR form"),
    ],
)
def test_bad_existing_subnets(existing, message):
    with pytest.raises(a.PlanError, match=message):
        a.plan_pod_subnets(["n1", "n2"], "10.244.0.0/16", 24, existing)


@pytest.mark.parametrize(("cidr", "mask"), [("10.244.0.0/16", 12), ("10.244.0.0/16", 31), ("10.244.0.1/16", 24)])
def test_bad_cluster_settings(cidr, mask):
    with pytest.raises(a.PlanError, match="rktnetes_"):
        a.plan_pod_subnets(["n1"], cidr, mask)


def test_node_subnet_capacity():
    assert a.node_subnet_capacity("10.244.3.0/24") == 253
    assert a.node_subnet_capacity("10.244.3.0/26") == 61


OPS = st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.integers(0, 40)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_property_survivors_never_move_and_never_share(ops):
    """Any sequence of node additions and removals: a surviving node's subnet never changes and
    no two nodes share a subnet."""
    nodes, recorded = [], {}
    for op, n in ops:
        name = f"node{n}"
        if op == "add" and name not in nodes:
            nodes.append(name)
        elif op == "remove" and name in nodes:
            nodes.remove(name)
        try:
            plan = a.plan_pod_subnets(nodes, "10.244.0.0/21", 24, recorded)
        except a.PlanError as exc:
            assert "holds 8 node subnets" in str(exc)
            assert len(nodes) > 8
            nodes.pop()  # the operator would not add that node
            continue
        for node, subnet in recorded.items():
            if node in nodes:
                assert plan[node] == subnet
        assert len(set(plan.values())) == len(plan)
        recorded = plan  # what the hosts record after the run


# --------------------------------------------------------------------------- service addresses
def test_service_addresses_defaults():
    assert a.service_addresses("10.96.0.0/12") == {"api": "10.96.0.1", "dns": "10.96.0.10"}


def test_service_addresses_overrides():
    assert a.service_addresses("10.96.0.0/24", dns_ip="10.96.0.53") == {"api": "10.96.0.1", "dns": "10.96.0.53"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"service_cidr": "10.96.0.0/29"}, "usable addresses"),
        ({"service_cidr": "10.96.0.0/24", "dns_ip": "10.97.0.10"}, "rktnetes_cluster_dns_ip"),
        ({"service_cidr": "10.96.0.0/24", "dns_ip": "10.96.0.255"}, "rktnetes_cluster_dns_ip"),
        ({"service_cidr": "10.96.0.0/24", "api_ip": "10.96.0.10"}, "also the API server"),
        ({"service_cidr": "10.96.0.0/33"}, "rktnetes_service_cidr"),
    ],
)
def test_service_address_errors(kwargs, message):
    with pytest.raises(a.PlanError, match=message):
        a.service_addresses(**kwargs)


def test_overlapping():
    pairs = a.overlapping({"cluster": "10.244.0.0/16", "service": "10.96.0.0/12", "nodes": "10.244.7.0/24"})
    assert pairs == [("cluster", "nodes")]


@given(st.integers(16, 28), st.integers(0, 3))
def test_property_capacity_matches_enumeration(prefix, gateway_choice):
    subnet = ipaddress.ip_network(f"10.{prefix}.0.0/{prefix}", strict=False)
    hosts = list(subnet.hosts())
    gateway = [hosts[0], hosts[-1], hosts[len(hosts) // 2], None][gateway_choice]
    ipam = {"subnet": str(subnet)} | ({"gateway": str(gateway)} if gateway else {})
    assert a.ipam_capacity(ipam) == len(hosts) - 1

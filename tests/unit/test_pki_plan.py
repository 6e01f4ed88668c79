"""The cluster's leaf certificates (module_utils/pki_plan.py, filter pki_leaf_certificates)."""

import pytest

from ansible_collections.rktnetes.cluster.plugins.filter.planning import node_ips
from ansible_collections.rktnetes.cluster.plugins.module_utils.pki_plan import PlanError, leaf_certificates

GROUPS = {"etcd": ["cp1", "cp2", "cp3"], "control_plane": ["cp1", "cp2", "cp3"], "nodes": ["w1", "w2"]}
IPS = {"cp1": "10.0.0.1", "cp2": "10.0.0.2", "cp3": "10.0.0.3", "w1": "10.0.0.11", "w2": "10.0.0.12"}
PLAN = {"node_ips": IPS, "service": {"api": "10.96.0.1"}, "api": {"lb_hosts": ["w1", "w2"]}}


def by_name(certs):
    return {cert["name"]: cert for cert in certs}


def test_every_certificate_has_sans_and_one_entry():
    certs = leaf_certificates(GROUPS, IPS, PLAN)
    names = [cert["name"] for cert in certs]
    assert len(names) == len(set(names))
    assert all(cert["sans"] for cert in certs)
    expected = (
        {f"etcd-{kind}-{h}" for h in GROUPS["etcd"] for kind in ("server", "peer")}
        | {
            "etcd-admin",
            "kube-apiserver-etcd-client",
            "kube-apiserver",
            "kube-apiserver-kubelet-client",
            "admin",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-proxy",
            "front-proxy-client",
            "api-lb-health",
        }
        | {f"kubelet-{kind}-{h}" for h in GROUPS["nodes"] for kind in ("client", "server")}
    )
    assert set(names) == expected


def test_the_api_server_is_named_by_every_control_plane_host_and_the_external_url():
    plan = dict(PLAN, api={"external_url": "https://api.example.com:8443", "lb_hosts": []})
    certs = by_name(leaf_certificates(GROUPS, IPS, plan, "corp.local", ["DNS:extra.example.com"]))
    sans = certs["kube-apiserver"]["sans"]
    for host, ip in IPS.items():
        if host.startswith("cp"):
            assert f"DNS:{host}" in sans and f"IP:{ip}" in sans
    assert {"DNS:kubernetes.default.svc.corp.local", "IP:10.96.0.1", "IP:127.0.0.1", "DNS:api.example.com"} <= set(sans)
    assert "DNS:extra.example.com" in sans and len(sans) == len(set(sans))
    assert "api-lb-health" not in certs  # no node needs the local load balancer


def test_an_external_url_by_ip_gets_an_ip_san():
    plan = dict(PLAN, api={"external_url": "https://192.0.2.50:6443"})
    assert "IP:192.0.2.50" in by_name(leaf_certificates(GROUPS, IPS, plan))["kube-apiserver"]["sans"]


def test_identities_kubernetes_authorizes():
    certs = by_name(leaf_certificates(GROUPS, IPS, PLAN))
    assert (certs["kubelet-client-w1"]["cn"], certs["kubelet-client-w1"]["org"]) == ("system:node:w1", "system:nodes")
    assert certs["admin"]["org"] == "system:masters"
    assert certs["api-lb-health"]["cn"] == "system:rktnetes:api-lb-health" and "org" not in certs["api-lb-health"]
    assert certs["kubelet-server-w2"]["sans"] == ["DNS:w2", "IP:10.0.0.12"]


def test_etcd_alone_needs_no_plan_but_a_control_plane_does():
    etcd = leaf_certificates({"etcd": ["e1"]}, {"e1": "10.0.0.5"})
    assert [c["name"] for c in etcd] == ["etcd-server-e1", "etcd-peer-e1", "etcd-admin", "kube-apiserver-etcd-client"]
    with pytest.raises(PlanError, match="need preflight's plan"):
        leaf_certificates(GROUPS, IPS, None)
    with pytest.raises(PlanError, match="no node IP for e2"):
        leaf_certificates({"etcd": ["e2"]}, {})


def test_node_ips_fall_back_as_preflight_does():
    hostvars = {"a": {"rktnetes_node_ip": "10.0.0.1", "ansible_host": "x"}, "b": {"ansible_host": "10.0.0.2"}, "c": {}}
    assert node_ips(["a", "b", "c"], hostvars) == {"a": "10.0.0.1", "b": "10.0.0.2", "c": "c"}


def test_host_lists_come_from_strings_or_lists():
    from ansible_collections.rktnetes.cluster.plugins.filter.planning import host_list

    assert host_list("w3, w4,,") == ["w3", "w4"]
    assert host_list(["w3", " w4 "]) == ["w3", "w4"]
    assert host_list(None) == [] and host_list("") == []

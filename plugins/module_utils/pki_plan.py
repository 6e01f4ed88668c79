# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Every leaf certificate of the cluster, with full SANs (Go >= 1.17 ignores the CommonName)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

CLIENTS = (
    # name, common name, organization (Kubernetes reads it as the group)
    ("kube-apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
    ("admin", "admin", "system:masters"),
    ("kube-controller-manager", "system:kube-controller-manager", None),
    ("kube-scheduler", "system:kube-scheduler", None),
    ("kube-proxy", "system:kube-proxy", None),
)
# The node-local API load balancer's health checks: an identity of its own, in no group, which
# RBAC's system:discovery lets read /healthz and nothing else.
API_LB_HEALTH = ("api-lb-health", "system:rktnetes:api-lb-health")


class PlanError(ValueError):
    """Input that cannot make a certificate list; the message names the variable."""


def _san(value):
    """DNS:<name> or IP:<address> for a host name or address."""
    try:
        return f"IP:{ipaddress.ip_address(value)}"
    except ValueError:
        return f"DNS:{value}"


def _leaf(name, ca, cn, sans, usages, org=None):
    entry = {"name": name, "ca": ca, "cn": cn, "sans": sans, "usages": usages}
    if org:
        entry["org"] = org
    return entry


def etcd_certificates(etcd_hosts, node_ips):
    certs = []
    for host in etcd_hosts:
        ip = node_ips[host]
        both = ["serverAuth", "clientAuth"]
        certs.append(
            _leaf(
                f"etcd-server-{host}",
                "etcd-ca",
                host,
                [f"DNS:{host}", "DNS:localhost", f"IP:{ip}", "IP:127.0.0.1"],
                both,
            )
        )
        certs.append(_leaf(f"etcd-peer-{host}", "etcd-ca", host, [f"DNS:{host}", f"IP:{ip}"], both))
    certs.append(_leaf("etcd-admin", "etcd-ca", "etcd-admin", ["DNS:etcd-admin"], ["clientAuth"]))
    name = "kube-apiserver-etcd-client"
    certs.append(_leaf(name, "etcd-ca", name, [f"DNS:{name}"], ["clientAuth"]))
    return certs


def api_server_sans(control_plane, node_ips, service_api_ip, domain, extra_sans=(), api_url=""):
    sans = [
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        f"DNS:kubernetes.default.svc.{domain}",
        "DNS:localhost",
        "IP:127.0.0.1",
        f"IP:{service_api_ip}",
        *extra_sans,
    ]
    if api_url:
        host = urlsplit(api_url).hostname
        if not host:
            raise PlanError(f"rktnetes_api_server_url: {api_url!r} names no host")
        sans.append(_san(host))
    for host in control_plane:
        sans += [f"DNS:{host}", f"IP:{node_ips[host]}"]
    return list(dict.fromkeys(sans))


def kubernetes_certificates(
    control_plane, nodes, node_ips, service_api_ip, domain, extra_sans=(), api_url="", lb_nodes=()
):
    sans = api_server_sans(control_plane, node_ips, service_api_ip, domain, extra_sans, api_url)
    certs = [_leaf("kube-apiserver", "kubernetes-ca", "kube-apiserver", sans, ["serverAuth"])]
    for name, cn, org in CLIENTS:
        certs.append(_leaf(name, "kubernetes-ca", cn, [f"DNS:{name}"], ["clientAuth"], org))
    certs.append(
        _leaf("front-proxy-client", "front-proxy-ca", "front-proxy-client", ["DNS:front-proxy-client"], ["clientAuth"])
    )
    for host in nodes:
        certs.append(
            _leaf(
                f"kubelet-client-{host}",
                "kubernetes-ca",
                f"system:node:{host}",
                [f"DNS:{host}"],
                ["clientAuth"],
                "system:nodes",
            )
        )
        certs.append(
            _leaf(
                f"kubelet-server-{host}", "kubernetes-ca", host, [f"DNS:{host}", f"IP:{node_ips[host]}"], ["serverAuth"]
            )
        )
    if lb_nodes:
        name, cn = API_LB_HEALTH
        certs.append(_leaf(name, "kubernetes-ca", cn, [f"DNS:{name}"], ["clientAuth"]))
    return certs


def leaf_certificates(groups, node_ips, plan=None, domain="cluster.local", extra_sans=(), etcd_group="etcd"):
    """The whole list. `plan` is preflight's (service IP, API endpoints); without it (an etcd-only
    run, as molecule/etcd does) only etcd's certificates, and a control plane is refused."""
    etcd_hosts = list(groups.get(etcd_group) or [])
    control_plane = list(groups.get("control_plane") or [])
    missing = [host for host in etcd_hosts if not node_ips.get(host)]
    if missing:
        raise PlanError(f"no node IP for {', '.join(missing)}: set ansible_host or rktnetes_node_ip")
    certs = etcd_certificates(etcd_hosts, node_ips)
    if not control_plane:
        return certs
    if not plan:
        raise PlanError(
            "the Kubernetes certificates need preflight's plan (preflight_plan): run the preflight role first"
        )
    api = plan.get("api") or {}
    return certs + kubernetes_certificates(
        control_plane,
        list(groups.get("nodes") or []),
        plan["node_ips"],
        plan["service"]["api"],
        domain,
        list(extra_sans or []),
        api.get("external_url") or "",
        api.get("lb_hosts") or [],
    )

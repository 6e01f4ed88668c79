# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Address planning filters; the computations live in module_utils/addressing.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.module_utils import addressing, preflight_checks


def _planned(function):
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except addressing.PlanError as exc:
            raise AnsibleFilterError(str(exc)) from None

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def pod_subnets(nodes, cluster_cidr, node_cidr_mask_size, existing=None):
    """{node: subnet} for `nodes`, keeping the subnets in `existing`."""
    return addressing.plan_pod_subnets(list(nodes), cluster_cidr, node_cidr_mask_size, existing)


def service_addresses(service_cidr, api_ip=None, dns_ip=None):
    """{'api': ip, 'dns': ip} of the service CIDR."""
    return addressing.service_addresses(service_cidr, api_ip, dns_ip)


def ipam_capacity(ipam):
    """Pods a host-local IPAM config (`subnet`/`rangeStart`/`rangeEnd`/`gateway` or `ranges`) holds."""
    return addressing.ipam_capacity(ipam)


def node_subnet_capacity(subnet):
    """Pods a node's pod subnet holds (bridge + host-local, gateway = first address)."""
    return addressing.node_subnet_capacity(subnet)


def overlapping_networks(named_cidrs):
    """[[name, name], ...] for every two of {name: cidr} that overlap."""
    return [list(pair) for pair in addressing.overlapping(named_cidrs)]


def cluster_preflight(groups, hosts, settings):
    """{'problems': [...], 'plan': {...}}: every inventory/settings problem at once, and the plan."""
    problems, plan = preflight_checks.check_cluster(groups, hosts, settings)
    return {"problems": problems, "plan": plan}


class FilterModule:
    def filters(self):
        return {
            f.__name__: _planned(f)
            for f in (
                pod_subnets,
                service_addresses,
                ipam_capacity,
                node_subnet_capacity,
                overlapping_networks,
                cluster_preflight,
            )
        }

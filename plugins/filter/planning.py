# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Address planning filters; the computations live in module_utils/addressing.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

addressing = LazyModuleUtils("addressing")
host_probe = LazyModuleUtils("host_probe")
preflight_checks = LazyModuleUtils("preflight_checks")


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


def node_ips(hosts, hostvars):
    """{host: node IP} as preflight decides it: rktnetes_node_ip, else ansible_host, else the name.
    For runs without preflight's plan (an etcd-only cluster); otherwise use preflight_plan.node_ips."""
    ips = {}
    for host in hosts:
        variables = hostvars[host]
        ips[host] = variables.get("rktnetes_node_ip") or variables.get("ansible_host") or host
    return ips


def host_list(value):
    """Host names from "a,b" (an extra variable, an AWX survey answer) or a list; blanks dropped."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def cluster_preflight(groups, hosts, settings):
    """{'problems': [...], 'plan': {...}}: every inventory/settings problem at once, and the plan."""
    try:
        problems, plan = preflight_checks.check_cluster(groups, hosts, settings)
    except Exception as exc:  # a bug must still stop the play with a message, not a traceback
        return {
            "problems": [
                f"preflight could not check the inventory and settings: {type(exc).__name__}: {exc}. Nothing was "
                "changed; this is a bug in rktnetes.cluster's preflight, please report it with the values it names"
            ],
            "plan": {},
        }
    return {"problems": problems, "plan": plan}


def mirror_problem(mirror, variable="artifacts_mirror"):
    """'' when `mirror` is empty, an existing absolute directory on the controller or an http(s)://
    base URL; else the problem, naming `variable`, the value and what to do."""
    return preflight_checks.mirror_problem(mirror, variable) or ""


def host_problems(probe, limits):
    """The problems of one host's preflight probe (its JSON, parsed) against `limits`."""
    return host_probe.host_problems(probe, limits)


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
                node_ips,
                host_list,
                cluster_preflight,
                host_problems,
                mirror_problem,
            )
        }

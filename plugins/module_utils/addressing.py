# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Cluster address planning and pod capacity, shared by the `planning` filters (controller) and
the `pod_capacity` module (nodes). Standard library only (`ipaddress`): hosts need no netaddr.
"""

from __future__ import annotations

import ipaddress

# The cluster DNS service IP is this many addresses into the service CIDR (kubeadm's choice too).
DNS_SERVICE_OFFSET = 10
# host-local refuses IPv4 networks smaller than this (no room for a gateway and a container).
MIN_IPV4_PREFIX = 30


class PlanError(ValueError):
    """Bad input or an impossible plan; the message names the variable and what to do."""


def network(value, variable):
    """Parse a CIDR strictly (host bits must be zero), naming `variable` when it is not one."""
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        raise PlanError(f"{variable}: {value!r} is not a network in CIDR form ({exc})") from None


def address(value, variable):
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        raise PlanError(f"{variable}: {value!r} is not an IP address") from None


# ---------------------------------------------------------------------------- pod capacity


def ipam_range_capacity(rng, variable="ipam"):
    """Addresses host-local can hand out from one range: `subnet`, optional `rangeStart`,
    `rangeEnd`, `gateway`. As host-local does: the range defaults to the subnet minus its network
    (and, for IPv4, broadcast) address; the gateway defaults to the first address and is never
    handed out."""
    if "subnet" not in rng:
        raise PlanError(f"{variable}: an IPAM range needs a 'subnet'")
    subnet = ipaddress.ip_network(str(rng["subnet"]), strict=False)
    if subnet.version == 4 and subnet.prefixlen > MIN_IPV4_PREFIX:
        raise PlanError(f"{variable}: subnet {subnet} is too small for host-local (at most /{MIN_IPV4_PREFIX})")
    first = int(subnet.network_address) + 1
    last = int(subnet.broadcast_address) - (1 if subnet.version == 4 else 0)
    start = _inside(rng.get("rangeStart"), subnet, variable, "rangeStart", first)
    end = _inside(rng.get("rangeEnd"), subnet, variable, "rangeEnd", last)
    start, end = max(start, first), min(end, last)
    if start > end:
        raise PlanError(f"{variable}: rangeStart is after rangeEnd in {subnet}")
    gateway = _inside(rng.get("gateway"), subnet, variable, "gateway", first)
    return end - start + 1 - (1 if start <= gateway <= end else 0)


def _inside(value, subnet, variable, field, default):
    if value is None:
        return default
    ip = address(value, f"{variable}.{field}")
    if ip not in subnet:
        raise PlanError(f"{variable}.{field}: {ip} is outside the subnet {subnet}")
    return int(ip)


def ipam_capacity(ipam, variable="ipam"):
    """Pods one host-local IPAM config can address. Each pod takes one address from every range
    set, so the capacity is that of the smallest set; a set's capacity is the sum of its ranges."""
    if "ranges" in ipam:
        sets = ipam["ranges"]
        if not sets:
            raise PlanError(f"{variable}.ranges is empty")
        return min(
            sum(ipam_range_capacity(r, f"{variable}.ranges[{i}][{j}]") for j, r in enumerate(s))
            for i, s in enumerate(sets)
        )
    return ipam_range_capacity(ipam, variable)


def effective_max_pods(max_pods, capacity):
    """The kubelet's real limit: `--max-pods`, unless the pod network holds fewer addresses."""
    return min(int(max_pods), int(capacity))


# ---------------------------------------------------------------------------- subnets per node


def plan_pod_subnets(nodes, cluster_cidr, node_cidr_mask_size, existing=None):
    """Give every node in `nodes` (in order) a pod subnet of `cluster_cidr`.

    `existing` maps node names to subnets they already have (declared in the inventory or recorded
    on the host): those are kept exactly, so adding or removing a node never moves another's
    subnet. Nodes without one take the lowest free subnet. Returns {node: "cidr"}.
    """
    cluster = network(cluster_cidr, "rktnetes_cluster_cidr")
    try:
        mask = int(node_cidr_mask_size)
    except (TypeError, ValueError):
        raise PlanError(f"rktnetes_node_cidr_mask_size: {node_cidr_mask_size!r} is not a prefix length") from None
    limit = 30 if cluster.version == 4 else 126
    if not cluster.prefixlen <= mask <= limit:
        raise PlanError(
            f"rktnetes_node_cidr_mask_size: /{mask} must lie between the cluster CIDR's /{cluster.prefixlen} "
            f"and /{limit}"
        )
    shift = cluster.max_prefixlen - mask
    base = int(cluster.network_address)
    slots = 1 << (mask - cluster.prefixlen)
    plan, used, wanted = {}, {}, set(nodes)
    for node, cidr in sorted((existing or {}).items()):
        if node not in wanted:
            continue  # a removed node frees its subnet
        subnet = network(cidr, f"pod subnet of {node}")
        if subnet.prefixlen != mask or not subnet.subnet_of(cluster):
            raise PlanError(
                f"pod subnet of {node}: {subnet} is not a /{mask} inside rktnetes_cluster_cidr {cluster}; "
                "a node keeps its subnet for life, so keep the old cluster settings or reset the node"
            )
        index = (int(subnet.network_address) - base) >> shift
        if index in used:
            raise PlanError(f"pod subnet of {node}: {subnet} is also the subnet of {used[index]}")
        used[index] = node
        plan[node] = str(subnet)
    free = (i for i in range(slots) if i not in used)
    missing = [n for n in nodes if n not in plan]
    if len(missing) > slots - len(used):
        raise PlanError(
            f"rktnetes_cluster_cidr {cluster} holds {slots} node subnets of /{mask}; {len(nodes)} nodes need one "
            "each: widen rktnetes_cluster_cidr or raise rktnetes_node_cidr_mask_size"
        )
    for node in missing:
        index = next(free)
        plan[node] = f"{ipaddress.ip_address(base + (index << shift))}/{mask}"
    return {node: plan[node] for node in nodes}


def node_subnet_capacity(subnet):
    """Pod IPs of a node subnet used as a bridge + host-local network (gateway = first address)."""
    return ipam_range_capacity({"subnet": subnet}, "pod subnet")


# ---------------------------------------------------------------------------- service addresses


def service_addresses(service_cidr, api_ip=None, dns_ip=None, dns_offset=DNS_SERVICE_OFFSET):
    """The API server's service IP (first usable address) and the cluster DNS IP (`dns_offset`
    into the range), either overridable; both must be usable addresses of the CIDR."""
    services = network(service_cidr, "rktnetes_service_cidr")
    usable = services.num_addresses - (2 if services.version == 4 else 1)
    if usable < dns_offset + 1:
        raise PlanError(
            f"rktnetes_service_cidr {services} has {usable} usable addresses; it needs more than {dns_offset}"
        )
    result = {}
    for key, value, default, variable in (
        ("api", api_ip, services.network_address + 1, "rktnetes_api_service_ip"),
        ("dns", dns_ip, services.network_address + dns_offset, "rktnetes_cluster_dns_ip"),
    ):
        ip = default if value in (None, "") else address(value, variable)
        if ip not in services or ip in (services.network_address, services.broadcast_address):
            raise PlanError(f"{variable}: {ip} is not a usable address of rktnetes_service_cidr {services}")
        result[key] = str(ip)
    if result["api"] == result["dns"]:
        raise PlanError(f"rktnetes_cluster_dns_ip: {result['dns']} is also the API server's service IP")
    return result


def overlapping(named_cidrs):
    """Pairs of (name, name) whose networks overlap, from {name: cidr}."""
    items = [(name, network(cidr, name)) for name, cidr in named_cidrs.items()]
    return [
        (a, b)
        for i, (a, net_a) in enumerate(items)
        for b, net_b in items[i + 1 :]
        if net_a.version == net_b.version and net_a.overlaps(net_b)
    ]

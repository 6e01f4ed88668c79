# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Controller-side preflight: every problem with the inventory and the cluster settings, all at
once, each naming the variable or host, the value seen and what to do. No host is contacted."""

from __future__ import annotations

import re

from ansible_collections.rktnetes.cluster.plugins.module_utils import addressing

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
STAGE1_FLAVORS = ("coreos", "host", "fly")
SUPPORTED = {
    # A label after the version (v1.10.5-local, 3.4.23-debian) names a build of that release
    # served by a mirror with its own checksum file (docs/artifacts.md).
    "kubernetes": re.compile(r"^v?1\.10\.\d+(-[0-9A-Za-z.]+)?\Z"),
    "rkt": re.compile(r"^v?1\.30\.0(-[0-9A-Za-z.]+)?\Z"),
    "etcd": re.compile(r"^v?3\.\d+\.\d+(-[0-9A-Za-z.]+)?\Z"),
}
SUPPORTED_TEXT = {"kubernetes": "v1.10.x", "rkt": "1.30.0", "etcd": "3.x.y"}


def _version_problem(component, version):
    variable = f"rktnetes_{component}_version"
    if not isinstance(version, str) or not version:
        return f"{variable}: must be a version string like {SUPPORTED_TEXT[component]} (got {version!r})"
    if SUPPORTED[component].match(version):
        return None
    if component == "kubernetes":
        match = re.match(r"^v?(\d+)\.(\d+)", version)
        if match and (int(match[1]), int(match[2])) >= (1, 11):
            return (
                f"{variable}: {version} is not supported: Kubernetes v1.10 is the last series whose kubelet has "
                "--container-runtime=rkt (removed in v1.11); set a v1.10.x version"
            )
    return f"{variable}: {version} is not in the supported matrix ({SUPPORTED_TEXT[component]})"


def _int_problem(variable, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value), 10)
        except ValueError:
            return f"{variable}: must be a whole number (got {value!r})", None
    if not low <= value <= high:
        return f"{variable}: {value} is outside {low}..{high}", None
    return None, value


def check_cluster(groups, hosts, settings):
    """Return (problems, plan). `groups` maps etcd/control_plane/nodes to host lists; `hosts`
    maps each host to {'node_ip', 'pod_subnet' (declared or recorded, may be None)}; `settings`
    holds the rktnetes_* values and `artifact_problems` (the artifacts table's, added unless a problem
    already names the same variable). The plan is only meaningful when there are no problems."""
    problems = []
    plan = {}

    etcd, control, nodes = (list(groups.get(g) or []) for g in ("etcd", "control_plane", "nodes"))
    if not etcd or len(etcd) % 2 == 0:
        problems.append(f"inventory group 'etcd': has {len(etcd)} hosts; it needs an odd number (1, 3, 5) for a quorum")
    if not control:
        problems.append("inventory group 'control_plane': has no hosts; put at least one host in it")
    if not nodes:
        problems.append("inventory group 'nodes': has no hosts; put at least one host in it")

    for host in sorted(set(etcd + control + nodes)):
        if not all(DNS_LABEL.match(label) for label in host.split(".")) or len(host) > 253:
            problems.append(
                f"host {host!r}: not a valid DNS-1123 name (lowercase letters, digits, '-', labels of at most "
                "63 characters): Kubernetes node names must be; rename it in the inventory"
            )

    seen_ips = {}
    for host in sorted(hosts):
        ip = hosts[host].get("node_ip")
        try:
            ip = addressing.address(ip, f"rktnetes_node_ip of {host}")
        except addressing.PlanError as exc:
            problems.append(f"{exc}; set ansible_host or rktnetes_node_ip to the host's cluster address")
            continue
        if ip in seen_ips:
            problems.append(
                f"rktnetes_node_ip of {host}: {ip} is also the node IP of {seen_ips[ip]}; node IPs must be unique"
            )
        seen_ips[ip] = host

    for component in ("kubernetes", "rkt", "etcd"):
        problem = _version_problem(component, settings.get(f"{component}_version"))
        if problem:
            problems.append(problem)

    for problem in settings.get("artifact_problems") or []:
        variable = problem.split(":", 1)[0]
        if not any(seen.startswith(variable + ":") for seen in problems):
            problems.append(problem)

    flavor = settings.get("stage1_flavor")
    if flavor not in STAGE1_FLAVORS:
        problems.append(
            f"rktnetes_stage1_flavor: {flavor!r} is no stage1 rkt ships; use one of {', '.join(STAGE1_FLAVORS)}"
        )

    if not isinstance(settings.get("fail_swap_on"), bool):
        problems.append(f"rktnetes_fail_swap_on: must be true or false (got {settings.get('fail_swap_on')!r})")

    mask_problem, mask = _int_problem("rktnetes_node_cidr_mask_size", settings.get("node_cidr_mask_size"), 8, 30)
    pods_problem, max_pods = _int_problem("rktnetes_max_pods", settings.get("max_pods"), 1, 65536)
    problems.extend(p for p in (mask_problem, pods_problem) if p)

    networks = {}
    for name in ("cluster_cidr", "service_cidr", "node_network"):
        value = settings.get(name)
        if name == "node_network" and value in (None, ""):
            continue
        try:
            networks[f"rktnetes_{name}"] = addressing.network(value, f"rktnetes_{name}")
        except addressing.PlanError as exc:
            problems.append(f"{exc}; give it as address/prefix with the host bits zero")
    if len(networks) >= 2:
        for a, b in addressing.overlapping(networks):
            problems.append(f"{a} {networks[a]} overlaps {b} {networks[b]}: the three networks must be disjoint")
    node_net = networks.get("rktnetes_node_network")
    if node_net:
        for ip, host in sorted(seen_ips.items(), key=lambda item: item[1]):
            if ip not in node_net:
                problems.append(f"rktnetes_node_ip of {host}: {ip} is outside rktnetes_node_network {node_net}")

    plan["node_ips"] = {host: str(ip) for ip, host in sorted(seen_ips.items(), key=lambda item: item[1])}
    if max_pods is not None:
        plan["max_pods"] = max_pods
    if "rktnetes_service_cidr" in networks:
        plan["service_cidr"] = str(networks["rktnetes_service_cidr"])
        try:
            plan["service"] = addressing.service_addresses(
                networks["rktnetes_service_cidr"], settings.get("api_service_ip"), settings.get("cluster_dns_ip")
            )
        except addressing.PlanError as exc:
            problems.append(str(exc))

    if "rktnetes_cluster_cidr" in networks and mask is not None:
        try:
            existing = {h: v["pod_subnet"] for h, v in hosts.items() if h in nodes and v.get("pod_subnet")}
            plan["pod_subnets"] = addressing.plan_pod_subnets(nodes, networks["rktnetes_cluster_cidr"], mask, existing)
            plan["cluster_cidr"] = str(networks["rktnetes_cluster_cidr"])
        except addressing.PlanError as exc:
            problems.append(str(exc))
        else:
            if plan["pod_subnets"] and max_pods is not None:
                capacity = addressing.node_subnet_capacity(next(iter(plan["pod_subnets"].values())))
                if max_pods > capacity:
                    problems.append(
                        f"rktnetes_max_pods: {max_pods} exceeds the {capacity} pod addresses of a "
                        f"/{mask} node subnet; lower rktnetes_max_pods or rktnetes_node_cidr_mask_size"
                    )
    return problems, plan

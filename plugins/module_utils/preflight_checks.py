# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Controller-side preflight: every problem with the inventory and the cluster settings, all at
once, each naming the variable or host, the value seen and what to do. No host is contacted."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
from urllib.parse import urlsplit

from ansible_collections.rktnetes.cluster.plugins.module_utils import addressing, artifacts

IMAGE_REGISTRY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?\Z")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
STAGE1_FLAVORS = ("coreos", "host", "fly")
# A version of a component whose only rule is the artifacts table's (a pin, or the mirror's
# checksum file): x.y.z with an optional build label, nothing that could reach a path otherwise.
VERSION_SYNTAX = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?\Z")
# The strings Ansible's `bool` filter (which the kubelet and host checks apply) reads one way.
BOOL_STRINGS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

# kube-apiserver v1.10 validateClusterIPFlags (cmd/kube-apiserver/app/options/validation.go):
# `if bits-ones > 20 { "specified --service-cluster-ip-range is too large" }`, for both families.
SERVICE_CIDR_MAX_HOST_BITS = 20
# Ports the cluster's own components hold on its hosts (the v1.10 defaults the roles keep; etcd's
# are the etcd role's): an API server or load balancer port among them fails to bind, or takes
# the other component's place.
RESERVED_PORTS = {
    2379: "etcd's client port",
    2380: "etcd's peer port",
    10248: "the kubelet's healthz port",
    10249: "kube-proxy's metrics port",
    10250: "the kubelet's port",
    10251: "kube-scheduler's port",
    10252: "kube-controller-manager's port",
    10256: "kube-proxy's healthz port",
    15441: "rkt's API service port",
}
# kube-apiserver v1.10 --service-node-port-range default (pkg/kubeapiserver/options:
# DefaultServiceNodePortRange = {Base: 30000, Size: 2768}): kube-proxy holds each NodePort open
# on every node, so a NodePort service could take the API server's or load balancer's port.
NODE_PORT_RANGE = (30000, 32767)
# Networks no pod, service or node address may come from: Linux drops packets with a loopback or
# "this network" address as martians, link-local addresses are never routed off their link
# (RFC 3927, RFC 4291), multicast and limited-broadcast addresses are no host's.
SPECIAL_NETWORKS = {
    4: [
        (ipaddress.ip_network("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
        (ipaddress.ip_network("127.0.0.0/8"), "loopback (127.0.0.0/8)"),
        (ipaddress.ip_network("169.254.0.0/16"), "link-local (169.254.0.0/16)"),
        (ipaddress.ip_network("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
        (ipaddress.ip_network("255.255.255.255/32"), "the limited broadcast address 255.255.255.255"),
    ],
    6: [
        (ipaddress.ip_network("::/128"), "the unspecified address ::"),
        (ipaddress.ip_network("::1/128"), "loopback (::1)"),
        (ipaddress.ip_network("::ffff:0:0/96"), "IPv4-mapped (::ffff:0:0/96)"),
        (ipaddress.ip_network("fe80::/10"), "link-local (fe80::/10)"),
        (ipaddress.ip_network("ff00::/8"), "multicast (ff00::/8)"),
    ],
}
IPV4_ONLY = (
    "Kubernetes v1.10 has no dual stack, and this collection sets up IPv4 clusters only (host-gw "
    "routes and iptables masquerade in the cni role, https://<ip>:<port> URLs): use IPv4"
)
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


def _bool_problem(variable, value):
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in BOOL_STRINGS):
        return None
    return f"{variable}: must be true or false (got {value!r})"


def _version_syntax_problem(component, version):
    """Components the supported matrix does not pin to a series (the CNI plugins, CoreDNS): the
    artifacts table decides which versions exist; here only the form, which reaches file names."""
    if version is None:
        return None
    if isinstance(version, str) and VERSION_SYNTAX.match(version):
        return None
    return (
        f"rktnetes_{component}_version: {version!r} is not a version like 1.2.3 or 1.2.3-<build label>; "
        "quote it in YAML so that it stays a string"
    )


def cluster_domain_problem(domain):
    """kubeadm v1.10 ValidateNetworking: ValidateDNS1123Subdomain(DNSDomain); labels of at most
    63 characters (RFC 1035), and kubernetes.default.svc.<domain>, a name in the API server's
    certificate, within the 253 characters of a DNS name."""
    variable = "rktnetes_cluster_domain"
    longest = 253 - len("kubernetes.default.svc.")
    if not isinstance(domain, str) or not domain:
        return f"{variable}: must be a DNS domain such as cluster.local (got {domain!r})"
    if len(domain) > longest or not all(DNS_LABEL.match(label) for label in domain.split(".")):
        return (
            f"{variable}: {domain!r} is not a DNS-1123 subdomain of at most {longest} characters (lowercase "
            "letters, digits and '-', dot-separated labels of at most 63 characters, no trailing dot), as "
            "kubeadm requires of the cluster domain; the kubelet's --cluster-domain, CoreDNS's zone and the "
            "API server certificate's kubernetes.default.svc.<domain> use it. Use a name such as cluster.local"
        )
    return None


def mirror_problem(mirror, variable="artifacts_mirror", is_dir=os.path.isdir):
    """None when `mirror` is empty (upstream), an existing absolute directory on the controller or
    an http(s):// base URL that file paths can be appended to; else what is wrong with it."""
    if mirror is None or mirror == "":
        return None
    fix = "give an absolute directory on the controller (/srv/rktnetes) or an http(s):// base URL, or leave it empty"
    if not isinstance(mirror, str):
        return f"{variable}: {mirror!r} is not a path or URL; {fix}"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in mirror):
        return f"{variable}: {mirror!r} contains white space or control characters; {fix}"
    if mirror.startswith("/"):
        if not is_dir(mirror):
            return (
                f"{variable}: {mirror!r} is not a directory on the controller, where the artifacts are read "
                f"from; create it (docs/artifacts.md shows its layout) or {fix}"
            )
        return None
    try:
        parts = urlsplit(mirror)
        port = parts.port
    except ValueError as exc:
        return f"{variable}: {mirror!r} is not a valid URL ({exc}); {fix}"
    if parts.scheme.lower() in ("http", "https"):
        if not parts.hostname or port == 0:
            return f"{variable}: {mirror!r} names no host (or port 0); {fix}"
        if parts.query or parts.fragment or mirror.endswith(("?", "#")):
            return (
                f"{variable}: {mirror!r} has a query or fragment, which would end up in the middle of every "
                f"artifact's URL (the paths are appended); {fix}"
            )
        return None
    if parts.scheme:
        return f"{variable}: {mirror!r} is a {parts.scheme}: URL; only http and https are fetched: {fix}"
    return f"{variable}: {mirror!r} is a relative path; {fix}"


def _node_ip_problem(host, ip):
    """Why `ip` can never be a node's address, or None: the kubelet v1.10 refuses a --node-ip that
    is loopback, multicast, link-local unicast or all zeros (validateNodeIP,
    pkg/kubelet/kubelet_node_status.go); the limited broadcast address is no host's either."""
    label = f"rktnetes_node_ip of {host}: {ip}"
    if ip.version == 6 and ip.scope_id:
        return (
            f"{label} carries an interface zone (%{ip.scope_id}): the kubelet's --node-ip, etcd's URLs and the "
            "certificates take a plain address; give the address without %zone"
        )
    if ip.version == 6 and ip.ipv4_mapped:
        return f"{label} is an IPv4-mapped IPv6 address; give the IPv4 address {ip.ipv4_mapped} itself"
    for test, what in (
        (ip.is_unspecified, "the unspecified (all-zeros) address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_link_local, "a link-local address"),
        (ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"), "the limited broadcast address"),
    ):
        if test:
            return (
                f"{label} is {what}, which can never be a node's address (the kubelet refuses such a --node-ip); "
                "set ansible_host or rktnetes_node_ip to the address the other hosts reach this one at"
            )
    return None


def _family_problems(items):
    """items: [(label, address or network)]. Every IPv6 one is a problem (see IPV4_ONLY); when
    IPv4 ones are there too, the message says the cluster mixes the two families."""
    reference = next(((label, value) for label, value in items if value.version == 4), None)
    problems = []
    for label, value in items:
        if value.version == 6:
            kind = "address" if isinstance(value, ipaddress.IPv6Address) else "network"
            mixed = (
                f" while {reference[0]} {reference[1]} is IPv4: one cluster must use one address family for its "
                "pods, services and nodes"
                if reference
                else ""
            )
            problems.append(f"{label}: {value} is an IPv6 {kind}{mixed}. {IPV4_ONLY}")
    return problems


def _network_problems(networks):
    problems = []
    for variable, net in networks.items():
        for special, what in SPECIAL_NETWORKS[net.version]:
            if net.overlaps(special):
                problems.append(
                    f"{variable}: {net} overlaps {what}, from which no pod, service or node address can come; "
                    "choose a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
                )
    services = networks.get("rktnetes_service_cidr")
    if services and services.max_prefixlen - services.prefixlen > SERVICE_CIDR_MAX_HOST_BITS:
        smallest = services.max_prefixlen - SERVICE_CIDR_MAX_HOST_BITS
        problems.append(
            f"rktnetes_service_cidr: {services} is too large: kube-apiserver v1.10 refuses a "
            f"--service-cluster-ip-range of more than 2^{SERVICE_CIDR_MAX_HOST_BITS} addresses; use a prefix of "
            f"/{smallest} or longer (the default is 10.96.0.0/12)"
        )
    return problems


def _node_ip_network_problems(host, ip, networks):
    problems = []
    for variable, why in (
        ("rktnetes_cluster_cidr", "the pods' addresses, which every node routes to the pod subnets"),
        ("rktnetes_service_cidr", "the service addresses, whose traffic kube-proxy rewrites on every node"),
    ):
        net = networks.get(variable)
        if net and net.version == ip.version and ip in net:
            problems.append(
                f"rktnetes_node_ip of {host}: {ip} is inside {variable} {net} ({why}); give the host an "
                f"address outside it or choose another {variable}"
            )
    node_net = networks.get("rktnetes_node_network")
    if node_net and node_net.version == ip.version:
        if ip not in node_net:
            problems.append(f"rktnetes_node_ip of {host}: {ip} is outside rktnetes_node_network {node_net}")
        elif (
            node_net.version == 4
            and node_net.prefixlen <= 30
            and ip in (node_net.network_address, node_net.broadcast_address)
        ):
            which = "network" if ip == node_net.network_address else "broadcast"
            problems.append(
                f"rktnetes_node_ip of {host}: {ip} is the {which} address of rktnetes_node_network {node_net}, which "
                "no host can have; give the host's own address"
            )
    return problems


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
    # An etcd cluster alone (etcd.yml) has neither; a Kubernetes cluster needs both.
    if nodes and not control:
        problems.append("inventory group 'control_plane': has no hosts; put at least one host in it")
    if control and not nodes:
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
        unfit = _node_ip_problem(host, ip)
        if unfit:
            problems.append(unfit)
        if ip in seen_ips:
            problems.append(
                f"rktnetes_node_ip of {host}: {ip} is also the node IP of {seen_ips[ip]}; node IPs must be unique"
            )
        seen_ips[ip] = host

    for component in ("kubernetes", "rkt", "etcd"):
        problem = _version_problem(component, settings.get(f"{component}_version"))
        if problem:
            problems.append(problem)
    for component in ("cni_plugins", "coredns"):
        problem = _version_syntax_problem(component, settings.get(f"{component}_version"))
        if problem:
            problems.append(problem)

    mirror = mirror_problem(settings.get("artifacts_mirror"))
    if mirror:
        problems.append(mirror)

    for problem in settings.get("artifact_problems") or []:
        variable = problem.split(":", 1)[0]
        if not any(seen.startswith(variable + ":") for seen in problems):
            problems.append(problem)

    flavor = settings.get("stage1_flavor")
    if flavor not in STAGE1_FLAVORS:
        problems.append(
            f"rktnetes_stage1_flavor: {flavor!r} is no stage1 rkt ships; use one of {', '.join(STAGE1_FLAVORS)}"
        )

    swap = _bool_problem("rktnetes_fail_swap_on", settings.get("fail_swap_on"))
    if swap:
        problems.append(swap)

    domain = cluster_domain_problem(settings.get("cluster_domain", "cluster.local"))
    if domain:
        problems.append(domain)

    mask_problem, mask = _int_problem("rktnetes_node_cidr_mask_size", settings.get("node_cidr_mask_size"), 8, 30)
    pods_problem, max_pods = _int_problem("rktnetes_max_pods", settings.get("max_pods"), 1, 65536)
    problems.extend(p for p in (mask_problem, pods_problem) if p)

    networks = {}
    for name in ("cluster_cidr", "service_cidr", "node_network"):
        value = settings.get(name)
        if name == "node_network" and value in (None, ""):
            continue
        try:
            if "/" not in str(value) or "%" in str(value):
                raise addressing.PlanError(f"rktnetes_{name}: {value!r} is not a network in CIDR form")
            networks[f"rktnetes_{name}"] = addressing.network(value, f"rktnetes_{name}")
        except addressing.PlanError as exc:
            problems.append(f"{exc}; give it as address/prefix with the host bits zero")
    if len(networks) >= 2:
        for a, b in addressing.overlapping(networks):
            problems.append(f"{a} {networks[a]} overlaps {b} {networks[b]}: the three networks must be disjoint")
    problems.extend(_network_problems(networks))
    for ip, host in sorted(seen_ips.items(), key=lambda item: item[1]):
        problems.extend(_node_ip_network_problems(host, ip, networks))

    # One address family: the networks, the node IPs, the pod subnets and the service IPs given.
    family_items = list(networks.items())
    family_items += [(f"rktnetes_node_ip of {host}", ip) for ip, host in sorted(seen_ips.items(), key=lambda i: i[1])]
    for host in sorted(hosts):
        with contextlib.suppress(KeyError, ValueError):  # none, or not a network: the pod subnet plan says so
            family_items.append((f"pod subnet of {host}", ipaddress.ip_network(str(hosts[host]["pod_subnet"]))))
    for key, variable in (("api_service_ip", "rktnetes_api_service_ip"), ("cluster_dns_ip", "rktnetes_cluster_dns_ip")):
        with contextlib.suppress(ValueError):  # unset, or not an address: the service plan says so
            family_items.append((variable, ipaddress.ip_address(str(settings.get(key)))))
    family_problems = _family_problems(family_items)
    problems.extend(family_problems)

    plan["node_ips"] = {host: str(ip) for ip, host in sorted(seen_ips.items(), key=lambda item: item[1])}
    api_problems, api = api_endpoints(control, nodes, plan["node_ips"], settings)
    problems.extend(api_problems)
    if api:
        plan["api"] = api
    registry = str(settings.get("image_registry") or "")
    registry_port = registry.rpartition(":")[2] if ":" in registry else "1"
    if registry and (not IMAGE_REGISTRY.match(registry) or not 1 <= int(registry_port or 0) <= 65535):
        problems.append(
            f"rktnetes_image_registry: {registry!r} must be a registry's host[:port] (no scheme, no path, a port "
            "in 1..65535), e.g. registry.example.com:5000"
        )
    else:
        plan["images"] = {}
        for entry in settings.get("images") or []:
            plan["images"].setdefault(entry["name"], {})[entry["arch"]] = {
                "image": artifacts.image_reference(entry, registry),
                "digest": entry["checksum"],
            }
    if max_pods is not None:
        plan["max_pods"] = max_pods
    if "rktnetes_service_cidr" in networks:
        services = networks["rktnetes_service_cidr"]
        plan["service_cidr"] = str(services)
        api_ip = settings.get("api_service_ip")
        first = services.network_address + 1
        if api_ip not in (None, ""):
            try:
                given = addressing.address(api_ip, "rktnetes_api_service_ip")
            except addressing.PlanError as exc:
                problems.append(f"{exc}; leave it unset")
                api_ip = None
            else:
                if given != first:
                    # kube-apiserver v1.10 DefaultServiceIPRange (pkg/master/services.go):
                    # apiServerServiceIP = ipallocator.GetIndexedIP(&serviceClusterIPRange, 1)
                    problems.append(
                        f"rktnetes_api_service_ip: {api_ip} is not the first address of rktnetes_service_cidr "
                        f"{services}: kube-apiserver v1.10 always gives the kubernetes service {first}, and the API "
                        "server certificate must name that address; leave rktnetes_api_service_ip unset"
                    )
                    api_ip = None
        try:
            plan["service"] = addressing.service_addresses(services, api_ip, settings.get("cluster_dns_ip"))
        except addressing.PlanError as exc:
            problems.append(str(exc))

    if "rktnetes_cluster_cidr" in networks and mask is not None and not family_problems:
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


def _port_use_problem(variable, port):
    if port in RESERVED_PORTS:
        return (
            f"{variable}: {port} is {RESERVED_PORTS[port]} on the cluster's hosts; choose another port "
            "(6443 is the usual one)"
        )
    if NODE_PORT_RANGE[0] <= port <= NODE_PORT_RANGE[1]:
        return (
            f"{variable}: {port} is in the NodePort range {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}, whose ports "
            "kube-proxy holds open on every node for NodePort services; choose a port outside it "
            "(6443 is the usual one)"
        )
    return None


def _external_url_problem(url):
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"rktnetes_api_server_url: {url!r} is not a valid URL ({exc}); give https://<host>[:<port>]"
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        return (
            f"rktnetes_api_server_url: {url!r} must be https://<host>[:<port>] (a load balancer in front of every "
            "API server, with the host among the API server certificate's names); leave it unset for the "
            "node-local load balancers"
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"rktnetes_api_server_url: {url!r} has a bad port; give one in 1..65535 or none (443)"
    return None


def api_endpoints(control, nodes, node_ips, settings):
    """How every host reaches the API servers: (problems, plan["api"]).

    Control-plane hosts use their own API server on loopback. Every other host that runs a kubelet
    or kube-proxy reaches all of them through a node-local load balancer on loopback (the api_lb
    role), so losing any one control-plane host leaves it connected. rktnetes_api_server_url (an
    external load balancer) replaces both when set.
    """
    problems = []
    port_problem, port = _int_problem("rktnetes_api_server_port", settings.get("api_server_port", 6443), 1, 65535)
    lb_problem, lb_port = _int_problem("rktnetes_api_lb_port", settings.get("api_lb_port", 6443), 1, 65535)
    problems.extend(p for p in (port_problem, lb_problem) if p)
    for variable, value in (("rktnetes_api_server_port", port), ("rktnetes_api_lb_port", lb_port)):
        use_problem = value is not None and _port_use_problem(variable, value)
        if use_problem:
            problems.append(use_problem)
    external = settings.get("api_server_url") or ""
    if external:
        url_problem = _external_url_problem(str(external))
        if url_problem:
            problems.append(url_problem)
    if problems or not control or any(host not in node_ips for host in control):
        return problems, None
    external = str(external).rstrip("/")
    lb_hosts = [] if external else [host for host in nodes if host not in control]
    urls = {}
    for host in dict.fromkeys(control + nodes):
        if external:
            urls[host] = external
        elif host in control:
            urls[host] = f"https://127.0.0.1:{port}"
        else:
            urls[host] = f"https://127.0.0.1:{lb_port}"
    return problems, {
        "port": port,
        "lb_port": lb_port,
        "external_url": external,
        "backends": [{"name": host, "address": node_ips[host], "port": port} for host in control],
        "lb_hosts": lb_hosts,
        "urls": urls,
        "admin_url": external or f"https://{node_ips[control[0]]}:{port}",
    }

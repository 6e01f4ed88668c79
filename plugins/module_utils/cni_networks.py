# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Read CNI network configs and host-local IPAM state on a node (used by `pod_capacity`)."""

from __future__ import annotations

import ipaddress
import json
import os

from ansible_collections.rktnetes.cluster.plugins.module_utils.addressing import PlanError, ipam_capacity

RKT_NET_DIR = "/etc/rkt/net.d"
# rkt's built-in `default` network (ptp + host-local), used unless /etc/rkt/net.d overrides it.
RKT_DEFAULT_NETWORK = {"name": "default", "type": "ptp", "ipam": {"type": "host-local", "subnet": "172.16.28.0/24"}}


def read_networks(conf_dirs):
    """[(name, path, config)] for every .conf/.conflist in `conf_dirs`, each dir in file-name order
    (the order the kubelet and rkt load them in). A .conflist is reduced to its plugin that has
    an IPAM section."""
    found = []
    for conf_dir in conf_dirs:
        if not os.path.isdir(conf_dir):
            continue
        for entry in sorted(os.listdir(conf_dir)):
            path = os.path.join(conf_dir, entry)
            if not entry.endswith((".conf", ".conflist", ".json")) or not os.path.isfile(path):
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    config = json.load(handle)
            except (OSError, ValueError) as exc:
                raise PlanError(f"{path}: not a readable CNI network config ({exc})") from None
            if not isinstance(config, dict) or "name" not in config:
                raise PlanError(f"{path}: a CNI network config needs a 'name'")
            if entry.endswith(".conflist"):
                plugins = config.get("plugins") or []
                with_ipam = [p for p in plugins if isinstance(p, dict) and "ipam" in p]
                config = {"name": config["name"], **(with_ipam[0] if with_ipam else {})}
            found.append((config["name"], path, config))
    overridden = any(name == "default" and path.startswith(RKT_NET_DIR) for name, path, _config in found)
    if RKT_NET_DIR in conf_dirs and not overridden:
        found.append(("default", "rkt built-in", RKT_DEFAULT_NETWORK))
    return found


def used_addresses(state_dir):
    """Addresses host-local has handed out: its state dir holds one file per address (plus
    `lock` and `last_reserved_ip.*`)."""
    if not os.path.isdir(state_dir):
        return 0
    count = 0
    for entry in os.listdir(state_dir):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            continue
        count += 1
    return count


def network_usage(name, path, config, default_state_dir):
    """{'capacity', 'used', 'free', 'config', 'ipam'} of one network; capacity None when its IPAM
    is not host-local (nothing to count)."""
    ipam = config.get("ipam") or {}
    usage = {"config": path, "ipam": ipam.get("type")}
    if ipam.get("type") != "host-local":
        return {**usage, "capacity": None, "used": None, "free": None}
    capacity = ipam_capacity(ipam, f"{path} ipam")
    used = used_addresses(os.path.join(ipam.get("dataDir") or default_state_dir, name))
    return {**usage, "capacity": capacity, "used": used, "free": max(capacity - used, 0)}

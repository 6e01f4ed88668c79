#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pod_capacity
short_description: How many pods a node's CNI networks can address, and the kubelet limit that fits
version_added: 0.1.0
description:
  - Reads the CNI network configs that matter on a node (the kubelet's CNI conf dir and rkt's
    C(/etc/rkt/net.d), C(.conf) and C(.conflist) files, and rkt's built-in C(default) network
    unless a file overrides it) and computes how many pod addresses each host-local network holds
    (C(subnet), C(rangeStart), C(rangeEnd), C(gateway) or C(ranges); network, broadcast and
    gateway excluded).
  - Counts the addresses in use from host-local's state (one file per address under
    C(<dataDir or ipam_state_dir>/<network name>/)) and, when asked, the pods rkt is running.
  - Returns the limit the kubelet should be started with, the lower of O(max_pods) and what the
    checked network can address. In C(enforce) mode it fails when O(max_pods) does not fit or
    fewer than O(reserve) addresses are free.
  - Only reads; check mode runs the same checks.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
options:
  max_pods:
    description:
      - The C(--max-pods) wanted for the kubelet. Without it, RV(effective_limit) is the checked
        network's capacity and only O(reserve) is enforced.
    type: int
  network:
    description:
      - Name of the network to check. Defaults to the one the kubelet uses, the first config
        (in file-name order) of the first directory of O(conf_dirs).
    type: str
  conf_dirs:
    description:
      - Directories of CNI network configs, the kubelet's CNI conf dir first.
    type: list
    elements: path
    default: [/etc/cni/net.d, /etc/rkt/net.d]
  ipam_state_dir:
    description:
      - host-local's state directory for networks whose IPAM sets no C(dataDir).
    type: path
    default: /var/lib/cni/networks
  reserve:
    description:
      - Addresses to keep free on the checked network.
    type: int
    default: 0
  mode:
    description:
      - V(enforce) fails when the numbers do not fit; V(report) only returns them.
    type: str
    choices: [enforce, report]
    default: enforce
  count_pods:
    description:
      - Also count the pods rkt is running (C(rkt list)).
    type: bool
    default: false
  rkt_path:
    description:
      - The rkt binary, for O(count_pods).
    type: path
    default: /usr/local/bin/rkt
"""

EXAMPLES = r"""
- name: Fail before the kubelet starts if 110 pods do not fit this node's pod network
  rktnetes.cluster.pod_capacity:
    max_pods: 110
    conf_dirs: [/etc/cni/net.d]
    ipam_state_dir: /run/cni/networks
  register: capacity

- name: Start the kubelet with what fits
  ansible.builtin.debug:
    msg: "--max-pods={{ capacity.effective_limit }}"

- name: Report every network on the node, rkt's included, without failing
  rktnetes.cluster.pod_capacity:
    mode: report
    count_pods: true
"""

RETURN = r"""
networks:
  description: Each network found, by name.
  returned: always
  type: dict
  sample:
    rktnetes: {capacity: 253, used: 4, free: 249, config: /etc/cni/net.d/10-rktnetes.conf, ipam: host-local}
    default: {capacity: 253, used: 0, free: 253, config: rkt built-in, ipam: host-local}
  contains:
    capacity:
      description: Addresses the network can hand out (null when its IPAM is not host-local).
      type: int
    used:
      description: Addresses handed out, from host-local's state.
      type: int
    free:
      description: RV(networks.capacity) minus RV(networks.used).
      type: int
    config:
      description: The config file (or C(rkt built-in)).
      type: str
    ipam:
      description: The IPAM plugin type.
      type: str
network:
  description: The network checked.
  returned: always
  type: str
  sample: rktnetes
effective_limit:
  description: The C(--max-pods) the kubelet should be started with on this node.
  returned: always
  type: int
  sample: 110
rkt_pods:
  description: Pods rkt is running, with O(count_pods).
  returned: when O(count_pods) is true
  type: int
  sample: 3
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils.addressing import PlanError, effective_max_pods
from ansible_collections.rktnetes.cluster.plugins.module_utils.cni_networks import network_usage, read_networks


UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f-]+)?")


def count_rkt_pods(module):
    rc, out, err = module.run_command([module.params["rkt_path"], "list", "--no-legend"])
    if rc != 0:
        module.fail_json(msg=f"rkt list failed ({module.params['rkt_path']}): {err.strip()}")
    # One line per app; a pod's first line starts with its UUID. Columns: UUID APP IMAGE STATE ...
    pods = (line.split() for line in out.splitlines())
    return sum(1 for fields in pods if fields and UUID.fullmatch(fields[0]) and "running" in fields)


def main():
    module = AnsibleModule(
        argument_spec={
            "max_pods": {"type": "int"},
            "network": {"type": "str"},
            "conf_dirs": {"type": "list", "elements": "path", "default": ["/etc/cni/net.d", "/etc/rkt/net.d"]},
            "ipam_state_dir": {"type": "path", "default": "/var/lib/cni/networks"},
            "reserve": {"type": "int", "default": 0},
            "mode": {"type": "str", "choices": ["enforce", "report"], "default": "enforce"},
            "count_pods": {"type": "bool", "default": False},
            "rkt_path": {"type": "path", "default": "/usr/local/bin/rkt"},
        },
        supports_check_mode=True,
    )
    p = module.params
    for name in ("max_pods", "reserve"):
        if p[name] is not None and p[name] < 0:
            module.fail_json(msg=f"{name} must not be negative (got {p[name]})")
    try:
        found = read_networks(p["conf_dirs"])
        networks = {name: network_usage(name, path, config, p["ipam_state_dir"]) for name, path, config in found}
    except PlanError as exc:
        module.fail_json(msg=str(exc))
    if not networks:
        module.fail_json(msg=f"no CNI network config found in {', '.join(p['conf_dirs'])}")

    checked = p["network"] or found[0][0]
    if checked not in networks:
        module.fail_json(msg=f"network {checked!r} not found; networks here: {', '.join(sorted(networks))}")
    usage = networks[checked]
    result = {"changed": False, "networks": networks, "network": checked}
    if p["count_pods"]:
        result["rkt_pods"] = count_rkt_pods(module)

    if usage["capacity"] is None:
        if p["mode"] == "enforce":
            module.fail_json(
                msg=f"network {checked!r} uses {usage['ipam']} IPAM: its capacity cannot be computed", **result
            )
        result["effective_limit"] = p["max_pods"]
        module.exit_json(**result)

    result["effective_limit"] = (
        usage["capacity"] if p["max_pods"] is None else effective_max_pods(p["max_pods"], usage["capacity"])
    )
    problems = []
    if p["max_pods"] is not None and p["max_pods"] > usage["capacity"]:
        problems.append(
            f"max_pods {p['max_pods']} exceeds the {usage['capacity']} pod addresses of network {checked!r} "
            f"({usage['config']}): lower max_pods to {usage['capacity']} or give the node a larger pod subnet"
        )
    if usage["free"] < p["reserve"]:
        problems.append(
            f"network {checked!r} has {usage['free']} free addresses ({usage['used']} of {usage['capacity']} used), "
            f"fewer than reserve {p['reserve']}"
        )
    if problems and p["mode"] == "enforce":
        module.fail_json(msg="; ".join(problems), **result)
    if problems:
        result["warnings"] = problems
    module.exit_json(**result)


if __name__ == "__main__":
    main()

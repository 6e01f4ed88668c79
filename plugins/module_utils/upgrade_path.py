# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What runs on each host against what the inventory asks for: which hosts an upgrade touches,
and every move the collection refuses (a downgrade, a jump out of Kubernetes v1.10, a new etcd
major version), each naming the host, both versions and what to do."""

from __future__ import annotations

import re

RELEASE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
# What a host runs, by the binary that says it: `<binary> --version` output.
VERSION_OUTPUT = {
    "kubernetes": re.compile(r"Kubernetes (v\d+\.\d+\.\d+)"),
    "etcd": re.compile(r"etcd Version: (\d+\.\d+\.\d+)"),
}


def release(version):
    """(major, minor, patch) of 'v1.10.5', '1.10.5-local' or '3.4.23-debian'; None if it is none."""
    match = RELEASE.match(str(version or "").strip())
    return tuple(int(part) for part in match.groups()) if match else None


def running_versions(output):
    """{component: version} from the `--version` lines a host printed (missing binaries left out)."""
    found = {}
    for component, pattern in VERSION_OUTPUT.items():
        match = pattern.search(output or "")
        if match:
            found[component] = match.group(1)
    return found


def refusals(host, running, wanted):
    """Why moving `host` from `running` to `wanted` (both {component: version}) is refused."""
    problems = []
    for component, version in sorted(wanted.items()):
        now, then = release(running.get(component)), release(version)
        if now is None or then is None or now == then:
            continue
        variable = f"rktnetes_{component}_version"
        shown = f"{variable} {version} but {host} runs {running[component]}"
        if then < now:
            problems.append(
                f"{shown}: that is a downgrade, which the collection never does (etcd's data and the API objects "
                f"may not go back); set {variable} to {running[component]} or newer (upgrade.yml)"
            )
        elif component == "kubernetes" and then[:2] != now[:2]:
            problems.append(f"{shown}: only v1.10 patch releases are supported (v1.11 has no rkt runtime)")
        elif component == "etcd" and then[0] != now[0]:
            problems.append(
                f"{shown}: a new etcd major version is a migration, not an upgrade; this collection runs 3.x"
            )
    return problems


def plan(running_by_host, wanted, groups):
    """Which hosts of each phase run another version than `wanted`, and every refusal.

    running_by_host: {host: {component: version}}; wanted: {component: version}; groups: the
    inventory's etcd, control_plane and nodes. A host of a phase whose binary is missing was never
    deployed: it is a problem (run site.yml or scale.yml for it first)."""
    problems, phases = [], {"etcd": [], "control_plane": [], "nodes": []}
    component_of = {"etcd": "etcd", "control_plane": "kubernetes", "nodes": "kubernetes"}
    for host in sorted(running_by_host):
        problems += refusals(host, running_by_host[host], wanted)
    for phase, component in component_of.items():
        for host in groups.get(phase) or []:
            running = (running_by_host.get(host) or {}).get(component)
            if running is None:
                problems.append(
                    f"{host} ({phase}) runs no {component} yet: deploy it first (site.yml, or scale.yml for a node), "
                    "then upgrade"
                )
            elif release(running) != release(wanted[component]):
                phases[phase].append(host)
    return {**phases, "problems": problems}

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Upgrade filters; the decisions live in module_utils/upgrade_path.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

upgrade_path = LazyModuleUtils("upgrade_path")


def _wanted(versions):
    if not isinstance(versions, dict):
        raise AnsibleFilterError("expects the wanted versions as a dictionary (artifacts_plan.versions)")
    return {component: versions[component] for component in ("kubernetes", "etcd") if versions.get(component)}


def version_refusals(output, host, versions):
    """Why the versions a host runs (its binaries' --version output) may not become `versions`."""
    return upgrade_path.refusals(host, upgrade_path.running_versions(output), _wanted(versions))


def upgrade_plan(outputs, versions, groups):
    """{etcd, control_plane, nodes: [hosts to upgrade], problems} from each host's --version output."""
    if not isinstance(outputs, dict):
        raise AnsibleFilterError("upgrade_plan: expects {host: --version output}")
    running = {host: upgrade_path.running_versions(text) for host, text in outputs.items()}
    return upgrade_path.plan(running, _wanted(versions), dict(groups))


class FilterModule:
    def filters(self):
        return {"version_refusals": version_refusals, "upgrade_plan": upgrade_plan}

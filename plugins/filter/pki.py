# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""PKI filters; the decisions live in module_utils/pki_store.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

pki_plan = LazyModuleUtils("pki_plan")
pki_store = LazyModuleUtils("pki_store")


def pki_recovery(controller, holder_results, guarded, cas, replace_ca=False, pki_dir="the PKI directory"):
    """What the controller restores from which host, and every reason to stop (see pki_recovery.yml)."""
    if not isinstance(controller, dict) or not isinstance(holder_results, list):
        raise AnsibleFilterError("pki_recovery: expects the controller's files and a list of loop results")
    reports = {}
    for result in holder_results:
        answered = not (result.get("unreachable") or result.get("failed") or "files" not in result)
        reports[result["item"]] = {"files": result["files"], "trusted": result.get("trusted", {})} if answered else None
    return pki_store.recovery_plan(controller, reports, list(guarded), list(cas), bool(replace_ca), pki_dir)


def pki_mirror_files(leaves, authorities, extra=(), only_ca=None):
    """The PKI files a host keeps a copy of, as host_file_entries entries (keys 0600)."""
    if not isinstance(leaves, list) or not isinstance(authorities, (list, dict)):
        raise AnsibleFilterError("pki_mirror_files: expects the leaf certificates and the CA names")
    return [
        {"src": name, "dest": name, "mode": f"{pki_store.file_mode(name):04o}"}
        for name in pki_store.mirror_names(leaves, list(authorities), list(extra), only_ca)
    ]


def pki_leaf_certificates(groups, node_ips, plan=None, domain="cluster.local", extra_sans=(), etcd_group="etcd"):
    """Every leaf certificate of the cluster (see pki_leaf_certificates.yml)."""
    try:
        return pki_plan.leaf_certificates(dict(groups), dict(node_ips or {}), plan, domain, extra_sans, etcd_group)
    except (pki_plan.PlanError, KeyError) as error:
        raise AnsibleFilterError(f"pki_leaf_certificates: {error}") from error


class FilterModule:
    def filters(self):
        return {
            "pki_recovery": pki_recovery,
            "pki_mirror_files": pki_mirror_files,
            "pki_leaf_certificates": pki_leaf_certificates,
        }

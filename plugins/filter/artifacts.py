# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Artifact filters; the resolution lives in module_utils/artifacts.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.module_utils import artifacts


def artifact_plan(
    catalog, versions, arches, names=None, mirror="", mirror_sums="", mirror_sums_name="", stage1_flavor=None
):
    """{'artifacts': {'<name>/<arch>': entry}, 'problems': [...], 'versions': {...}} for the wanted artifacts."""
    if not isinstance(catalog, dict) or not isinstance(versions, dict):
        raise AnsibleFilterError("artifact_plan: the artifacts table and the versions must be dictionaries")
    if isinstance(arches, str):
        arches = [arches]
    return artifacts.plan(
        catalog, versions, list(arches), names, mirror or "", mirror_sums or "", mirror_sums_name, stage1_flavor
    )


class FilterModule:
    def filters(self):
        return {"artifact_plan": artifact_plan}

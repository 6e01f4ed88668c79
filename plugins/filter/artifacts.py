# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Artifact filters; the resolution lives in module_utils/artifacts.py."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

artifact_cache = LazyModuleUtils("artifact_cache")
artifacts = LazyModuleUtils("artifacts")


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


def image_reference(entry, registry="", by_digest=False):
    """Where an image entry of the plan comes from: by tag (what nodes pull) or by digest."""
    if not isinstance(entry, dict) or entry.get("kind") != "image" or not entry.get("checksum"):
        raise AnsibleFilterError("image_reference: expects an image entry of the artifacts plan, with its digest")
    return artifacts.image_reference(entry, registry or "", bool(by_digest))


def artifact_install_problems(install, plan):
    """What is wrong with an artifacts_install list against the plan: a file the table does not list
    for that artifact. One message per file, naming the artifact and the files it has."""
    if not isinstance(install, list) or not isinstance(plan, dict):
        raise AnsibleFilterError("artifact_install_problems: expects the artifacts_install list and the artifacts plan")
    problems = []
    for item in install:
        if not isinstance(item, dict) or "artifact" not in item:
            raise AnsibleFilterError(f"artifact_install_problems: {item!r} is not an {{artifact, files, dest}} entry")
        entry = next(
            (entry for entry in (plan.get("artifacts") or {}).values() if entry.get("name") == item["artifact"]), None
        )
        if entry is None:  # not in the plan: the plan's own problems name it
            continue
        known = list(entry.get("files") or {})
        problems.extend(
            f"artifacts_install: {item['artifact']} has no file {name} (the table lists {', '.join(known)})"
            for name in item.get("files") or []
            if name not in known
        )
    return problems


def artifact_install_files(install, plan, cache_dir, arch="amd64"):
    """The artifacts_install list as the files of the controller's cache each goes to on the host:
    [{src, dest, mode}], in the order asked for."""
    if not isinstance(install, list) or not isinstance(plan, dict):
        raise AnsibleFilterError("artifact_install_files: expects the artifacts_install list and the artifacts plan")
    files = []
    for item in install:
        entry = (plan.get("artifacts") or {}).get(f"{item['artifact']}/{arch}")
        if entry is None:
            raise AnsibleFilterError(f"artifact_install_files: the plan has no {item['artifact']} for {arch}")
        files.extend(
            {
                "src": f"{cache_dir}/{entry['cache_dir']}/files/{name}",
                "dest": f"{item['dest'].rstrip('/')}/{name}",
                "mode": item.get("mode", "0755"),
            }
            for name in item["files"]
        )
    return files


def artifacts_to_verify(plan, install, cache_dir, verified, rehash=False):
    """The plan's entries this run must still fetch or check: never checked (in this run, or by an
    earlier run as the cache's record says, unless `rehash`), or some file that check hashed (cached
    file, manifest, unpacked files) changed since, or a file asked for now that it did not cover.
    Stat only, on the controller; the hashing is artifact_fetch's."""
    if not isinstance(plan, dict) or not isinstance(install, list) or not isinstance(verified, dict):
        raise AnsibleFilterError(
            "artifacts_to_verify: expects the artifacts plan, artifacts_install and this run's verified artifacts"
        )
    cache_dir = os.path.expanduser(cache_dir)  # as the module's `path` option does
    recorded = {} if rehash else artifact_cache.load_record(cache_dir)
    wanted = []
    for key, entry in (plan.get("artifacts") or {}).items():
        asked = sorted(
            {name for item in install if item.get("artifact") == entry["name"] for name in item.get("files") or []}
        )
        archive_path, files_dir = artifact_cache.cache_paths(entry, cache_dir)
        seen = verified.get(key) or artifact_cache.recorded_check(recorded, entry)
        if not artifact_cache.still_verified(seen, entry, archive_path, files_dir, asked):
            wanted.append({**entry, "key": key, "asked": asked})
    return wanted


class FilterModule:
    def filters(self):
        return {
            "artifact_install_files": artifact_install_files,
            "artifact_plan": artifact_plan,
            "image_reference": image_reference,
            "artifact_install_problems": artifact_install_problems,
            "artifacts_to_verify": artifacts_to_verify,
        }

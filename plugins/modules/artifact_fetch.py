#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: artifact_fetch
short_description: Fetch pinned artifacts into the controller's cache, verify them, unpack the files hosts need
version_added: 0.1.0
description:
  - Meant to run on the controller (with C(delegate_to) V(localhost) and C(run_once)), so that each
    file is downloaded once however many hosts need it. It takes one artifact (O(artifact)) or
    several, handled one after the other in one module run (O(artifacts)).
  - The cached file is verified against its checksum, and its unpacked files against the manifest,
    when they were never checked or one of them changed since the last check (its inode, size,
    mtime or ctime; any write moves the ctime, which no program can set back), as the record
    C(verified.json) at the root of O(cache_dir) says, and on every run with O(rehash). A missing or
    corrupted cache file is fetched again; a download that does not match is deleted and the module fails with
    the expected and actual checksums, the source, the upstream URL and the path in the mirror.
  - A missing artifact fails with the upstream URL and the path where a mirror should hold it.
  - The files the hosts get are kept unpacked next to the download, with a manifest of their
    sha256, and unpacked again when any of them no longer matches.
  - Entries come from the artifacts table through the P(rktnetes.cluster.artifact_plan#filter) filter.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reports whether it would download or unpack, and does neither.
  diff_mode:
    support: none
    description: The cache is not a managed file.
options:
  artifact:
    description:
      - One resolved entry of the artifact plan (C(artifact_plan(...).artifacts[key])), with at
        least C(name), C(version), C(arch), C(url), C(mirror_path), C(source), C(checksum),
        C(archive), C(files), C(cache_dir) and C(cache_file).
      - Exactly one of O(artifact) and O(artifacts).
    type: dict
  artifacts:
    description:
      - Several entries, each as O(artifact) with its C(key) and the files to keep unpacked in
        C(asked) (what the P(rktnetes.cluster.artifacts_to_verify#filter) filter gives), fetched
        and verified one after the other in one module run; the first failure stops the run.
      - O(files) and O(verified) do not apply; O(verified_by_key) does.
    type: list
    elements: dict
  cache_dir:
    description:
      - Root of the cache on the controller.
    type: path
    required: true
  files:
    description:
      - The entry's files to keep unpacked (besides those already unpacked from the same file).
        Default all of them. Each must be in the archive.
      - When the archive has to be unpacked, the same pass also takes every other file the entry
        lists that the archive holds, so that a later call asking for another file finds it.
    type: list
    elements: str
  mirror:
    description:
      - The mirror in use (a directory or an HTTP(S) base URL), named in error messages.
    type: str
    default: ''
  timeout:
    description:
      - Seconds to wait for an HTTP(S) source.
    type: int
    default: 60
  validate_certs:
    description:
      - Verify HTTPS certificates.
    type: bool
    default: true
  verified:
    description:
      - The RV(verified) an earlier call of the same run returned for this artifact. When the cached
        file, the manifest and every unpacked file still have the inode, size, mtime and ctime that
        call saw, and it covered the files asked for now, nothing is hashed again.
      - Across runs the record in O(cache_dir) does the same (unless O(rehash)); this is for the
        checks of the current run.
    type: dict
    default: {}
  rehash:
    description:
      - Hash every artifact asked for, whatever the record says (a check of this run passed in
        O(verified) or O(verified_by_key) is still trusted).
    type: bool
    default: false
  verified_by_key:
    description:
      - With O(artifacts), the O(verified) of each artifact, by its C(key).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Fetch etcd into the controller's cache, once
  rktnetes.cluster.artifact_fetch:
    artifact: "{{ artifacts_plan.artifacts['etcd/amd64'] }}"
    cache_dir: ~/.cache/rktnetes/artifacts
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
path:
  description: The verified file in the cache.
  returned: success
  type: str
files_dir:
  description: Directory holding the unpacked files named in the entry's C(files).
  returned: success
  type: str
downloaded:
  description: Whether the file was (or, in check mode, would be) fetched.
  returned: success
  type: bool
replaced:
  description: Whether a cached file failed its checksum and was replaced.
  returned: success
  type: bool
unpacked:
  description: Whether the files for the hosts were (or would be) unpacked again.
  returned: success
  type: bool
verified:
  description:
    - The stat signatures of what this call verified (the cached file, the manifest, the unpacked
      files), for O(verified) of a later call in the same run; empty when check mode left files
      missing.
    - With O(artifacts), the same for each artifact, by its C(key) (for O(verified_by_key)).
  returned: success
  type: dict
results:
  description: With O(artifacts), the result of each artifact (the fields above), in order.
  returned: when O(artifacts) is given
  type: list
  elements: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.rktnetes.cluster.plugins.module_utils.artifact_cache import (
    FetchError,
    NotFound,
    ensure,
    load_record,
    record_checks,
    recorded_check,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.artifacts import ArtifactError

try:
    from urllib.error import HTTPError
except ImportError:  # pragma: no cover - Python 2 is not supported
    HTTPError = None


def make_opener(validate_certs):
    def opener(url, timeout):
        try:
            return open_url(url, timeout=timeout, validate_certs=validate_certs, follow_redirects="all")
        except HTTPError as exc:
            if exc.code == 404:
                raise NotFound(f"HTTP 404 from {url}") from None
            raise FetchError(f"HTTP {exc.code} from {url}: {exc.reason}") from None
        except Exception as exc:  # network errors come in many types; say which
            raise FetchError(f"cannot fetch {url}: {exc}") from None

    return opener


def main():
    module = AnsibleModule(
        argument_spec={
            "artifact": {"type": "dict"},
            "artifacts": {"type": "list", "elements": "dict"},
            "verified_by_key": {"type": "dict", "default": {}, "no_log": False},  # stat signatures by artifact
            "cache_dir": {"type": "path", "required": True},
            "files": {"type": "list", "elements": "str"},
            "mirror": {"type": "str", "default": ""},
            "timeout": {"type": "int", "default": 60},
            "validate_certs": {"type": "bool", "default": True},
            "verified": {"type": "dict", "default": {}},
            "rehash": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    params = module.params
    batch = params["artifacts"] is not None
    if batch == (params["artifact"] is not None):
        module.fail_json(msg="artifact_fetch: give artifact (one) or artifacts (a list), not both or neither")
    opener = make_opener(params["validate_certs"])
    entries = params["artifacts"] if batch else [params["artifact"]]
    results = []
    recorded, checks = {} if params["rehash"] else load_record(params["cache_dir"]), []
    for entry in entries:
        files = entry.get("asked") if batch else params["files"]
        verified = params["verified_by_key"].get(entry.get("key"), {}) if batch else params["verified"]
        verified = verified or recorded_check(recorded, entry)
        try:
            result = ensure(
                entry,
                params["cache_dir"],
                opener,
                params["mirror"],
                params["timeout"],
                module.check_mode,
                files,
                verified,
            )
        except (FetchError, ArtifactError) as exc:
            module.fail_json(msg=str(exc), results=results)
        except (KeyError, OSError) as exc:
            module.fail_json(msg=f"artifact_fetch: {exc}", exception=traceback.format_exc(), results=results)
        results.append(dict(result, key=entry.get("key")))
        checks.append((entry, result["verified"]))
    if not module.check_mode:
        try:
            record_checks(params["cache_dir"], checks)
        except OSError as exc:
            module.fail_json(msg=f"artifact_fetch: cannot record the checks in {params['cache_dir']}: {exc}")
    changed = any(result["downloaded"] or result["unpacked"] for result in results)
    if batch:
        module.exit_json(
            changed=changed, results=results, verified={result["key"]: result["verified"] for result in results}
        )
    results[0].pop("key")
    module.exit_json(changed=changed, **results[0])


if __name__ == "__main__":
    main()

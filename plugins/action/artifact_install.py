# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Installs files from the controller's artifact cache: one module run compares every file with the
host's copy by the sha256 the cache's manifest records, then only the files that differ are sent
and installed by a second run (a `copy` per file cost two module runs each, every site.yml run)."""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

MODULE = "rktnetes.cluster.artifact_install"
MANIFEST = ".manifest.json"


def manifest_digest(src):
    """The sha256 the cache's manifest records for an unpacked file (artifact_fetch verified it)."""
    path = os.path.join(os.path.dirname(src), MANIFEST)
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)["files"][os.path.basename(src)]
    except (OSError, ValueError, KeyError) as error:
        raise AnsibleActionFail(
            f"artifact_install: {src} is not a file the artifact cache verified ({path}: {error}); "
            "the artifacts role fetches it first (artifact_fetch)"
        ) from error


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if not isinstance(args.get("files"), list):
            raise AnsibleActionFail("artifact_install needs a list of files")
        files = []
        for entry in args["files"]:
            if not isinstance(entry, dict) or not entry.get("src") or not entry.get("dest"):
                raise AnsibleActionFail(f"artifact_install: every entry of files needs src and dest (got {entry!r})")
            src = os.path.expanduser(entry["src"])
            files.append(dict(entry, src=src, sha256=manifest_digest(src)))
        try:
            compared = self._execute_module(MODULE, module_args=dict(args, files=files), task_vars=task_vars)
            if compared.get("failed") or not compared.get("needs"):
                result.update(compared)
                return result
            staged = self._send([entry for entry in files if entry["dest"] in compared["needs"]])
            installed = self._execute_module(MODULE, module_args=dict(args, files=staged), task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(installed)
        if not installed.get("failed"):
            result["written"] = compared["written"] + installed["written"]
            result["directories"] = compared["directories"] + installed["directories"]
            result["changed"] = True
            result["diff"] = {
                "before": dict.fromkeys(result["written"], "differs or missing"),
                "after": dict.fromkeys(result["written"], "installed"),
            }
        return result

    def _send(self, entries):
        """Each entry's file copied into the task's temporary directory on the host."""
        if not self._connection._shell.tmpdir:
            self._make_tmp_path()
        staged, paths = [], []
        for number, entry in enumerate(entries):
            remote = self._connection._shell.join_path(self._connection._shell.tmpdir, f"artifact-{number}")
            self._transfer_file(entry["src"], remote)
            staged.append(dict(entry, staged=remote))
            paths.append(remote)
        self._fixup_perms2([self._connection._shell.tmpdir, *paths])
        return staged

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Reads the files a host_files task names on the controller (src), then writes every directory and
file of the task with one run of the host_files module (a file, copy or template task per item
cost one or two module runs each, every site.yml run)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.controller_files import read_controller_file


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        files = []
        for entry in args.get("files") or []:
            if not isinstance(entry, dict) or not entry.get("dest"):
                raise AnsibleActionFail(f"host_files: every entry of files needs dest (got {entry!r})")
            if entry.get("src") and entry.get("content") is not None:
                raise AnsibleActionFail(f"host_files: {entry['dest']}: give content or src, not both")
            if entry.get("src"):
                hint = "the role that names it makes it"
                entry = dict(entry, content=read_controller_file(self._loader, entry["src"], "host_files", hint))
            files.append(entry)
        args["files"] = files
        result.update(self._execute_module("rktnetes.cluster.host_files", module_args=args, task_vars=task_vars))
        return result

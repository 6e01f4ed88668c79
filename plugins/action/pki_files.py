# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Reads the certificates and keys on the controller, then installs them all on the host with one
run of the pki_files module (one `copy` per file cost about 30 s of every site.yml run on the lab)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        src_dir = args.get("src_dir")
        if not src_dir or not isinstance(args.get("files"), list):
            raise AnsibleActionFail("pki_files needs src_dir and a list of files")
        files = []
        for entry in args["files"]:
            if not isinstance(entry, dict) or not entry.get("src"):
                raise AnsibleActionFail(f"pki_files: every entry of files needs src (got {entry!r})")
            path = os.path.join(src_dir, entry["src"])
            try:
                real = self._loader.get_real_file(path, decrypt=True)  # vault-encrypted PKI files work too
                with open(real, "rb") as stream:
                    content = to_text(stream.read(), errors="surrogate_or_strict")
            except Exception as error:
                raise AnsibleActionFail(
                    f"pki_files: cannot read {path} ({error}); the pki role makes it (run site.yml or set the "
                    "role's *_pki_source_dir)"
                ) from error
            files.append(dict(entry, content=content))
        args["files"] = files
        module = "rktnetes.cluster.pki_files"
        result.update(self._execute_module(module_name=module, module_args=args, task_vars=task_vars))
        return result

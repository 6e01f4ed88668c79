# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What the file-installing action plugins share: reading a file on the controller for a module."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text


def read_controller_file(loader, path, plugin, hint):
    """The text of `path` on the controller (vault-encrypted files decrypted); a failure names the
    plugin, the path and `hint` (what makes the file)."""
    try:
        real = loader.get_real_file(path, decrypt=True)
        with open(real, "rb") as stream:
            return to_text(stream.read(), errors="surrogate_or_strict")
    except Exception as error:
        raise AnsibleActionFail(f"{plugin}: cannot read {path} ({error}); {hint}") from error

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""rkt filters; the trust store's layout lives in module_utils/rkt_keystore.py."""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

rkt_keystore = LazyModuleUtils("rkt_keystore")

STORE = "/etc/rkt/trustedkeys"
CA_DIR = "/usr/local/share/ca-certificates"  # where update-ca-certificates reads local CAs (*.crt only)


def rkt_trusted_key_paths(stage1_key, trusted_keys=(), store=STORE):
    """Where rkt_trust puts the pinned stage1 key and each of rkt_trusted_keys: the files of the
    local trust store that rkt_trust_exclusive keeps (see rkt_trusted_key_paths.yml)."""
    if not isinstance(stage1_key, dict) or not isinstance(trusted_keys, (list, tuple)):
        raise AnsibleFilterError("rkt_trusted_key_paths: expects rkt_stage1_key (a dict) and rkt_trusted_keys (a list)")
    keys = [{"prefix": stage1_key.get("prefix"), "fingerprint": stage1_key.get("fingerprint")}, *trusted_keys]
    paths = []
    for key in keys:
        if not isinstance(key, dict):
            raise AnsibleFilterError(f"rkt_trusted_key_paths: {key!r} is not a key entry")
        try:
            root = boolean(key.get("root", False), strict=True)
            if not root and key.get("prefix") is None:
                raise rkt_keystore.KeystoreError("a key needs a prefix, or root: true")
            paths.append(rkt_keystore.key_path(store, key.get("fingerprint"), key.get("prefix"), root))
        except (rkt_keystore.KeystoreError, TypeError) as error:
            raise AnsibleFilterError(f"rkt_trusted_key_paths: {error}") from error
    return paths


def registry_ca_entries(certificates, ca_dir=CA_DIR):
    """host_files entries installing each registry CA (a file on the controller) as
    <ca_dir>/rktnetes-<name>.crt (see registry_ca_entries.yml)."""
    if not isinstance(certificates, (list, tuple)) or not all(isinstance(path, str) and path for path in certificates):
        raise AnsibleFilterError(
            f"registry_ca_entries: rkt_registry_ca_certificates must be a list of file paths, got {certificates!r}"
        )
    entries = []
    for path in certificates:
        name = re.sub(r"[.](pem|crt)$", "", os.path.basename(path))
        entries.append({"src": path, "dest": f"{ca_dir}/rktnetes-{name}.crt", "mode": "0644"})
    return entries


class FilterModule:
    def filters(self):
        return {"rkt_trusted_key_paths": rkt_trusted_key_paths, "registry_ca_entries": registry_ca_entries}

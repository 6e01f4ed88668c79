# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Kubernetes component filters; the logic lives in module_utils/kube_config.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

kube_config = LazyModuleUtils("kube_config")


def command_flags(flags):
    """['--name=value', ...] for a component's flags dictionary."""
    if not isinstance(flags, dict):
        raise AnsibleFilterError("command_flags: expects a dictionary of flag name to value")
    return kube_config.command_flags(flags)


def kubeconfig(name, server, ca_file, cert_file, key_file):
    """A kubeconfig dictionary for `name` that references certificate files."""
    return kube_config.kubeconfig(name, server, ca_file, cert_file, key_file)


def component_installs(roles, binaries, bin_dirs, artifact="kubernetes"):
    """artifacts_install entries for component roles: each role's binaries (`binaries[role]`) into
    its bin dir (`bin_dirs`, in the order of `roles`), one entry per directory, files in order and
    once (see component_installs.yml)."""
    if not isinstance(roles, (list, tuple)) or not isinstance(bin_dirs, (list, tuple)) or len(roles) != len(bin_dirs):
        raise AnsibleFilterError("component_installs: expects a list of roles and a list of as many bin dirs")
    entries = {}
    for role, bin_dir in zip(roles, bin_dirs, strict=True):
        if role not in binaries or not isinstance(bin_dir, str) or not bin_dir.startswith("/"):
            raise AnsibleFilterError(
                f"component_installs: {role!r} with bin dir {bin_dir!r}: not a component role or not an absolute path"
            )
        files = entries.setdefault(bin_dir, {"artifact": artifact, "files": [], "dest": bin_dir})["files"]
        files.extend(name for name in binaries[role] if name not in files)
    return list(entries.values())


def install_paths(installs):
    """The path of each file the `artifacts_install` entries put on a host, `<dest>/<file>`."""
    return [f"{entry['dest']}/{name}" for entry in installs for name in entry["files"]]


def install_keys(installs, version):
    """One string per installed file, `<version> <dest>/<file>`: what a run remembers it installed."""
    return [f"{version} {path}" for path in install_paths(installs)]


class FilterModule:
    def filters(self):
        return {
            "command_flags": command_flags,
            "kubeconfig": kubeconfig,
            "component_installs": component_installs,
            "install_keys": install_keys,
            "install_paths": install_paths,
        }

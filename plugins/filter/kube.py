# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Kubernetes component filters; the logic lives in module_utils/kube_config.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.module_utils import kube_config


def command_flags(flags):
    """['--name=value', ...] for a component's flags dictionary."""
    if not isinstance(flags, dict):
        raise AnsibleFilterError("command_flags: expects a dictionary of flag name to value")
    return kube_config.command_flags(flags)


def kubeconfig(name, server, ca_file, cert_file, key_file):
    """A kubeconfig dictionary for `name` that references certificate files."""
    return kube_config.kubeconfig(name, server, ca_file, cert_file, key_file)


class FilterModule:
    def filters(self):
        return {"command_flags": command_flags, "kubeconfig": kubeconfig}

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Command lines and kubeconfigs for the Kubernetes components, one way for every role."""

from __future__ import annotations


def command_flags(flags):
    """['--name=value', ...] sorted by name from {name: value}; None or omitted values are dropped,
    booleans are written true/false, lists are joined with commas."""
    rendered = []
    for name in sorted(flags):
        value = flags[name]
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        rendered.append(f"--{name}={value}")
    return rendered


def flag_names(help_text):
    """Every flag a component's --help lists (`--name`), from lines that start with spaces."""
    names = set()
    for line in help_text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("--") or (stripped.startswith("-") and ", --" in stripped[:8]):
            token = stripped[stripped.index("--") + 2 :].split()[0]
            names.add(token.split("=")[0])
    return names


def kubeconfig(name, server, ca_file, cert_file, key_file):
    """A kubeconfig (as a dict) that points at files on the host: no secret is embedded."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "rktnetes", "cluster": {"server": server, "certificate-authority": ca_file}}],
        "users": [{"name": name, "user": {"client-certificate": cert_file, "client-key": key_file}}],
        "contexts": [{"name": name, "context": {"cluster": "rktnetes", "user": name}}],
        "current-context": name,
    }

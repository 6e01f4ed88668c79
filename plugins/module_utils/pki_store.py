# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The cluster's PKI on the controller and its copies on the hosts.

The controller's PKI directory is a cache: every AWX job, new laptop or lost workstation starts
without it. The control-plane hosts keep a copy of it (the etcd hosts, of etcd's part), so a run
from an empty controller restores it from them instead of making new CAs and keys, which would
break a running cluster (peers that distrust each other, unreadable Secrets, invalid tokens).

`read_files` says what a set of files holds (hashes, certificate fingerprints) without any
third-party library, so it runs on any host. `recovery_plan` decides, on the controller, what to
restore from which host, and every reason to stop before a host is changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import private_directory, write_atomically

PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s+(.*?)-----END CERTIFICATE-----", re.S)
# The first key of the aescbc provider in the API server's EncryptionConfig (the one it writes with).
ENCRYPTION_SECRET = re.compile(rb"aescbc:.*?\bsecret:\s*[\"']?([A-Za-z0-9+/=]+)", re.S)


def colon_hex(digest):
    return ":".join(f"{byte:02X}" for byte in digest)


def describe(data):
    """{sha256, fingerprint}: fingerprint is the SHA-256 of the first certificate's DER, as
    `openssl x509 -noout -fingerprint -sha256` prints it; None for anything but a certificate."""
    fingerprint = None
    match = PEM_CERTIFICATE.search(data)
    if match:
        try:
            fingerprint = colon_hex(hashlib.sha256(base64.b64decode(match.group(1), validate=False)).digest())
        except (binascii.Error, ValueError):
            fingerprint = None
    return {"sha256": hashlib.sha256(data).hexdigest(), "fingerprint": fingerprint}


def identity(state):
    """What makes two copies the same: the certificate for certificates (not its PEM wrapping)."""
    return state.get("fingerprint") or state["sha256"]


def shown(state):
    if state.get("fingerprint"):
        return f"SHA-256 fingerprint {state['fingerprint']}"
    return f"file sha256 {state['sha256']}"


def read_files(paths, with_contents=False):
    """{name: state} for each name -> path that is a regular file (missing ones are left out), and
    {name: base64 content} when asked."""
    states, contents = {}, {}
    for name, path in sorted(paths.items()):
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except FileNotFoundError:
            continue
        states[name] = dict(describe(data), path=path)
        if with_contents:
            contents[name] = base64.b64encode(data).decode("ascii")
    return states, contents


def encryption_key_state(state, data):
    """The API server's EncryptionConfig as the key file the pki role keeps: the first aescbc
    key's secret, decoded, and a newline (what ansible's password lookup writes). Any other
    file is returned as it was read."""
    match = ENCRYPTION_SECRET.search(data) if b"kind: EncryptionConfig" in data else None
    if not match:
        return state
    try:
        key = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        return state
    return dict(state, sha256=hashlib.sha256(key + b"\n").hexdigest(), fingerprint=None)


def read_trusted(trusted):
    """{name: [state, ...]}: the copies of each CA certificate (and of the Secrets encryption key)
    the components actually read."""
    found = {}
    for name, paths in sorted(trusted.items()):
        states, contents = read_files({f"{name}@{index}": path for index, path in enumerate(paths)}, True)
        if states:
            found[name] = [
                encryption_key_state(states[label], base64.b64decode(contents[label])) for label in sorted(states)
            ]
    return found


def mirror_names(leaves, cas, extra, only_ca=None):
    """The names of the PKI files a host keeps: each CA's and each leaf's certificate and key, and
    the extra files (service-account key pair, encryption key); with only_ca, that CA's part only."""
    stems = [ca for ca in cas if only_ca in (None, ca)]
    stems += [leaf["name"] for leaf in leaves if only_ca in (None, leaf["ca"])]
    names = [f"{stem}.{ext}" for stem in stems for ext in ("crt", "key")]
    return sorted(set(names + (list(extra) if only_ca is None else [])))


def file_mode(name):
    return 0o600 if name.endswith(".key") else 0o644


def write_files(files, check_mode=False):
    """files: {name: {path, content (base64)}}; writes those whose content differs (keys 0600,
    the rest 0644), atomically. Returns the paths written (or that would be)."""
    written = []
    for name, entry in sorted(files.items()):
        data = base64.b64decode(entry["content"])
        path, mode = entry["path"], file_mode(name)
        try:
            status = os.stat(path)
            with open(path, "rb") as stream:
                same = stream.read() == data and status.st_mode & 0o7777 == mode
        except FileNotFoundError:
            same = False
        if same:
            continue
        written.append(path)
        if not check_mode:
            private_directory(os.path.dirname(path), set_mode=False)  # an empty controller has no PKI directory yet
            write_atomically(path, data, mode, prefix=".pki-")
    return written


def _copies(report):
    """[(label, name, state)] of everything a host reported: its copy of the PKI and the CA
    certificates its components read."""
    copies = [(None, name, state) for name, state in report.get("files", {}).items()]
    for name, states in report.get("trusted", {}).items():
        copies += [(state["path"], name, state) for state in states]
    return copies


def places(members):
    """'cp1 (copy, /etc/etcd/pki/ca.crt), cp2 (copy)': where each host holds one identity of a file."""
    where = {}
    for host, label, _state in members:
        where.setdefault(host, []).append(label or "copy")
    return ", ".join(
        f"{host} ({', '.join(sorted(labels, key=lambda label: label != 'copy'))})"
        for host, labels in sorted(where.items())
    )


def recovery_plan(controller, reports, guarded, cas, replace_ca=False, pki_dir="the PKI directory"):
    """Decide what the controller restores and whether the run must stop.

    controller: {name: state} of the controller's files. reports: {host: report} with report None
    for a host that did not answer, else {"files": {name: state}, "trusted": {name: [state]}}.
    guarded: the names that must never change under a running cluster (CA certificates and keys,
    the service-account key pair, the Secrets encryption key). cas: the CA names (e.g. "etcd-ca"):
    with replace_ca their certificate and key may differ from the hosts' (a deliberate rotation).

    Returns {"restore": {host: [names]}, "problems": [str], "held": [names the hosts hold]}.
    """
    problems, held = [], {}
    for host, report in sorted(reports.items()):
        for label, name, state in _copies(report or {}):
            held.setdefault(name, []).append((host, label, state))
    rotating = {f"{ca}.{ext}" for ca in cas for ext in ("crt", "key")} if replace_ca else set()
    for name in sorted(set(guarded) & set(held)):
        by_identity = {}
        for host, label, state in held[name]:
            by_identity.setdefault(identity(state), []).append((host, label, state))
        if len(by_identity) > 1:
            groups = "; ".join(f"{places(members)}: {shown(members[0][2])}" for members in by_identity.values())
            problems.append(
                f"the hosts disagree on {name}: {groups}. A cluster has one; find out which is right, make the "
                "other hosts agree with it (or take them out of the inventory), then run again"
            )
            continue
        ident, members = next(iter(by_identity.items()))
        mine = controller.get(name)
        if mine is not None and identity(mine) != ident and name not in rotating:
            holders = ", ".join(sorted({host for host, label, state in members}))
            problems.append(
                f"the controller's {mine['path']} ({shown(mine)}) is not the {name} the cluster's hosts hold "
                f"({holders}: {shown(members[0][2])}). Running on would break the running cluster. If the "
                f"controller's copy is stale or from another cluster, move {pki_dir} away and run again: the "
                "run restores it from the hosts"
                + (
                    "; to replace a CA deliberately, see docs/pki.md (pki_replace_ca=true)"
                    if name.rsplit(".", 1)[0] in cas
                    else "; the collection never replaces this key under a running cluster"
                )
            )
    restore = {}
    for name in sorted(held):
        if name in controller:
            continue
        sources = sorted(host for host, label, state in held[name] if label is None)
        if sources:
            restore.setdefault(sources[0], []).append(name)
        elif name in guarded:
            hosts = ", ".join(sorted({host for host, label, state in held[name]}))
            problems.append(
                f"{hosts} hold{'s' if ',' not in hosts else ''} the cluster's {name} but no copy of its PKI (a cluster "
                f"deployed by an older version of the collection, or a copy removed by hand), and the controller "
                f"has none: restore {pki_dir} from a backup; a run without it would make a new one"
            )
    missing_guarded = sorted(set(guarded) - set(controller))
    silent = sorted(host for host, report in reports.items() if report is None)
    if missing_guarded and silent:
        problems.append(
            f"the controller lacks {', '.join(missing_guarded)} and {', '.join(silent)} could not be asked whether "
            "the cluster already has them (unreachable or failed): run again once every control-plane and etcd host "
            f"answers, or restore {pki_dir} from a backup"
        )
    return {"restore": restore, "problems": problems, "held": sorted(held)}

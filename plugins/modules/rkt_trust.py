#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rkt_trust
short_description: Manage one key in rkt's trust store, pinned by fingerprint
version_added: 0.1.0
description:
  - Like C(rkt trust), but declarative and pinned - the key is given as content (O(key)) or as a
    file on the managed host (O(src)) and must have the O(fingerprint) given, unless
    O(skip_fingerprint_review=true), which warns.
  - Writes the key where rkt reads it - C(<store>/root.d/<fingerprint>) for a key that trusts
    every image, or C(<store>/prefix.d/<prefix>/<fingerprint>) for images whose name falls under
    O(prefix) - mode 0644 in 0755 directories, as rkt itself writes them.
  - Refuses data that is not a public key, holds a secret key, holds several keys (unless
    O(allow_multiple)), does not match the pinned fingerprint, or an O(prefix) that is not an AC
    Identifier. Needs C(gpg) on the managed host to read keys.
  - Refuses a key rkt's OpenPGP library could not read, with its words - among them a key whose
    self-signature, subkey binding or revocation is an RSA signature a byte shorter than the key
    (about one in 256 that gpg makes), which rkt built with Go 1.15 or later refuses. One such
    file in the store would fail every C(rkt run) and fetch on the host.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reports what it would write or remove, and does neither.
  diff_mode:
    support: full
    description: Shows the key file before and after.
options:
  key:
    description: The armored public key. One of O(key) and O(src) is needed for O(state=present).
    type: str
  src:
    description: A file on the managed host holding the armored public key.
    type: path
  prefix:
    description: Trust the key for images whose name falls under this prefix (an AC Identifier).
    type: str
  root:
    description: Trust the key for every image (C(root.d)). Exclusive with O(prefix).
    type: bool
    default: false
  fingerprint:
    description:
      - The key's fingerprint, 40 hexadecimal digits (spaces and a C(0x) are allowed). Required,
        except with O(skip_fingerprint_review=true) when O(state=present).
    type: str
  skip_fingerprint_review:
    description: Trust whatever key O(key) or O(src) holds, with a warning. Not recommended.
    type: bool
    default: false
  allow_multiple:
    description: Accept data that holds several keys; the first is stored, as rkt does.
    type: bool
    default: false
  state:
    description: Whether the key is in the store.
    type: str
    choices: [present, absent]
    default: present
  store:
    description: The trust store to manage (rkt's local one by default).
    type: path
    default: /etc/rkt/trustedkeys
"""

EXAMPLES = r"""
- name: Trust the CoreOS Application Signing Key for rkt's own images only
  rktnetes.cluster.rkt_trust:
    key: "{{ lookup('ansible.builtin.file', 'keys/coreos-app-signing.asc') }}"
    prefix: coreos.com/rkt
    fingerprint: 18AD 5014 C99E F7E3 BA5F 6CE9 50BD D3E0 FC8A 365E

- name: Remove a key
  rktnetes.cluster.rkt_trust:
    prefix: example.com
    fingerprint: 0123456789abcdef0123456789abcdef01234567
    state: absent
"""

RETURN = r"""
path:
  description: The key file in the store.
  returned: always
  type: str
fingerprint:
  description: The key's fingerprint, 40 lowercase hex digits.
  returned: always
  type: str
user_ids:
  description: The key's user IDs.
  returned: when state is present
  type: list
  elements: str
expires:
  description: When the key expires (seconds since the epoch), or null.
  returned: when state is present
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils import openpgp, rkt_keystore
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically


def read_key(module):
    if module.params["key"] is not None:
        return module.params["key"].encode()
    try:
        with open(module.params["src"], "rb") as stream:
            return stream.read()
    except OSError as exc:
        module.fail_json(msg=f"src: cannot read {module.params['src']}: {exc}")


def write_file(path, data):
    for directory in reversed([d for d in _parents(path) if not os.path.isdir(d)]):
        os.mkdir(directory, 0o755)
        os.chmod(directory, 0o755)  # noqa: S103 - rkt's own mode for trust store directories
    write_atomically(path, data, 0o644, prefix=".rkt-trust-")


def _parents(path):
    directory = os.path.dirname(path)
    while directory and directory != os.path.dirname(directory):
        yield directory
        directory = os.path.dirname(directory)


def current(path):
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def main():
    module = AnsibleModule(
        argument_spec={
            "key": {"type": "str", "no_log": True},
            "src": {"type": "path"},
            "prefix": {"type": "str"},
            "root": {"type": "bool", "default": False},
            "fingerprint": {"type": "str"},
            "skip_fingerprint_review": {"type": "bool", "default": False},
            "allow_multiple": {"type": "bool", "default": False},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "store": {"type": "path", "default": "/etc/rkt/trustedkeys"},
        },
        mutually_exclusive=[("key", "src")],
        required_if=[("state", "absent", ("fingerprint",))],
        supports_check_mode=True,
    )
    params = module.params
    if bool(params["root"]) == (params["prefix"] is not None):
        module.fail_json(msg="give either prefix (images under it) or root: true (every image), not both or neither")
    try:
        if params["prefix"] is not None:
            rkt_keystore.check_prefix(params["prefix"])
        if params["state"] == "absent":
            path = rkt_keystore.key_path(params["store"], params["fingerprint"], params["prefix"], params["root"])
            before = current(path)
            if before is not None and not module.check_mode:
                os.unlink(path)
            module.exit_json(
                changed=before is not None,
                path=path,
                fingerprint=os.path.basename(path),
                diff={"before": (before or b"").decode(errors="replace"), "after": ""},
            )
        if params["key"] is None and params["src"] is None:
            module.fail_json(msg="state=present needs key (the armored public key) or src (a file holding it)")
        if params["fingerprint"] is None and not params["skip_fingerprint_review"]:
            module.fail_json(
                msg="fingerprint is required: pin the key (or set skip_fingerprint_review: true, not recommended)"
            )
        data = read_key(module)
        key = rkt_keystore.validate_key(data, params["fingerprint"], params["allow_multiple"], openpgp.key_info)
        if params["fingerprint"] is None:
            module.warn(f"skip_fingerprint_review: trusting key {key['fingerprint']} without checking its fingerprint")
        path = rkt_keystore.key_path(params["store"], key["fingerprint"], params["prefix"], params["root"])
    except (rkt_keystore.KeystoreError, openpgp.GpgError) as exc:
        module.fail_json(msg=f"rkt_trust: {exc}")
    before = current(path)
    changed = before != data
    if changed and not module.check_mode:
        write_file(path, data)
    module.exit_json(
        changed=changed,
        path=path,
        fingerprint=key["fingerprint"],
        user_ids=key["user_ids"],
        expires=key["expires"],
        diff={"before": (before or b"").decode(errors="replace"), "after": data.decode(errors="replace")},
    )


if __name__ == "__main__":
    main()

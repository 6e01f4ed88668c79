# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""OpenPGP in two parts: the GnuPG tools for the cryptography, reading only their
machine-readable output (--with-colons, --status-fd), each call in a throw-away home directory so
that the user's keyrings are never read or written; and a pure-Python reader of key and signature
files that decides, as rkt 1.30.0's own OpenPGP library would, what rkt can read at all.

The parts live in their own modules: gpg_tools.py runs gpg and gpgv, openpgp_packets.py reads
armor, packets and signatures, openpgp_keys.py reads key files, openpgp_errors.py holds the
errors. This module names what the rest of the collection uses."""

from __future__ import annotations

from ansible_collections.rktnetes.cluster.plugins.module_utils.gpg_tools import key_info, verify_detached
from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_errors import GpgError
from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_keys import (
    Entity,
    read_key_file,
    rsa_length_problem,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_packets import read_signature

RKT_LIBRARY = "rkt's OpenPGP library (golang.org/x/crypto/openpgp as vendored by rkt 1.30.0)"

__all__ = [
    "RKT_LIBRARY",
    "Entity",
    "GpgError",
    "key_info",
    "read_key_file",
    "read_signature",
    "rsa_length_problem",
    "verify_detached",
]

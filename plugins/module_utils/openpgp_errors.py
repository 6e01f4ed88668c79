# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The errors of the OpenPGP code (module_utils/openpgp.py and the modules it is built from):
GpgError for every refusal, whether a GnuPG tool or rkt's OpenPGP library decided it, and the
three kinds of error golang.org/x/crypto/openpgp (as vendored by rkt 1.30.0) tells apart,
because its ReadKeyRing skips a key for some and gives up on the whole file for others."""

from __future__ import annotations


class GpgError(Exception):
    """A GnuPG tool is missing, failed, or refused the data; the message says which and why."""


class Unsupported(GpgError):
    """x/crypto's errors.UnsupportedError: ReadKeyRing skips such a key, and fails only when
    nothing readable is left."""


class Structural(GpgError):
    """x/crypto's errors.StructuralError: malformed data (also skipped by ReadKeyRing)."""


class Fatal(GpgError):
    """Any other error: x/crypto's ReadKeyRing gives up on the whole file."""

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The errors of reading an ACI (module_utils/aci.py and the modules it is built from): one
exception for every refusal, so that callers catch a single type whichever rule decided."""

from __future__ import annotations


class ImageError(Exception):
    """The file is not an ACI rkt would accept; the message names the problem."""


class Unreadable(ImageError):
    """rkt's decompressor or Go's tar reader would fail on the data."""

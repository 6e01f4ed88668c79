# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Options of the modules that verify an ACI as rkt would (rkt_image_verify, rkt_image)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  trust_roots:
    description:
      - rkt trust stores (each with C(root.d) and C(prefix.d)), local first, as rkt orders them.
    type: list
    elements: path
    default: [/etc/rkt/trustedkeys, /usr/lib/rkt/trustedkeys]
  expected_name:
    description: Fail unless the image's name is this.
    type: str
  expected_labels:
    description: Fail unless the image has these labels with these values.
    type: dict
"""

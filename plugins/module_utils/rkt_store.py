# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""rkt's image store, through the rkt command: which images it holds, import, removal. Used by the
rkt_image module."""

from __future__ import annotations

# rkt keys its store by "sha512-" and the first half of the hex digest (store/imagestore/store.go,
# lenHashKey); an image ID with the full digest names the same image.
KEY_LENGTH = len("sha512-") + 64


def store_key(image_id):
    """The store key of an image ID (sha512-<128 hex>), or of a key already."""
    if not image_id.startswith("sha512-") or len(image_id) < len("sha512-") + 2:
        raise ValueError(f"not an rkt image ID: {image_id!r}")
    return image_id[:KEY_LENGTH]


def parse_image_list(output):
    """Keys from `rkt image list --no-legend --full --fields=id`."""
    return {line.strip() for line in output.splitlines() if line.strip().startswith("sha512-")}


class Store:
    """Runs rkt through run_command (AnsibleModule.run_command, or any callable of the same shape)."""

    def __init__(self, rkt_path, run_command):
        self.rkt = rkt_path
        self.run = run_command

    def _rkt(self, *args):
        rc, out, err = self.run([self.rkt, *args])
        if rc != 0:
            raise RuntimeError(f"rkt {' '.join(args)} failed (rc={rc}): {err.strip() or out.strip()}")
        return out, err

    def keys(self):
        return parse_image_list(self._rkt("image", "list", "--no-legend", "--full", "--fields=id")[0])

    def holds(self, image_id):
        return store_key(image_id) in self.keys()

    def fetch(self, path):
        """Import the local ACI; rkt checks <path>.asc against its trust store itself."""
        self._rkt("fetch", "--full", path)

    def remove(self, image_id):
        self._rkt("image", "rm", store_key(image_id))

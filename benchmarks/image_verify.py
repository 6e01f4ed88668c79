"""Benchmark (not a test): rkt_image_verify's verify path against `sha512sum` then `gpgv` on the
same file, for a 256 MiB and a 1 GiB uncompressed ACI signed by a fresh key. Prints throughput,
their ratio (target >= 0.8) and the peak RSS of each (ours should not grow with the image).
Usage: .venv/bin/python benchmarks/image_verify.py [DIR]   (needs ~1.3 GiB free in DIR, default /var/tmp)
"""

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from pgp import Keys  # noqa: E402

MANIFEST = {"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/big"}
OURS = """
import json, sys
sys.path.insert(0, {collections!r})
from ansible_collections.rktnetes.cluster.plugins.module_utils import image_trust
print(json.dumps(image_trust.verify(sys.argv[1], None, [sys.argv[2]])["image_id"]))
"""


class Random:
    def __init__(self, size):
        self.left = size

    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return os.urandom(size)


def build(path, size):
    with tarfile.open(path, "w") as archive:
        manifest = json.dumps(MANIFEST).encode()
        info = tarfile.TarInfo("manifest")
        info.size = len(manifest)
        archive.addfile(info, io.BytesIO(manifest))
        info = tarfile.TarInfo("rootfs")
        info.type = tarfile.DIRTYPE
        archive.addfile(info)
        info = tarfile.TarInfo("rootfs/blob")
        info.size = size
        archive.addfile(info, Random(size))


def measure(command):
    """Wall time and peak RSS (MiB) of a command and the children it waits for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, command
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main(base):
    with tempfile.TemporaryDirectory(dir=base) as work:
        work = Path(work)
        keys = Keys(work / "gnupg")
        keys.make("bench")
        store = work / "trustedkeys"
        (store / "root.d").mkdir(parents=True)
        (store / "root.d" / keys.fingerprints["bench"]).write_bytes(keys.public("bench"))
        keyring = work / "keyring.gpg"
        keyring.write_bytes(keys.gpg("--export", keys.fingerprints["bench"]))
        script = work / "ours.py"
        script.write_text(OURS.format(collections=str(ROOT / ".build" / "collections")))
        for label, size in (("256 MiB", 256 << 20), ("1 GiB", 1 << 30)):
            image = work / "big.aci"
            build(image, size)
            keys.sign("bench", image)
            mib = image.stat().st_size / 2**20
            ours, ours_rss = measure([sys.executable, str(script), str(image), str(store)])
            sha, sha_rss = measure(["sha512sum", str(image)])
            gpgv, gpgv_rss = measure(["gpgv", "--keyring", str(keyring), f"{image}.asc", str(image)])
            pair = sha + gpgv
            print(
                f"{label}: ours {mib / ours:.0f} MiB/s ({ours:.2f} s, peak RSS {ours_rss:.1f} MiB); "
                f"sha512sum+gpgv {mib / pair:.0f} MiB/s ({pair:.2f} s, peak RSS {max(sha_rss, gpgv_rss):.1f} MiB); "
                f"ratio {pair / ours:.2f}"
            )
            image.unlink()
        keys.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp")  # noqa: S108 - roomier than a tmpfs /tmp

"""For a lab mirror holding a self-built rkt (molecule/node_runtime, molecule/cluster, make demo):
a signing key of this run (never committed), the mirror's stage1 signed with it, and a small
signed ACI from Debian's busybox-static. usage: rkt_fixtures.py MIRROR OUT RKT_VERSION"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from aci_builder import GOOD_MANIFEST, entry, tar_bytes  # noqa: E402
from pgp import Keys  # noqa: E402


def busybox_binary():
    """/bin/busybox of Debian's busybox-static (a static binary: no libraries to bring along)."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["apt-get", "download", "-qq", "-o", "APT::Sandbox::User=root", "busybox-static"], cwd=work, check=True
        )
        deb = next(Path(work).glob("busybox-static_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), f"{work}/root"], check=True)
        return Path(work, "root", "bin", "busybox").read_bytes()


def busybox_aci(path):
    busybox = busybox_binary()
    manifest = {
        **GOOD_MANIFEST,
        "name": "rktnetes.test/busybox",
        "app": {
            "exec": ["/bin/busybox", "sh", "-c", "echo hello from rkt; exec /bin/busybox sleep 3600"],
            "user": "0",
            "group": "0",
        },
    }
    entries = [
        entry("manifest", json.dumps(manifest).encode()),
        entry("rootfs", kind=tarfile.DIRTYPE),
        entry("rootfs/bin", kind=tarfile.DIRTYPE),
        entry("rootfs/bin/busybox", busybox),
    ]
    entries[-1]["mode"] = 0o755
    path.write_bytes(tar_bytes(entries))


def main(mirror, out, version):
    mirror, out = Path(mirror), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keys = Keys(out / "gnupg")
    for name in ("mirror", "stranger"):
        keys.make(name)
    key_dir = mirror / "rkt" / "keys"
    key_dir.mkdir(parents=True, exist_ok=True)
    (key_dir / "mirror-signing-key.asc").write_bytes(keys.public("mirror"))
    stage1 = mirror / "rkt" / f"v{version}" / f"stage1-host-{version}-linux-amd64.aci"
    (out / "stage1-by-stranger.asc").write_bytes(keys.sign("stranger", stage1).read_bytes())
    keys.sign("mirror", stage1)  # replaces the stranger's: the mirror's own signature stays
    busybox_aci(out / "busybox.aci")
    keys.sign("mirror", out / "busybox.aci")
    (out / "mirror-key.fpr").write_text(keys.fingerprints["mirror"])
    keys.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

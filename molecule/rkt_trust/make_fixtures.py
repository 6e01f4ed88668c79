"""Keys and a signed ACI for molecule/rkt_trust, made fresh with gpg (never committed).
usage: make_fixtures.py DIR"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from aci_builder import write_aci  # noqa: E402
from pgp import Keys  # noqa: E402


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keys = Keys(out / "gnupg")
    for name in ("alice", "bob", "carol"):
        keys.make(name)
        (out / f"{name}.asc").write_bytes(keys.public(name))
    write_aci(out / "app.aci", compression="xz")
    keys.sign("alice", out / "app.aci")
    (out / "fingerprints.json").write_text(json.dumps(keys.fingerprints))
    keys.close()


if __name__ == "__main__":
    main(sys.argv[1])

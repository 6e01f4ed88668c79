"""Make this checkout importable as ansible_collections.rktnetes.cluster for the unit tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".build" / "collections"
link = COLLECTIONS / "ansible_collections" / "rktnetes" / "cluster"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(Path("../../../.."))
sys.path.insert(0, str(COLLECTIONS))

"""`ansible-galaxy collection build` ships the collection and none of the test or lab tooling."""

import subprocess
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def build(tmp_path):
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = tmp_path.glob("rktnetes-cluster-*.tar.gz")
    with tarfile.open(tarball) as archive:
        return {Path(name).parts[0] for name in archive.getnames()}, archive.getnames()


def test_tarball_has_the_collection_and_no_test_or_lab_junk(tmp_path):
    top, names = build(tmp_path)
    assert {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta", "docs"} <= top
    assert "meta/runtime.yml" in names
    junk = {"tests", "molecule", ".ci", ".venv", ".build", "Makefile", "requirements", "benchmarks", ".git"}
    assert not top & junk, f"tarball carries {sorted(top & junk)}"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_galaxy_metadata():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("rktnetes", "cluster")
    assert galaxy["license"] == ["Apache-2.0"]
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"].startswith(">=")

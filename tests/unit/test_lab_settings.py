"""tests/lab/self-built.yml names the labels of the lab's own builds once. molecule.yml and
requires-artifacts.txt cannot read it (molecule substitutes environment variables only), so their
copies are checked here: changing a label in one place and not the other fails this test."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SELF_BUILT = yaml.safe_load((ROOT / "tests" / "lab" / "self-built.yml").read_text())
# molecule's ${VAR:-default}: the value is the default unless the environment says otherwise
SUBSTITUTION = re.compile(r"^\$\{[A-Z_]+:-(?P<default>[^}]+)\}$")


def cluster_group_vars():
    scenario = yaml.safe_load((ROOT / "molecule" / "cluster" / "molecule.yml").read_text())
    values = scenario["provisioner"]["inventory"]["group_vars"]["all"]
    return {name: SUBSTITUTION.sub(r"\g<default>", str(value)) for name, value in values.items()}


def test_the_cluster_scenario_deploys_the_labels_of_self_built_yml():
    values = cluster_group_vars()
    assert {name: values.get(name) for name in SELF_BUILT} == SELF_BUILT


def test_the_cluster_scenario_requires_the_artifacts_of_those_labels():
    kubernetes, rkt = SELF_BUILT["rktnetes_kubernetes_version"], SELF_BUILT["rktnetes_rkt_version"]
    flavor, coredns = SELF_BUILT["rktnetes_stage1_flavor"], SELF_BUILT["rktnetes_coredns_version"]
    wanted = {
        f"kubernetes/{kubernetes}/kubernetes-server-linux-amd64.tar.gz",
        f"rkt/v{rkt}/rkt-v{rkt}.tar.gz",
        f"rkt/v{rkt}/stage1-{flavor}-{rkt}-linux-amd64.aci",
        f"images/coredns/{coredns}/manifest.json",
    }
    listed = (ROOT / "molecule" / "cluster" / "requires-artifacts.txt").read_text().splitlines()
    assert {line for line in listed if line and not line.startswith("#")} == wanted


def test_nothing_else_spells_a_label_out():
    """Scripts, playbooks and tests read the file; only the checked copies above repeat a label."""
    allowed = {"tests/lab/self-built.yml", "molecule/cluster/molecule.yml", "molecule/cluster/requires-artifacts.txt"}
    labels = [str(value) for name, value in SELF_BUILT.items() if name != "rktnetes_stage1_flavor"]
    offenders = []
    for pattern in ("tests/demo.sh", "benchmarks/*.py", "molecule/**/*.yml", "molecule/**/*.py", "tests/lab/*.py"):
        for path in ROOT.glob(pattern):
            text = path.read_text()
            offenders += [f"{path.relative_to(ROOT)}: {label}" for label in labels if label in text]
    assert [o for o in offenders if o.split(":")[0] not in allowed] == []

"""Every filter the collection ships has its ansible-doc YAML beside it, named as the filter."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.rktnetes.cluster.plugins.filter import artifacts, kube, pki, planning, rkt, upgrade

FILTER_DIR = Path(__file__).resolve().parents[2] / "plugins" / "filter"
FILTERS = sorted(
    {
        *planning.FilterModule().filters(),
        *artifacts.FilterModule().filters(),
        *kube.FilterModule().filters(),
        *pki.FilterModule().filters(),
        *upgrade.FilterModule().filters(),
        *rkt.FilterModule().filters(),
    }
)


@pytest.mark.parametrize("name", FILTERS)
def test_filter_has_documentation_examples_and_return(name):
    doc = yaml.safe_load((FILTER_DIR / f"{name}.yml").read_text())
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["options"]["_input"]["required"] is True
    assert f"rktnetes.cluster.{name}" in doc["EXAMPLES"]
    assert doc["RETURN"]["_value"]["description"]

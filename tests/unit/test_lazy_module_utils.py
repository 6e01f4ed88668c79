"""Filter files import no module_utils until a filter runs (ansible-core imports every filter file
of the collection, in each worker, for any one rktnetes.cluster filter)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS

from ansible_collections.rktnetes.cluster.plugins.plugin_utils.lazy_module_utils import LazyModuleUtils

FILTERS = Path(__file__).resolve().parents[2] / "plugins" / "filter"
PACKAGE = "ansible_collections.rktnetes.cluster.plugins"
FINGERPRINT = "18AD5014C99EF7E3BA5F6CE950BDD3E0FC8A365E"


def imported_after(code):
    """The collection's module_utils a fresh interpreter holds after running `code`."""
    script = (
        f"import sys; sys.path.insert(0, {str(COLLECTIONS)!r}); {code}; import json; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith('{PACKAGE}.module_utils.'))))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_loading_every_filter_file_imports_no_module_utils():
    names = sorted(path.stem for path in FILTERS.glob("*.py") if path.stem != "__init__")
    assert "rkt" in names and "planning" in names
    loads = "; ".join(
        f"import {PACKAGE}.filter.{name} as f{i}; f{i}.FilterModule().filters()" for i, name in enumerate(names)
    )
    assert imported_after(loads) == []


def test_a_filter_imports_what_it_uses_when_it_runs():
    used = imported_after(
        f"from {PACKAGE}.filter.rkt import rkt_trusted_key_paths; "
        f"rkt_trusted_key_paths({{'prefix': 'coreos.com/rkt/stage1-coreos', 'fingerprint': '{FINGERPRINT}'}})"
    )
    assert f"{PACKAGE}.module_utils.rkt_keystore" in used
    assert f"{PACKAGE}.module_utils.addressing" not in used


def test_the_stand_in_reads_the_module_and_its_errors():
    addressing, upgrade_path = LazyModuleUtils("addressing"), LazyModuleUtils("upgrade_path")
    assert addressing.node_subnet_capacity("10.2.0.0/24") > 0
    assert "upgrade_path" in repr(upgrade_path)
    with pytest.raises(AttributeError):
        addressing.no_such_function  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        LazyModuleUtils("no_such_module").anything  # noqa: B018

"""Reading CNI configs and host-local state (plugins/module_utils/cni_networks.py)."""

import json

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils.addressing import PlanError
from ansible_collections.rktnetes.cluster.plugins.module_utils.cni_networks import (
    network_usage,
    read_networks,
    used_addresses,
)


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)


def test_conf_and_conflist_in_file_name_order(tmp_path):
    write(
        tmp_path / "k" / "20-b.conf",
        {"name": "b", "type": "bridge", "ipam": {"type": "host-local", "subnet": "10.0.1.0/24"}},
    )
    write(
        tmp_path / "k" / "10-a.conflist",
        {
            "name": "a",
            "plugins": [
                {"type": "bridge", "ipam": {"type": "host-local", "subnet": "10.0.0.0/25"}},
                {"type": "portmap"},
            ],
        },
    )
    write(tmp_path / "k" / "README", "not a config")
    found = read_networks([str(tmp_path / "k")])
    assert [name for name, _path, _config in found] == ["a", "b"]
    assert network_usage(*found[0], str(tmp_path / "state"))["capacity"] == 125


def test_rkt_builtin_default_unless_overridden(tmp_path, monkeypatch):
    from ansible_collections.rktnetes.cluster.plugins.module_utils import cni_networks

    rkt = tmp_path / "rkt"
    rkt.mkdir()
    monkeypatch.setattr(cni_networks, "RKT_NET_DIR", str(rkt))
    found = read_networks([str(rkt)])
    assert found[0][0] == "default"
    assert network_usage(*found[0], str(tmp_path))["capacity"] == 253
    write(
        rkt / "default.conf",
        {"name": "default", "type": "ptp", "ipam": {"type": "host-local", "subnet": "10.9.0.0/28"}},
    )
    found = read_networks([str(rkt)])
    assert [(n, p) for n, p, _config in found] == [("default", str(rkt / "default.conf"))]


def test_used_counts_only_address_files(tmp_path):
    state = tmp_path / "net"
    state.mkdir()
    for name in ("10.0.0.2", "10.0.0.3", "lock", "last_reserved_ip.0", "fd00::5"):
        (state / name).write_text("x")
    assert used_addresses(str(state)) == 3
    assert used_addresses(str(tmp_path / "absent")) == 0


def test_datadir_in_ipam_wins(tmp_path):
    (tmp_path / "run" / "n").mkdir(parents=True)
    (tmp_path / "run" / "n" / "10.0.0.9").write_text("x")
    config = {"name": "n", "ipam": {"type": "host-local", "subnet": "10.0.0.0/24", "dataDir": str(tmp_path / "run")}}
    usage = network_usage("n", "p", config, str(tmp_path / "elsewhere"))
    assert (usage["capacity"], usage["used"], usage["free"]) == (253, 1, 252)


def test_non_host_local_has_no_capacity(tmp_path):
    usage = network_usage("d", "p", {"name": "d", "ipam": {"type": "dhcp"}}, str(tmp_path))
    assert usage["capacity"] is None


@pytest.mark.parametrize(
    ("content", "message"), [("{nope", "not a readable CNI"), ('{"type": "bridge"}', "needs a 'name'")]
)
def test_bad_configs_name_the_file(tmp_path, content, message):
    write(tmp_path / "d" / "10-x.conf", content)
    with pytest.raises(PlanError, match=rf"10-x.conf: .*{message}"):
        read_networks([str(tmp_path / "d")])

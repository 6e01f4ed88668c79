"""The role_var lookup: another role's variable as the play sees it, else that role's default, read
from its defaults/main.yml (never a copy). What reset and kube_apiserver_etcd_port use."""

import re
from pathlib import Path

import pytest
import yaml
from playbook_run import ansible_playbook

from ansible_collections.rktnetes.cluster.plugins.lookup.role_var import role_default

ROOT = Path(__file__).resolve().parents[2]


def defaults(role):
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())


def test_a_literal_default_is_read_from_its_role():
    assert role_default("etcd_data_dir") == defaults("etcd")["etcd_data_dir"]
    assert role_default("etcd_client_port") == defaults("etcd")["etcd_client_port"]
    assert role_default("cni_bridge") == defaults("cni")["cni_bridge"]


def test_the_defaults_are_read_from_the_roles_directory_given(tmp_path):
    (tmp_path / "x" / "defaults").mkdir(parents=True)
    (tmp_path / "x" / "defaults" / "main.yml").write_text("x_dir: /srv/x\nx_url: '{{ x_dir }}/y'\n")
    assert role_default("x_dir", tmp_path) == "/srv/x"
    with pytest.raises(ValueError, match=r"x_url is computed in roles/x/defaults/main.yml"):
        role_default("x_url", tmp_path)


@pytest.mark.parametrize("name", ["no_such_variable", "", None])
def test_an_unknown_name_is_refused(name):
    with pytest.raises(ValueError, match="role_var"):
        role_default(name)


def test_every_name_the_roles_look_up_is_a_literal_default_of_one_role():
    names = set()
    for path in (ROOT / "roles").glob("*/defaults/main.yml"):
        text = path.read_text()
        names.update(re.findall(r"lookup\('rktnetes\.cluster\.role_var', '([a-z0-9_]+)'\)", text))
    assert {"etcd_data_dir", "etcd_client_port", "cni_bridge"} <= names
    for name in names:
        role_default(name)


def test_the_inventory_wins_over_the_default(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "ansible.builtin.debug": {
                                "msg": "{{ lookup('rktnetes.cluster.role_var', 'etcd_data_dir', 'cni_bin_dir', "
                                "'etcd_client_port', wantlist=True) | to_json }}"
                            }
                        }
                    ],
                }
            ]
        )
    )
    result = ansible_playbook("-i", "localhost,", "-c", "local", playbook, "-e", "etcd_data_dir=/data/{{ 'etcd' }}")
    assert '["/data/etcd", "/opt/cni/bin", 2379]' in result.stdout, result.stdout[-2000:]

"""host_files: directories and files written only where they differ, contents read on the
controller for src entries, and the filter that builds its entries from a role's file lists. The
playbook tests run the real module and action plugin on this machine (connection local)."""

import json
import os
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from playbook_run import ansible_playbook

from ansible_collections.rktnetes.cluster.plugins.filter.files import host_file_entries
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically
from ansible_collections.rktnetes.cluster.plugins.module_utils.host_files import directory_differs, file_differs

ROOT = Path(__file__).resolve().parents[2]
IDS = (os.getuid(), os.getgid())


def test_the_filter_joins_names_to_both_directories():
    files = [{"src": "kube-proxy.crt"}, {"src": "kube-proxy.key", "dest": "proxy.key", "mode": "0600", "owner": "etcd"}]
    assert host_file_entries(files, "/srv/pki/", "/etc/kubernetes/pki") == [
        {"src": "/srv/pki/kube-proxy.crt", "dest": "/etc/kubernetes/pki/kube-proxy.crt", "mode": "0644"},
        {"src": "/srv/pki/kube-proxy.key", "dest": "/etc/kubernetes/pki/proxy.key", "mode": "0600", "owner": "etcd"},
    ]
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        host_file_entries([{"dest": "x"}], "/a", "/b")


def test_the_filter_keeps_a_source_given_by_its_full_path():
    """pki's encryption key: pki_encryption_key_file may be anywhere, and is named by its path."""
    files = [{"src": "/srv/keys/secrets.key", "dest": "enc.key", "mode": "0600"}, {"src": "/srv/keys/other.key"}]
    assert host_file_entries(files, "/srv/pki", "/etc/kubernetes/pki") == [
        {"src": "/srv/keys/secrets.key", "dest": "/etc/kubernetes/pki/enc.key", "mode": "0600"},
        {"src": "/srv/keys/other.key", "dest": "/etc/kubernetes/pki/other.key", "mode": "0644"},
    ]


def test_a_directory_missing_with_other_mode_and_as_wanted(tmp_path):
    path = tmp_path / "etc"
    assert directory_differs(str(path), 0o700, *IDS) == "missing"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    assert directory_differs(str(path), 0o700, *IDS) == "attributes"
    path.chmod(0o700)
    assert directory_differs(str(path), 0o700, *IDS) == ""


def run(tmp_path, *extra):
    """The playbook below, on this machine; returns the registered result."""
    playbook = tmp_path / "play.yml"
    out = tmp_path / "result.json"
    playbook.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - rktnetes.cluster.host_files:
        owner: "{{{{ lookup('ansible.builtin.pipe', 'id -un') }}}}"
        group: "{{{{ lookup('ansible.builtin.pipe', 'id -gn') }}}}"
        directories:
          - {{path: {tmp_path}/etc/k8s, mode: "0700"}}
        files:
          - {{dest: {tmp_path}/etc/k8s/unit, content: "ExecStart=x\\n"}}
          - {{dest: {tmp_path}/etc/k8s/ca.crt, src: {tmp_path}/ca.crt, mode: "0600"}}
      register: result
    - ansible.builtin.copy:
        dest: {out}
        content: "{{{{ result | to_json }}}}"
        mode: "0644"
      check_mode: false
""")
    ansible_playbook(playbook, *extra)
    return json.loads(out.read_text())


def test_written_once_then_nothing_and_check_mode_writes_nothing(tmp_path):
    (tmp_path / "ca.crt").write_text("CERT\n")
    checked = run(tmp_path, "--check")
    assert checked["changed"] and not (tmp_path / "etc").exists()
    first = run(tmp_path)
    base = f"{tmp_path}/etc/k8s"
    assert first["written"] == [base, f"{base}/unit", f"{base}/ca.crt"]
    assert (tmp_path / "etc" / "k8s" / "ca.crt").read_text() == "CERT\n"
    assert (tmp_path / "etc" / "k8s").stat().st_mode & 0o7777 == 0o700
    assert (tmp_path / "etc" / "k8s" / "ca.crt").stat().st_mode & 0o7777 == 0o600
    assert run(tmp_path)["written"] == []
    (tmp_path / "ca.crt").write_text("NEW CERT\n")
    assert run(tmp_path)["written"] == [f"{base}/ca.crt"]


def test_a_file_differs_when_missing_or_in_content_mode_owner_or_group(tmp_path):
    path = tmp_path / "a.key"
    assert file_differs(str(path), b"KEY", 0o600, *IDS)
    write_atomically(str(path), b"KEY", 0o600, *IDS)
    assert path.stat().st_mode & 0o7777 == 0o600 and os.listdir(tmp_path) == ["a.key"]
    assert not file_differs(str(path), b"KEY", 0o600, *IDS)
    assert file_differs(str(path), b"KEY2", 0o600, *IDS)
    assert file_differs(str(path), b"KEY", 0o644, *IDS)
    assert file_differs(str(path), b"KEY", 0o600, IDS[0] + 1, IDS[1])

"""host_files: directories and files written only where they differ, contents read on the
controller for src entries, and the filter that builds its entries from a role's file lists. The
playbook tests run the real module and action plugin on this machine (connection local)."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from playbook_run import ansible_playbook

from ansible_collections.rktnetes.cluster.plugins.filter.files import host_file_entries
from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically
from ansible_collections.rktnetes.cluster.plugins.module_utils.host_files import (
    directory_differs,
    file_differs,
    link_differs,
    owner_ids,
    replace_with_link,
    set_sysctl,
    sysctl_differs,
    sysctl_path,
)

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


def host_files_result(tmp_path, name, arguments, *extra, env=None):
    """One host_files task with `arguments` (YAML, indented for the task) on this machine, as the
    current user (`env` added to ansible-playbook's environment); returns its registered result
    (failures included)."""
    playbook = tmp_path / f"{name}.yml"
    out = tmp_path / f"{name}.json"
    playbook.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - rktnetes.cluster.host_files:
        owner: "{{{{ lookup('ansible.builtin.pipe', 'id -un') }}}}"
        group: "{{{{ lookup('ansible.builtin.pipe', 'id -gn') }}}}"
{arguments}
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        dest: {out}
        content: "{{{{ result | to_json }}}}"
        mode: "0644"
      check_mode: false
""")
    ansible_playbook(playbook, *extra, env=env)
    return json.loads(out.read_text())


def run(tmp_path, *extra):
    """Directories and files, one read from the controller."""
    return host_files_result(
        tmp_path,
        "play",
        f"""        directories:
          - {{path: {tmp_path}/etc/k8s, mode: "0700"}}
        files:
          - {{dest: {tmp_path}/etc/k8s/unit, content: "ExecStart=x\\n"}}
          - {{dest: {tmp_path}/etc/k8s/ca.crt, src: {tmp_path}/ca.crt, mode: "0600"}}""",
        *extra,
    )


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


def test_a_link_missing_elsewhere_a_file_an_empty_or_a_full_directory(tmp_path):
    path = tmp_path / "networks"
    assert link_differs(str(path), "/run/ipam") == "missing"
    replace_with_link(str(path), "/run/ipam")
    assert os.readlink(path) == "/run/ipam" and link_differs(str(path), "/run/ipam") == ""
    assert link_differs(str(path), "/run/other") == "replace"
    path.unlink()
    path.write_text("x")
    assert link_differs(str(path), "/run/ipam") == "replace"
    path.unlink()
    path.mkdir()
    assert link_differs(str(path), "/run/ipam") == "replace"
    replace_with_link(str(path), "/run/ipam")
    assert os.readlink(path) == "/run/ipam" and sorted(os.listdir(tmp_path)) == ["networks"]
    path.unlink()
    path.mkdir()
    (path / "10.0.0.2").write_text("pod")
    with pytest.raises(ValueError, match="not empty"):
        link_differs(str(path), "/run/ipam")


def links_and_groups(tmp_path, groups, *extra):
    """A directory with a link in it, and the groups asked for."""
    return host_files_result(
        tmp_path,
        "links",
        f"""        groups: {json.dumps(groups)}
        directories:
          - {{path: {tmp_path}/lib}}
        links:
          - {{path: {tmp_path}/lib/networks, src: /run/ipam}}""",
        *extra,
    )


def test_links_are_made_once_and_a_full_directory_is_refused_with_nothing_written(tmp_path):
    checked = links_and_groups(tmp_path, [], "--check")
    assert checked["written"] == [f"{tmp_path}/lib", f"{tmp_path}/lib/networks"] and not (tmp_path / "lib").exists()
    assert links_and_groups(tmp_path, [])["changed"]
    assert os.readlink(tmp_path / "lib" / "networks") == "/run/ipam"
    again = links_and_groups(tmp_path, [])
    assert not again["changed"] and again["written"] == [] and again["groups_created"] == []
    (tmp_path / "lib" / "networks").unlink()
    (tmp_path / "lib" / "networks").mkdir()
    (tmp_path / "lib" / "networks" / "lease").write_text("pod")
    (tmp_path / "lib").chmod(0o700)  # would be fixed, but the full directory stops the run first
    refused = links_and_groups(tmp_path, [])
    assert refused["failed"] and "not empty" in refused["msg"] and "nothing written" in refused["msg"]
    assert (tmp_path / "lib").stat().st_mode & 0o777 == 0o700


def test_a_missing_group_is_reported_in_check_mode_and_an_existing_one_left_alone(tmp_path):
    checked = links_and_groups(tmp_path, ["root", "rktnetes-test-no-such-group"], "--check")
    assert checked["changed"] and checked["groups_created"] == ["rktnetes-test-no-such-group"]
    assert links_and_groups(tmp_path, ["root"])["groups_created"] == []


def with_users(tmp_path, users, *extra, env=None):
    """The users asked for, and a directory owned by the first (to be made in check mode)."""
    return host_files_result(
        tmp_path,
        "users",
        f"""        users: {json.dumps(users)}
        directories:
          - {{path: {tmp_path}/data, owner: "{users[0]["name"]}", group: "{users[0]["name"]}", mode: "0700"}}""",
        *extra,
        env=env,
    )


def test_a_missing_user_comes_with_its_group_and_an_existing_one_is_left_alone(tmp_path):
    """useradd is a logging stand-in here (no user is added to this machine): its arguments are
    checked; molecule's etcd and cluster scenarios create the etcd user for real."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "useradd").write_text('#!/bin/sh\necho "$*" >> "$STATE_DIR/useradd"\n')
    (tmp_path / "bin" / "useradd").chmod(0o755)
    env = {"PATH": f"{tmp_path}/bin:{os.environ['PATH']}", "STATE_DIR": str(tmp_path)}
    new = {"name": "rktnetes-test-no-such-user", "home": "/var/lib/nothing"}
    checked = with_users(tmp_path, [new], "--check", env=env)
    assert checked["changed"] and checked["users_created"] == [new["name"]]
    assert checked["written"] == [f"{tmp_path}/data"] and not (tmp_path / "data").exists()
    assert not (tmp_path / "useradd").exists()
    made = with_users(tmp_path, [new], env=env)  # the stand-in adds no user: the directory then fails
    assert (tmp_path / "useradd").read_text() == (
        f"--system --no-create-home --home-dir /var/lib/nothing --shell /usr/sbin/nologin --user-group {new['name']}\n"
    )
    assert made["failed"] and "bad owner" in made["msg"] and not (tmp_path / "data").exists()
    kept = with_users(tmp_path, [{"name": "root", "home": "/elsewhere", "shell": "/bin/false"}], env=env)
    assert kept["users_created"] == [] and (tmp_path / "useradd").read_text().count("\n") == 1
    assert kept["written"] == [f"{tmp_path}/data"]


def validated(tmp_path, content, *extra):
    """Two files, the second with a validate command that wants its content to start with "good"."""
    return host_files_result(
        tmp_path,
        "validate",
        f"""        files:
          - {{dest: {tmp_path}/first.conf, content: "first\\n"}}
          - {{dest: {tmp_path}/haproxy.cfg, content: "{content}\\n", validate: "grep -q ^good %s"}}""",
        *extra,
    )


def test_a_file_that_fails_its_validation_is_left_as_it_was(tmp_path):
    refused = validated(tmp_path, "bad")
    assert (
        refused["failed"]
        and "haproxy.cfg" in refused["msg"]
        and "left as it was" in refused["msg"]
        and "fails `grep -q ^good %s`" in refused["msg"]
    )
    assert f"written before it: {tmp_path}/first.conf" in refused["msg"]
    assert sorted(os.listdir(tmp_path)) == ["first.conf", "validate.json", "validate.yml"]  # no temporary left
    checked = validated(tmp_path, "bad", "--check")  # check mode does not validate (as copy and template)
    assert checked["written"] == [f"{tmp_path}/haproxy.cfg"]
    assert validated(tmp_path, "good")["changed"] and (tmp_path / "haproxy.cfg").read_text() == "good\n"
    assert validated(tmp_path, "good")["written"] == []


# systemd for `start` (this machine runs none): a systemctl on PATH that logs its calls and answers
# `show` for one unit, stopped until started, then running since 1 µs after boot (so every file is
# newer than its process).
FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "$STATE_DIR/calls"
case "$1" in
show) printf 'LoadState=loaded\\nUnitFileState=enabled\\nNeedDaemonReload=no\\n'
      printf 'ActiveState=%s\\nExecMainStartTimestampMonotonic=1\\n' "$(cat "$STATE_DIR/state")" ;;
start) echo active > "$STATE_DIR/state" ;;
esac
"""


class Healthz(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_start_starts_a_stopped_unit_and_waits_only_when_no_restart_follows(tmp_path):
    """One module run: files, then the unit as unit_started does. A file written while the unit
    runs means the caller restarts it: no wait and no freshness read then."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "systemctl").write_text(FAKE_SYSTEMCTL)
    (tmp_path / "bin" / "systemctl").chmod(0o755)
    (tmp_path / "state").write_text("inactive\n")
    server = HTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"PATH": f"{tmp_path}/bin:{os.environ['PATH']}", "STATE_DIR": str(tmp_path)}
    unit_file = tmp_path / "demo.service"

    def converge(name, content, healthz_port):
        return host_files_result(
            tmp_path,
            name,
            f"""        files:
          - {{dest: {unit_file}, content: "{content}"}}
        start:
          unit: demo.service
          paths: [{unit_file}]
          healthz: http://127.0.0.1:{healthz_port}/healthz
          healthz_timeout: 1""",
            env=env,
        )

    try:
        first = converge("first", "ExecStart=a", server.server_port)
        assert first["changed"] and first["written"] == [str(unit_file)]
        assert first["start"]["actions"] == ["start"] and first["start"]["started"]
        assert first["start"]["health"] == "ready"  # it was not running: started, then waited for
        again = converge("again", "ExecStart=a", server.server_port)
        assert not again["changed"] and again["written"] == []
        assert again["start"]["stale"] and again["start"]["newer"] == [str(unit_file)]
        assert again["start"]["health"] == "not checked"  # stale: the caller restarts it
        # A changed file of a running unit: a restart follows, so a dead health URL is not waited for.
        changed = converge("changed", "ExecStart=b", 1)
        assert changed["changed"] and not changed.get("failed")
        assert changed["start"] == {
            "actions": [],
            "more_actions": {},
            "started": False,
            "stale": False,
            "newer": [],
            "health": "not checked",
        }
    finally:
        server.shutdown()
    assert (tmp_path / "calls").read_text().count("start demo.service") == 1


def test_a_kernel_parameter_differs_by_its_words_and_is_set_through_its_proc_file(tmp_path):
    """A stand-in /proc/sys (this machine's kernel is not changed by a unit test)."""
    (tmp_path / "net" / "ipv4").mkdir(parents=True)
    (tmp_path / "net" / "ipv4" / "ip_forward").write_text("0\n")
    (tmp_path / "net" / "ipv4" / "tcp_rmem").write_text("4096\t131072\t6291456\n")
    assert sysctl_path("net.ipv4.ip_forward", str(tmp_path)) == f"{tmp_path}/net/ipv4/ip_forward"
    assert sysctl_differs("net.ipv4.ip_forward", "1", str(tmp_path))
    set_sysctl("net.ipv4.ip_forward", "1", str(tmp_path))
    assert (tmp_path / "net" / "ipv4" / "ip_forward").read_text() == "1\n"
    assert not sysctl_differs("net.ipv4.ip_forward", 1, str(tmp_path))
    assert not sysctl_differs("net.ipv4.tcp_rmem", "4096 131072  6291456", str(tmp_path))
    with pytest.raises(ValueError, match="no such kernel parameter"):
        sysctl_differs("net.ipv4.no_such", "1", str(tmp_path))
    with pytest.raises(ValueError, match="no such kernel parameter"):
        sysctl_differs("net.ipv4", "1", str(tmp_path))  # a directory
    for bad in ("", "../etc/passwd", "net/ipv4/ip_forward", ".net"):
        with pytest.raises(ValueError, match="not a kernel parameter name"):
            sysctl_path(bad)


def with_sysctls(tmp_path, sysctls, *extra):
    """A file and O(sysctls) as a JSON dict."""
    return host_files_result(
        tmp_path,
        "sysctls",
        f"""        files:
          - {{dest: {tmp_path}/60-test.conf, content: "x=1\\n"}}
        sysctls: {json.dumps(sysctls)}""",
        *extra,
    )


def test_kernel_parameters_as_wanted_change_nothing_and_a_missing_one_fails_first(tmp_path):
    """The running kernel's own kernel.ostype (Linux), which no test could set: a value that differs
    is only reported (check mode). Nodes set net.ipv4.ip_forward for real (molecule/node_runtime)."""
    kept = with_sysctls(tmp_path, {"kernel.ostype": "Linux"})
    assert kept["sysctls_set"] == [] and kept["written"] == [f"{tmp_path}/60-test.conf"]
    assert not with_sysctls(tmp_path, {"kernel.ostype": "Linux"})["changed"]
    checked = with_sysctls(tmp_path, {"kernel.ostype": "Plan9"}, "--check")
    assert checked["changed"] and checked["sysctls_set"] == ["kernel.ostype"]
    (tmp_path / "60-test.conf").unlink()
    missing = with_sysctls(tmp_path, {"net.ipv4.no_such_parameter": "1"})
    assert missing["failed"] and "no such kernel parameter" in missing["msg"] and "nothing written" in missing["msg"]
    assert not (tmp_path / "60-test.conf").exists()
    for bad in ("Lin\u00fcx", "Linux\nmore"):
        refused = with_sysctls(tmp_path, {"kernel.ostype": bad})
        assert refused["failed"] and "one line of ASCII; nothing written" in refused["msg"]
        assert not (tmp_path / "60-test.conf").exists()
    # A YAML boolean is 1 or 0, as sysctl files say it: the running value, given as a boolean, is no change.
    current = Path("/proc/sys/net/ipv4/tcp_timestamps").read_text().strip()
    boolean = with_sysctls(tmp_path, {"net.ipv4.tcp_timestamps": current == "1"}, "--check")
    assert boolean["sysctls_set"] == ([] if current in ("0", "1") else ["net.ipv4.tcp_timestamps"])


def test_an_unnamed_owner_or_group_is_the_one_the_module_runs_as(monkeypatch):
    """The controller's admin kubeconfig (delegated, without become) is its user's, not root's."""
    monkeypatch.setattr(os, "getuid", lambda: 12345)
    monkeypatch.setattr(os, "getgid", lambda: 23456)
    assert owner_ids(None, None) == (12345, 23456)
    assert owner_ids("root", None) == (0, 23456)
    with pytest.raises(KeyError):
        owner_ids("rktnetes-no-such-user", None)

"""unit_started's decisions: which systemctl calls a unit needs, when a running process is stale,
when to wait for the health URL and what a health answer means. The module runs on the lab's hosts
(systemd) for every Kubernetes component in the cluster scenario: its start on the cold run, its
one question per component on the runs that change nothing, and step 15's stale scheduler."""

import os
import time

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_started import (
    health_verdict,
    must_wait,
    stale_files,
    unit_actions,
)

RUNNING = {
    "LoadState": "loaded",
    "ActiveState": "active",
    "UnitFileState": "enabled",
    "NeedDaemonReload": "no",
    "ExecMainStartTimestampMonotonic": "1",
}


def test_a_running_enabled_current_unit_needs_nothing():
    assert unit_actions(RUNNING) == []
    assert unit_actions({**RUNNING, "ActiveState": "activating"}) == []  # a restart loop is not started again
    assert unit_actions({**RUNNING, "UnitFileState": "static"}) == []


def test_a_new_unit_is_loaded_enabled_and_started_in_that_order():
    new = {"LoadState": "not-found", "ActiveState": "inactive", "UnitFileState": "", "NeedDaemonReload": "no"}
    assert unit_actions(new) == ["daemon-reload", "enable", "start"]


def test_a_changed_unit_file_is_reloaded_and_a_disabled_unit_enabled():
    assert unit_actions({**RUNNING, "NeedDaemonReload": "yes"}) == ["daemon-reload"]
    assert unit_actions({**RUNNING, "UnitFileState": "disabled"}) == ["enable"]
    assert unit_actions({**RUNNING, "ActiveState": "failed"}) == ["start"]


def test_stale_only_when_running_with_files_changed_since_and_no_restart_due(tmp_path):
    binary = tmp_path / "kube-scheduler"
    binary.write_text("old")
    time.sleep(0.02)
    # Started now (monotonic clock): the binary predates it.
    now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
    started_now = {**RUNNING, "ExecMainStartTimestampMonotonic": str(now)}
    assert stale_files(started_now, [str(binary)], restart_pending=False) == []
    time.sleep(0.02)
    binary.write_text("new")
    assert stale_files(started_now, [str(binary)], restart_pending=False) == [str(binary)]
    assert stale_files(started_now, [str(binary)], restart_pending=True) == []  # the caller restarts it anyway
    assert stale_files({**started_now, "ActiveState": "inactive"}, [str(binary)], restart_pending=False) == []
    assert os.path.exists(binary)


def test_wait_unless_a_running_process_is_restarted_next_or_check_mode():
    assert must_wait("http://127.0.0.1:10251/healthz", was_running=True, restart_due=False, check_mode=False)
    assert must_wait("http://127.0.0.1:10251/healthz", was_running=False, restart_due=True, check_mode=False)
    assert not must_wait("http://127.0.0.1:10251/healthz", was_running=True, restart_due=True, check_mode=False)
    assert not must_wait("http://127.0.0.1:10251/healthz", was_running=False, restart_due=False, check_mode=True)
    assert not must_wait("", was_running=False, restart_due=False, check_mode=False)


def test_health_verdict():
    assert health_verdict(200, "ok", "") == "ready"
    assert health_verdict(500, "", "") == "HTTP 500"
    pending = '"lastUpdated": "0001-01-01'
    assert health_verdict(200, '{"lastUpdated": "0001-01-01T00:00:00Z"}', pending).startswith("answers 200 but")
    assert health_verdict(200, '{"lastUpdated": "2026-12-02T09:00:00Z"}', pending) == "ready"

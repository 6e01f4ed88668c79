"""unit_freshness: a running unit whose files changed after its main process started is stale (what
a run cut off between a write and its handler's restart leaves), with fixed clocks and real files.
unit_started, which uses these functions, runs on the lab's hosts (systemd) in every kube_component
run, and the cluster scenario's step 15 leaves a scheduler older than its binary and checks that
site.yml restarts it."""

import os
import time

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_freshness import (
    changed_since,
    parse_show,
    start_time,
)


def test_start_time_from_the_monotonic_clock():
    running = {"ActiveState": "active", "ExecMainStartTimestampMonotonic": "5000000"}
    # Started at monotonic 5 s; now monotonic 65 s and wall clock 1000: it started at 940.
    assert start_time(running, realtime=1000.0, monotonic=65.0) == pytest.approx(940.0)
    assert start_time({**running, "ActiveState": "inactive"}, 1000.0, 65.0) is None
    assert start_time({**running, "ExecMainStartTimestampMonotonic": "0"}, 1000.0, 65.0) is None
    assert start_time({"ActiveState": "active"}, 1000.0, 65.0) is None


def test_parse_show():
    assert parse_show("ActiveState=active\nExecMainStartTimestampMonotonic=12\n") == {
        "ActiveState": "active",
        "ExecMainStartTimestampMonotonic": "12",
    }


def test_only_files_changed_after_the_start_count(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("x")
    started = os.stat(old).st_ctime + 0.001
    time.sleep(0.02)
    new.write_text("y")
    assert changed_since([str(old), str(new), str(tmp_path / "missing")], started) == [str(new)]
    old.chmod(0o600)  # metadata counts too: a chown or chmod the handler did not see
    assert changed_since([str(old)], started) == [str(old)]

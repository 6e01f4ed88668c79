# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What one module run decides for a component's unit: which systemctl calls it needs (reload,
enable, start), whether the running process predates its files, and whether a health answer
means ready. Pure functions; the unit_started module does the calls."""

from __future__ import annotations

import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_freshness import changed_since, start_time

# `systemctl show -p ...` properties the decision reads.
SHOW_PROPERTIES = ("LoadState", "ActiveState", "UnitFileState", "NeedDaemonReload", "ExecMainStartTimestampMonotonic")


def unit_actions(properties):
    """The systemctl calls that leave the unit loaded from its current file, enabled and running,
    in order: 'daemon-reload', 'enable', 'start' (none when it already is)."""
    actions = []
    if properties.get("NeedDaemonReload") == "yes" or properties.get("LoadState") == "not-found":
        actions.append("daemon-reload")
    if properties.get("UnitFileState") not in ("enabled", "enabled-runtime", "static"):
        actions.append("enable")
    # "activating" runs already (systemd_service counts it too): a unit in a restart loop is
    # restarted by the caller or fails the health wait, not started again.
    if properties.get("ActiveState") not in ("active", "reloading", "activating"):
        actions.append("start")
    return actions


def stale_files(properties, paths, restart_pending):
    """The files the running process has not read: changed after its main process started. None
    when a restart is due anyway (the caller restarts it) or when it does not run (starting it
    reads the current files)."""
    if restart_pending:
        return []
    started = start_time(properties)
    return [] if started is None else changed_since(paths, started)


def must_wait(healthz, was_running, restart_due, check_mode):
    """Whether to wait for the health URL now: not in check mode, and not when the caller is about
    to restart a running process (a file changed, or it is stale): the restart waits, and an old
    process may never answer."""
    return bool(healthz) and not check_mode and not (was_running and restart_due)


def health_verdict(status, body, pending):
    """'ready', or why not yet: a 200 answer whose body matches `pending` (a regular expression)
    is not ready."""
    if status != 200:
        return f"HTTP {status}"
    if pending and re.search(pending, body or ""):
        return f"answers 200 but still matches {pending!r}"
    return "ready"

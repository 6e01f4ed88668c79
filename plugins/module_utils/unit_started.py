# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""What one module run decides and does for a component's unit: which systemctl calls it needs
(reload, enable, start), whether the running process predates its files, and whether a health
answer means ready (pure functions), then the calls and the health wait (start_units), for the
unit_started module and for host_files' `start`."""

from __future__ import annotations

import re
import time

from ansible.module_utils.urls import open_url

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_freshness import (
    changed_since,
    parse_show,
    start_time,
)

# The options of unit_started, and of host_files' `start` (documented in both modules).
UNIT_OPTIONS = {
    "unit": {"type": "str", "required": True},
    "more_units": {"type": "list", "elements": "str", "default": []},
    "paths": {"type": "list", "elements": "path", "default": []},
    "no_block": {"type": "bool", "default": False},
    "restart_pending": {"type": "bool", "default": False},
    "healthz": {"type": "str", "default": ""},
    "healthz_pending": {"type": "str", "default": ""},
    "healthz_timeout": {"type": "int", "default": 120},
    "ca_path": {"type": "path"},
    "client_cert": {"type": "path"},
    "client_key": {"type": "path"},
}

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


def systemctl(module, *args):
    rc, out, err = module.run_command([module.get_bin_path("systemctl", required=True), *args])
    if rc != 0:
        module.fail_json(msg=f"systemctl {' '.join(args)} failed: {err.strip() or out.strip()}")
    return out


def unit_properties(module, unit):
    show = ["show"] + [arg for name in SHOW_PROPERTIES for arg in ("-p", name)] + [unit]
    return parse_show(systemctl(module, *show))


def probe(params):
    """One health request: (status, body), or (None, why) when nothing answered."""
    try:
        answer = open_url(
            params["healthz"],
            timeout=5,
            ca_path=params["ca_path"],
            client_cert=params["client_cert"],
            client_key=params["client_key"],
        )
        return answer.getcode(), answer.read().decode("utf-8", "replace")
    except Exception as error:  # every failure is "not yet"; the last one is reported
        status = getattr(error, "code", None)
        return status, str(error)


def wait_healthy(module, params):
    deadline = time.monotonic() + params["healthz_timeout"]
    while True:
        status, body = probe(params)
        verdict = health_verdict(status, body, params["healthz_pending"]) if status else body
        if verdict == "ready":
            return
        if time.monotonic() >= deadline:
            module.fail_json(
                msg=f"{params['unit']} is not healthy after {params['healthz_timeout']} s: "
                f"{params['healthz']} {verdict}; see journalctl -u {params['unit']}"
            )
        time.sleep(2)


def start_units(module, params):
    """Reload, enable and start params' unit and more_units as needed (not in check mode), read
    whether the unit's process is older than its paths, wait for its health URL when due; the
    unit_started result."""
    unit = params["unit"]
    properties = unit_properties(module, unit)
    actions = unit_actions(properties)
    more_actions = {name: unit_actions(unit_properties(module, name)) for name in params["more_units"]}
    was_running = "start" not in actions
    newer = stale_files(properties, params["paths"], params["restart_pending"])
    if not module.check_mode:
        if "daemon-reload" in actions or any("daemon-reload" in todo for todo in more_actions.values()):
            systemctl(module, "daemon-reload")  # once, for every unit
        for name, todo in [(unit, actions), *more_actions.items()]:
            for action in todo:
                if action == "start" and params["no_block"] and name == unit:
                    systemctl(module, action, "--no-block", name)
                elif action != "daemon-reload":
                    systemctl(module, action, name)
    health = "not checked"
    restart_due = params["restart_pending"] or bool(newer)
    healthz = "" if params["no_block"] else params["healthz"]
    if must_wait(healthz, was_running, restart_due, module.check_mode):
        wait_healthy(module, params)
        health = "ready"
    return {
        "changed": any(set(todo) & {"enable", "start"} for todo in [actions, *more_actions.values()]),
        "actions": actions,
        "more_actions": more_actions,
        "started": not was_running,
        "stale": bool(newer),
        "newer": newer,
        "health": health,
    }

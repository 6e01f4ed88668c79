#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: unit_started
short_description: Start and enable a component's systemd unit, tell whether it runs old files, wait until it is healthy
version_added: 0.3.0
description:
  - One module run for what took four tasks per component and host (systemd reload, enable and
    start, the freshness read of M(rktnetes.cluster.unit_freshness), and the health wait), so a run
    that changes nothing asks each component one question.
  - Reloads systemd when the unit's file changed on disk (C(NeedDaemonReload)) or is new, enables
    the unit and starts it when it is not running.
  - Reports the files changed after the running process started (as M(rktnetes.cluster.unit_freshness)
    does), so that the caller restarts a process a cut-off run left older than its files.
  - Then waits until O(healthz) answers 200 (and its body does not match O(healthz_pending)), so a
    component that starts and then fails stops the play. It does not wait when the unit was running
    and the caller restarts it next (O(restart_pending), or the process is stale); the restart waits instead.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reports what it would reload, enable and start; changes nothing and does not wait.
  diff_mode:
    support: none
    description: Changes a unit's state, not a file.
options:
  unit:
    description: The unit, for example V(kube-scheduler.service).
    type: str
    required: true
  more_units:
    description:
      - Further units a role runs beside O(unit) (a timer, a helper service), loaded, enabled and
        started the same way in the same module run, with one systemd reload for all. No freshness
        read and no health wait for them.
    type: list
    elements: str
    default: []
  paths:
    description: The files the unit's process runs or reads (binary, unit file, certificates, configuration).
    type: list
    elements: path
    default: []
  no_block:
    description:
      - Start the unit without waiting for its start-up to finish (C(systemctl start --no-block)),
        for members that wait for each other, such as a new etcd cluster's. No health wait then.
    type: bool
    default: false
  restart_pending:
    description:
      - The caller restarts the unit after this task (a file it runs was just replaced).
      - No freshness read then, and no wait when the unit was running.
    type: bool
    default: false
  healthz:
    description: An http(s) URL answering 200 once the component works; empty for none.
    type: str
    default: ""
  healthz_pending:
    description: A regular expression that, found in a 200 answer, means "not ready yet".
    type: str
    default: ""
  healthz_timeout:
    description: Seconds to wait for O(healthz).
    type: int
    default: 120
  ca_path:
    description: CA certificate for an https O(healthz).
    type: path
  client_cert:
    description: Client certificate for an O(healthz) that wants TLS client authentication.
    type: path
  client_key:
    description: Its key.
    type: path
seealso:
  - module: ansible.builtin.systemd_service
  - module: rktnetes.cluster.unit_freshness
"""
EXAMPLES = r"""
- name: Start rkt's api-service and its gc timer, enabled at boot
  rktnetes.cluster.unit_started:
    unit: rkt-api-service.service
    more_units: [rkt-gc.timer]

- name: Start the scheduler, enabled at boot, and wait for /healthz
  rktnetes.cluster.unit_started:
    unit: kube-scheduler.service
    paths: [/usr/local/bin/kube-scheduler, /etc/systemd/system/kube-scheduler.service]
    restart_pending: "{{ scheduler_files is changed }}"
    healthz: http://127.0.0.1:10251/healthz
  register: scheduler_unit
"""
RETURN = r"""
actions:
  description: The systemctl calls made for O(unit) (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [daemon-reload, enable, start]
more_actions:
  description: The systemctl calls made (or that would be) for each of O(more_units).
  returned: always
  type: dict
  sample: {rkt-gc.timer: [enable, start]}
started:
  description: Whether this run started the unit (a process that just started read the current files).
  returned: always
  type: bool
  sample: false
stale:
  description: Whether the unit was running and some file changed after its main process started.
  returned: always
  type: bool
  sample: false
newer:
  description: The files that changed after the main process started.
  returned: always
  type: list
  elements: str
  sample: [/usr/local/bin/kube-scheduler]
health:
  description: V(ready), or V(not checked) when it did not wait.
  returned: always
  type: str
  sample: ready
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_freshness import parse_show
from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_started import (
    SHOW_PROPERTIES,
    health_verdict,
    must_wait,
    stale_files,
    unit_actions,
)


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


def wait_healthy(module):
    params = module.params
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


def main():
    module = AnsibleModule(
        argument_spec={
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
        },
        supports_check_mode=True,
    )
    unit = module.params["unit"]
    properties = unit_properties(module, unit)
    actions = unit_actions(properties)
    more_actions = {name: unit_actions(unit_properties(module, name)) for name in module.params["more_units"]}
    was_running = "start" not in actions
    newer = stale_files(properties, module.params["paths"], module.params["restart_pending"])
    if not module.check_mode:
        if "daemon-reload" in actions or any("daemon-reload" in todo for todo in more_actions.values()):
            systemctl(module, "daemon-reload")  # once, for every unit
        for name, todo in [(unit, actions), *more_actions.items()]:
            for action in todo:
                if action == "start" and module.params["no_block"] and name == unit:
                    systemctl(module, action, "--no-block", name)
                elif action != "daemon-reload":
                    systemctl(module, action, name)
    health = "not checked"
    restart_due = module.params["restart_pending"] or bool(newer)
    healthz = "" if module.params["no_block"] else module.params["healthz"]
    if must_wait(healthz, was_running, restart_due, module.check_mode):
        wait_healthy(module)
        health = "ready"
    module.exit_json(
        changed=any(set(todo) & {"enable", "start"} for todo in [actions, *more_actions.values()]),
        actions=actions,
        more_actions=more_actions,
        started=not was_running,
        stale=bool(newer),
        newer=newer,
        health=health,
    )


if __name__ == "__main__":
    main()

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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_started import UNIT_OPTIONS, start_units


def main():
    module = AnsibleModule(argument_spec=UNIT_OPTIONS, supports_check_mode=True)
    module.exit_json(**start_units(module, module.params))


if __name__ == "__main__":
    main()

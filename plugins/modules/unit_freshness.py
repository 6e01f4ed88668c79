#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: unit_freshness
short_description: Whether a running systemd unit started before the files it runs were last changed
version_added: 0.2.0
description:
  - Reads when the unit's main process started (systemd's monotonic timestamp, so no clock step
    misleads it) and reports every given file whose inode changed after that (its C(st_ctime),
    which a write, a replacement, a chmod or a chown moves).
  - A run cut off after writing a new binary or configuration but before its handler restarted
    the unit leaves the old process running and the files as wanted; the next run finds nothing
    to change. This module lets that run see that the process is older than its files and
    restart it.
  - Read-only. A unit that is not running is never stale (starting it reads the current files).
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reads only; the same answer in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
options:
  unit:
    description: The unit, for example V(kube-scheduler.service).
    type: str
    required: true
  paths:
    description: The files the unit's process runs or reads (binary, unit file, certificates, configuration).
    type: list
    elements: path
    required: true
seealso:
  - module: ansible.builtin.systemd_service
"""
EXAMPLES = r"""
- name: Is the running scheduler older than its binary or files?
  rktnetes.cluster.unit_freshness:
    unit: kube-scheduler.service
    paths:
      - /usr/local/bin/kube-scheduler
      - /etc/systemd/system/kube-scheduler.service
      - /etc/kubernetes/kube-scheduler.kubeconfig
  register: scheduler_freshness

- name: Restart it if so
  ansible.builtin.systemd_service:
    name: kube-scheduler.service
    state: restarted
  when: scheduler_freshness.stale
"""
RETURN = r"""
stale:
  description: Whether the unit runs and some file changed after its main process started.
  returned: always
  type: bool
  sample: true
started:
  description: When the main process started (seconds since the epoch), or null when the unit does not run.
  returned: always
  type: float
  sample: 1764640000.25
newer:
  description: The files that changed after the main process started.
  returned: always
  type: list
  elements: str
  sample: [/usr/local/bin/kube-scheduler]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rktnetes.cluster.plugins.module_utils.unit_freshness import (
    changed_since,
    parse_show,
    start_time,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "unit": {"type": "str", "required": True},
            "paths": {"type": "list", "elements": "path", "required": True},
        },
        supports_check_mode=True,
    )
    systemctl = module.get_bin_path("systemctl", required=True)
    rc, out, err = module.run_command(
        [systemctl, "show", "-p", "ActiveState", "-p", "ExecMainStartTimestampMonotonic", module.params["unit"]]
    )
    if rc != 0:
        module.fail_json(msg=f"systemctl show {module.params['unit']} failed: {err.strip() or out.strip()}")
    started = start_time(parse_show(out))
    newer = [] if started is None else changed_since(module.params["paths"], started)
    module.exit_json(changed=False, stale=bool(newer), started=started, newer=newer)


if __name__ == "__main__":
    main()

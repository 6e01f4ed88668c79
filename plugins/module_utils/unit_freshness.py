# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""Whether a running unit's main process predates the files it runs and reads: what a run cut off
between writing a file and restarting the unit leaves behind, and what its handler never saw."""

from __future__ import annotations

import os
import time


def start_time(properties, realtime=None, monotonic=None):
    """The wall-clock time the unit's main process started, from `systemctl show` properties
    (ActiveState, ExecMainStartTimestampMonotonic in microseconds); None when it is not running.
    Computed from the monotonic clock, which no clock step moves."""
    if properties.get("ActiveState") not in ("active", "reloading"):
        return None
    started = int(properties.get("ExecMainStartTimestampMonotonic") or 0)
    if started <= 0:
        return None
    realtime = time.time() if realtime is None else realtime
    monotonic = time.clock_gettime(time.CLOCK_MONOTONIC) if monotonic is None else monotonic
    return realtime - (monotonic - started / 1e6)


def parse_show(text):
    """`systemctl show -p A -p B UNIT` output -> {A: value, B: value}."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def changed_since(paths, started):
    """The paths whose inode changed (content written, replaced, chmod or chown: st_ctime) after
    `started`; a path that does not exist is not counted (the run that writes it decides)."""
    newer = []
    for path in paths:
        try:
            if os.stat(path).st_ctime > started:
                newer.append(path)
        except FileNotFoundError:
            continue
    return newer

"""ansible-playbook as an operator runs it, for the tests that check a whole playbook: this
checkout's ansible.cfg, no colour, a timeout, output captured."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ansible_playbook(*args, cwd=ROOT, env=None, expect_ok=True):
    """Runs `ansible-playbook ARGS...`; with expect_ok, fails the test (showing the output's end)
    unless it exits 0. `env` adds to or overrides the environment."""
    environment = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **(env or {}))
    result = subprocess.run(
        ["ansible-playbook", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=environment,
        timeout=300,
    )
    if expect_ok:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result


def one_line(result):
    """The run's output on one line (escaped newlines too), for matching a message."""
    return " ".join((result.stdout + result.stderr).replace("\\n", " ").split())

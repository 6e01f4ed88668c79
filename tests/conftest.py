"""Every pytest session under tests/ starts by checking the machine has the commands the tests
call (tests/host-deps.txt): a missing one stops the session naming its package, not a traceback."""

import subprocess
from pathlib import Path

import pytest


def pytest_sessionstart(session):
    check = subprocess.run(
        [str(Path(__file__).parent / "host-deps.sh"), "--check"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        pytest.exit(check.stderr.strip() or check.stdout.strip(), returncode=1)

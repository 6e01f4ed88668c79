"""A small lab of a test module's own (its own LAB_DIR and bridge, the shared base cache), so that
lab tests run beside the demo lab and each other."""

import os
import subprocess
from pathlib import Path

import pytest

LABCTL = Path(__file__).resolve().parent / "labctl"


def labctl(env, *args, check=True, stdin=None):
    """Runs labctl; with check, a failure raises with labctl's own words (its stderr)."""
    done = subprocess.run(
        [str(LABCTL), *args],
        input=stdin,
        capture_output=True,
        check=False,
        env={**os.environ, **env},
        timeout=600,
        text=not isinstance(stdin, bytes),
    )
    if check and done.returncode != 0:
        said = done.stderr if isinstance(done.stderr, str) else done.stderr.decode(errors="replace")
        raise RuntimeError(f"labctl {' '.join(args)} failed (rc {done.returncode}): {said.strip()[-2000:]}")
    return done


def lab_env(tmp_path_factory, bridge, bridge_addr):
    """The environment for labctl; skips where the machine cannot run the lab (unless LAB_REQUIRED)."""
    check = labctl({}, "check", check=False)
    if check.returncode != 0 and not os.environ.get("LAB_REQUIRED"):
        pytest.skip("this machine cannot run the lab: " + check.stderr)
    shared = os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab")  # noqa: S108 (the lab cache, not a temp file)
    return {
        "LAB_DIR": str(tmp_path_factory.mktemp(bridge)),
        "LAB_BASE": os.path.join(shared, "base"),
        "LAB_BRIDGE": bridge,
        "LAB_BRIDGE_ADDR": bridge_addr,
    }


def booted(env, hosts):
    """Boot {name: ip} and wait for them; yields env, then removes the lab."""
    specs = [f"{name}:{ip}" for name, ip in hosts.items()]
    try:  # a lab that fails to boot is removed too: no mounts, bridge or cgroups left behind
        labctl(env, "up", *specs)
        labctl(env, "wait", *specs)
        yield env
    finally:
        labctl(env, "down", check=False)

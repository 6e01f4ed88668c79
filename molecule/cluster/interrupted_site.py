"""molecule/cluster converge: site.yml from empty hosts, cut off three times by SIGKILL (of the
whole ansible-playbook process group, as a job runner kills a job) at three points of the cold
run, each time started again: during etcd's files and start, during the control plane, during the nodes. The
fourth run must finish; verify then checks the cluster works and that a further run changes
nothing on any host.

usage: interrupted_site.py INVENTORY SITE_YML"""

import os
import signal
import subprocess
import sys
import time

# (play banner that must have been seen, task banner to kill at): the kill lands while that task runs.
KILL_POINTS = [
    ("PLAY [Etcd members", "TASK [rktnetes.cluster.etcd : The etcd user, directories"),
    ("PLAY [Control plane", "TASK [rktnetes.cluster.kube_component : Write its directories"),  # the API server
    ("PLAY [Kubelet and kube-proxy", "TASK [rktnetes.cluster.kube_component : Write its directories"),
]


def run(inventory, site, kill_at=None):
    """One ansible-playbook run; with kill_at, SIGKILL its process group when that point is reached.
    Returns (return code, whether it was killed, seconds)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    started = time.monotonic()
    process = subprocess.Popen(
        ["ansible-playbook", "-i", inventory, site],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    seen_play, killed, tail = kill_at is None, False, []
    for line in process.stdout:
        print(line, end="", flush=True)  # the whole output, for reading when a run goes wrong
        tail = [*tail[-39:], line.rstrip()]
        if kill_at and not killed:
            play, task = kill_at
            seen_play = seen_play or line.startswith(play)
            if seen_play and line.startswith(task):
                time.sleep(0.5)  # inside the task: its module is running on the hosts
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
    code = process.wait()
    if kill_at and not killed:
        print("\n".join(tail))
        sys.exit(f"interrupted_site: the run ended (rc {code}) before reaching {kill_at[1]!r}")
    if not kill_at and code != 0:
        print("\n".join(tail))
    return code, killed, time.monotonic() - started


def main(inventory, site):
    for number, point in enumerate(KILL_POINTS, 1):
        _code, _killed, seconds = run(inventory, site, point)
        print(f"run {number}: killed (SIGKILL) at {point[1][6:]} after {seconds:.0f} s", flush=True)
    code, _killed, seconds = run(inventory, site)
    print(f"run {len(KILL_POINTS) + 1}: rc {code} after {seconds:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))

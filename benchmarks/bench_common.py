"""What more than one benchmark needs: the CPU time of finished child processes, and the settings
that run Ansible with Mitogen (their --mitogen)."""

import resource
from pathlib import Path


def children_cpu():
    """CPU seconds (user + system) of this process's finished children and their waited descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mitogen_environment():
    """What a user puts in ansible.cfg to run with Mitogen (strategy mitogen_linear), as environment
    variables {ANSIBLE_STRATEGY_PLUGINS, ANSIBLE_STRATEGY} from the Mitogen installed in this
    Python; SystemExit naming what to install when there is none."""
    try:
        import ansible_mitogen  # optional: only --mitogen needs it
    except ImportError:
        raise SystemExit("--mitogen needs Mitogen in this Python: .venv/bin/pip install mitogen") from None
    plugins = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}

"""What a user puts in ansible.cfg to run with Mitogen (strategy mitogen_linear), as environment
variables, from the Mitogen installed in this Python; for the benchmarks' --mitogen."""

from pathlib import Path


def mitogen_environment():
    """{ANSIBLE_STRATEGY_PLUGINS, ANSIBLE_STRATEGY}, or SystemExit naming what to install."""
    try:
        import ansible_mitogen  # optional: only --mitogen needs it
    except ImportError:
        raise SystemExit("--mitogen needs Mitogen in this Python: .venv/bin/pip install mitogen") from None
    plugins = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}

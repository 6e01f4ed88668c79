"""Benchmark (not a test): what one task that runs a module costs, the floor under site.yml's time.

Every task that runs a module on a host starts a Python interpreter there and imports Ansible's
module_utils from the AnsiballZ zip; zipimport keeps no bytecode, so basic.py and its imports are
compiled again on every task. This measures, on the controller alone (loopback, local
connection, nothing else contacted):
- a playbook of N tasks of `ansible.builtin.command: true` on 3 hosts, and of N `set_fact` tasks
  (no module run), with the real ansible-playbook: seconds per task round and CPU seconds per
  module run;
- importing ansible.module_utils.basic from a zip as AnsiballZ does, against a bare interpreter.
With --mitogen the playbooks run with Mitogen's strategy (mitogen_linear; `pip install mitogen`).
Usage: .venv/bin/python benchmarks/module_round.py [--mitogen] [N]   (default 40)
"""

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import ansible
from bench_common import children_cpu, mitogen_environment

HOSTS = ("h1", "h2", "h3")
PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")


def playbook(path, task, count):
    body = "\n".join(f"    - name: t{i}\n{task}" for i in range(count))
    path.write_text(f"- hosts: all\n  gather_facts: false\n  tasks:\n{body}\n")


def timed(command, env):
    cpu, started = children_cpu(), time.monotonic()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.monotonic() - started, children_cpu() - cpu


def zip_of_module_utils(path):
    base = Path(ansible.__file__).parent
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ansible/__init__.py", "")
        for source in (base / "module_utils").rglob("*.py"):
            archive.write(source, source.relative_to(base.parent))


def main():
    args = [arg for arg in sys.argv[1:] if arg != "--mitogen"]
    tasks = int(args[0]) if args else 40
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    if "--mitogen" in sys.argv[1:]:
        env.update(mitogen_environment())
    env["ANSIBLE_HOST_KEY_CHECKING"] = "False"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        hosts = "\n".join(
            f"    {h}: {{ansible_connection: local, ansible_python_interpreter: {sys.executable}}}" for h in HOSTS
        )
        (work / "inventory.yml").write_text(f"all:\n  hosts:\n{hosts}\n")
        playbook(work / "modules.yml", "      ansible.builtin.command: 'true'\n      changed_when: false", tasks)
        playbook(work / "facts.yml", "      ansible.builtin.set_fact:\n        x: 1", tasks)
        results = {}
        for name in ("facts", "modules"):
            command = [str(PLAYBOOK_BIN), "-i", str(work / "inventory.yml"), str(work / f"{name}.yml")]
            results[name] = timed(command, env)
        zip_path = work / "module_utils.zip"
        zip_of_module_utils(zip_path)
        imports = f"import sys; sys.path.insert(0, {str(zip_path)!r}); import ansible.module_utils.basic"
        zipped = min(timed([sys.executable, "-I", "-c", imports], env)[0] for _attempt in range(5))
        bare = min(timed([sys.executable, "-I", "-c", "pass"], env)[0] for _attempt in range(5))
    facts_wall = results["facts"][0]
    modules_wall, modules_cpu = results["modules"]
    runs = tasks * len(HOSTS)
    print(f"strategy: {env.get('ANSIBLE_STRATEGY', 'linear (the default)')}")
    print(f"{tasks} set_fact tasks on {len(HOSTS)} hosts: {facts_wall:.1f} s ({facts_wall / tasks:.3f} s per task)")
    print(
        f"{tasks} command tasks on {len(HOSTS)} hosts: {modules_wall:.1f} s"
        f" ({modules_wall / tasks:.3f} s per task round, {modules_cpu / runs:.3f} CPU s per module run,"
        f" {os.cpu_count()} cores)"
    )
    print(
        f"import ansible.module_utils.basic from a zip, as AnsiballZ: {zipped:.3f} s; a bare interpreter: {bare:.3f} s"
    )


if __name__ == "__main__":
    main()

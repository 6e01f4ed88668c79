"""A job run the way AWX runs it: ansible-runner in a private data directory of its own, empty but
for what AWX puts there (project, inventory, env/extravars from the job template's survey
defaults, env/ssh_key from the machine credential, env/envvars), with a HOME of its own. Nothing
of an earlier job is left: no PKI directory, no artifact cache. The job's events say how it went."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml
from cluster import ROOT

SURVEYS = ROOT / "extras" / "awx" / "surveys"
# Where this scenario keeps state a real AWX job would not have: an AWX inventory holds none of it.
NOT_IN_AWX = ("rktnetes_pki_dir", "artifacts_cache_dir", "rktnetes_etcd_backup_dir")


def survey_defaults(template, site):
    """The answers of a job launched with the survey's defaults, as awx_configure.yml sets them up
    for this site: `awx_survey_defaults` gives a question the site's own value (the lab's test image,
    say) where the inventory has one, since survey answers win over the inventory."""
    spec = json.loads((SURVEYS / f"{template}.json").read_text())["spec"]
    answers = {}
    for question in spec:
        variable = question["variable"]
        if variable in site:
            answers[variable] = site[variable]
        elif "default" in question:
            answers[variable] = question["default"]
    return answers


def scenario_settings():
    """The scenario's group variables (molecule writes them to group_vars/all)."""
    source = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent / "group_vars" / "all"
    return yaml.safe_load(source.read_text()) or {}


def inventory_of_this_scenario(target):
    """The scenario's inventory as AWX would hold it: the hosts and group variables, without the
    paths molecule points at its own state."""
    source = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    shutil.copytree(source, target)
    found = [path for path in (target / "group_vars").glob("all*") if path.is_file()]
    assert found, f"no group_vars/all in {source}"  # molecule writes group_vars/all
    for group_vars in found:
        kept = [line for line in group_vars.read_text().splitlines() if not line.startswith(NOT_IN_AWX)]
        group_vars.write_text("\n".join(kept) + "\n")


def copy_project(target):
    """The project as AWX checks it out: the repository's files, nothing the tests made beside them."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".build", ".ansible", ".molecule", "__pycache__", "*.pyc")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)


class Job:
    def __init__(self, private, result):
        self.rc = result.returncode
        self.output = result.stdout + result.stderr
        self.events = []
        for path in sorted((private / "artifacts").glob("*/job_events/*.json")):
            self.events.append(json.loads(path.read_text()))
        self.events.sort(key=lambda event: event.get("counter", 0))

    def failed_tasks(self):
        return [
            f"{data.get('task')} on {data.get('host')}"
            for event, data in self.task_events()
            if event in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors")
        ]

    def changed_tasks(self):
        changed = {}
        for event, data in self.task_events():
            if event == "runner_on_ok" and (data.get("res") or {}).get("changed"):
                title = str(data.get("task", "")).split(" : ", 1)[-1]
                changed.setdefault(title, []).append(data.get("host"))
        return changed

    def stats(self):
        finals = [data for event, data in self.task_events() if event == "playbook_on_stats"]
        return finals[-1] if finals else {}

    def task_events(self):
        """(event, event_data) of the events that have data (verbose output lines have none)."""
        return [(e.get("event"), e["event_data"]) for e in self.events if e.get("event_data")]


def run_job(tmp_path, playbook, template):
    """Run `playbook` as AWX runs the job template `template`, from an empty private data dir.
    The directory is short, as AWX's /runner is: ssh's control socket under HOME must fit in a
    Unix socket path (108 bytes), which pytest's tmp_path does not."""
    private = Path(tempfile.mkdtemp(prefix="awx-"))
    (tmp_path / "private").symlink_to(private)  # where pytest keeps the test's files, for a look after
    (private / "env").mkdir(parents=True)
    copy_project(private / "project")
    inventory_of_this_scenario(private / "inventory")
    (private / "env" / "extravars").write_text(json.dumps(survey_defaults(template, scenario_settings())))
    lab = os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab")  # noqa: S108 (the lab's key, not a temp file)
    key = Path(lab) / "keys" / "id_ed25519"
    (private / "env" / "ssh_key").write_text(key.read_text())
    home = private / "home"
    home.mkdir()
    # As the execution environment has it: the collection installed (here, the project itself).
    collections = private / "collections" / "ansible_collections" / "rktnetes"
    collections.mkdir(parents=True)
    (collections / "cluster").symlink_to(private / "project")
    envvars = {"HOME": str(home), "ANSIBLE_COLLECTIONS_PATH": str(private / "collections")}
    (private / "env" / "envvars").write_text(json.dumps(envvars))
    # Nothing of this test process's environment (molecule's ANSIBLE_* settings, ANSIBLE_CONFIG):
    # a job sees only what AWX gives it.
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    result = subprocess.run(
        ["ansible-runner", "run", str(private), "-p", playbook, "--quiet"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    return Job(private, result)

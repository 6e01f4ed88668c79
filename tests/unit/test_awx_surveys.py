"""AWX runs every job unattended, with the answers of its job template's survey as extra variables:
the surveys (extras/awx/surveys/*.json) have AWX's survey_spec shape, every survey variable is read
by the playbook of its job template, every default is one that playbook accepts (destructive ones
refuse by default), and no playbook or role task prompts."""

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from playbook_run import ansible_playbook, one_line

ROOT = Path(__file__).resolve().parents[2]
AWX = ROOT / "extras" / "awx"
SURVEYS = AWX / "surveys"
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PAUSE = {"pause", "ansible.builtin.pause", "ansible.legacy.pause"}
# Answers an operator types where a question has no default (tests only; no host is contacted).
SAMPLE_ANSWERS = {"scale_nodes": "w1", "node": "w1"}


class AnsibleLoader(yaml.SafeLoader):
    """Ansible's YAML: !unsafe and !vault values load as plain values."""


AnsibleLoader.add_multi_constructor(
    "!",
    lambda loader, _suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None,
)


def load(path):
    return yaml.load(path.read_text(), Loader=AnsibleLoader)  # noqa: S506 (a SafeLoader subclass)


CATALOG = load(ROOT / "extras" / "awx" / "job_templates.yml")
TEMPLATES = {entry["key"]: entry for entry in CATALOG["awx_job_templates"]}
WORKFLOWS = {entry["key"]: entry for entry in CATALOG["awx_workflows"]}


def survey(key):
    return json.loads((SURVEYS / f"{key}.json").read_text())


def playbooks_of(key):
    """The playbook files of a job template, or of every step of a workflow."""
    keys = WORKFLOWS[key]["steps"] if key in WORKFLOWS else [key]
    return [ROOT / TEMPLATES[step]["playbook"] for step in keys]


def skip_unless_present(key):
    missing = [str(path.relative_to(ROOT)) for path in playbooks_of(key) if not path.exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} does not exist yet (its job template waits for it)")


def strip_comments(text):
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", "{#")))


@cache
def role_files(role):
    return tuple(path for path in sorted((ROOT / "roles" / role).rglob("*")) if path.is_file())


def closure(playbook):
    """Every file a playbook runs: itself, the playbooks it imports, the templates it names, the
    roles it names (rktnetes.cluster.<role>) with all their files, and the roles those name."""
    files, roles, todo = [], set(), [playbook]
    while todo:
        path = todo.pop()
        if path in files or not path.exists():
            continue
        files.append(path)
        text = path.read_text(errors="replace")
        if path.parent == ROOT / "playbooks":
            for play in load(path) or []:
                target = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
                if target:  # a file next to it, or rktnetes.cluster.<name>
                    name = Path(target).name.removeprefix("rktnetes.cluster.")
                    todo.append(ROOT / "playbooks" / (name if name.endswith(".yml") else f"{name}.yml"))
            for template in re.findall(r"""['"]([\w.-]+\.j2)['"]""", text):
                todo.append(ROOT / "playbooks" / "templates" / template)
        for role in re.findall(r"rktnetes\.cluster\.(\w+)", text):
            if role not in roles and (ROOT / "roles" / role).is_dir():
                roles.add(role)
                todo.extend(role_files(role))
    return files


@cache
def text_read_by(key):
    return "\n".join(
        strip_comments(path.read_text(errors="replace")) for playbook in playbooks_of(key) for path in closure(playbook)
    )


def literal_defaults(key, variable):
    """Defaults the playbooks give the variable themselves: `variable | default(<literal>)` and
    `variable: <literal>` in a role's defaults/main.yml."""
    found = set()
    text = text_read_by(key)
    pattern = rf"""\b{variable}\s*\|\s*default\(\s*(?:'([^']*)'|"([^"]*)"|(true|false|True|False|-?\d+))\s*[,)]"""
    for quoted1, quoted2, bare in re.findall(pattern, text):
        found.add((quoted1 or quoted2 or bare).lower() if bare else quoted1 or quoted2)
    for playbook in playbooks_of(key):
        for path in closure(playbook):
            if path.parent.name == "defaults" and path.suffix == ".yml":
                value = (load(path) or {}).get(variable)
                if isinstance(value, (bool, int, str)) and "{{" not in str(value):
                    found.add(str(value).lower() if isinstance(value, bool) else str(value))
    return found


def as_text(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


ALL_SURVEYS = sorted(path.stem for path in SURVEYS.glob("*.json"))


def test_every_job_template_and_workflow_has_its_survey_and_no_survey_is_left_over():
    assert set(TEMPLATES) == {
        "site",
        "verify",
        "scale",
        "remove_node",
        "upgrade",
        "etcd_backup",
        "etcd_restore",
        "reset",
    }
    assert WORKFLOWS["upgrade_workflow"]["steps"] == ["etcd_backup", "upgrade", "verify"]
    assert set(ALL_SURVEYS) == set(TEMPLATES) | set(WORKFLOWS)
    for key, entry in TEMPLATES.items():
        assert entry["playbook"] == f"playbooks/{key}.yml"


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_survey_has_awx_survey_spec_shape(key):
    spec = survey(key)
    assert isinstance(spec.get("name"), str) and isinstance(spec.get("description"), str)  # AWX requires both
    assert isinstance(spec.get("spec"), list) and spec["spec"], "AWX refuses a survey without questions"
    variables = [question.get("variable") for question in spec["spec"]]
    assert len(set(variables)) == len(variables), "a variable asked twice"
    for question in spec["spec"]:
        name = question.get("variable")
        assert isinstance(name, str) and VARIABLE.match(name), question
        assert isinstance(question.get("question_name"), str) and question["question_name"], name
        assert question.get("type") in TYPES, name
        # AWX passes an optional question left blank as "" or null, which would override the
        # inventory's value and the playbook's own default (awx#9525, awx#16205): ask only what a job needs.
        assert question.get("required") is True, f"{name}: every question is required, with a default where one exists"
        kind, default = question["type"], question.get("default")
        if kind in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            assert isinstance(choices, list) and choices and all(isinstance(c, str) and c for c in choices), name
            assert len(set(choices)) == len(choices), name
            assert default is None or default in choices, f"{name}: default {default!r} is not a choice"
        elif kind in ("integer", "float"):
            low, high = question.get("min"), question.get("max")
            assert isinstance(low, int) and isinstance(high, int) and low <= high, name
            assert default is None or (isinstance(default, int) and low <= default <= high), name
        else:
            low, high = question.get("min", 0), question.get("max", 1024)
            assert default is None or (isinstance(default, str) and low <= len(default) <= high), name
            assert kind != "password" or default is None, f"{name}: no password default in a file"
        assert set(question) <= {
            *("question_name", "question_description", "required", "type", "variable"),
            *("min", "max", "default", "choices", "new_question"),
        }, name


def prompting_tasks(tasks, where):
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        for section in ("block", "rescue", "always"):
            yield from prompting_tasks(task.get(section), where)
        for module in PAUSE & set(task):
            args = task[module]
            if isinstance(args, str):
                args = dict(item.split("=", 1) for item in args.split() if "=" in item)
            if not (isinstance(args, dict) and ({"seconds", "minutes"} & set(args))):
                yield f"{where}: {task.get('name', module)!r} pauses without seconds or minutes"


def prompts():
    found = []
    for path in sorted((ROOT / "playbooks").glob("*.yml")):
        for play in load(path) or []:
            if "vars_prompt" in play:
                found.append(f"{path.relative_to(ROOT)}: play {play.get('name')!r} has vars_prompt")
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                found += prompting_tasks(play.get(section), path.relative_to(ROOT))
    for path in sorted([*ROOT.glob("roles/*/tasks/*.yml"), *ROOT.glob("roles/*/handlers/*.yml")]):
        found += prompting_tasks(load(path), path.relative_to(ROOT))
    return found


def test_no_playbook_or_role_task_prompts():
    assert prompts() == []


def test_the_prompt_scan_finds_prompts():
    tasks = yaml.safe_load(
        """
        - name: Wait for an operator
          ansible.builtin.pause:
            prompt: Go on?
        - block:
            - pause:
        - name: Bounded
          ansible.builtin.pause:
            seconds: 5
        - name: Free form
          pause: minutes=1
        """
    )
    assert len(list(prompting_tasks(tasks, "x"))) == 2


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_every_survey_variable_is_read_by_the_job_templates_playbook(key):
    skip_unless_present(key)
    text = text_read_by(key)
    unread = [q["variable"] for q in survey(key)["spec"] if not re.search(rf"\b{q['variable']}\b", text)]
    assert unread == [], f"{key}: no playbook or role the job runs reads {unread}"


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_survey_defaults_are_the_playbooks_own(key):
    skip_unless_present(key)
    for question in survey(key)["spec"]:
        if "default" in question:
            own = literal_defaults(key, question["variable"])
            assert own <= {as_text(question["default"])}, (
                f"{key}: {question['variable']} defaults to {own} in the playbook"
            )


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_yes_no_answers_are_read_as_booleans(key):
    """A survey answers "false" as a string, which is true in a condition unless read through | bool."""
    skip_unless_present(key)
    for question in survey(key)["spec"]:
        if question["type"] == "multiplechoice" and set(question["choices"]) == {"true", "false"}:
            name = question["variable"]
            assert re.search(rf"\b{name}\s*(\|\s*default\([^)]*\)\s*)?\|\s*bool\b", text_read_by(key)), name


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_confirmations_default_to_no(key):
    for question in survey(key)["spec"]:
        if question["variable"].endswith("_confirm"):
            assert question["type"] == "multiplechoice" and question["choices"] == ["false", "true"], question
            assert question["default"] == "false", f"{key}: {question['variable']} must not default to yes"


def test_destructive_playbooks_have_a_confirmation():
    for key in ("remove_node", "etcd_restore", "reset"):
        assert any(q["variable"] == f"{key}_confirm" for q in survey(key)["spec"]), key


@pytest.mark.parametrize("key", ALL_SURVEYS)
def test_version_choices_are_pinned_in_the_artifacts_table(key):
    catalog = load(ROOT / "roles" / "artifacts" / "vars" / "main.yml")["artifacts_catalog"]
    for question in survey(key)["spec"]:
        match = re.fullmatch(r"rktnetes_(\w+)_version", question["variable"])
        if match:
            pinned = {
                version
                for entry in catalog.values()
                if entry.get("component") == match.group(1)
                for version in (entry.get("checksums") or {})
            }
            assert pinned, question["variable"]
            assert {choice.removeprefix("v") for choice in question["choices"]} <= pinned, question["choices"]


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_a_workflow_asks_as_its_steps_ask(workflow):
    """The workflow's answers go to every step: a question both ask has one meaning."""
    asked = {q["variable"]: q for q in survey(workflow)["spec"]}
    for step in WORKFLOWS[workflow]["steps"]:
        for question in survey(step)["spec"]:
            if question["variable"] in asked:
                ours = asked[question["variable"]]
                for field in ("type", "default", "choices", "min", "max"):
                    assert ours.get(field) == question.get(field), (workflow, step, question["variable"], field)


INVENTORY = """
all:
  children:
    etcd: {hosts: {cp1: {}}}
    control_plane: {hosts: {cp1: {}}}
    nodes: {hosts: {cp1: {}, w1: {}, w2: {}}}
  vars: {ansible_host: 192.0.2.250}
"""


@pytest.mark.parametrize("key", ["remove_node", "etcd_restore", "reset"])
def test_destructive_job_with_the_survey_defaults_changes_nothing(tmp_path, key):
    """As AWX launches it when the operator only fills in what has no default: the playbook stops
    at its confirmation, before any host is contacted."""
    snapshot = tmp_path / "etcd-20261126T120000Z.db"
    snapshot.write_bytes(b"not a snapshot")
    answers = {}
    for question in survey(key)["spec"]:
        if "default" in question:
            answers[question["variable"]] = question["default"]
        else:
            answers[question["variable"]] = {**SAMPLE_ANSWERS, "etcd_restore_snapshot": str(snapshot)}[
                question["variable"]
            ]
    (tmp_path / "extravars.json").write_text(json.dumps(answers))
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    result = ansible_playbook(
        *("-i", tmp_path / "hosts.yml", ROOT / TEMPLATES[key]["playbook"], "-e", f"@{tmp_path / 'extravars.json'}"),
        expect_ok=False,
    )
    text = one_line(result)
    assert result.returncode != 0 and "Nothing was changed" in text, text[-2000:]
    assert f"{key}_confirm=true" in text, text[-2000:]
    assert "UNREACHABLE!" not in text and "unreachable=1" not in text  # no host was contacted


def test_awx_configure_creates_every_object_from_the_catalog():
    (play,) = load(ROOT / "playbooks" / "awx_configure.yml")
    assert play["hosts"] == "localhost" and "vars_prompt" not in play
    assert play["vars_files"] == ["../extras/awx/job_templates.yml"]
    modules = {key for task in play["tasks"] for key in task if key.startswith("awx.awx.")}
    assert {
        *("awx.awx.organization", "awx.awx.project", "awx.awx.execution_environment", "awx.awx.inventory"),
        *("awx.awx.group", "awx.awx.inventory_source", "awx.awx.job_template", "awx.awx.workflow_job_template"),
    } <= modules
    (groups,) = [task["loop"] for task in play["tasks"] if "awx.awx.group" in task]
    # The groups every playbook's plays target.
    assert [group["name"] for group in groups] == ["etcd", "control_plane", "nodes"]
    assert load(ROOT / "playbooks" / "preflight.yml")[0]["hosts"] == "etcd:control_plane:nodes"

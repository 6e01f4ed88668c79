"""Every role's meta/argument_specs.yml agrees with its defaults/main.yml, and its README is current.

The rule, for every role under roles/ (the internal kube_component included):

1. Names: every variable in defaults/main.yml and every option of every entry point starts with
   ``<role>_``.
2. Same set: every variable in defaults/main.yml is an option of the ``main`` entry point. Every
   option of ``main`` is in defaults/main.yml, unless it is ``required: true`` or is worked out at
   run time, which its description says with the word "default" (e.g. "(default pki_output_dir)").
   Another entry point (flags, plan, backup, ...) lists a subset of main's options, with main's
   type; each is also in defaults/main.yml unless it is ``required: true``.
3. Defaults: a value in defaults/main.yml with no Jinja in it (a literal) is the option's
   ``default:`` in every entry point that lists it, equal to it, unless the option is
   ``required: true`` there or the value is null. A value with Jinja in it (computed) has no
   ``default:`` in the spec (it would document a value the role does not use), and main's
   description says where it comes from, with the word "default".
4. Types: a literal's Python type fits the option's type: str (``str`` or ``path``), int, bool,
   float, list, dict; ``raw`` fits anything, and so does a null value.
5. Paths: an option whose name ends in ``_dir``, ``_file``, ``_path`` or ``_kubeconfig`` is
   ``type: path``, unless its literal value is a list or a dict (kube_component_kubeconfig is the
   dict a kubeconfig is made from, not a path).

Entry points without options are not checked. Finally, roles/<role>/README.md is what
tests/role_readmes.py generates from these specs.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.rktnetes.cluster.plugins.lookup.role_var import has_jinja

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (ROOT / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists())
PATH_SUFFIXES = ("_dir", "_file", "_path", "_kubeconfig")
TYPES = {str: {"str", "path"}, bool: {"bool"}, int: {"int"}, float: {"float"}, list: {"list"}, dict: {"dict"}}


def description(option):
    text = option.get("description", "")
    return " ".join(text) if isinstance(text, list) else str(text)


def load(role):
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    return defaults, specs


def problems(role):
    defaults, specs = load(role)
    main = (specs.get("main") or {}).get("options") or {}
    found = []
    for name in defaults:
        if not name.startswith(f"{role}_"):
            found.append(f"defaults: {name} lacks the prefix {role}_")
        if name not in main:
            found.append(f"defaults: {name} is not an option of main")
    for entry, spec in specs.items():
        for name, option in ((spec or {}).get("options") or {}).items():
            where = f"{entry}: {name}"
            kind = option.get("type", "str")
            required = option.get("required", False)
            if not name.startswith(f"{role}_"):
                found.append(f"{where} lacks the prefix {role}_")
            if entry != "main":
                if name not in main:
                    found.append(f"{where} is not an option of main")
                elif kind != main[name].get("type", "str"):
                    found.append(f"{where} is {kind}, main says {main[name].get('type', 'str')}")
            if name not in defaults:
                if not required and not (entry == "main" and "default" in description(option).lower()):
                    found.append(f"{where} is not in defaults/main.yml, not required, and says no default")
                continue
            value = defaults[name]
            if has_jinja(value):
                if "default" in option:
                    found.append(f"{where} has default {option['default']!r}, defaults/main.yml computes it")
                if entry == "main" and "default" not in description(option).lower():
                    found.append(f"{where} is computed; its description does not say from what (default ...)")
            elif value is not None:
                if kind != "raw" and kind not in TYPES[type(value)]:
                    found.append(f"{where} is {kind}, defaults/main.yml has a {type(value).__name__}")
                if "default" in option and option["default"] != value:
                    found.append(f"{where} has default {option['default']!r}, defaults/main.yml {value!r}")
                elif "default" not in option and not required:
                    found.append(f"{where} has no default, defaults/main.yml {value!r}")
            if name.endswith(PATH_SUFFIXES) and kind != "path" and not isinstance(value, (list, dict)):
                found.append(f"{where} names a path but is {kind}")
    return found


def test_every_role_has_argument_specs_with_main():
    roles = sorted(path.name for path in (ROOT / "roles").iterdir() if path.is_dir())
    assert roles == ROLES
    for role in ROLES:
        assert "main" in load(role)[1], role


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_match_defaults(role):
    found = problems(role)
    assert not found, f"roles/{role}: " + "\n".join(found)


def test_internal_role_is_marked_internal():
    _defaults, specs = load("kube_component")
    assert specs["main"]["short_description"].startswith("Internal:")
    readme = (ROOT / "roles" / "kube_component" / "README.md").read_text()
    assert "not to be used from playbooks" in readme


def test_role_readmes_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "role_readmes.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""A role's variable as the play sees it, else that role's own default: the lookup behind roles
that must agree with another role they do not run (reset, the API server's etcd port)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: role_var
short_description: Another role's variable, as the inventory sets it or as that role defaults it
version_added: 0.2.0
author: rktnetes.cluster maintainers (@rktnetes)
description:
  - For each variable name, its value when the play defines it (inventory, extra vars, play vars),
    else its default from C(defaults/main.yml) of the collection's role that defines it (every
    role's variables start with the role's name, so exactly one does).
  - For a role that must follow another role's setting without running that role, for example
    the reset role, which removes C(etcd_data_dir) wherever the inventory put it, or the API
    server's etcd port (C(etcd_client_port)). The value is never copied, so a changed default
    in the owning role is what the reader gets.
  - A default that is itself computed (has Jinja in it) is refused, naming the variable; only
    literal defaults can be read outside their role.
options:
  _terms:
    description: Variable names, each defined in one role's C(defaults/main.yml).
    required: true
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Where etcd keeps its data, as the etcd role would
  ansible.builtin.debug:
    msg: "{{ lookup('rktnetes.cluster.role_var', 'etcd_data_dir') }}"

- name: Several at once, as a list
  ansible.builtin.debug:
    msg: "{{ lookup('rktnetes.cluster.role_var', 'cni_bin_dir', 'cni_conf_dir', wantlist=True) }}"
"""

RETURN = r"""
_list:
  description: The value of each variable, in the order asked.
  type: list
  elements: raw
"""

import functools
from pathlib import Path

import yaml
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"


@functools.lru_cache(maxsize=None)
def _defaults(roles_dir):
    """{variable: (role, value)} for every role's defaults/main.yml under roles_dir."""
    found = {}
    for path in sorted(Path(roles_dir).glob("*/defaults/main.yml")):
        for name, value in (yaml.safe_load(path.read_text()) or {}).items():
            found[name] = (path.parent.parent.name, value)
    return found


def has_jinja(value):
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(has_jinja(item) for item in value.values())
    if isinstance(value, list):
        return any(has_jinja(item) for item in value)
    return False


def role_default(name, roles_dir=ROLES_DIR):
    """The literal default of variable `name` from the role that defines it; ValueError otherwise."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"role_var: a variable name is a non-empty string (got {name!r})")
    try:
        role, value = _defaults(str(roles_dir))[name]
    except KeyError:
        raise ValueError(f"role_var: no role of rktnetes.cluster defaults {name!r}") from None
    if has_jinja(value):
        raise ValueError(
            f"role_var: {name} is computed in roles/{role}/defaults/main.yml ({value!r}); only a literal "
            "default can be read outside its role"
        )
    return value


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        values = []
        for term in terms:
            if isinstance(term, str) and term in variables:
                values.append(self._templar.template(variables[term]))
                continue
            try:
                values.append(role_default(term))
            except ValueError as error:
                raise AnsibleLookupError(str(error)) from error
        return values

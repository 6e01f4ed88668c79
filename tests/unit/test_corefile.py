"""The Corefile cluster_dns renders names only directives the chosen CoreDNS has: each top-level
directive is in that release's plugin.cfg (tests/unit/data/coredns-<tag>-directives.txt, copied
from the tag). The default, 1.1.3, has no `loop` plugin and refuses a Corefile that names it."""

import json
import re
from pathlib import Path

import pytest
from playbook_run import ansible_playbook

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
VERSIONS = {"1.1.3": "v1.1.3", "1.2.1": None, "1.2.2-local": "v1.2.2"}


def directives(tag):
    lines = (DATA / f"coredns-{tag}-directives.txt").read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def corefiles(tmp_path_factory):
    """The role's Corefile for each version, with the role's defaults (rktnetes's and cluster_dns's)."""
    out = tmp_path_factory.mktemp("corefile") / "corefiles.json"
    playbook = out.with_name("play.yml")
    playbook.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  roles: [rktnetes.cluster.rktnetes]
  tasks:
    - ansible.builtin.include_vars: {ROOT}/roles/cluster_dns/defaults/main.yml
    - ansible.builtin.set_fact:
        corefile: "{{{{ lookup('ansible.builtin.template', '{ROOT}/roles/cluster_dns/templates/Corefile.j2') }}}}"
      vars:
        rktnetes_coredns_version: "{{{{ item }}}}"
      loop: {json.dumps(list(VERSIONS))}
      register: rendered
    - ansible.builtin.copy:
        dest: {out}
        content: "{{{{ dict(rendered.results | map(attribute='item') | zip(rendered.results
                   | map(attribute='ansible_facts.corefile'))) | to_json }}}}"
        mode: "0644"
""")
    ansible_playbook("-i", "localhost,", playbook)
    return json.loads(out.read_text())


def top_level_directives(corefile):
    """The first word of each line one level inside the server block."""
    return [m.group(1) for m in re.finditer(r"^    (\w+)", corefile, re.M)]


@pytest.mark.parametrize("version", [v for v, tag in VERSIONS.items() if tag])
def test_every_directive_is_known_to_that_coredns(corefiles, version):
    used = top_level_directives(corefiles[version])
    assert {"kubernetes", "forward", "cache", "health"} <= set(used), corefiles[version]
    assert set(used) <= directives(VERSIONS[version]), (version, set(used) - directives(VERSIONS[version]))


def test_loop_detection_from_the_release_that_has_it(corefiles):
    assert "loop" not in top_level_directives(corefiles["1.1.3"])
    assert "loop" in top_level_directives(corefiles["1.2.1"])
    assert "loop" in top_level_directives(corefiles["1.2.2-local"])
    # The line goes in without a blank line around it: the lab's Corefile (and its pods) unchanged.
    assert "    cache 30\n    loop\n    reload\n" in corefiles["1.2.2-local"]
    assert "    cache 30\n    reload\n" in corefiles["1.1.3"]

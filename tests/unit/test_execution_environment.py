"""The execution environment definition (execution-environment.yml, meta/execution-environment.yml):
`ansible-builder create` writes its build context offline (no container engine) and the context
carries what the controller side needs, pinned as requirements/ pins it."""

import os
import re
import shutil
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from bindep.depends import Depends

ROOT = Path(__file__).resolve().parents[2]


def pins(path):
    """name (lower case) -> version of each `name==version` line of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _separator, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned with =="
            found[name.strip().lower()] = version.strip()
    return found


def create(definition, context):
    result = subprocess.run(
        [
            *(sys.executable, "-m", "ansible_builder", "create"),
            *("--file", str(definition), "--context", str(context), "--output-filename", "Containerfile"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def definition():
    return yaml.safe_load((ROOT / "execution-environment.yml").read_text())


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    context = tmp_path_factory.mktemp("ee") / "context"
    create(ROOT / "execution-environment.yml", context)
    return context


def test_definition_is_schema_3_and_names_the_collection_files(definition):
    assert definition["version"] == 3
    dependencies = definition["dependencies"]
    assert dependencies["python"] == "meta/ee-requirements.txt"
    assert dependencies["system"] == "meta/bindep.txt"
    collection_meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    # ansible-builder reads these of the installed collection, relative to its root.
    assert collection_meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/bindep.txt"}


def test_context_has_a_containerfile_and_the_collection_requirements(context):
    assert (context / "Containerfile").is_file()
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "meta" / "ee-requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (ROOT / "meta" / "bindep.txt").read_text()
    # No collection but this one to leave out of the introspection.
    assert not (build / "exclude-collections.txt").exists()
    for script in ("assemble", "install-from-bindep", "introspect.py"):
        assert (build / "scripts" / script).is_file()


def test_containerfile_installs_the_pinned_python_ansible_and_runner(context):
    text = (context / "Containerfile").read_text()
    python_pins = pins(ROOT / "requirements" / "python.txt")
    constraints = pins(ROOT / "requirements" / "constraints.txt")
    runner = constraints.get("ansible-runner") or version("ansible-runner")
    assert 'ARG PYCMD="/usr/bin/python3.11"' in text  # the controller's Python (README)
    assert f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={python_pins["ansible-core"]} ansible-runner=={runner}"' in text
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in text
    assert 'ARG PKGMGR="/usr/bin/dnf"' in text
    # The introspection that merges the installed collections' own lists (meta/execution-environment.yml).
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in text
    # This collection, from the tarball `ansible-galaxy collection build` made next to the definition,
    # installed in the galaxy stage: the builder stage's introspection then reads its meta/.
    galaxy_stage = text[text.index("FROM base AS galaxy") : text.index("FROM base AS builder")]
    assert "set -- /build/rktnetes-collection/rktnetes-cluster-*.tar.gz;" in galaxy_stage
    assert 'install --offline --no-deps --collections-path /usr/share/ansible/collections "$1"' in galaxy_stage
    # What that stage installed reaches the builder stage (introspection) and the final image.
    assert text.count("COPY --from=galaxy /usr/share/ansible /usr/share/ansible") == 2


def test_the_build_installs_no_collection_from_galaxy_but_this_ones_tarball(context, tmp_path):
    """The galaxy stage is there for the tarball (append_galaxy); its requirements are empty, and
    the tarball, installed with --no-deps, declares no dependencies that would go missing."""
    build = context / "_build"
    assert yaml.safe_load((build / "requirements.yml").read_text()) == {"collections": []}
    assert yaml.safe_load((ROOT / "galaxy.yml").read_text())["dependencies"] == {}
    text = (context / "Containerfile").read_text()
    installs = re.findall(r"ansible-galaxy (?:role |collection )?install[^;\n]*", text)
    assert installs == [
        "ansible-galaxy role install $ANSIBLE_GALAXY_CLI_ROLE_OPTS -r requirements.yml"
        ' --roles-path "/usr/share/ansible/roles"',
        "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml"
        ' --collections-path "/usr/share/ansible/collections"',
        'ansible-galaxy collection install --offline --no-deps --collections-path /usr/share/ansible/collections "$1"',
    ]
    # The two requirements installs, run on the context's requirements.yml: they succeed (the build
    # goes on) and install nothing.
    for kind, path_option in (("role", "--roles-path"), ("collection", "--collections-path")):
        target = tmp_path / kind
        result = subprocess.run(
            ["ansible-galaxy", kind, "install", "-r", str(build / "requirements.yml"), path_option, str(target)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "ANSIBLE_GALAXY_DISABLE_GPG_VERIFY": "1", "HOME": str(tmp_path)},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Skipping install, no requirements found" in result.stdout, result.stdout
        assert not target.exists() or not any(target.rglob("*")), kind


# A module as a task's key, or a filter, test or lookup named by its FQCN inside Jinja.
USES = re.compile(
    r"^\s*-?\s*([a-z_]+\.[a-z_]+)\.[a-z_0-9]+:\s*$|(?:\|\s*|\bis\s+|lookup\(['\"]|query\(['\"])([a-z_]+\.[a-z_]+)\.[a-z_0-9]+",
    re.MULTILINE,
)
# Not installed from Galaxy: part of ansible-core, this collection, and awx.awx (awx_configure.yml
# runs from an operator's machine against AWX, not in the EE).
BUILT_IN = {"ansible.builtin", "ansible.legacy", "rktnetes.cluster", "awx.awx"}


def collections_named(text):
    return {a or b for a, b in USES.findall(text)}


def test_the_finder_sees_a_module_filter_test_and_lookup_of_a_galaxy_collection():
    snippet = """
- name: A module of a Galaxy collection
  community.general.ini_file:
    path: /etc/example.ini
- ansible.builtin.debug:
    msg: "{{ key | community.crypto.openssh_publickey_info }} {{ lookup('community.dns.lookup', 'x') }}"
  when: name is ansible.utils.ipv4 and query("community.hashi_vault.vault_read", "y")
"""
    assert collections_named(snippet) == {
        *("community.general", "ansible.builtin", "community.crypto", "community.dns"),
        *("ansible.utils", "community.hashi_vault"),
    }
    assert collections_named(snippet) - BUILT_IN  # a use the test below would fail on


def test_every_collection_the_roles_and_playbooks_call_is_in_the_ee(definition):
    used = set()
    for pattern in ("roles/*/tasks/*.yml", "roles/*/handlers/*.yml", "roles/*/templates/*.j2", "playbooks/**/*"):
        for path in ROOT.glob(pattern):
            if path.is_file() and path.name != "awx_configure.yml":
                used |= collections_named(path.read_text())
    assert {"ansible.builtin", "rktnetes.cluster"} <= used  # the finder reads the roles and playbooks
    in_ee = {
        entry["name"] if isinstance(entry, dict) else entry
        for entry in (definition["dependencies"].get("galaxy") or {}).get("collections") or []
    }
    # The EE installs no collection from Galaxy (test_the_build_installs_no_collection_from_galaxy_...),
    # so today this says the roles and playbooks call nothing outside BUILT_IN: a call into a Galaxy
    # collection fails here until execution-environment.yml installs that collection.
    assert used - BUILT_IN <= in_ee, used - BUILT_IN - in_ee


def test_python_requirements_are_pinned_as_constraints_pins_them():
    ours = pins(ROOT / "meta" / "ee-requirements.txt")
    constraints = pins(ROOT / "requirements" / "constraints.txt")
    assert "cryptography" in ours  # leaf_certificates on the controller
    assert {name: constraints.get(name) for name in ours} == ours


def test_bindep_names_an_ssh_client_and_skopeo_on_both_package_families():
    depends = Depends((ROOT / "meta" / "bindep.txt").read_text())
    rpm = {rule[0] for rule in depends.active_rules(["platform:rpm", "platform:redhat", "platform:centos"])}
    dpkg = {rule[0] for rule in depends.active_rules(["platform:dpkg", "platform:debian"])}
    assert rpm == {"openssh-clients", "skopeo"}
    assert dpkg == {"openssh-client", "skopeo"}


def test_context_with_a_built_collection_and_what_the_build_would_install(tmp_path):
    """With the tarball next to the definition (as docs/awx.md says), it lands in the context, and
    the build's introspection of the installed collection finds the collection's own lists."""
    checkout = tmp_path / "checkout"
    (checkout / "meta").mkdir(parents=True)
    shutil.copy(ROOT / "execution-environment.yml", checkout)
    for name in ("ee-requirements.txt", "bindep.txt"):
        shutil.copy(ROOT / "meta" / name, checkout / "meta")
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", str(checkout), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (tarball,) = checkout.glob("rktnetes-cluster-*.tar.gz")
    context = tmp_path / "context"
    create(checkout / "execution-environment.yml", context)
    assert (context / "_build" / "rktnetes-collection" / tarball.name).is_file()

    # What the builder stage runs after `ansible-galaxy collection install`: the collection installed
    # under ansible_collections/rktnetes/cluster, introspected with the user's lists.
    installed = tmp_path / "installed" / "ansible_collections" / "rktnetes" / "cluster"
    installed.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        # The tarball the build just made; the "data" filter where this Python has it (3.11.4+).
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(installed, **safe)  # noqa: S202
    assert (installed / "meta" / "execution-environment.yml").is_file()
    build = context / "_build"
    result = subprocess.run(
        [
            *(sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(tmp_path / "installed")),
            *(f"--user-pip={build / 'requirements.txt'}", f"--user-bindep={build / 'bindep.txt'}"),
            *(f"--write-pip={tmp_path / 'pip.txt'}", f"--write-bindep={tmp_path / 'bindep.txt'}"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cryptography = pins(ROOT / "meta" / "ee-requirements.txt")["cryptography"]
    assert f"cryptography=={cryptography}  # from collection rktnetes.cluster" in (tmp_path / "pip.txt").read_text()
    assert "skopeo [platform:rpm]  # from collection rktnetes.cluster" in (tmp_path / "bindep.txt").read_text()

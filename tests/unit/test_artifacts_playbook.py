"""playbooks/artifacts.yml as an operator runs it: with the example inventory and with none at all
(`-i localhost,`), it prints every artifact of the default versions with its URL, checksum and
mirror path, and fails nothing (issue: it used to need the lab inventory's artifacts_mirror)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from playbook_run import ansible_playbook

ROOT = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load((ROOT / "roles" / "artifacts" / "vars" / "main.yml").read_text())["artifacts_catalog"]
# The defaults of roles/artifacts (the newest pinned release of each) and the default stage1.
DEFAULT_VERSIONS = {
    "kubernetes": "1.10.13",
    "rkt": "1.30.0",
    "etcd": "3.4.13",
    "cni_plugins": "1.1.1",
    "coredns": "1.1.3",
}
EXPECTED = ["cni_plugins", "coredns", "etcd", "kubernetes", "rkt", "rkt_signing_key", "rkt_stage1_coreos_signature"]
ENTRY = re.compile(
    r"^(?P<name>\S+) (?P<version>\S+) linux/(?P<arch>\S+)\n"
    r"  url:         (?P<url>\S+)\n"
    r"  checksum:    (?P<checksum>.+)\n"
    r"  mirror path: (?P<mirror_path>\S+)\n"
    r"  files:       (?P<files>.+)$",
    re.M,
)


def printed_list(inventory, tmp_path):
    result = ansible_playbook(
        "-i",
        inventory,
        ROOT / "playbooks" / "artifacts.yml",
        cwd=tmp_path,  # not the checkout: nothing may depend on being run from it
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "HOME": str(tmp_path)},
    )
    tasks = [task for play in json.loads(result.stdout)["plays"] for task in play["tasks"]]
    (printed,) = [t["hosts"]["localhost"]["msg"] for t in tasks if t["task"]["name"] == "Print the list"]
    return "\n".join(printed) + "\n"


@pytest.mark.parametrize("inventory", [str(ROOT / "inventories" / "example"), "localhost,"])
def test_every_default_artifact_is_listed_with_url_checksum_and_mirror_path(inventory, tmp_path):
    text = printed_list(inventory, tmp_path)
    entries = {m["name"]: m.groupdict() for m in ENTRY.finditer(text)}
    assert sorted(entries) == EXPECTED, text
    assert "PROBLEM" not in text
    for name, entry in entries.items():
        table = CATALOG[name]
        version = DEFAULT_VERSIONS[table["component"]]
        assert entry["version"] == version and entry["arch"] == "amd64"
        assert entry["mirror_path"] == table["mirror_path"].format(version=version, arch="amd64")
        if table.get("kind") == "image":
            assert entry["url"] == f"docker://{table['repository']}:{version}"
            digest = table["checksums"][version]["amd64"]
            assert entry["checksum"] == digest
            assert (
                entry["files"]
                == f"a container image, pulled as {table['repository']}:{version} and held to the digest above"
            )
        else:
            assert entry["url"] == table["url"].format(version=version, arch="amd64")
            assert entry["files"] == ", ".join(table["files"])
        if table.get("integrity") == "openpgp":
            assert entry["checksum"].startswith("none: a detached OpenPGP signature")
        else:
            assert entry["checksum"] == table["checksums"][version]["amd64"]

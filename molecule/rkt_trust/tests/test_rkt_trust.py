"""molecule/rkt_trust verify: the store is laid out as rkt lays it out; the modules refuse what
they must, in check mode change nothing, and write nothing when they refuse."""

import json
import os
from pathlib import Path

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

FIXTURES = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "fixtures"
FINGERPRINTS = json.loads((FIXTURES / "fingerprints.json").read_text())
STORE = "/etc/rkt/trustedkeys"


def key(name):
    return (FIXTURES / f"{name}.asc").read_text()


def upload(host, name):
    """The key file on the host (rkt_trust's src option)."""
    result = host.ansible(
        "ansible.builtin.copy", f"src={FIXTURES}/{name}.asc dest=/srv/{name}.asc mode=0644", check=False, become=True
    )
    assert not result.get("failed"), result
    return f"/srv/{name}.asc"


def trust(host, name, args, check=False):
    return host.ansible("rktnetes.cluster.rkt_trust", f"src={upload(host, name)} {args}", check=check, become=True)


def test_keys_are_where_rkt_reads_them_with_rkts_modes(host):
    for path in (f"{STORE}/prefix.d/example.com/{FINGERPRINTS['alice']}", f"{STORE}/root.d/{FINGERPRINTS['bob']}"):
        stored = host.file(path)
        assert stored.mode == 0o644 and stored.user == "root"
    for directory in (STORE, f"{STORE}/prefix.d", f"{STORE}/prefix.d/example.com", f"{STORE}/root.d"):
        assert host.file(directory).mode == 0o755
    stored = host.file(f"{STORE}/prefix.d/example.com/{FINGERPRINTS['alice']}").content_string
    assert stored.strip() == key("alice").strip()


def test_check_mode_reports_a_new_key_and_writes_nothing(host):
    result = trust(host, "carol", f"prefix=example.org fingerprint={FINGERPRINTS['carol']}", check=True)
    assert result["changed"] is True, result
    assert not host.file(f"{STORE}/prefix.d/example.org").exists


def test_a_wrong_fingerprint_is_refused_and_nothing_written(host):
    result = trust(host, "carol", f"prefix=example.org fingerprint={FINGERPRINTS['alice']}")
    # testinfra returns a failed module's result without "failed": the message and no file say it
    assert "not the pinned" in result.get("msg", "") and "path" not in result, result
    assert not host.file(f"{STORE}/prefix.d/example.org").exists


def test_an_image_signed_by_a_key_not_trusted_for_it_is_refused(host):
    removed = host.ansible(
        "rktnetes.cluster.rkt_trust",
        f"prefix=example.com fingerprint={FINGERPRINTS['alice']} state=absent",
        check=False,
        become=True,
    )
    assert removed["changed"] is True, removed
    try:
        result = host.ansible("rktnetes.cluster.rkt_image_verify", "path=/srv/app.aci", check=False, become=True)
        assert "not trusted for this image" in result.get("msg", "") and "image_id" not in result, result
    finally:
        trust(host, "alice", f"prefix=example.com fingerprint={FINGERPRINTS['alice']}")


def test_removing_a_key(host):
    args = f"prefix=example.net fingerprint={FINGERPRINTS['carol']}"
    assert trust(host, "carol", args)["changed"] is True
    assert host.file(f"{STORE}/prefix.d/example.net/{FINGERPRINTS['carol']}").exists
    removed = host.ansible("rktnetes.cluster.rkt_trust", f"{args} state=absent", check=False, become=True)
    assert removed["changed"] is True
    assert not host.file(f"{STORE}/prefix.d/example.net/{FINGERPRINTS['carol']}").exists


def test_the_verified_image_reports_its_signer_and_trust(host):
    result = host.ansible(
        "rktnetes.cluster.rkt_image_verify", "path=/srv/app.aci expected_name=example.com/app", check=False, become=True
    )
    assert result["signer"]["fingerprint"] == FINGERPRINTS["alice"], result
    assert result["trusted_by"] == "prefix:example.com" and result["compression"] == "xz"
    assert result["changed"] is False

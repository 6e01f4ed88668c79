"""rkt_trusted_key_paths: the trust store files rkt_trust_exclusive keeps, laid out and normalized
as rkt_keystore.key_path (the rkt_trust module) does, the stage1 key included."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.filter.rkt import registry_ca_entries, rkt_trusted_key_paths
from ansible_collections.rktnetes.cluster.plugins.module_utils import rkt_keystore

FP = "18ad5014c99ef7e3ba5f6ce950bdd3e0fc8a365e"
OTHER = "0123456789abcdef0123456789abcdef01234567"
STAGE1 = {"prefix": "coreos.com/rkt", "fingerprint": FP, "artifact": "rkt_signing_key", "file": "k.gpg"}


def test_the_stage1_key_alone():
    assert rkt_trusted_key_paths(STAGE1) == [f"/etc/rkt/trustedkeys/prefix.d/coreos.com/rkt/{FP}"]


def test_every_fingerprint_is_normalized_the_stage1_one_too():
    """The template lower-cased the stage1 fingerprint only: one written with spaces or 0x named
    a file rkt_trust never writes, so rkt_trust_exclusive removed the key it had just trusted."""
    spaced = " ".join(FP.upper()[i : i + 4] for i in range(0, 40, 4))
    keys = [{"prefix": "example.com/app", "fingerprint": "0x" + OTHER.upper()}, {"root": True, "fingerprint": spaced}]
    assert rkt_trusted_key_paths(dict(STAGE1, fingerprint=spaced), keys) == [
        f"/etc/rkt/trustedkeys/prefix.d/coreos.com/rkt/{FP}",
        f"/etc/rkt/trustedkeys/prefix.d/example.com/app/{OTHER}",
        f"/etc/rkt/trustedkeys/root.d/{FP}",
    ]


@pytest.mark.parametrize(
    "key",
    [
        {"prefix": "example.com", "fingerprint": OTHER},
        {"root": True, "fingerprint": OTHER},
        {"root": "yes", "fingerprint": OTHER},
        {"root": False, "prefix": "example.com/a", "fingerprint": OTHER},
    ],
)
def test_the_paths_are_the_rkt_trust_modules(key, tmp_path):
    root = key.get("root") in (True, "yes")
    expected = rkt_keystore.key_path(str(tmp_path), key["fingerprint"], key.get("prefix"), root)
    assert rkt_trusted_key_paths(STAGE1, [key], str(tmp_path))[1] == expected


@pytest.mark.parametrize(
    ("stage1", "keys"),
    [
        (dict(STAGE1, fingerprint="abc"), []),
        (STAGE1, [{"prefix": "Not An Identifier", "fingerprint": OTHER}]),
        (STAGE1, [{"fingerprint": OTHER}]),
        (STAGE1, [{"root": "maybe", "fingerprint": OTHER}]),
        (STAGE1, "not a list"),
        ("not a dict", []),
    ],
)
def test_bad_keys_are_a_filter_error(stage1, keys):
    with pytest.raises(AnsibleFilterError):
        rkt_trusted_key_paths(stage1, keys)


def test_registry_cas_are_installed_as_crt_files_named_after_theirs():
    entries = registry_ca_entries(["/srv/pki/registry-ca.pem", "/srv/lab.crt", "/srv/plain"])
    assert [entry["dest"] for entry in entries] == [
        "/usr/local/share/ca-certificates/rktnetes-registry-ca.crt",
        "/usr/local/share/ca-certificates/rktnetes-lab.crt",
        "/usr/local/share/ca-certificates/rktnetes-plain.crt",
    ]
    assert entries[0] == {"src": "/srv/pki/registry-ca.pem", "dest": entries[0]["dest"], "mode": "0644"}
    assert registry_ca_entries([]) == []


@pytest.mark.parametrize("bad", ["/srv/ca.pem", [""], [None], None])
def test_registry_cas_that_are_not_a_list_of_paths_are_refused_by_name(bad):
    with pytest.raises(AnsibleFilterError, match="rkt_registry_ca_certificates"):
        registry_ca_entries(bad)

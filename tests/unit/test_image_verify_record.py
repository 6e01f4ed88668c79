"""rkt_image_verify's record (module_utils/verify_record.py), with real gpg: a run that changes
nothing gets the recorded verdict without reading the image, and any change to what the
verification reads - the image, its signature, a trust store entry, the options, the clock past an
expiry - verifies in full again, so a tampered image is still refused."""

import json
import os
import time

import pytest
from pgp import Keys
from test_image_trust import signed_image, trust

from ansible_collections.rktnetes.cluster.plugins.module_utils import image_trust, verify_record
from ansible_collections.rktnetes.cluster.plugins.modules import rkt_image_verify


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    keys = Keys(tmp_path_factory.mktemp("gnupg"))
    keys.make("signer")
    keys.make("stranger")
    keys.make("short", expire="2d")
    yield keys
    keys.close()


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return {"dir": tmp_path / "images", "local": tmp_path / "etc", "system": tmp_path / "usr", "tmp": tmp_path}


@pytest.fixture
def full_runs(monkeypatch):
    """Counts the full verifications."""
    runs = []
    real = image_trust.verify

    def counting(*args):
        runs.append(args[0])
        return real(*args)

    monkeypatch.setattr(rkt_image_verify, "verify", counting)
    return runs


def params(world, path, **changes):
    return {
        "path": str(path),
        "signature": None,
        "trust_roots": [str(world["local"]), str(world["system"])],
        "expected_name": "example.com/app",
        "expected_labels": None,
        "insecure_options": [],
        "accept_expired_keys": False,
        "record": str(world["tmp"] / "state" / "verified.json"),
        **changes,
    }


def verified(world, path, check_mode=False, **changes):
    return rkt_image_verify.verified(params(world, path, **changes), check_mode)


def rewrite_keeping_stat(path, data):
    """New content of the same size, with the old mtime put back: only the ctime tells."""
    before = os.stat(path)
    assert len(data) == before.st_size
    with open(path, "r+b") as stream:
        stream.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_run_that_changes_nothing_gets_the_recorded_verdict(keys, world, full_runs):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    first = verified(world, path)
    second = verified(world, path)
    assert full_runs == [str(path)]
    assert (first["from_record"], second["from_record"]) == (False, True)
    same = {name: value for name, value in first.items() if name != "from_record"}
    assert {name: value for name, value in second.items() if name != "from_record"} == same
    assert second["signer"]["fingerprint"] == keys.fingerprints["signer"]


def test_an_image_changed_in_place_with_its_mtime_put_back_is_verified_again_and_refused(keys, world, full_runs):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world, "none")
    verified(world, path)
    data = bytearray(path.read_bytes())
    data[data.index(b"hello from rootfs")] ^= 0x01
    time.sleep(0.01)  # a ctime of its own
    rewrite_keeping_stat(path, bytes(data))
    with pytest.raises(image_trust.Rejected, match="signature"):
        verified(world, path)
    assert len(full_runs) == 2


@pytest.mark.parametrize("change", ["remove the key", "mask the key", "add a key", "symlink moved"])
def test_a_trust_store_change_verifies_again(keys, world, full_runs, change):
    trust(keys, world, "signer")
    key_file = world["local"] / "prefix.d/example.com" / keys.fingerprints["signer"]
    if change == "symlink moved":
        target = world["tmp"] / "key.asc"
        key_file.rename(target)
        key_file.symlink_to(target)
    path, _sig = signed_image(keys, world)
    verified(world, path)
    if change == "remove the key":
        key_file.unlink()
    elif change == "mask the key":
        key_file.write_bytes(b"")
    elif change == "add a key":
        trust(keys, world, "stranger", "root.d", base="system")
    else:
        other = world["tmp"] / "other.asc"
        other.write_bytes(keys.public("stranger"))
        key_file.unlink()
        key_file.symlink_to(other)
    if change == "add a key":
        assert not verified(world, path)["from_record"]
    else:
        with pytest.raises(image_trust.Rejected):
            verified(world, path)
    assert len(full_runs) == 2


def test_other_options_or_other_verifying_code_verify_again(keys, world, full_runs, monkeypatch):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    verified(world, path)
    digest = verify_record.code_digest()
    assert len(digest) == 64
    monkeypatch.setattr(verify_record, "code_digest", lambda: "0" * 64)
    assert not verified(world, path)["from_record"]
    monkeypatch.setattr(verify_record, "code_digest", lambda: digest)
    with pytest.raises(image_trust.Rejected, match="label version"):
        verified(world, path, expected_labels={"version": "9.9.9"})
    assert not verified(world, path, accept_expired_keys=True)["from_record"]
    assert len(full_runs) == 4


def test_the_verdict_lasts_until_the_signing_key_expires_unless_expired_keys_are_accepted(keys, world, monkeypatch):
    trust(keys, world, "short")
    path, _sig = signed_image(keys, world, signer="short")
    verified(world, path)
    record = json.loads((world["tmp"] / "state" / "verified.json").read_text())["image_verification"]
    until = record["valid_until"]
    assert time.time() + 86400 < until <= time.time() + 2 * 86400 + 60  # the key's expiry, 2 days away
    monkeypatch.setattr(time, "time", lambda: until + 1)
    assert not verified(world, path)["from_record"]  # gpgv, on the real clock, still accepts it
    verified(world, path, accept_expired_keys=True)
    record = json.loads((world["tmp"] / "state" / "verified.json").read_text())["image_verification"]
    assert record["valid_until"] is None
    assert verified(world, path, accept_expired_keys=True)["from_record"]


def test_check_mode_and_an_unchecked_signature_record_nothing(keys, world):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    assert not verified(world, path, check_mode=True)["from_record"]
    assert not verified(world, path, insecure_options=["image"])["from_record"]
    assert not (world["tmp"] / "state").exists()
    assert not verified(world, path, record=None)["from_record"]


def test_a_record_that_cannot_be_written_is_a_warning_and_a_bad_one_is_ignored(keys, world, full_runs):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    (world["tmp"] / "state").write_text("a file where the directory should be")
    result = verified(world, path)
    assert result["signer"] and "not written" in result["warnings"][0]
    record = world["tmp"] / "elsewhere.json"
    record.write_text("{not json")
    assert not verified(world, path, record=str(record))["from_record"]
    assert verified(world, path, record=str(record))["from_record"]
    assert len(full_runs) == 2

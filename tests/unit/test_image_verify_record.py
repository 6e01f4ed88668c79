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


@pytest.fixture(autouse=True)
def inputs_written_long_ago(monkeypatch):
    """The tests write their files a moment before verifying: not racy here, except where a test
    says so (test_inputs_written_a_moment_before_are_not_recorded)."""
    monkeypatch.setattr(verify_record, "RACY_S", 0.0)
    monkeypatch.setattr(verify_record, "RACY_COARSE_S", 0.0)


@pytest.fixture
def full_runs(monkeypatch):
    """Counts the full verifications."""
    runs = []
    real = image_trust.verify

    def counting(*args, **kwargs):
        runs.append(args[0])
        return real(*args, **kwargs)

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
    digest = verify_record.code_digest(rkt_image_verify)
    assert len(digest) == 64
    monkeypatch.setattr(verify_record, "code_digest", lambda _own=None: "0" * 64)
    assert not verified(world, path)["from_record"]
    monkeypatch.setattr(verify_record, "code_digest", lambda _own=None: digest)
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


def test_check_mode_and_an_unchecked_signature_record_nothing(keys, world, full_runs):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    verified(world, path, check_mode=True)
    verified(world, path, insecure_options=["image"])
    assert not (world["tmp"] / "state").exists()
    verified(world, path)
    assert verified(world, path, check_mode=True)["from_record"]  # reading the record is fine
    assert not verified(world, path, insecure_options=["image"])["from_record"]
    assert not verified(world, path, record=None)["from_record"]
    assert len(full_runs) == 5


def test_without_a_record_no_source_or_input_is_read(keys, world, monkeypatch):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)

    def must_not_run(*_args):
        raise AssertionError("read although no record is kept")

    monkeypatch.setattr(verify_record, "code_digest", must_not_run)
    monkeypatch.setattr(verify_record, "inputs", must_not_run)
    assert verified(world, path, record=None)["signer"]["fingerprint"] == keys.fingerprints["signer"]
    assert verified(world, path, insecure_options=["image"])["from_record"] is False
    with pytest.raises(AssertionError, match="no record"):
        verified(world, path)


def test_inputs_written_a_moment_before_are_not_recorded(keys, world, monkeypatch):
    monkeypatch.undo()
    monkeypatch.setenv("HOME", str(world["tmp"] / "home"))
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    result = verified(world, path)
    assert not (world["tmp"] / "state").exists() and result["warnings"] == []
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + verify_record.RACY_S)
    verified(world, path)
    assert (world["tmp"] / "state" / "verified.json").exists()


def test_a_clock_set_back_before_the_verification_verifies_again(keys, world, full_runs, monkeypatch):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    verified(world, path)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 3600)
    assert not verified(world, path)["from_record"]
    assert len(full_runs) == 2


def test_a_key_file_changed_behind_its_link_verifies_again(keys, world, full_runs):
    trust(keys, world, "signer")
    key_file = world["local"] / "prefix.d/example.com" / keys.fingerprints["signer"]
    target = world["tmp"] / "key.asc"
    key_file.rename(target)
    key_file.symlink_to(target)
    path, _sig = signed_image(keys, world)
    verified(world, path)
    target.write_bytes(b"")  # an empty file masks the key
    with pytest.raises(image_trust.Rejected):
        verified(world, path)
    assert len(full_runs) == 2


def test_a_missing_gpgv_is_not_hidden_by_the_record(keys, world, monkeypatch):
    trust(keys, world, "signer")
    path, _sig = signed_image(keys, world)
    verified(world, path)
    monkeypatch.setenv("PATH", str(world["tmp"]))
    with pytest.raises(image_trust.Rejected, match="gpgv is not installed"):
        verified(world, path)


def full_length_retry(keys, fingerprint, make):
    """make() until what it returns (a key or signature) has only full-length RSA signatures."""
    for _attempt in range(5):
        data = make()
        if keys.full_length(fingerprint, data):
            return data
        time.sleep(1.1)
    raise AssertionError("gpg kept making short signatures")


def test_the_verdict_lasts_until_a_signing_subkey_expires(keys, world):
    primary = keys.make("subkeyed")
    subkey = keys.add_subkey("subkeyed")
    full_length_retry(keys, subkey, lambda: keys.gpg("--quick-set-expire", primary.upper(), "1d", subkey.upper()))
    trust(keys, world, "subkeyed")
    path, _sig = signed_image(keys, world, signer="subkeyed")
    assert verified(world, path)["signer"]["fingerprint"] == primary
    record = json.loads((world["tmp"] / "state" / "verified.json").read_text())["image_verification"]
    assert time.time() < record["valid_until"] <= time.time() + 86400 + 60


def test_the_verdict_lasts_until_the_signature_expires(keys, world):
    trust(keys, world, "signer")
    world["dir"].mkdir()
    path = world["dir"] / "app.aci"
    signed_image(keys, world)[0].rename(path)
    fingerprint = keys.fingerprints["signer"]
    out = world["dir"] / "app.aci.asc"

    def sign():
        out.unlink(missing_ok=True)
        keys.gpg(
            "--armor",
            "--default-sig-expire",
            "3d",
            "--detach-sign",
            "--local-user",
            fingerprint,
            "--output",
            str(out),
            str(path),
        )
        return out.read_bytes()

    full_length_retry(keys, fingerprint, sign)
    verified(world, path, accept_expired_keys=True)
    record = json.loads((world["tmp"] / "state" / "verified.json").read_text())["image_verification"]
    assert time.time() + 2 * 86400 < record["valid_until"] <= time.time() + 3 * 86400 + 60


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

"""rkt's trust store rules (module_utils/rkt_keystore.py docstring R1-R6), with real gpg keys."""

import os

import pytest
from pgp import Keys

from ansible_collections.rktnetes.cluster.plugins.module_utils import openpgp, rkt_keystore


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    keys = Keys(tmp_path_factory.mktemp("gnupg"))
    for name in ("alice", "bob"):
        keys.make(name)
    yield keys
    keys.close()


@pytest.fixture
def store(tmp_path):
    local, system = tmp_path / "etc" / "trustedkeys", tmp_path / "usr" / "trustedkeys"
    return local, system


def put(keys, base, where, name, content=None):
    path = base / where / keys.fingerprints[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keys.public(name) if content is None else content)
    return path


def trusted(store, image):
    return rkt_keystore.trusted_keys(image, [str(store[0]), str(store[1])])


def test_r1_local_key_file_replaces_the_system_one_of_the_same_fingerprint(keys, store):
    local, system = store
    put(keys, system, "root.d", "alice")
    assert trusted(store, "example.com/app")[keys.fingerprints["alice"]]["path"].startswith(str(system))
    put(keys, local, "root.d", "alice")
    assert trusted(store, "example.com/app")[keys.fingerprints["alice"]]["path"].startswith(str(local))


def test_r1_prefix_keys_come_after_root_keys(keys, store):
    local, system = store
    put(keys, local, "root.d", "alice")
    put(keys, system, "prefix.d/example.com", "alice")
    assert trusted(store, "example.com/app")[keys.fingerprints["alice"]]["trusted_by"] == "prefix:example.com"


def test_r2_an_empty_local_file_masks_the_system_key(keys, store):
    local, system = store
    put(keys, system, "root.d", "alice")
    put(keys, system, "root.d", "bob")
    put(keys, local, "root.d", "alice", content=b"")
    assert list(trusted(store, "example.com/app")) == [keys.fingerprints["bob"]]


def test_r2_an_empty_prefix_file_masks_a_root_key_too(keys, store):
    local, system = store
    put(keys, system, "root.d", "alice")
    put(keys, local, "prefix.d/example.com", "alice", content=b"")
    assert trusted(store, "example.com/app") == {}
    assert list(trusted(store, "other.org/app")) == [keys.fingerprints["alice"]]


def test_r3_root_keys_trust_every_image_and_subdirectories_do_not_count(keys, store):
    local, _system = store
    put(keys, local, "root.d", "alice")
    put(keys, local, "root.d/sub", "bob")
    for image in ("example.com/app", "a", "coreos.com/rkt/stage1-coreos"):
        assert list(trusted(store, image)) == [keys.fingerprints["alice"]]


@pytest.mark.parametrize(
    ("prefix", "image", "expected"),
    [
        ("example.com", "example.com/app", True),
        ("example.com", "example.com", True),
        ("example.com/app", "example.com/app", True),
        ("example.com/app", "example.com/app/sub", True),
        ("example.com/app", "example.com/apple", True),  # rkt compares directory paths as strings
        ("example.com/app", "example.com/ap", False),
        ("example.com/app", "example.com", False),
        ("example.co", "example.com/app", False),  # the walk starts at the first path component
        ("example.com", "example.community/app", False),
        ("other.org", "example.com/app", False),
    ],
)
def test_r4_prefix_semantics(keys, store, prefix, image, expected):
    local, _system = store
    put(keys, local, f"prefix.d/{prefix}", "alice")
    assert (keys.fingerprints["alice"] in trusted(store, image)) is expected


def test_r4_trusted_by_names_the_prefix_directory(keys, store):
    _local, system = store
    put(keys, system, "prefix.d/coreos.com/rkt", "bob")
    entry = trusted(store, "coreos.com/rkt/stage1-coreos")[keys.fingerprints["bob"]]
    assert entry["trusted_by"] == "prefix:coreos.com/rkt"


def test_r5_a_key_file_not_named_by_its_fingerprint_fails_the_load(keys, store):
    local, _system = store
    wrong = local / "root.d" / keys.fingerprints["bob"]
    wrong.parent.mkdir(parents=True)
    wrong.write_bytes(keys.public("alice"))
    with pytest.raises(rkt_keystore.KeystoreError, match="file name is not the key's fingerprint"):
        trusted(store, "example.com/app")


@pytest.mark.parametrize("bad", ["Example.com", "example.com/", "/example.com", "a.b.", "", "a b", "a\n"])
def test_r6_prefixes_and_names_are_ac_identifiers(bad, store):
    with pytest.raises(rkt_keystore.KeystoreError):
        rkt_keystore.check_prefix(bad)
    with pytest.raises(rkt_keystore.KeystoreError):
        trusted(store, bad)


@pytest.mark.parametrize("text", ["ABCD" * 10, "0x" + "ab" * 20, "ABCD ABCD ABCD ABCD ABCD  ABCD ABCD ABCD ABCD ABCD"])
def test_fingerprints_are_normalized(text):
    assert rkt_keystore.normalize_fingerprint(text) == text.lower().replace(" ", "").removeprefix("0x")


def test_key_path_is_where_rkt_keeps_keys():
    fingerprint = "ab" * 20
    assert (
        rkt_keystore.key_path("/etc/rkt/trustedkeys", fingerprint, root=True)
        == f"/etc/rkt/trustedkeys/root.d/{fingerprint}"
    )
    assert rkt_keystore.key_path("/s", fingerprint, "coreos.com/rkt") == f"/s/prefix.d/coreos.com/rkt/{fingerprint}"


def validate(data, fingerprint=None, allow_multiple=False):
    return rkt_keystore.validate_key(data, fingerprint, allow_multiple, openpgp.key_info)


def test_validate_key_accepts_the_pinned_public_key_and_reports_it(keys):
    key = validate(keys.public("alice"), keys.fingerprints["alice"].upper())
    assert key["fingerprint"] == keys.fingerprints["alice"]
    assert key["user_ids"] == ["alice <alice@rktnetes.test>"] and key["expires"] is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda k: k.secret("alice"), "secret key"),
        (lambda k: k.public("alice") + k.public("bob"), "holds 2 keys"),
        (lambda k: b"not a key at all\n", "no OpenPGP key found"),
        (lambda k: b"   \n", "the key is empty"),
        (lambda k: k.public("bob"), "not the pinned"),
    ],
    ids=["secret", "several", "garbage", "empty", "fingerprint-mismatch"],
)
def test_validate_key_refuses(keys, make, reason):
    with pytest.raises((rkt_keystore.KeystoreError, openpgp.GpgError), match=reason):
        validate(make(keys), keys.fingerprints["alice"])


def test_several_keys_when_allowed_store_the_first(keys):
    key = validate(keys.public("alice") + keys.public("bob"), None, allow_multiple=True)
    assert key["fingerprint"] == keys.fingerprints["alice"]


def test_an_eddsa_key_is_refused_because_rkt_cannot_read_it(keys):
    keys.make("edward", algorithm="ed25519")
    with pytest.raises(rkt_keystore.KeystoreError, match=r"EdDSA .* rkt's OpenPGP library"):
        validate(keys.public("edward"), keys.fingerprints["edward"])


def test_a_fingerprint_with_a_trailing_newline_inside_is_refused():
    from ansible_collections.rktnetes.cluster.plugins.module_utils.rkt_keystore import FINGERPRINT

    assert FINGERPRINT.match("ab" * 20) and not FINGERPRINT.match("ab" * 20 + "\n")


# R7: filepath.Walk uses lstat; entityFromFile's os.Open follows symlinks.


def test_r7_a_symlink_named_by_the_fingerprint_is_a_key_file(keys, store, tmp_path):
    local, _system = store
    target = tmp_path / "elsewhere.asc"
    target.write_bytes(keys.public("alice"))
    link = local / "root.d" / keys.fingerprints["alice"]
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    assert list(trusted(store, "example.com/app")) == [keys.fingerprints["alice"]]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp / "nowhere", "a symlink to nothing"),
        (lambda tmp: tmp, "a symlink to a directory"),
        (lambda tmp: (tmp / "empty").write_bytes(b"") or tmp / "empty", "no armored data found"),
    ],
    ids=["dangling", "to a directory", "to an empty file: no mask"],
)
def test_r7_a_symlink_rkt_cannot_read_fails_the_load_naming_it(keys, store, tmp_path, make, reason):
    local, _system = store
    put(keys, local, "root.d", "alice")
    link = local / "prefix.d/example.com" / keys.fingerprints["bob"]
    link.parent.mkdir(parents=True)
    link.symlink_to(make(tmp_path))
    with pytest.raises(rkt_keystore.KeystoreError, match=rf"{link}: .*{reason}"):
        trusted(store, "example.com/app")
    assert list(trusted(store, "other.org/app")) == [keys.fingerprints["alice"]]  # the walk never gets there


def test_r7_a_symlinked_root_d_is_read_as_one_key_file(keys, store, tmp_path):
    local, _system = store
    real = tmp_path / "keys"
    real.mkdir()
    (real / keys.fingerprints["alice"]).write_bytes(keys.public("alice"))
    local.mkdir(parents=True)
    (local / "root.d").symlink_to(real)
    with pytest.raises(rkt_keystore.KeystoreError, match=r"root\.d: a symlink to a directory"):
        trusted(store, "example.com/app")


def test_r7_a_fifo_is_an_empty_file_but_a_symlink_to_one_is_refused_instead_of_blocking(keys, store, tmp_path):
    """lstat says a FIFO has size 0, so rkt takes it as a mask; through a symlink rkt would open
    it and block, so the module refuses it."""
    local, system = store
    put(keys, system, "root.d", "alice")
    fifo = local / "root.d" / keys.fingerprints["alice"]
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    assert trusted(store, "example.com/app") == {}
    os.mkfifo(tmp_path / "fifo")
    (local / "root.d" / keys.fingerprints["bob"]).symlink_to(tmp_path / "fifo")
    with pytest.raises(rkt_keystore.KeystoreError, match="not a regular file"):
        trusted(store, "example.com/app")


def test_r7_a_file_where_the_first_prefix_directory_should_be_is_a_key_file(keys, store):
    local, _system = store
    (local / "prefix.d").mkdir(parents=True)
    (local / "prefix.d" / "example.com").write_bytes(keys.public("alice"))
    with pytest.raises(rkt_keystore.KeystoreError, match="file name is not the key's fingerprint"):
        trusted(store, "example.com/app")


# R8: ReadArmoredKeyRing and what rkt's OpenPGP library can read.


@pytest.fixture(scope="module")
def odd_keys(keys):
    keys.make("edward", algorithm="ed25519")
    keys.make("nist", algorithm="nistp256")
    keys.make("carol")
    keys.add_subkey("carol", "cv25519", "encr")
    return keys


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("alice", lambda k: k.public_binary("alice"), "no armored data found"),
        ("alice", lambda k: k.public("alice").replace(b"\n=", b"\n#"), "armor"),
        ("edward", lambda k: k.public("edward"), "public key type: 22 .* cannot read EdDSA"),
        (
            "carol",
            lambda k: k.public("carol"),
            "invalid oid length: 10 .curve Curve25519.*cannot read EdDSA or Curve25519",
        ),
        ("nist", lambda k: k.public("nist"), "primary key cannot be used for signatures"),
        ("alice", lambda k: k.secret("alice"), "secret key"),
    ],
    ids=["binary", "no CRC line", "EdDSA", "Curve25519 subkey", "ECDSA primary key", "secret key"],
)
def test_r8_key_files_rkt_cannot_read_fail_the_load(odd_keys, store, name, content, reason):
    local, _system = store
    put(odd_keys, local, "prefix.d/example.com", name, content(odd_keys))
    with pytest.raises(rkt_keystore.KeystoreError, match=reason):
        trusted(store, "example.com/app")


def test_r8_only_the_first_key_of_a_file_is_trusted(keys, store):
    local, _system = store
    put(keys, local, "root.d", "alice", keys.public_of("alice", "bob"))
    entity = trusted(store, "example.com/app")[keys.fingerprints["alice"]]["entity"]
    assert entity.fingerprint == keys.fingerprints["alice"] and not entity.keys_by_id(keys.fingerprints["bob"][-16:])


def test_every_key_reports_the_files_rkt_cannot_read(keys, store):
    local, _system = store
    put(keys, local, "root.d", "alice")
    put(keys, local, "prefix.d/other.org", "bob", keys.public_binary("bob"))
    paths, by_id, unreadable = rkt_keystore.every_key([str(local)])
    assert list(paths) == [keys.fingerprints["alice"]] and keys.fingerprints["alice"][-16:] in by_id
    assert len(unreadable) == 1 and "no armored data found" in unreadable[0]


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("alice", lambda k: k.public_binary("alice"), "rkt could not read this key file: .*no armored data"),
        ("carol", lambda k: k.public("carol"), "rkt could not read this key file: .*Curve25519"),
    ],
    ids=["binary", "Curve25519 subkey"],
)
def test_validate_key_refuses_what_rkt_cannot_store(odd_keys, name, make, reason):
    with pytest.raises(rkt_keystore.KeystoreError, match=reason):
        validate(make(odd_keys), odd_keys.fingerprints[name])

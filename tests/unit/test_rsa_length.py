"""RSA signatures a byte shorter than their key (docs/image-trust.md): gpg accepts them, rkt 1.30.0
built with Go 1.15 or later refuses them, and so do the modules. The files in data/short-rsa/
were made once with gpg (data/short-rsa/make.py); the lab's rkt (go1.19.8) gave, for each: the
full-length signature fetched; the short one "fetch: openpgp: invalid signature: RSA
verification failure"; each short key in the trust store, beside the signer's, "fetch: openpgp:
invalid data: <the words these tests expect>"."""

import shutil
from pathlib import Path

import pytest
from pgp import Keys, rsa_lengths

from ansible_collections.rktnetes.cluster.plugins.module_utils import image_trust, openpgp, rkt_keystore

DATA = Path(__file__).parent / "data" / "short-rsa"
SHORT_KEYS = {
    "short-self-signature.asc": "user ID self-signature invalid: openpgp: invalid signature: RSA verification failure",
    "short-subkey-binding.asc": "subkey signature invalid: openpgp: invalid signature: RSA verification failure",
    "short-revocation.asc": "revocation signature signed by alternate key",
}


@pytest.fixture(scope="module")
def gpg(tmp_path_factory):
    keys = Keys(tmp_path_factory.mktemp("gnupg"))
    yield keys
    keys.close()


def lengths(gpg, *names):
    """{key ID: modulus bytes}, [(key ID, signature bytes)] as gpg --list-packets reads the files."""
    return rsa_lengths(gpg.gpg("--list-packets", data=b"".join((DATA / n).read_bytes() for n in names)).decode())


def fingerprint(name):
    return openpgp.key_info((DATA / name).read_bytes())[0]["fingerprint"]


@pytest.mark.parametrize(
    ("files", "short"),
    [
        (["signer.asc"], 0),
        (["signer.asc", "app.aci.asc"], 0),
        (["signer.asc", "app.aci.short.asc"], 1),
        *[([name], 1) for name in SHORT_KEYS],
    ],
)
def test_the_files_are_as_long_as_their_names_say(gpg, files, short):
    """Read by gpg, not by the code under test: 2048-bit keys, signatures of 256 bytes or 255."""
    sizes, signatures = lengths(gpg, *files)
    assert set(sizes.values()) == {256}
    assert sorted(length for _key, length in signatures).count(255) == short
    assert all(length in (255, 256) for _key, length in signatures)


def test_gpgv_accepts_the_short_image_signature(tmp_path):
    key = openpgp.read_key_file((DATA / "signer.asc").read_bytes())
    signature = openpgp.read_signature((DATA / "app.aci.short.asc").read_bytes())[1]
    signer = openpgp.verify_detached(key.packets, str(DATA / "app.aci"), signature)
    assert signer["primary_fingerprint"] == fingerprint("signer.asc")


@pytest.mark.parametrize("name", sorted(SHORT_KEYS))
def test_gpg_reads_the_short_keys(name):
    (key,) = openpgp.key_info((DATA / name).read_bytes())
    assert key["revoked"] == (name == "short-revocation.asc")


@pytest.mark.parametrize("name", sorted(SHORT_KEYS))
def test_rkt_trust_refuses_a_key_with_a_short_signature_naming_rkts_words_and_a_remedy(name):
    with pytest.raises(rkt_keystore.KeystoreError) as refused:
        rkt_keystore.validate_key((DATA / name).read_bytes(), fingerprint(name), False, openpgp.key_info)
    message = str(refused.value)
    assert f"rkt could not read this key file: openpgp: invalid data: {SHORT_KEYS[name]}" in message
    assert "(the signature is 255 bytes and key" in message
    if "RSA verification failure" in SHORT_KEYS[name]:
        assert "--export-options export-minimal" in message


def test_a_full_length_key_is_accepted():
    key = rkt_keystore.validate_key((DATA / "signer.asc").read_bytes(), None, False, openpgp.key_info)
    assert key["fingerprint"] == fingerprint("signer.asc")


@pytest.fixture
def image(tmp_path):
    """The image beside the trust store that trusts its signer for example.com."""
    store = tmp_path / "trustedkeys"
    (store / "prefix.d" / "example.com").mkdir(parents=True)
    shutil.copy(DATA / "signer.asc", store / "prefix.d" / "example.com" / fingerprint("signer.asc"))
    shutil.copy(DATA / "app.aci", tmp_path / "app.aci")
    return tmp_path / "app.aci", store


def verify(path, signature_name, store):
    shutil.copy(DATA / signature_name, f"{path}.asc")
    return image_trust.verify(str(path), trust_roots=[str(store)])


def test_the_full_length_image_signature_is_accepted(image):
    path, store = image
    assert verify(path, "app.aci.asc", store)["signer"]["fingerprint"] == fingerprint("signer.asc")


def test_the_short_image_signature_is_refused_with_rkts_words_and_a_remedy(image):
    path, store = image
    with pytest.raises(image_trust.Rejected) as refused:
        verify(path, "app.aci.short.asc", store)
    assert str(refused.value) == (
        f"{path}.asc: rkt would refuse this signature: openpgp: invalid signature: RSA verification failure (the "
        f"signature is 255 bytes and key {fingerprint('signer.asc')}'s modulus 256: rkt built with Go 1.15 or later "
        "refuses an RSA signature of another length than its key, which gpg makes about once in 256 signatures); "
        "sign the image again"
    )


@pytest.mark.parametrize("name", sorted(SHORT_KEYS))
def test_a_short_key_beside_the_signer_fails_every_image_as_in_rkt(image, name):
    """rkt's loadKeyring reads every key file for the name: one it cannot read fails the fetch."""
    path, store = image
    shutil.copy(DATA / name, store / "prefix.d" / "example.com" / fingerprint(name))
    with pytest.raises(image_trust.Rejected, match=f"rkt would fail to load the keys.*{SHORT_KEYS[name]}"):
        verify(path, "app.aci.asc", store)

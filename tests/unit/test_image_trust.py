"""rkt_image_verify's decision (module_utils/image_trust.py) with real gpg: the tamper matrix and
the accepted cases. Every rejection names its problem and nothing is written anywhere. The rows
added for issue 19 each name the rkt or appc rule they follow; their verdicts were checked against
rkt's own code (the vendored appc and x/crypto code, keystore.loadKeyring, built with Go 1.19)."""

import gzip
import json
import lzma
import os
import shutil
import tarfile
import time

import pytest
from aci_builder import (
    GOOD_MANIFEST,
    compress,
    entry,
    good_entries,
    gzip_member,
    header,
    member,
    raw_tar,
    tar_bytes,
    write_aci,
)
from pgp import Keys

from ansible_collections.rktnetes.cluster.plugins.module_utils import aci, image_trust

PAST = "20200101T000000!"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    keys = Keys(tmp_path_factory.mktemp("gnupg"))
    for name in ("signer", "stranger", "other"):
        keys.make(name)
    keys.make("expired", expire="1d", faked_time=PAST)
    keys.make("revoked")
    keys.make("edward", algorithm="ed25519")
    keys.make("nosign")
    yield keys
    keys.close()


@pytest.fixture
def world(tmp_path, keys, monkeypatch):
    """An image dir and a trust store (local + system); HOME moved so a stray ~/.gnupg would show."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    local, system = tmp_path / "etc", tmp_path / "usr"
    return {"dir": tmp_path / "images", "local": local, "system": system, "home": home, "tmp": tmp_path / "tmp"}


def trust(keys, world, name, where="prefix.d/example.com", base="local", content=None):
    path = world[base] / where / keys.fingerprints[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keys.public(name) if content is None else content)


def snapshot(world):
    return sorted(
        (str(p), p.lstat().st_size, p.lstat().st_mtime_ns)
        for base in ("dir", "local", "system", "home", "tmp")
        for p in world[base].rglob("*")
    )


def signed_image(keys, world, compression="gzip", entries=None, signer="signer", armor=True, faked_time=None):
    world["dir"].mkdir(exist_ok=True)
    path = world["dir"] / f"app-{compression}.aci"
    write_aci(path, entries, compression)
    signature = keys.sign(signer, path, armor=armor, faked_time=faked_time)
    return path, signature


def verify(world, path, signature=None, **kwargs):
    roots = [str(world["local"]), str(world["system"])]
    return image_trust.verify(str(path), str(signature) if signature else None, roots, **kwargs)


def flip_byte_in(path, needle):
    data = bytearray(path.read_bytes())
    index = data.index(needle)
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def tamper_rootfs(keys, world):
    path, sig = signed_image(keys, world, "none")
    flip_byte_in(path, b"hello from rootfs")
    return path, sig


def tamper_manifest(keys, world):
    path, sig = signed_image(keys, world, "none")
    flip_byte_in(path, b"1.0.0")  # still valid JSON: version 0.0.0
    return path, sig


def other_files_signature(keys, world):
    path = signed_image(keys, world, "gzip")[0]
    other = world["dir"] / "other.aci"
    write_aci(other, good_entries(payload=b"different"))
    shutil.move(keys.sign("signer", other), world["dir"] / "app-gzip.aci.asc")
    return path, None


def untrusted_signer(keys, world):
    return signed_image(keys, world, signer="stranger")


def key_for_another_prefix(keys, world):
    trust(keys, world, "stranger", "prefix.d/other.org")
    return signed_image(keys, world, signer="stranger")


def string_prefix_rkt_does_not_match(keys, world):
    trust(keys, world, "stranger", "prefix.d/example.co")
    return signed_image(keys, world, signer="stranger")


def expired_key(keys, world):
    trust(keys, world, "expired")
    return signed_image(keys, world, signer="expired", faked_time=PAST)


def revoked_key(keys, world):
    signed = signed_image(keys, world, signer="revoked")  # signed first: a revoked key cannot sign
    keys.revoke("revoked")
    trust(keys, world, "revoked")
    return signed


def missing_signature(keys, world):
    path, sig = signed_image(keys, world)
    sig.unlink()
    return path, None


def not_a_signature(keys, world):
    path, sig = signed_image(keys, world)
    sig.write_text("-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n")
    return path, sig


def masked_system_key(keys, world):
    trust(keys, world, "other", "root.d", base="system")
    trust(keys, world, "other", "root.d", base="local", content=b"")
    return signed_image(keys, world, signer="other")


def layout(entries):
    def make(keys, world):
        return signed_image(keys, world, entries=entries)

    return make


def compressed_then_cut(compression):
    def make(keys, world):
        world["dir"].mkdir(exist_ok=True)
        path = world["dir"] / "cut.aci"
        data = compress(tar_bytes(good_entries(payload=bytes(range(256)) * 256)), compression)
        path.write_bytes(data[: len(data) // 2])
        return path, keys.sign("signer", path)

    return make


def garbage_after(keys, world):
    path = signed_image(keys, world, "xz")[0]
    path.write_bytes(path.read_bytes() + b"garbage")
    return path, keys.sign("signer", path)  # a valid signature over the bad file: the image check rejects it


def with_manifest(**changes):
    manifest = json.dumps({**GOOD_MANIFEST, **changes}).encode()
    return layout([entry("manifest", manifest), *good_entries()[1:]])


def raw_image(data, compression="none"):
    def make(keys, world):
        world["dir"].mkdir(exist_ok=True)
        path = world["dir"] / "raw.aci"
        path.write_bytes(compress(data, compression) if compression in ("gzip", "xz") else data)
        return path, keys.sign("signer", path)

    return make


def renamed_by_case(keys, world):
    """The name rkt reads is the last key folding to "name" (Go's decode.go), not "name"."""
    text = json.dumps(GOOD_MANIFEST)[:-1] + ', "NAME": "evil.org/app"}'
    data = member("manifest", text.encode()) + member("rootfs/", typeflag=b"5") + b"\0" * 1024
    return raw_image(data)(keys, world)


def xz_unverifiable_check(keys, world):
    from test_aci_archive import xz_with_check

    world["dir"].mkdir(exist_ok=True)
    path = world["dir"] / "check.aci"
    path.write_bytes(xz_with_check(2))
    return path, keys.sign("signer", path)


def eddsa_signature(keys, world):
    trust(keys, world, "signer")
    return signed_image(keys, world, signer="edward")


def second_key_in_a_trusted_file(keys, world):
    """keystore.entityFromFile keeps the first key of a file only."""
    path = world["local"] / "prefix.d/example.com" / keys.fingerprints["signer"]
    path.write_bytes(keys.public_of("signer", "stranger"))
    return signed_image(keys, world, signer="stranger")


def binary_key_file(keys, world):
    """ReadArmoredKeyRing: rkt reads armored key files only."""
    trust(keys, world, "other", "root.d", content=keys.public_binary("other"))
    return signed_image(keys, world, signer="other")


def dangling_symlink_in_the_walk(keys, world):
    """filepath.Walk lstat: a symlink is a key file; opening it follows it and fails."""
    link = world["local"] / "prefix.d/example.com/app" / keys.fingerprints["other"]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(world["local"] / "nowhere")
    return signed_image(keys, world)


def symlinked_root_d(keys, world):
    """filepath.Walk lstat: root.d itself, when a symlink, is read as one key file."""
    real = world["system"] / "keys"
    real.mkdir(parents=True)
    (real / keys.fingerprints["other"]).write_bytes(keys.public("other"))
    (world["system"] / "root.d").symlink_to(real)
    return signed_image(keys, world)


def eddsa_key_in_the_walk(keys, world):
    trust(keys, world, "edward", "prefix.d/example.com")
    return signed_image(keys, world)


def stranger_signature_first(keys, world):
    """checkSignature reads the first signature packet only."""
    path, signature = signed_image(keys, world, armor=False)
    first = keys.sign("stranger", path, armor=False).read_bytes()
    signature.write_bytes(first + signature.read_bytes())
    return path, signature


def a_key_block_as_signature(keys, world):
    path, signature = signed_image(keys, world)
    signature.write_bytes(keys.public("signer"))
    return path, signature


TAMPER = [
    ("byte flipped in rootfs", tamper_rootfs, "bad signature"),
    ("manifest edited", tamper_manifest, "bad signature"),
    ("signature of another file", other_files_signature, "bad signature"),
    ("signature by an untrusted key", untrusted_signer, "which is not trusted for this image"),
    ("key trusted for another prefix", key_for_another_prefix, "which is not trusted for this image"),
    ("prefix sharing only a string start", string_prefix_rkt_does_not_match, "which is not trusted"),
    ("expired key", expired_key, "signed by an expired key"),
    ("revoked key", revoked_key, "signed by a revoked key"),
    ("missing signature", missing_signature, "missing signature"),
    ("armored signature without its CRC line", not_a_signature, "rkt cannot use this signature: armor: no"),
    ("masked system key", masked_system_key, "which is not trusted for this image"),
    ("truncated gzip", compressed_then_cut("gzip"), "not a readable gzip ACI"),
    ("truncated tar", compressed_then_cut("none"), "not a readable tar ACI"),
    ("trailing garbage", garbage_after, "trailing data"),
    ("extra top-level entry", layout([*good_entries(), entry("README")]), "only 'manifest' and 'rootfs/'"),
    ("duplicate entry", layout([*good_entries(), entry("rootfs/bin/app", b"x")]), "appears twice"),
    ("dot-dot path", layout([*good_entries(), entry("rootfs/../x", b"x")]), "'..' component"),
    ("absolute path", layout([*good_entries(), entry("/rootfs/x", b"x")]), "absolute path"),
    (
        "symlink escape",
        layout([*good_entries(), entry("rootfs/l", kind=tarfile.SYMTYPE, link="../../x")]),
        "points outside rootfs/",
    ),
    ("bad acKind", with_manifest(acKind="PodManifest"), "acKind"),
    ("bad name", with_manifest(name="EXAMPLE.com/app"), "is not an AC Identifier"),
    ("duplicate label", with_manifest(labels=[{"name": "os", "value": "linux"}] * 2), "appears twice"),
    # issue 19: the name rkt reads, the manifest as appc checks it
    ("name in another case (decode.go fold)", renamed_by_case, r"is trusted for 'evil\.org/app'"),
    ("zero acVersion (NewSemVer)", with_manifest(acVersion="0.0.0"), "SemVer cannot be zero"),
    ("unknown os (IsValidOSArch)", with_manifest(labels=[{"name": "os", "value": "windows"}]), "bad os"),
    ("app without a user (App.assertValid)", with_manifest(app={"exec": ["/x"], "group": "0"}), "user is required"),
    (
        "unknown isolator (Isolators.assertValid)",
        with_manifest(app={"user": "0", "group": "0", "isolators": [{"name": "x/y", "value": 1}]}),
        "invalid isolator",
    ),
    ("NaN in the manifest (Go's scanner)", with_manifest(version=float("nan")), "not JSON as Go"),
    # the archive as rkt reads it
    ("plain tar without ustar magic (DetectFileType)", raw_image(header("manifest", magic=b"") * 2), "DetectFileType"),
    (
        "PAX header over 1 MiB (readSpecialFile)",
        raw_image(raw_tar(header("PaxHeader", b"x", size=1 << 30) + b"1" * (2 << 20))),
        "header field too long",
    ),
    (
        "hard link to a directory (extractFile)",
        raw_image(raw_tar(member("rootfs/d", typeflag=b"5"), member("rootfs/h", typeflag=b"1", linkname="rootfs/d"))),
        "names a directory",
    ),
    ("contiguous file (extractFile)", raw_image(raw_tar(member("rootfs/c", b"x", typeflag=b"7"))), "cannot extract"),
    ("xz check type xz cannot verify", xz_unverifiable_check, "unsupported integrity check"),
    ("gzip name over 511 bytes (gzip.Reader)", raw_image(gzip_member(raw_tar(), name=b"n" * 600)), "511 bytes"),
    # the trust store and the signature as rkt reads them
    ("EdDSA signature (Signature.parse)", eddsa_signature, "public key algorithm 22"),
    ("second key of a trusted file (entityFromFile)", second_key_in_a_trusted_file, "not trusted for this image"),
    ("binary key file (ReadArmoredKeyRing)", binary_key_file, "no armored data found"),
    ("dangling symlink in prefix.d (Walk)", dangling_symlink_in_the_walk, "a symlink to nothing"),
    ("symlinked root.d (Walk)", symlinked_root_d, "a symlink to a directory"),
    ("EdDSA key in the walk (ReadKeyRing)", eddsa_key_in_the_walk, "public key type: 22"),
    ("untrusted signature packet first (checkSignature)", stranger_signature_first, "not trusted for this image"),
    ("key block instead of a signature (readArmored)", a_key_block_as_signature, "expected 'PGP SIGNATURE'"),
]


@pytest.mark.parametrize(("make", "reason"), [c[1:] for c in TAMPER], ids=[c[0] for c in TAMPER])
def test_tampered_images_are_rejected_naming_the_problem_and_nothing_is_written(keys, world, make, reason):
    trust(keys, world, "signer")
    path, signature = make(keys, world)
    before = snapshot(world)
    with pytest.raises(image_trust.Rejected, match=reason):
        verify(world, path, signature)
    assert snapshot(world) == before


@pytest.mark.parametrize("compression", ["none", "gzip", "bzip2", "xz"])
def test_each_compression_is_accepted(keys, world, compression):
    trust(keys, world, "signer")
    path, signature = signed_image(keys, world, compression)
    result = verify(world, path, signature)
    assert result["compression"] == compression
    assert result["signer"]["fingerprint"] == keys.fingerprints["signer"]
    assert result["signer"]["user_id"] == "signer <signer@rktnetes.test>"
    assert result["name"] == "example.com/app" and result["labels"]["version"] == "1.0.0"
    assert result["app"]["exec"] == ["/bin/app"]
    assert result["image_id"].startswith("sha512-") and len(result["image_id"]) == 7 + 128


@pytest.mark.parametrize(
    ("where", "base", "trusted_by"),
    [
        ("root.d", "local", "root"),
        ("prefix.d/example.com", "local", "prefix:example.com"),
        ("prefix.d/example.com/app", "system", "prefix:example.com/app"),
        ("prefix.d/example.com/ap", "local", "prefix:example.com/ap"),  # rkt's string-prefix walk matches
        ("root.d", "system", "root"),
    ],
)
def test_trusted_keys_in_each_place_are_accepted(keys, world, where, base, trusted_by):
    trust(keys, world, "signer", where, base)
    path, signature = signed_image(keys, world)
    assert verify(world, path, signature)["trusted_by"] == trusted_by


def test_masking_one_system_key_leaves_the_others(keys, world):
    trust(keys, world, "other", "root.d", base="system")
    trust(keys, world, "signer", "root.d", base="system")
    trust(keys, world, "other", "root.d", base="local", content=b"")
    path, signature = signed_image(keys, world)
    assert verify(world, path, signature)["signer"]["fingerprint"] == keys.fingerprints["signer"]


def test_a_binary_signature_is_accepted_as_rkt_does(keys, world):
    trust(keys, world, "signer")
    path, signature = signed_image(keys, world, armor=False)
    assert verify(world, path, signature)["trusted_by"] == "prefix:example.com"


def test_expected_name_and_labels(keys, world):
    trust(keys, world, "signer")
    path, signature = signed_image(keys, world)
    assert verify(world, path, signature, expected_name="example.com/app", expected_labels={"os": "linux"})
    with pytest.raises(image_trust.Rejected, match=r"image name is 'example\.com/app', expected 'coreos\.com/x'"):
        verify(world, path, signature, expected_name="coreos.com/x")
    with pytest.raises(image_trust.Rejected, match=r"label version is '1\.0\.0', expected '2\.0\.0'"):
        verify(world, path, signature, expected_labels={"version": "2.0.0"})


def test_insecure_image_skips_only_the_signature_and_says_so(keys, world):
    path, signature = signed_image(keys, world, signer="stranger")
    signature.unlink()
    result = verify(world, path, None, insecure_options=["image"])
    assert result["signer"] is None and "was not checked" in result["warnings"][0]
    write_aci(path, [*good_entries(), entry("README")])
    with pytest.raises(image_trust.Rejected, match="only 'manifest'"):
        verify(world, path, None, insecure_options=["image"])


def test_missing_gpgv_is_named(keys, world, monkeypatch):
    trust(keys, world, "signer")
    path, signature = signed_image(keys, world)
    monkeypatch.setenv("PATH", str(world["tmp"]))
    with pytest.raises(image_trust.Rejected, match="gpgv is not installed on this host"):
        verify(world, path, signature)


def test_no_trusted_key_at_all_is_named(keys, world):
    path, signature = signed_image(keys, world)
    with pytest.raises(
        image_trust.Rejected, match=r"not trusted for this image: no key file rkt can read in .* holds it"
    ):
        verify(world, path, signature)
    assert not os.path.exists(world["home"] / ".gnupg")


def test_an_expired_key_is_accepted_only_when_asked_and_never_with_a_bad_signature(keys, world):
    trust(keys, world, "expired")
    path, signature = signed_image(keys, world, "none", signer="expired", faked_time=PAST)
    with pytest.raises(image_trust.Rejected, match="expired key"):
        verify(world, path, signature)
    assert (
        verify(world, path, signature, accept_expired_keys=True)["signer"]["fingerprint"]
        == keys.fingerprints["expired"]
    )
    flip_byte_in(path, b"hello from rootfs")
    with pytest.raises(image_trust.Rejected, match="bad signature"):
        verify(world, path, signature, accept_expired_keys=True)


def test_a_bad_signature_is_found_before_anything_is_decompressed(keys, world, monkeypatch):
    """rkt checks the signature over the file as fetched (keystore.checkSignature): so does the
    module, first, with gpgv over the compressed file; a 2 GiB gzip bomb is never inflated."""
    trust(keys, world, "signer")
    world["dir"].mkdir()
    path = world["dir"] / "bomb.aci"
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as out:
        out.write(member("manifest", json.dumps(GOOD_MANIFEST).encode()) + header("rootfs/zeros", size=2 << 30))
        block = bytes(1 << 20)
        for _attempt in range(2 << 10):
            out.write(block)
    signature = keys.sign("signer", path)
    with path.open("r+b") as stream:  # one byte of the gzip trailer: the signature no longer matches
        stream.seek(-3, os.SEEK_END)
        stream.write(b"\xff")

    def decompress(*_args, **_kwargs):
        raise AssertionError("the image was decompressed before its signature was checked")

    monkeypatch.setattr(aci, "read_image", decompress)
    started = time.monotonic()
    with pytest.raises(image_trust.Rejected, match="bad signature"):
        verify(world, path, signature)
    assert time.monotonic() - started < 20


def test_a_key_whose_flags_forbid_signing_is_refused_repeating_gpgv(keys, world):
    """rkt skips such a key (KeysByIdUsage with KeyFlagSign); gpgv says "Wrong key usage", and
    the refusal repeats gpgv's status and words instead of guessing "not trusted"."""
    path, signature = signed_image(keys, world, signer="nosign")
    keys.toggle_usage("nosign", "S")
    trust(keys, world, "nosign")
    with pytest.raises(image_trust.Rejected, match=r"ERRSIG rc 125; gpgv said .*Wrong key usage"):
        verify(world, path, signature)


def test_only_the_first_signature_packet_counts_as_in_rkt(keys, world):
    """keystore.checkSignature reads one signature packet; what follows it does not matter."""
    trust(keys, world, "signer")
    path, signature = signed_image(keys, world, armor=False)
    signature.write_bytes(signature.read_bytes() + keys.sign("stranger", path, armor=False).read_bytes())
    assert verify(world, path, signature)["signer"]["fingerprint"] == keys.fingerprints["signer"]


def test_a_signing_subkey_is_used_and_the_primary_key_is_named(keys, world):
    """KeysById finds subkeys; the trust store names primary keys."""
    subkey = keys.add_subkey("other")
    trust(keys, world, "other", "root.d")
    world["dir"].mkdir()
    path = world["dir"] / "app.aci"
    write_aci(path)
    signature = keys.sign_with_key(subkey, path)
    result = verify(world, path, signature)
    assert result["signer"]["fingerprint"] == keys.fingerprints["other"]


def test_a_subkey_signature_by_an_untrusted_key_names_the_subkey(keys, world):
    subkey = keys.add_subkey("stranger")
    trust(keys, world, "signer")
    world["dir"].mkdir()
    path = world["dir"] / "app.aci"
    write_aci(path)
    signature = keys.sign_with_key(subkey, path)
    with pytest.raises(image_trust.Rejected, match=f"signed by key ID {subkey[-16:]} \\({subkey}\\)"):
        verify(world, path, signature)


def test_an_xz_image_with_stream_padding_is_accepted_as_xz_does(keys, world):
    trust(keys, world, "signer")
    world["dir"].mkdir()
    path = world["dir"] / "padded.aci"
    path.write_bytes(lzma.compress(tar_bytes(good_entries())) + b"\0" * 4)
    assert verify(world, path, keys.sign("signer", path))["compression"] == "xz"


@pytest.mark.parametrize("what", ["a directory", "an unreadable signature"])
def test_no_input_ends_in_a_traceback(keys, world, what):
    world["dir"].mkdir()
    path = world["dir"] / "app.aci"
    if what == "a directory":
        path.mkdir()
        signature = world["dir"] / "app.aci.asc"
        signature.write_text("x")
    else:
        write_aci(path)
        signature = world["dir"] / "sig"
        signature.mkdir()
    with pytest.raises(image_trust.Rejected):
        verify(world, path, signature)

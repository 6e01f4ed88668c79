"""How the files here were made (run once; the tests read the files, they never run this):
public keys and signatures whose RSA value is a byte shorter than the key, the one case in 256
that rkt built with Go 1.15 or later refuses and gpg accepts (docs/image-trust.md). gpg makes
new signatures, a second apart, until one is short. usage: make.py OUT_DIR"""

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from aci_builder import write_aci  # noqa: E402
from pgp import Keys, later  # noqa: E402

KEYS_MADE = "20260101T000000"  # running from there
SIGNED = "20260102T000000!"  # frozen, then a second later each attempt


def is_short(keys, fingerprint, data):
    return not keys.full_length(fingerprint, data)


def until_short(keys, fingerprint, make):
    """make(faked_time) -> data, until the data holds a short RSA signature."""
    for attempt in range(5000):
        data = make(later(SIGNED, attempt))
        if is_short(keys, fingerprint, data):
            return data
    raise SystemExit("no short signature in 5000 attempts")


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keys = Keys(Path(tempfile.mkdtemp(prefix="short-rsa-")) / "gnupg")
    for name in ("signer", "self-signature", "subkey-binding", "revocation"):
        keys.make(name, faked_time=KEYS_MADE)
    fpr = keys.fingerprints

    image = out / "app.aci"
    write_aci(image)
    keys.sign("signer", image, faked_time=SIGNED)  # full length: app.aci.asc

    def sign_image(when):
        return keys.gpg(
            "--armor", "--detach-sign", "--local-user", fpr["signer"], "--output", "-", str(image), faked_time=when
        )

    (out / "app.aci.short.asc").write_bytes(until_short(keys, fpr["signer"], sign_image))
    (out / "signer.asc").write_bytes(keys.public("signer"))

    def renew(name, *subkey):
        def make(when):
            keys.gpg("--quick-set-expire", fpr[name], "never", *subkey, faked_time=when)
            return keys.gpg("--export", fpr[name])

        return make

    until_short(keys, fpr["self-signature"], renew("self-signature"))
    (out / "short-self-signature.asc").write_bytes(keys.public("self-signature"))
    keys.gpg("--quick-add-key", fpr["subkey-binding"], "rsa2048", "sign", "never", faked_time=KEYS_MADE)
    listing = keys.gpg("--with-colons", "--list-keys", fpr["subkey-binding"]).decode()
    subkey = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][-1]
    until_short(keys, fpr["subkey-binding"], renew("subkey-binding", subkey))
    (out / "short-subkey-binding.asc").write_bytes(keys.public("subkey-binding"))

    # gpg makes a revocation certificate with each key (and gen-revoke asks questions in batch
    # mode): new keys until one's is short
    for _attempt in range(5000):
        certificate = keys._revocation("revocation").encode()
        if is_short(keys, fpr["revocation"], certificate):
            break
        keys.gpg("--delete-secret-and-public-key", fpr["revocation"].upper())
        keys.gpg(
            "--quick-gen-key", "revocation <revocation@rktnetes.test>", "rsa2048", "sign", "never", faked_time=KEYS_MADE
        )
        listing = keys.gpg("--with-colons", "--list-keys", "revocation@rktnetes.test").decode()
        fpr["revocation"] = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")).lower()
    keys.gpg("--import", data=certificate)
    (out / "short-revocation.asc").write_bytes(keys.public("revocation"))
    keys.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)

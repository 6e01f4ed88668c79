# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The GnuPG tools for the cryptography rkt 1.30.0 does with golang.org/x/crypto/openpgp: gpg
--show-keys to describe keys and gpgv to check a detached signature. Only their
machine-readable output is read (--with-colons, --status-fd, as GnuPG's doc/DETAILS describes
it), and each call runs in a throw-away home directory, so the user's keyrings are never read
or written. A refusal repeats gpgv's status and last words instead of guessing a cause."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ansible_collections.rktnetes.cluster.plugins.module_utils.openpgp_errors import GpgError

STATUS = "[GNUPG:] "
REJECTIONS = {
    "BADSIG": "bad signature: the image or its signature was changed after signing",
    "EXPKEYSIG": "signed by an expired key",
    "REVKEYSIG": "signed by a revoked key",
    "EXPSIG": "the signature has expired",
}


def tool(name):
    path = shutil.which(name)
    if not path:
        raise GpgError(f"{name} is not installed on this host: install Debian's 'gpg' and 'gpgv' packages")
    return path


def _run(command, data=None, home=None):
    own_home = home is None
    home = home or tempfile.mkdtemp(prefix="rktnetes-gpg-")
    try:
        return subprocess.run(
            [command[0], "--homedir", home, *command[1:]],
            input=data,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise GpgError(f"cannot run {command[0]}: {exc.strerror}") from None
    finally:
        if own_home:
            shutil.rmtree(home, ignore_errors=True)


def key_info(data):
    """Every key in `data` (armored or binary): fingerprint, secret, user_ids, expires, revoked, the
    public-key algorithm number (RFC 4880 / RFC 9580: 1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA) and the
    subkeys' fingerprints and expiry."""
    result = _run([tool("gpg"), "--batch", "--with-colons", "--fixed-list-mode", "--show-keys"], data)
    keys = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if fields[0] in ("pub", "sec"):
            keys.append(
                {
                    "fingerprint": None,
                    "secret": fields[0] == "sec",
                    "revoked": fields[1] == "r",
                    "algorithm": int(fields[3]) if fields[3].isdigit() else None,
                    "expired": fields[1] == "e",
                    "expires": int(fields[6]) if fields[6].isdigit() else None,
                    "user_ids": [],
                    "subkeys": [],
                }
            )
        elif fields[0] in ("sub", "ssb") and keys:
            expires = int(fields[6]) if fields[6].isdigit() else None
            keys[-1]["subkeys"].append({"fingerprint": None, "expires": expires})
        elif fields[0] == "fpr" and keys and keys[-1]["subkeys"] and keys[-1]["subkeys"][-1]["fingerprint"] is None:
            keys[-1]["subkeys"][-1]["fingerprint"] = fields[9].lower()
        elif fields[0] == "fpr" and keys and keys[-1]["fingerprint"] is None:
            keys[-1]["fingerprint"] = fields[9].lower()
        elif fields[0] == "uid" and keys:
            keys[-1]["user_ids"].append(fields[9])
    if not keys:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GpgError(f"no OpenPGP key found ({message[-1] if message else 'gpg read nothing'})")
    return keys


def verify_detached(keyring, data_path, signature, accept_expired_keys=False):
    """Check one signature packet (`signature`, bytes) over `data_path` with gpgv and a keyring
    holding only `keyring` (binary key packets). Returns the signer {fingerprint,
    primary_fingerprint, user_id}, or raises GpgError repeating what gpgv reported."""
    gpgv = tool("gpgv")
    home = tempfile.mkdtemp(prefix="rktnetes-gpgv-")
    try:
        keyring_path, signature_path = os.path.join(home, "trusted.gpg"), os.path.join(home, "image.sig")
        for path, data in ((keyring_path, keyring), (signature_path, signature)):
            with open(path, "wb") as stream:
                stream.write(data)
        result = _run([gpgv, "--keyring", keyring_path, "--status-fd", "1", signature_path, data_path], home=home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return parse_status(
        result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"), accept_expired_keys
    )


# ERRSIG return codes (GnuPG doc/DETAILS): 4 unknown algorithm, 9 missing public key.
ERRSIG_CODES = {"4": "an algorithm gpgv does not support", "9": "no public key for it in the keyring"}


def parse_status(status, stderr="", accept_expired_keys=False):
    """gpgv's verdict from its status lines; a refusal repeats the status and gpgv's own last
    words instead of guessing a cause."""
    lines = [line[len(STATUS) :].split(" ") for line in status.splitlines() if line.startswith(STATUS)]
    said = _last_words(stderr)
    for keyword, reason in REJECTIONS.items():
        found = next((fields for fields in lines if fields[0] == keyword), None)
        if found and not (keyword == "EXPKEYSIG" and accept_expired_keys):
            return _reject(f"{reason} (gpgv status {' '.join(found[:2])}{said})")
    if any(fields[0] == "NODATA" for fields in lines):
        return _reject(f"the signature file holds no OpenPGP signature (gpgv status NODATA{said})")
    errsig = next((fields for fields in lines if fields[0] == "ERRSIG"), None)
    if errsig:
        code = errsig[6] if len(errsig) > 6 else "?"
        key = errsig[7] if len(errsig) > 7 and errsig[7] != "-" else errsig[1]
        cause = ERRSIG_CODES.get(code, "see gpgv's message")
        return _reject(f"gpgv cannot check the signature by key {key}: {cause} (gpgv status ERRSIG rc {code}{said})")
    valid = next((fields for fields in lines if fields[0] == "VALIDSIG"), None)
    good = next((f for f in lines if f[0] == "GOODSIG" or (accept_expired_keys and f[0] == "EXPKEYSIG")), None)
    if not valid or not good:
        failures = [" ".join(fields) for fields in lines if fields[0] in ("ERROR", "FAILURE")]
        return _reject(f"no valid signature (gpgv{': ' + '; '.join(failures) if failures else ''}{said})")
    return {
        "fingerprint": valid[1].lower(),
        "primary_fingerprint": (valid[10] if len(valid) > 10 else valid[1]).lower(),
        "user_id": " ".join(good[2:]),
        "signature_expires": _expiry(valid[4] if len(valid) > 4 else ""),
    }


def _expiry(field):
    """VALIDSIG's expire-timestamp: None for never (0), seconds since the epoch, or "unknown" (an
    ISO 8601 time or a missing field)."""
    if field == "0":
        return None
    return int(field) if field.isdigit() else "unknown"


def _last_words(stderr):
    tail = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return f'; gpgv said "{tail[-1]}"' if tail else ""


def _reject(reason):
    raise GpgError(reason)

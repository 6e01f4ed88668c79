# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""OpenPGP through the GnuPG tools, reading only their machine-readable output (--with-colons,
--status-fd). Every call uses a throw-away home directory: the user's keyrings are never read or
written."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile

ARMOR_BLOCK = re.compile(
    rb"-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----\r?\n(.*?)-----END PGP \1 KEY BLOCK-----", re.DOTALL
)
STATUS = "[GNUPG:] "
REJECTIONS = {
    "BADSIG": "bad signature: the image or its signature was changed after signing",
    "EXPKEYSIG": "signed by an expired key",
    "REVKEYSIG": "signed by a revoked key",
    "EXPSIG": "the signature has expired",
}


class GpgError(Exception):
    """A GnuPG tool is missing, failed, or refused the data; the message says which and why."""


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
    finally:
        if own_home:
            shutil.rmtree(home, ignore_errors=True)


def key_info(data):
    """Every key in `data` (armored or binary): fingerprint, secret, user_ids, expires, revoked and
    the public-key algorithm number (RFC 4880 / RFC 9580: 1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA)."""
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
                }
            )
        elif fields[0] == "fpr" and keys and keys[-1]["fingerprint"] is None:
            keys[-1]["fingerprint"] = fields[9].lower()
        elif fields[0] == "uid" and keys:
            keys[-1]["user_ids"].append(fields[9])
    if not keys:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GpgError(f"no OpenPGP key found ({message[-1] if message else 'gpg read nothing'})")
    return keys


def dearmor(data):
    """Binary OpenPGP packets of every armored block in `data`; binary data is returned as is."""
    blocks = ARMOR_BLOCK.findall(data)
    if not blocks:
        return data
    packets = b""
    for _kind, body in blocks:
        lines = body.splitlines()
        start = lines.index(b"") + 1 if b"" in lines else 0  # armor headers end at the first blank line
        payload = b"".join(line.strip() for line in lines[start:] if line.strip() and not line.startswith(b"="))
        packets += base64.b64decode(payload)
    return packets


def verify_detached(keys, data_path, signature_path, accept_expired_keys=False):
    """Check `signature_path` (armored or binary) over `data_path` with a keyring holding only
    `keys` (a list of key file contents). Returns the signer {fingerprint, primary_fingerprint,
    user_id}, or raises GpgError naming why the signature is not accepted."""
    gpgv = tool("gpgv")
    home = tempfile.mkdtemp(prefix="rktnetes-gpgv-")
    try:
        keyring = os.path.join(home, "trusted.gpg")
        with open(keyring, "wb") as stream:
            for key in keys:
                stream.write(dearmor(key))
        result = _run([gpgv, "--keyring", keyring, "--status-fd", "1", signature_path, data_path], home=home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return parse_status(
        result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"), accept_expired_keys
    )


def parse_status(status, stderr="", accept_expired_keys=False):
    lines = [line[len(STATUS) :].split(" ") for line in status.splitlines() if line.startswith(STATUS)]
    keywords = [fields[0] for fields in lines]
    for keyword, reason in REJECTIONS.items():
        if keyword in keywords and not (keyword == "EXPKEYSIG" and accept_expired_keys):
            return _reject(reason)
    if "NODATA" in keywords:
        return _reject("the signature file holds no OpenPGP signature")
    missing = [fields[1] for fields in lines if fields[0] in ("NO_PUBKEY", "ERRSIG")]
    if missing:
        return _reject(f"signed by key {missing[0]}, which is not trusted for this image")
    valid = [fields for fields in lines if fields[0] == "VALIDSIG"]
    good = [fields for fields in lines if fields[0] == "GOODSIG" or (accept_expired_keys and fields[0] == "EXPKEYSIG")]
    if not valid or not good:
        tail = stderr.strip().splitlines()
        return _reject(f"no valid signature ({tail[-1] if tail else 'gpgv said nothing'})")
    fields = valid[0]
    return {
        "fingerprint": fields[1].lower(),
        "primary_fingerprint": (fields[10] if len(fields) > 10 else fields[1]).lower(),
        "user_id": " ".join(good[0][2:]),
    }


def _reject(reason):
    raise GpgError(reason)

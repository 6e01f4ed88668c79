"""Real OpenPGP keys and signatures for the tests, made with gpg in a throw-away home.
Secret keys exist only in that home for the test session; none is ever written elsewhere.

About one RSA signature in 256 is a byte shorter than its key (OpenPGP drops leading zero
bytes), and rkt built with a current Go refuses those (docs/image-trust.md). Every key and
signature made here is full length, checked with gpg --list-packets, so that no test depends on
that chance; tests/unit/data/short-rsa/ holds the short ones, made on purpose."""

import re
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

ATTEMPTS = 8  # a short signature 8 times running: 1 in 2**64
KEY_PACKET = re.compile(r"^:public (?:sub )?key packet:$")
SIGNATURE_PACKET = re.compile(r"^:signature packet: algo (\d+), keyid ([0-9A-F]{16})$")
MPI = re.compile(r"^\s+(?:pkey\[0\]|data): \[(\d+) bits\]$")
KEY_ID = re.compile(r"^\s+keyid: ([0-9A-F]{16})$")


def rsa_lengths(listing):
    """From gpg --list-packets: ({key ID: RSA modulus bytes}, [(issuer key ID, RSA signature
    bytes)]), as the packets store them."""
    sizes, signatures, pending, kind = {}, [], None, None
    for line in listing.splitlines():
        signature = SIGNATURE_PACKET.match(line)
        if KEY_PACKET.match(line):
            kind, pending = "key", None
        elif signature:
            kind, pending = ("signature", signature[2]) if signature[1] in ("1", "3") else (None, None)
        elif line.startswith(":"):
            kind = None
        elif MPI.match(line) and kind == "key" and pending is None:
            pending = (int(MPI.match(line)[1]) + 7) // 8
        elif MPI.match(line) and kind == "signature":
            signatures.append((pending, (int(MPI.match(line)[1]) + 7) // 8))
            kind = None
        elif KEY_ID.match(line) and kind == "key":
            sizes[KEY_ID.match(line)[1]] = pending
            kind = None
    return sizes, signatures


def later(faked_time, seconds):
    """gpg's --faked-system-time value `seconds` after `faked_time`, frozen as that was."""
    start = datetime.strptime(faked_time.rstrip("!"), "%Y%m%dT%H%M%S")
    return (start + timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%S") + ("!" if faked_time.endswith("!") else "")


class Keys:
    def __init__(self, home):
        self.home = Path(home)
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.fingerprints = {}

    def gpg(self, *args, data=None, faked_time=None):
        command = [
            "gpg",
            "--homedir",
            str(self.home),
            "--batch",
            "--yes",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]
        if faked_time:
            command += ["--faked-system-time", faked_time]
        result = subprocess.run(command + list(args), input=data, capture_output=True, check=False)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    def make(self, name, expire="never", faked_time=None, algorithm="rsa2048"):
        """A new signing key; returns its fingerprint (40 lowercase hex). RSA by default: rkt's
        OpenPGP library cannot read EdDSA keys. Its self-signature and revocation certificate
        are full length (a key with a short one is deleted and made again)."""
        uid = f"{name} <{name}@rktnetes.test>"
        for _attempt in range(ATTEMPTS):
            self.gpg("--quick-gen-key", uid, algorithm, "sign", expire, faked_time=faked_time)
            listing = self.gpg("--with-colons", "--list-keys", uid).decode()
            fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")).lower()
            self.fingerprints[name] = fingerprint
            if self.full_length(fingerprint, self._revocation(name).encode()):
                return fingerprint
            self.gpg("--delete-secret-and-public-key", fingerprint.upper())
        raise AssertionError(f"gpg made {ATTEMPTS} keys with a short signature running")

    def full_length(self, fingerprint, data=b""):
        """Whether every RSA signature in the key holding `fingerprint` (a key or subkey) and in
        `data` is as long as the key that made it."""
        sizes, signatures = rsa_lengths(self.gpg("--list-packets", data=self.gpg("--export", fingerprint)).decode())
        if data:
            signatures += rsa_lengths(self.gpg("--list-packets", data=data).decode())[1]
        return all(sizes.get(key_id, length) == length for key_id, length in signatures)

    def _revocation(self, name):
        path = self.home / "openpgp-revocs.d" / f"{self.fingerprints[name].upper()}.rev"
        return path.read_text().replace(":-----BEGIN", "-----BEGIN") if path.exists() else ""

    def close(self):
        """Stop the gpg-agent this home started, so no daemon outlives the tests."""
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "gpg-agent"], check=False)

    def revoke(self, name):
        self.gpg("--import", data=self._revocation(name).encode())

    def public(self, name):
        return self.gpg("--armor", "--export", self.fingerprints[name])

    def secret(self, name):
        return self.gpg("--armor", "--export-secret-keys", self.fingerprints[name])

    def sign(self, name, path, armor=True, faked_time=None):
        return self.sign_with_key(self.fingerprints[name], path, armor, faked_time, by_name=True)

    def public_binary(self, name):
        return self.gpg("--export", self.fingerprints[name])

    def public_of(self, *names):
        """One armored block holding the keys of `names`, in that order."""
        return self.gpg("--armor", "--export", *(self.fingerprints[name] for name in names))

    def toggle_usage(self, name, *letters):
        """Toggle the primary key's usage flags (S sign, C certify...) through --edit-key."""
        script = "change-usage\n" + "".join(f"{letter}\n" for letter in letters) + "Q\nsave\n"
        self.gpg("--expert", "--command-fd", "0", "--edit-key", self.fingerprints[name], data=script.encode())
        self._renew_until_full(name)

    def add_subkey(self, name, algorithm="rsa2048", usage="sign"):
        """A new subkey with a full-length binding signature; returns its fingerprint."""
        fingerprint = self.fingerprints[name]
        self.gpg("--quick-add-key", fingerprint, algorithm, usage, "never")
        listing = self.gpg("--with-colons", "--list-keys", fingerprint).decode()
        subkey = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][-1].lower()
        self._renew_until_full(name, subkey)
        return subkey

    def _renew_until_full(self, name, *subkey):
        """A new self-signature (or binding), a second later each time, until it is full length."""
        for _attempt in range(ATTEMPTS):
            if self.full_length(self.fingerprints[name]):
                return
            time.sleep(1.1)  # the same second would give the same signature
            self.gpg("--quick-set-expire", self.fingerprints[name], "never", *subkey)
        raise AssertionError(f"gpg made {ATTEMPTS} short self-signatures running")

    def sign_with_key(self, fingerprint, path, armor=True, faked_time=None, by_name=False):
        """Sign with exactly this (sub)key (the trailing ! stops gpg from choosing another; with
        `by_name`, gpg chooses in the key as for a user). A short signature is made again, a
        second later."""
        out = Path(f"{path}{'.asc' if armor or not by_name else '.sig'}")
        user = fingerprint if by_name else f"{fingerprint}!"
        args = ["--detach-sign", "--local-user", user, "--output", str(out), str(path)]
        for attempt in range(ATTEMPTS):
            if attempt and not faked_time:
                time.sleep(1.1)  # the same second would give the same signature
            when = later(faked_time, attempt) if attempt and faked_time else faked_time
            self.gpg(*(["--armor"] if armor else []), *args, faked_time=when)
            if self.full_length(fingerprint, out.read_bytes()):
                return out
        raise AssertionError(f"gpg made {ATTEMPTS} short signatures running")

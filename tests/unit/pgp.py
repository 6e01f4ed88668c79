"""Real OpenPGP keys and signatures for the tests, made with gpg in a throw-away home.
Secret keys exist only in that home for the test session; none is ever written elsewhere."""

import subprocess
from pathlib import Path


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
        OpenPGP library cannot read EdDSA keys."""
        uid = f"{name} <{name}@rktnetes.test>"
        self.gpg("--quick-gen-key", uid, algorithm, "sign", expire, faked_time=faked_time)
        listing = self.gpg("--with-colons", "--list-keys", uid).decode()
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")).lower()
        self.fingerprints[name] = fingerprint
        return fingerprint

    def close(self):
        """Stop the gpg-agent this home started, so no daemon outlives the tests."""
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "gpg-agent"], check=False)

    def revoke(self, name):
        fingerprint = self.fingerprints[name]
        certificate = (self.home / "openpgp-revocs.d" / f"{fingerprint.upper()}.rev").read_text()
        self.gpg("--import", data=certificate.replace(":-----BEGIN", "-----BEGIN").encode())

    def public(self, name):
        return self.gpg("--armor", "--export", self.fingerprints[name])

    def secret(self, name):
        return self.gpg("--armor", "--export-secret-keys", self.fingerprints[name])

    def sign(self, name, path, armor=True, faked_time=None):
        suffix = ".asc" if armor else ".sig"
        out = Path(f"{path}{suffix}")
        args = ["--detach-sign", "--local-user", self.fingerprints[name], "--output", str(out), str(path)]
        self.gpg(*(["--armor"] if armor else []), *args, faked_time=faked_time)
        return out

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

    def public_binary(self, name):
        return self.gpg("--export", self.fingerprints[name])

    def public_of(self, *names):
        """One armored block holding the keys of `names`, in that order."""
        return self.gpg("--armor", "--export", *(self.fingerprints[name] for name in names))

    def toggle_usage(self, name, *letters):
        """Toggle the primary key's usage flags (S sign, C certify...) through --edit-key."""
        script = "change-usage\n" + "".join(f"{letter}\n" for letter in letters) + "Q\nsave\n"
        self.gpg("--expert", "--command-fd", "0", "--edit-key", self.fingerprints[name], data=script.encode())

    def add_subkey(self, name, algorithm="rsa2048", usage="sign"):
        """A new subkey; returns its fingerprint."""
        fingerprint = self.fingerprints[name]
        self.gpg("--quick-add-key", fingerprint, algorithm, usage, "never")
        listing = self.gpg("--with-colons", "--list-keys", fingerprint).decode()
        return [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][-1].lower()

    def sign_with_key(self, fingerprint, path, armor=True):
        """Sign with exactly this (sub)key (the trailing ! stops gpg from choosing another)."""
        out = Path(f"{path}.asc")
        args = ["--detach-sign", "--local-user", f"{fingerprint}!", "--output", str(out), str(path)]
        self.gpg(*(["--armor"] if armor else []), *args)
        return out

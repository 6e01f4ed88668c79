"""The lab's image registry (molecule/cluster, make demo), as a site would run an internal one: Debian's
docker-registry with TLS from a CA of this run (the nodes trust it through the rkt role's
rkt_registry_ca_certificates), on the lab bridge, holding a busybox image built here from Debian's
busybox-static and pushed with skopeo. The layer tar has no "." root entry: rkt's docker2aci loops
forever on one (docs/architecture.md, "Known limits").

It also pushes every image a mirror holds in skopeo's dir: layout (images/<path>/<tag>/, e.g. the
self-built CoreDNS of docs/artifacts.md) as <path>:<tag>, keeping its manifest digest.

usage: registry.py start STATE_DIR ADDRESS PORT [MIRROR_IMAGES_DIR]   (CA, certificate, images, registry, push)
       registry.py stop STATE_DIR"""

import contextlib
import datetime
import gzip
import hashlib
import io
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from rkt_fixtures import busybox_binary

REPOSITORY = "rktnetes/busybox"
TAG = "verify"
APPLETS = (
    "sh", "echo", "hostname", "nc", "ping", "sleep", "cat", "ls", "ip", "wget", "nslookup", "timeout", "awk", "sort",
    "httpd", "mkdir",
)  # fmt: skip


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_key(path, key):
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def certificates(state, address):
    """A CA of this run and the registry's certificate, with the bridge address as IP SAN."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("rktnetes lab registry CA"))
        .issuer_name(name("rktnetes lab registry CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(address))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (state / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (state / "registry.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_key(state / "registry.key", key)


def layer_tar(binary):
    """bin/busybox and an applet link per command; no "." entry, fixed times (same bytes each run)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("bin")
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(binary), 0o755
        tar.addfile(info, io.BytesIO(binary))
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
    return out.getvalue()


def image_dir(path):
    """The image in skopeo's dir: layout (docker v2 schema 2 manifest, blobs named by digest)."""
    path.mkdir()
    layer = layer_tar(busybox_binary())
    compressed = gzip.compress(layer, mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]},
        }
    ).encode()
    blobs = {}
    for blob in (config, compressed):
        blobs[blob] = hashlib.sha256(blob).hexdigest()
        (path / blobs[blob]).write_bytes(blob)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config),
            "digest": f"sha256:{blobs[config]}",
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": len(compressed),
                "digest": f"sha256:{blobs[compressed]}",
            }
        ],
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    (path / "version").write_text("Directory Transport Version: 1.1\n")


def wait_listening(address, port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"registry: nothing listens on {address}:{port} after {seconds}s (see registry.log)")


def push(source, reference, certs):
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--format", "v2s2", "--dest-cert-dir", str(certs), f"dir:{source}",
         f"docker://{reference}"],
        check=True,
    )  # fmt: skip


def start(state, address, port, images=None):
    stop(state)
    state.mkdir(parents=True, exist_ok=True)
    certificates(state, address)
    config = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(state / "data")}},
        "http": {
            "addr": f"{address}:{port}",
            "tls": {"certificate": str(state / "registry.crt"), "key": str(state / "registry.key")},
        },
    }
    (state / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    with open(state / "registry.log", "ab") as log:
        process = subprocess.Popen(
            ["/usr/bin/docker-registry", "serve", str(state / "config.yml")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (state / "registry.pid").write_text(str(process.pid))
    wait_listening(address, int(port))
    image_dir(state / "image")
    certs = state / "certs"
    certs.mkdir()
    (certs / "ca.crt").write_bytes((state / "ca.crt").read_bytes())
    push(state / "image", f"{address}:{port}/{REPOSITORY}:{TAG}", certs)
    for manifest in sorted(Path(images).glob("**/manifest.json")) if images else []:
        tag_dir = manifest.parent
        path = tag_dir.parent.relative_to(images)
        push(tag_dir, f"{address}:{port}/{path}:{tag_dir.name}", certs)
    print(f"docker://{address}:{port}/{REPOSITORY}:{TAG}")


def stop(state):
    pid_file = state / "registry.pid"
    if pid_file.is_file():
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink()
    for leftover in ("image", "certs"):
        subprocess.run(["rm", "-rf", str(state / leftover)], check=True)


if __name__ == "__main__":
    if len(sys.argv) in (5, 6) and sys.argv[1] == "start":
        start(Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) == 6 else None)
    elif len(sys.argv) == 3 and sys.argv[1] == "stop":
        stop(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)

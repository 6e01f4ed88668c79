"""Benchmark (not a test): the controller cache with the lab mirror served over HTTP on loopback.

Cold: empty cache, both lab artifacts (etcd, CNI plugins) downloaded, verified and unpacked.
Warm: the same call again (re-verifies the cache, downloads nothing). Counts the HTTP requests.
Usage: tests/lab/mirror/build-mirror.sh && .venv/bin/python benchmarks/artifact_cache.py
"""

import functools
import http.server
import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".build" / "collections"))

from ansible_collections.rktnetes.cluster.plugins.module_utils import artifact_cache, artifacts  # noqa: E402

MIRROR = Path(os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab")) / "mirror"  # noqa: S108 (labctl's lab dir)
VERSIONS = {"etcd": "3.4.23-debian", "cni_plugins": "1.1.1-debian"}


def main():
    catalog = yaml.safe_load((ROOT / "roles/artifacts/vars/main.yml").read_text())["artifacts_catalog"]
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(MIRROR)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    plan = artifacts.plan(catalog, VERSIONS, ["amd64"], list(VERSIONS), base, (MIRROR / "SHA256SUMS").read_text())
    assert not plan["problems"], plan["problems"]
    size = sum((MIRROR / e["mirror_path"]).stat().st_size for e in plan["artifacts"].values())

    def opener(url, timeout):
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (loopback server above)

    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold", "warm"):
            requests.clear()
            start = time.perf_counter()
            for entry in plan["artifacts"].values():
                artifact_cache.ensure(entry, cache, opener, base)
            elapsed = time.perf_counter() - start
            print(f"{label}: {elapsed:.2f} s, {len(requests)} HTTP request(s), {size / 2**20:.1f} MiB in the mirror")
    server.shutdown()


if __name__ == "__main__":
    main()

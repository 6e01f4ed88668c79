"""Benchmark (not a test): peak memory of rkt_image_verify's image reading when the tar holds a
huge PAX extended header. Go's archive/tar (readSpecialFile, Go >= 1.19.2) refuses a PAX or GNU
long-name header over 1 MiB after reading 1 MiB + 1 byte; the module does the same, so its peak
RSS must not grow with the declared size. Each case runs in a fresh interpreter; the parent
reports that child's peak RSS (getrusage via wait4) and the Python heap peak (tracemalloc).

Cases: a small valid image (the baseline), then a PAX header declaring 2 MiB, 64 MiB and 1 GiB,
written out in full: uncompressed as a sparse file (no disk used) and gzip-compressed (streamed,
so the 1 GiB never exists in memory here either).
Usage: .venv/bin/python benchmarks/aci_header_memory.py [DIR]   (default /var/tmp; ~10 MB of disk)
"""

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from aci_builder import END, GOOD_MANIFEST, header, member  # noqa: E402

CHILD = """
import json, sys, tracemalloc
sys.path.insert(0, {collections!r})
from ansible_collections.rktnetes.cluster.plugins.module_utils import image_trust
tracemalloc.start()
try:
    image_trust.verify(sys.argv[1], None, ["/nonexistent"], insecure_options=["image"])
    verdict = "accepted"
except image_trust.Rejected as exc:
    verdict = str(exc).split(": ", 1)[1][:70]
print(json.dumps({{"heap": tracemalloc.get_traced_memory()[1], "verdict": verdict}}))
"""
PAX_RECORD = b"9 a=bcd\n"  # 8 bytes; the content never matters: the size refuses it first


def head():
    return member("manifest", json.dumps(GOOD_MANIFEST).encode()) + member("rootfs/", typeflag=b"5")


def write_sparse(path, declared):
    """An uncompressed tar: the PAX header's data is a hole of `declared` bytes."""
    with open(path, "wb") as out:
        out.write(head() + header("PaxHeader", b"x", size=declared))
        out.truncate(out.tell() + declared + (-declared % 512))
        out.seek(0, os.SEEK_END)
        out.write(member("rootfs/f", b"x") + END)


def write_gzip(path, declared):
    """A gzip tar whose PAX header really holds `declared` bytes of records, streamed."""
    chunk = PAX_RECORD * (1 << 17)  # 1 MiB
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as out:
        out.write(head() + header("PaxHeader", b"x", size=declared))
        left = declared
        while left:
            out.write(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))
        out.write(b"\0" * (-declared % 512) + member("rootfs/f", b"x") + END)


def measure(script, path):
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    result = json.loads(process.stdout.read())
    process.stdout.close()
    assert os.waitstatus_to_exitcode(status) == 0
    return time.perf_counter() - start, usage.ru_maxrss / 1024, result["heap"] / 2**20, result["verdict"]


def main(base):
    with tempfile.TemporaryDirectory(dir=base) as work:
        work = Path(work)
        script = work / "child.py"
        script.write_text(CHILD.format(collections=str(ROOT / ".build" / "collections")))
        baseline = work / "small.aci"
        baseline.write_bytes(head() + member("rootfs/f", b"x") + END)
        cases = [("baseline: a small valid image", baseline)]
        for label, size in (("2 MiB", 2 << 20), ("64 MiB", 64 << 20), ("1 GiB", 1 << 30)):
            for kind, write in (("tar", write_sparse), ("tar.gz", write_gzip)):
                path = work / f"pax-{size}.{kind}"
                write(path, size)
                cases.append((f"PAX header of {label}, {kind} ({path.stat().st_size / 2**20:.1f} MiB file)", path))
        for label, path in cases:
            seconds, rss, heap, verdict = measure(script, path)
            print(f"{label}: peak RSS {rss:.1f} MiB, Python heap peak {heap:.2f} MiB, {seconds:.2f} s - {verdict}")
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp")  # noqa: S108 - roomier than a tmpfs /tmp

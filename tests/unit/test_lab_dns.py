"""The lab's upstream DNS server (tests/lab/dns.py) on loopback: names under rktnetes.test get an A
record at once, every other name NXDOMAIN at once (what the cluster DNS checks rely on)."""

import socket
import struct
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
import dns


def query(name, qtype=1, ident=0x4242):
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split("."))
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + labels + b"\x00" + struct.pack("!HH", qtype, 1)


@pytest.fixture()
def server(tmp_path):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    dns.start(tmp_path, "127.0.0.1", port)
    yield port
    dns.stop(tmp_path)


def ask(port, name, qtype=1):
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(2)
    started = time.monotonic()
    client.sendto(query(name, qtype), ("127.0.0.1", port))
    reply = client.recv(512)
    return reply, time.monotonic() - started


def test_names_in_the_zone_have_the_bridge_address(server):
    reply, seconds = ask(server, "outside.rktnetes.test")
    flags, _qd, answers = struct.unpack("!HHH", reply[2:8])
    assert reply[:2] == b"\x42\x42" and flags & 0x8000 and flags & 0x000F == 0 and answers == 1
    assert reply[-4:] == socket.inet_aton("127.0.0.1") and seconds < 1


def test_other_names_are_nxdomain_at_once(server):
    reply, seconds = ask(server, "nothing.example.invalid")
    flags, _qd, answers = struct.unpack("!HHH", reply[2:8])
    assert flags & 0x000F == 3 and answers == 0 and seconds < 1


def test_aaaa_in_the_zone_is_an_empty_answer(server):
    reply, _seconds = ask(server, "outside.rktnetes.test", qtype=28)
    flags, _qd, answers = struct.unpack("!HHH", reply[2:8])
    assert flags & 0x000F == 0 and answers == 0

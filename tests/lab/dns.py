"""The lab's upstream DNS server: what a site's resolvers are to its nodes. Lab hosts have no route
off the lab bridge, so names outside the cluster domain are answered here: every name under
rktnetes.test has an A record (the bridge address), every other name is NXDOMAIN at once. The
cluster's CoreDNS forwards to it through the nodes' /etc/resolv.conf (labctl names it there).

usage: dns.py start STATE_DIR ADDRESS [PORT]   (UDP, in the background; default port 53)
       dns.py stop STATE_DIR
       dns.py serve ADDRESS PORT                (in the foreground)"""

import contextlib
import ipaddress
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

ZONE = "rktnetes.test"
TTL = 30


def question(packet):
    """(name, qtype, end offset of the question) of a query, or None when it is not one."""
    if len(packet) < 12 or packet[2] & 0x80 or struct.unpack("!H", packet[4:6])[0] != 1:
        return None
    labels, offset = [], 12
    while offset < len(packet) and packet[offset]:
        length = packet[offset]
        if length > 63 or offset + 1 + length > len(packet):
            return None
        labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii", "replace").lower())
        offset += 1 + length
    if offset + 5 > len(packet):
        return None
    qtype = struct.unpack("!H", packet[offset + 1 : offset + 3])[0]
    return ".".join(labels), qtype, offset + 5


def answer(packet, address):
    parsed = question(packet)
    if parsed is None:
        return None
    name, qtype, end = parsed
    inside = name == ZONE or name.endswith("." + ZONE)
    rcode = 0 if inside else 3  # NXDOMAIN outside the zone
    records = b""
    if inside and qtype in (1, 255):  # A or ANY
        records = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, TTL, 4) + ipaddress.IPv4Address(address).packed
    flags = 0x8480 | (packet[2] & 0x01) << 8 | rcode  # response, authoritative, RA; RD copied
    header = packet[:2] + struct.pack("!HHHHH", flags, 1, 1 if records else 0, 0, 0)
    return header + packet[12:end] + records


def serve(address, port):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((address, port))
    while True:
        packet, client = server.recvfrom(4096)
        reply = answer(packet, address)
        if reply:
            server.sendto(reply, client)


def start(state, address, port):
    stop(state)
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "dns.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "serve", address, str(port)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (state / "dns.pid").write_text(str(process.pid))
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.settimeout(0.5)
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x05probe\x08rktnetes\x04test\x00\x00\x01\x00\x01"
    for _attempt in range(40):
        with contextlib.suppress(OSError):
            probe.sendto(query, (address, port))
            if probe.recv(512)[:2] == b"\x12\x34":
                return
        time.sleep(0.25)
    sys.exit(f"dns: no answer on {address}:{port} (see {state / 'dns.log'})")


def stop(state):
    pid_file = state / "dns.pid"
    if pid_file.is_file():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink()


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "start":
        start(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 53)
    elif len(sys.argv) == 3 and sys.argv[1] == "stop":
        stop(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)

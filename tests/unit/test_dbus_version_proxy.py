"""The kubelet's D-Bus version proxy (roles/kubelet/files/rktnetes-dbus-version-proxy): only the
reply to Get(systemd1.Manager, Version) changes, to same-length digits; framing is kept; reads
split anywhere give the same bytes."""

import importlib.machinery
import importlib.util
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

PATH = Path(__file__).resolve().parents[2] / "roles" / "kubelet" / "files" / "rktnetes-dbus-version-proxy"
_loader = importlib.machinery.SourceFileLoader("dbus_version_proxy", str(PATH))
_spec = importlib.util.spec_from_loader("dbus_version_proxy", _loader)
proxy = importlib.util.module_from_spec(_spec)
_loader.exec_module(proxy)


def pad(data, boundary):
    return data + b"\0" * (proxy.align(len(data), boundary) - len(data))


def marshal(order, kind, serial, fields, signature, body):
    """A D-Bus message: fields are (code, sig, value); body is already marshalled for `signature`."""
    fmt = "<" if order == b"l" else ">"
    header_fields = b""
    for code, sig, value in fields + ([(8, "g", signature)] if signature else []):
        header_fields = pad(header_fields, 8) + bytes([code, len(sig)]) + sig.encode() + b"\0"
        if sig in ("s", "o"):
            encoded = value.encode()
            header_fields = pad(header_fields, 4) + struct.pack(fmt + "I", len(encoded)) + encoded + b"\0"
        elif sig == "g":
            header_fields += bytes([len(value)]) + value.encode() + b"\0"
        elif sig == "u":
            header_fields = pad(header_fields, 4) + struct.pack(fmt + "I", value)
    head = order + bytes([kind, 0, 1]) + struct.pack(fmt + "III", len(body), serial, len(header_fields))
    return pad(head + header_fields, 8) + body


def strings_body(order, *values):
    fmt = "<" if order == b"l" else ">"
    body = b""
    for value in values:
        encoded = value.encode()
        body = pad(body, 4) + struct.pack(fmt + "I", len(encoded)) + encoded + b"\0"
    return body


def variant_string_body(order, value):
    fmt = "<" if order == b"l" else ">"
    encoded = value.encode()
    return pad(b"\x01s\x00", 4) + struct.pack(fmt + "I", len(encoded)) + encoded + b"\0"


def get_call(order, serial, interface, prop):
    fields = [
        (1, "o", "/org/freedesktop/systemd1"),
        (2, "s", "org.freedesktop.DBus.Properties"),
        (3, "s", "Get"),
        (6, "s", "org.freedesktop.systemd1"),
    ]
    return marshal(order, 1, serial, fields, "ss", strings_body(order, interface, prop))


def reply(order, serial, reply_to, value):
    return marshal(order, 2, serial, [(5, "u", reply_to)], "v", variant_string_body(order, value))


AUTH_UP = b"\0AUTH EXTERNAL 30\r\nNEGOTIATE_UNIX_FD\r\n"
AUTH_DOWN = b"OK 1234deadbeef\r\nAGREE_UNIX_FD\r\n"


def conversation(order=b"l", version="252.39-1~deb12u2"):
    """In protocol order: the client's auth lines, the bus's answers, BEGIN and calls, replies."""
    calls = b"BEGIN\r\n" + get_call(order, 7, "org.freedesktop.systemd1.Manager", "Version")
    calls += get_call(order, 8, "org.freedesktop.systemd1.Manager", "Virtualization")
    replies = reply(order, 100, 8, "systemd-nspawn") + reply(order, 101, 7, version)
    replies += reply(order, 102, 99, "252.39-1~deb12u2")  # answers no Version call: untouched
    return [("up", AUTH_UP), ("down", AUTH_DOWN), ("up", calls), ("down", replies)]


def run(phases, cuts=()):
    """Feed each phase in pieces (cut at the given offsets); returns (bytes up, bytes down)."""
    rewriter = proxy.Rewriter()
    out = {"up": b"", "down": b""}
    for index, (direction, data) in enumerate(phases):
        phase_cuts = cuts[index] if index < len(cuts) else []
        out[direction] += b"".join(rewriter.feed(direction, part) for part in split(data, phase_cuts))
    return out["up"], out["down"]


def split(data, cuts):
    points = sorted({c % (len(data) + 1) for c in (cuts or [])})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@pytest.mark.parametrize("order", [b"l", b"B"])
def test_only_the_version_reply_is_rewritten_to_same_length_digits(order):
    phases = conversation(order)
    out_up, out_down = run(phases)
    assert out_up == phases[0][1] + phases[2][1]
    expected = AUTH_DOWN.replace(b"AGREE_UNIX_FD", b"ERROR descriptors are not relayed")
    expected += reply(order, 100, 8, "systemd-nspawn") + reply(order, 101, 7, "0000000000000252")
    expected += reply(order, 102, 99, "252.39-1~deb12u2")
    assert out_down == expected


def test_a_client_that_pipelines_auth_and_begin_gets_the_same_bytes():
    """sd-bus sends AUTH, NEGOTIATE_UNIX_FD and BEGIN before the bus answers."""
    stepwise = conversation()
    pipelined = [("up", stepwise[0][1] + stepwise[2][1]), ("down", stepwise[1][1] + stepwise[3][1])]
    assert run(pipelined) == run(stepwise)


def test_framing_is_kept():
    messages_in = conversation()[3][1]
    out = run(conversation())[1]
    messages_out = out[out.index(b"relayed\r\n") + len(b"relayed\r\n") :]
    assert len(messages_in) == len(messages_out)
    pos = 0
    while pos < len(messages_out):
        length = proxy.message_length(messages_out[pos:])
        assert proxy.message_length(messages_in[pos:]) == length
        pos += length
    assert pos == len(messages_out)


@pytest.mark.parametrize(("version", "expected"), [("252", "252"), ("219", "219"), ("v", "0"), ("25x", "025")])
def test_numeric_versions_pass_and_odd_ones_stay_the_same_length(version, expected):
    assert reply(b"l", 101, 7, expected) in run(conversation(version=version))[1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0), max_size=8), min_size=4, max_size=4))
def test_reads_split_anywhere_give_the_same_bytes(cuts):
    assert run(conversation(), cuts) == run(conversation())


def test_an_oversized_length_is_refused():
    bogus = b"l\x01\x00\x01" + struct.pack("<III", 1 << 30, 1, 0)
    with pytest.raises(ValueError, match="larger than D-Bus allows"):
        proxy.message_length(bogus)

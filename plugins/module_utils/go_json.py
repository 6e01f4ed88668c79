# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The ACI manifest's JSON as Go's encoding/json (Go 1.19, the toolchain rkt 1.30.0 is built
with) reads it, so that the name and fields the module trusts are the ones rkt reads:

- which text is JSON: scanner.go's grammar (RFC 8259, no NaN, comments or trailing commas) and
  its maxNestingDepth, parsed without recursion;
- how strings decode: decode.go unquote, where lone UTF-16 surrogates and invalid UTF-8 become
  U+FFFD instead of being refused;
- how a value lands in a Go type: decode.go literalStore/object/array/indirect, with struct
  keys matched case-insensitively (fold.go), unknown keys ignored, duplicate keys each decoded
  and the last one kept, and null leaving a value as it is.

A refusal is an ImageError that repeats Go's own wording where there is one."""

from __future__ import annotations

import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError

MAX_JSON_DEPTH = 10000  # Go encoding/json maxNestingDepth (scanner.go)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

# Which text is JSON (scanner.go), how strings decode (decode.go unquote)

_WS = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = ((b"true", "bool", True), (b"false", "bool", False), (b"null", "null", None))
_ESCAPES = {ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b", ord("f"): "\f"}
_ESCAPES.update({ord("n"): "\n", ord("r"): "\r", ord("t"): "\t"})


class Node:
    """A parsed JSON value: kind ('object', 'array', 'string', 'number', 'bool', 'null'), its
    value (objects keep every key in order, duplicates included, as Go sees them) and its raw
    text (Go hands the raw text to UnmarshalJSON methods)."""

    __slots__ = ("kind", "raw", "value")

    def __init__(self, kind, value, raw):
        self.kind, self.value, self.raw = kind, value, raw


def go_utf8(data):
    """Bytes to text as Go's decoder does: each byte of an invalid sequence becomes U+FFFD."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        out, start = [], 0
        while start < len(data):
            try:
                out.append(data[start:].decode("utf-8"))
                break
            except UnicodeDecodeError as exc:
                out.append(data[start : start + exc.start].decode("utf-8"))
                out.append("\ufffd" * (exc.end - exc.start))
                start += exc.end
        return "".join(out)


def _unquote(raw):
    """A JSON string's raw bytes (quotes included) as Go's unquote decodes them: lone UTF-16
    surrogates and invalid UTF-8 become U+FFFD instead of being refused."""
    body = raw[1:-1]
    if b"\\" not in body:
        return go_utf8(body)
    out, i = [], 0
    while i < len(body):
        j = body.find(b"\\", i)
        if j < 0:
            out.append(go_utf8(body[i:]))
            break
        out.append(go_utf8(body[i:j]))
        if body[j + 1] != ord("u"):
            out.append(_ESCAPES[body[j + 1]])
            i = j + 2
            continue
        code = int(body[j + 2 : j + 6], 16)
        i = j + 6
        if 0xD800 <= code < 0xDC00 and body[i : i + 2] == b"\\u":
            low = int(body[i + 2 : i + 6], 16)
            if 0xDC00 <= low < 0xE000:
                out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                i += 6
                continue
        out.append("\ufffd" if 0xD800 <= code < 0xE000 else chr(code))
    return "".join(out)


class _JsonParser:
    """Go's scanner grammar (RFC 8259: no NaN or Infinity, no comments, no trailing commas), at
    most MAX_JSON_DEPTH nested containers, parsed in a flat loop so that no input can exhaust
    Python's stack."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def fail(self, what):
        raise ImageError(f"manifest is not JSON as Go's encoding/json reads it: {what} at byte {self.pos}")

    def peek(self):
        self.pos = _WS.match(self.data, self.pos).end()
        return self.data[self.pos : self.pos + 1]

    def scalar(self):
        data, pos = self.data, self.pos
        first = data[pos : pos + 1]
        if not first:
            self.fail("unexpected end of JSON input")
        if first == b'"':
            match = _STRING.match(data, pos)
            if not match:
                self.fail("invalid string (a control character, a bad escape or no closing quote)")
            self.pos = match.end()
            return Node("string", _unquote(match.group()), match.group())
        for text, kind, value in _LITERALS:
            if data.startswith(text, pos):
                self.pos = pos + len(text)
                return Node(kind, value, text)
        match = _NUMBER.match(data, pos)
        if not match:
            self.fail(f"invalid character {first.decode('latin-1')!r} looking for beginning of value")
        self.pos = match.end()
        return Node("number", match.group().decode(), match.group())

    def key(self, frame):
        if self.peek() != b'"':
            self.fail("invalid character looking for beginning of object key string")
        frame.value.append([self.scalar().value, None])
        if self.peek() != b":":
            self.fail("missing ':' after object key")
        self.pos += 1

    def start(self, stack):
        """The next scalar or empty container, or None after opening a non-empty container."""
        first = self.peek()
        if first not in (b"{", b"["):
            return self.scalar()
        if len(stack) >= MAX_JSON_DEPTH:
            self.fail("exceeded max depth")
        frame = Node("object" if first == b"{" else "array", [], self.pos)
        self.pos += 1
        if self.peek() == (b"}" if first == b"{" else b"]"):
            self.pos += 1
            return self.finish(frame)
        stack.append(frame)
        if frame.kind == "object":
            self.key(frame)
        return None

    def finish(self, frame):
        if frame.kind == "object":
            frame.value = [tuple(pair) for pair in frame.value]
        frame.raw = self.data[frame.raw : self.pos]
        return frame

    def attach(self, stack, node):
        """Put `node` into the open containers, closing those that end; the document when done."""
        while stack:
            frame = stack[-1]
            if frame.kind == "object":
                frame.value[-1][1] = node
            else:
                frame.value.append(node)
            separator = self.peek()
            self.pos += 1
            if separator == b",":
                if frame.kind == "object":
                    self.key(frame)
                return None
            if separator != (b"}" if frame.kind == "object" else b"]"):
                self.pos -= 1
                self.fail("invalid character after a value (expected ',' or a closing bracket)")
            node = self.finish(stack.pop())
        return node

    def parse(self):
        stack = []
        while True:
            node = self.start(stack)
            if node is None:
                continue
            document = self.attach(stack, node)
            if document is not None:
                break
        if self.peek():
            self.fail("invalid character after top-level value")
        return document


def parse_json(data):
    """The JSON document `data` (bytes) as Node, or ImageError naming what Go would refuse."""
    return _JsonParser(data).parse()


# Decoding into Go types as encoding/json does (decode.go literalStore, object, array, indirect)

_KELVIN, _LONG_S = "\u212a", "\u017f"


def _folds_to(field, key):
    """Go's case-insensitive field match (fold.go equalFoldRight/simpleLetterEqualFold): ASCII
    letters in any case, and the Kelvin sign and the long s for k and s."""
    if len(field) != len(key):
        return False
    for f, k in zip(field, key, strict=True):
        if f == k or (k.isascii() and f.isalpha() and f.lower() == k.lower()):
            continue
        if (k == _KELVIN and f in "kK") or (k == _LONG_S and f in "sS"):
            continue
        return False
    return True


def _field_for(fields, key):
    """The struct field a JSON key sets: an exact match, else the first case-folded one."""
    if key in fields:
        return key
    return next((name for name in fields if _folds_to(name, key)), None)


def field_path(where, name):
    return f"{where}.{name}" if where else name


def manifest_at(where):
    """The start of a refusal about a manifest field: 'manifest app.user'."""
    return f"manifest {where}" if where else "manifest"


class Decoded(dict):
    """A decoded struct; `nodes` keeps the JSON value that set each field (the last one)."""

    nodes: dict


def _type_error(node, gotype, where):
    raise ImageError(f"{manifest_at(where)}: json: cannot unmarshal {node.kind} into Go value of type {gotype}")


def go_string(node, where):
    if node.kind == "null":  # null leaves a Go string empty
        return ""
    if node.kind != "string":
        _type_error(node, "string", where)
    return node.value


def go_bool(node, where):
    if node.kind == "null":
        return False
    if node.kind != "bool":
        _type_error(node, "bool", where)
    return node.value


def _go_integer(node, where, low, high, gotype):
    if node.kind == "null":
        return 0
    text = node.value if node.kind == "number" else ""
    if not re.fullmatch(r"-?[0-9]+", text) or not low <= int(text) <= high or (low == 0 and text.startswith("-")):
        _type_error(node, gotype, where)
    return int(text)


def go_int(node, where):
    return _go_integer(node, where, -(1 << 63), INT64_MAX, "int")


def go_uint(node, where):
    return _go_integer(node, where, 0, UINT64_MAX, "uint")


def go_slice(element):
    def decode(node, where, _existing=None):
        if node.kind == "null":
            return None
        if node.kind != "array":
            _type_error(node, "[]" + element.__name__.lstrip("_"), where)
        return [element(item, f"{where}[{index}]") for index, item in enumerate(node.value)]

    decode.__name__ = "slice"
    return decode


def go_string_map(node, where, _existing=None):
    if node.kind == "null":
        return None
    if node.kind != "object":
        _type_error(node, "map[string]string", where)
    return {key: go_string(value, field_path(where, key)) for key, value in node.value}


def go_struct(node, where, fields, existing=None, gotype="struct"):
    """Decode an object into a struct: unknown keys are ignored, every known key is decoded in
    order (a later duplicate wins, and each one must be valid), null leaves the struct as is."""
    result = Decoded(existing or {})
    result.nodes = dict(getattr(existing, "nodes", {}))
    if node.kind == "null":
        return result
    if node.kind != "object":
        _type_error(node, gotype, where)
    for key, value in node.value:
        name = _field_for(fields, key)
        if name is None:
            continue
        decode = fields[name]
        result[name] = decode(value, field_path(where, name), result.get(name))
        result.nodes[name] = value
    return result


def scalar_field(decode):
    def wrapped(node, where, _existing=None):
        return decode(node, where)

    wrapped.__name__ = decode.__name__
    return wrapped

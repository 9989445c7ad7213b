"""The PostgreSQL v3 wire format: reading the client's messages and building the server's.

Every message after startup is a type byte, a big-endian int32 length (counting itself) and a body.
The startup packet, SSL/GSS requests and cancel requests have no type byte. This module only turns
bytes into Python values and back; what the messages mean is ``session``'s job.
"""

from __future__ import annotations

import asyncio
import struct

PROTOCOL_V3 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
MAX_MESSAGE = 1 << 30  # a length beyond this is a broken or hostile client, not a query


class ProtocolViolation(Exception):
    """The client sent bytes that are not a valid message (SQLSTATE 08P01)."""


async def read_startup(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The first packet: (code, rest of the body); code is PROTOCOL_V3 or one of the requests."""
    (length,) = struct.unpack("!i", await reader.readexactly(4))
    if length < 8 or length > 10_000:
        raise ProtocolViolation(f"invalid startup packet length {length}")
    body = await reader.readexactly(length - 4)
    (code,) = struct.unpack("!i", body[:4])
    return code, body[4:]


def startup_parameters(body: bytes) -> dict[str, str]:
    """The startup packet's ``name\\0value\\0 ... \\0`` pairs (user, database, options, ...)."""
    parts = body.split(b"\0")
    return {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2) if parts[i]}


async def read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One typed message: (type byte, body)."""
    head = await reader.readexactly(5)
    kind, length = head[:1], struct.unpack("!i", head[1:])[0]
    if length < 4 or length > MAX_MESSAGE:
        raise ProtocolViolation(f"invalid message length {length} for message type {kind!r}")
    return kind, await reader.readexactly(length - 4)


class Reader:
    """Fields of one message body, in order."""

    def __init__(self, body: bytes):
        self.body, self.pos = body, 0

    def cstring(self) -> str:
        end = self.body.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("unterminated string in message")
        text = self.body[self.pos:end].decode("utf-8")
        self.pos = end + 1
        return text

    def int16(self) -> int:
        (value,) = struct.unpack_from("!h", self.body, self.pos)
        self.pos += 2
        return value

    def int32(self) -> int:
        (value,) = struct.unpack_from("!i", self.body, self.pos)
        self.pos += 4
        return value

    def bytes(self, n: int) -> bytes:
        if self.pos + n > len(self.body):
            raise ProtocolViolation("message shorter than its fields")
        out = self.body[self.pos:self.pos + n]
        self.pos += n
        return out

    def byte(self) -> bytes:
        return self.bytes(1)


def message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def cstr(text: str) -> bytes:
    return text.encode("utf-8") + b"\0"


def authentication(code: int, data: bytes = b"") -> bytes:
    """AuthenticationOk (0), CleartextPassword (3), MD5Password (5, salt), SASL (10, mechanisms),
    SASLContinue (11), SASLFinal (12)."""
    return message(b"R", struct.pack("!i", code) + data)


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", cstr(name) + cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return message(b"K", struct.pack("!ii", pid, secret))


def ready_for_query(status: str) -> bytes:
    """``status``: I (idle), T (in a transaction), E (in a failed transaction)."""
    return message(b"Z", status.encode())


def command_complete(tag: str) -> bytes:
    return message(b"C", cstr(tag))


def error_response(fields: dict[str, str], notice: bool = False) -> bytes:
    """ErrorResponse (or NoticeResponse): single-letter field codes (S severity, C SQLSTATE,
    M message, D detail, H hint, P position) to values."""
    body = b"".join(code.encode() + cstr(value) for code, value in fields.items() if value is not None) + b"\0"
    return message(b"N" if notice else b"E", body)


def parameter_description(oids: list[int]) -> bytes:
    return message(b"t", struct.pack(f"!h{len(oids)}i", len(oids), *oids))


def row_description(fields: list[tuple[str, int, int, int, int]]) -> bytes:
    """Fields as (name, type oid, type size, type modifier, format code)."""
    body = [struct.pack("!h", len(fields))]
    for name, oid, size, typmod, fmt in fields:
        body.append(cstr(name) + struct.pack("!ihihih", 0, 0, oid, size, typmod, fmt))
    return message(b"T", b"".join(body))


PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
PORTAL_SUSPENDED = message(b"s")
EMPTY_QUERY = message(b"I")
SSL_REFUSED = b"N"

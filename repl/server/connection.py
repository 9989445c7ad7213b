"""The protocol state machine of one connection: startup and authentication, then simple and
extended queries, each statement run in a worker thread so the event loop keeps serving the other
clients (and cancel requests) meanwhile.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
from concurrent.futures import Executor
from typing import Any

from repl.server import auth, sqlstate, wire
from repl.server.params import decode, sample
from repl.server.session import (
    REPORTED, FailedTransaction, FileAccessRefused, Outcome, Portal, QueryCanceled, Session, Shared, UnknownSetting,
)
from repl.server.types import encode_column, data_rows, pg_type, type_modifier
from repl.server.wire import ProtocolViolation

ROWS_PER_BATCH = 50_000  # DataRows encoded and written at a time: bounded memory, steady writes


def _fields(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, QueryCanceled):
        return sqlstate.error_fields(exc, sqlstate.QUERY_CANCELED)
    if isinstance(exc, UnknownSetting):
        return sqlstate.error_fields(exc, "42704")
    if isinstance(exc, FileAccessRefused):
        return sqlstate.error_fields(exc, "42501")  # insufficient_privilege
    if isinstance(exc, FailedTransaction):
        return sqlstate.error_fields(exc, "25P02")
    if isinstance(exc, ProtocolViolation):
        return sqlstate.error_fields(exc, sqlstate.PROTOCOL_VIOLATION)
    return sqlstate.error_fields(exc)


class Connection:
    def __init__(self, shared: Shared, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, executor: Executor):
        self.shared, self.reader, self.writer, self.executor = shared, reader, writer, executor
        self.session: Session | None = None
        self.key: tuple[int, int] | None = None

    async def _call(self, fn, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    # -- startup ------------------------------------------------------------------------------------
    async def serve(self) -> None:
        try:
            if await self._startup():
                await self._messages()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        except ProtocolViolation as exc:
            try:
                self.send(wire.error_response({"S": "FATAL", "V": "FATAL", "C": sqlstate.PROTOCOL_VIOLATION, "M": str(exc)}))
                await self.writer.drain()
            except ConnectionError:
                pass
        finally:
            if self.session is not None:  # a query still running for a client that left stops at its next task
                self.session.cancelled.set()
            if self.key is not None:
                with self.shared.lock:
                    self.shared.sessions.pop(self.key[0], None)
            try:
                self.writer.close()
            except Exception:
                pass

    async def _startup(self) -> bool:
        while True:
            code, body = await wire.read_startup(self.reader)
            if code in (wire.SSL_REQUEST, wire.GSSENC_REQUEST):
                self.send(wire.SSL_REFUSED)  # no encryption offered: the client goes on in plain text or gives up
                await self.writer.drain()
                continue
            if code == wire.CANCEL_REQUEST:
                pid, secret = struct.unpack("!ii", body[:8])
                with self.shared.lock:
                    entry = self.shared.sessions.get(pid)
                if entry is not None and entry[0] == secret:
                    entry[1].cancelled.set()
                return False
            if code >> 16 != 3:
                raise ProtocolViolation(f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: the server speaks 3.0")
            break
        params = wire.startup_parameters(body)
        user = params.get("user", "")
        if not await self._authenticate(user):
            return False
        self.session = Session(self.shared, user, params)
        pid, secret = secrets.randbelow(2**31 - 1) + 1, secrets.randbelow(2**31 - 1)
        with self.shared.lock:
            while pid in self.shared.sessions:
                pid = secrets.randbelow(2**31 - 1) + 1
            self.shared.sessions[pid] = (secret, self.session)
        self.key = (pid, secret)
        self.send(wire.authentication(0))
        for name in REPORTED:
            self.send(wire.parameter_status(name, self.session.settings.get(name, "")))
        self.send(wire.backend_key_data(pid, secret))
        self.send(wire.ready_for_query("I"))
        await self.writer.drain()
        return True

    async def _refuse(self, user: str) -> bool:
        self.send(wire.error_response({"S": "FATAL", "V": "FATAL", "C": sqlstate.INVALID_PASSWORD,
                                       "M": f'password authentication failed for user "{user}"'}))
        await self.writer.drain()
        return False

    async def _password_message(self) -> bytes:
        kind, body = await wire.read_message(self.reader)
        if kind != b"p":
            raise ProtocolViolation(f"expected a password message, got {kind!r}")
        return body

    async def _authenticate(self, user: str) -> bool:
        password = self.shared.password
        if password is None:
            return True
        if self.shared.auth == "md5":
            salt = auth.md5_salt()
            self.send(wire.authentication(5, salt))
            await self.writer.drain()
            answer = (await self._password_message()).rstrip(b"\0").decode("utf-8", "replace")
            return auth.md5_ok(password, user, salt, answer) or await self._refuse(user)
        self.send(wire.authentication(10, b"SCRAM-SHA-256\0\0"))
        await self.writer.drain()
        first = wire.Reader(await self._password_message())
        mechanism = first.cstring()
        if mechanism != "SCRAM-SHA-256":
            raise ProtocolViolation(f"unsupported SASL mechanism {mechanism!r}")
        length = first.int32()
        scram = auth.Scram(password)
        try:
            self.send(wire.authentication(11, scram.first(first.bytes(length).decode()).encode()))
            await self.writer.drain()
            final = scram.final((await self._password_message()).decode())
        except auth.AuthError:
            return await self._refuse(user)
        self.send(wire.authentication(12, final.encode()))
        return True

    # -- messages -------------------------------------------------------------------------------------
    async def _messages(self) -> None:
        skipping = False  # after an error in the extended protocol, until Sync
        while True:
            kind, body = await wire.read_message(self.reader)
            if kind == b"X":
                return
            if kind == b"Q":
                await self._simple(wire.Reader(body).cstring())
                continue
            if kind == b"S":
                skipping = False
                self.send(wire.ready_for_query(self.session.transaction))
                await self.writer.drain()
                continue
            if kind == b"H":
                await self.writer.drain()
                continue
            if skipping:
                continue
            try:
                await self._extended(kind, wire.Reader(body))
            except (asyncio.IncompleteReadError, ConnectionError):
                raise
            except Exception as exc:
                self._error(exc)
                skipping = True
            await self.writer.drain()

    def _error(self, exc: BaseException) -> None:
        if self.session.transaction == "T":
            self.session.transaction = "E"
        self.send(wire.error_response(_fields(exc)))

    def _report_changes(self) -> None:
        for name in self.session.changed:
            self.send(wire.parameter_status(name, self.session.settings.get(name, "")))
        self.session.changed.clear()

    async def _simple(self, text: str) -> None:
        statements = await self._call(self.session.simple, text)
        if not statements:
            self.send(wire.EMPTY_QUERY)
        for _, prepared in statements:
            try:
                if isinstance(prepared, Exception):
                    raise prepared
                portal = Portal(prepared, [], [0])
                outcome = await self._call(self.session.run, portal)
                if outcome.table is not None:
                    self.send(self._row_description(outcome.table.schema, [0]))
                await self._send_rows(portal, 0)
                self._report_changes()
            except (asyncio.IncompleteReadError, ConnectionError):
                raise
            except Exception as exc:
                self._error(exc)
                break
        self.send(wire.ready_for_query(self.session.transaction))
        await self.writer.drain()

    async def _extended(self, kind: bytes, r: wire.Reader) -> None:
        s = self.session
        if kind == b"P":
            name, text = r.cstring(), r.cstring()
            oids = [r.int32() for _ in range(r.int16())]
            s.statements[name] = await self._call(s.prepare, text, oids)
            self.send(wire.PARSE_COMPLETE)
        elif kind == b"B":
            portal_name, statement = r.cstring(), r.cstring()
            formats = [r.int16() for _ in range(r.int16())]
            raw = []
            for _ in range(r.int16()):
                n = r.int32()
                raw.append(None if n < 0 else r.bytes(n))
            result_formats = [r.int16() for _ in range(r.int16())]
            prepared = self._statement(statement)
            types = s.parameter_types(prepared)
            if len(raw) != len(types):
                raise ProtocolViolation(f"bind message supplies {len(raw)} parameters, but the statement requires {len(types)}")
            values = [decode(types[i], v, (formats[i] if len(formats) > 1 else (formats[0] if formats else 0)) == 1)
                      for i, v in enumerate(raw)]
            s.portals[portal_name] = Portal(prepared, values, result_formats or [0])
            self.send(wire.BIND_COMPLETE)
        elif kind == b"D":
            what, name = r.byte(), r.cstring()
            if what == b"S":
                prepared = self._statement(name)
                types = s.parameter_types(prepared)
                self.send(wire.parameter_description(types))
                schema = await self._call(s.describe, Portal(prepared, [sample(t) for t in types], [0]))
                self.send(self._row_description(schema, [0]) if schema is not None else wire.NO_DATA)
            else:
                portal = self._portal(name)
                schema = await self._call(s.describe, portal)
                self.send(self._row_description(schema, portal.result_formats) if schema is not None else wire.NO_DATA)
        elif kind == b"E":
            portal = self._portal(r.cstring())
            max_rows = r.int32()
            await self._call(s.run, portal)
            await self._send_rows(portal, max_rows)
            self._report_changes()
        elif kind == b"C":
            what, name = r.byte(), r.cstring()
            (s.statements if what == b"S" else s.portals).pop(name, None)
            self.send(wire.CLOSE_COMPLETE)
        else:
            raise ProtocolViolation(f"unknown message type {kind!r}")

    def _statement(self, name: str):
        if name not in self.session.statements:
            raise ProtocolViolation(f'prepared statement "{name}" does not exist')
        return self.session.statements[name]

    def _portal(self, name: str) -> Portal:
        if name not in self.session.portals:
            raise ProtocolViolation(f'portal "{name}" does not exist')
        return self.session.portals[name]

    @staticmethod
    def _format(formats: list[int], i: int) -> int:
        return formats[i] if len(formats) > 1 else (formats[0] if formats else 0)

    def _row_description(self, schema, formats: list[int]) -> bytes:
        fields = []
        for i, f in enumerate(schema):
            t = pg_type(f.type)
            fields.append((f.name, t.oid, t.size, type_modifier(f.type), self._format(formats, i)))
        return wire.row_description(fields)

    async def _send_rows(self, portal: Portal, max_rows: int) -> None:
        """Rows from where the portal stopped: all, or ``max_rows`` then PortalSuspended."""
        outcome: Outcome = portal.outcome
        table = outcome.table
        if table is None:
            self.send(wire.command_complete(outcome.tag) if outcome.tag else wire.EMPTY_QUERY)
            return
        end = table.num_rows if max_rows <= 0 else min(table.num_rows, portal.offset + max_rows)
        binary = [self._format(portal.result_formats, i) == 1 for i in range(table.num_columns)]
        while portal.offset < end:
            stop = min(end, portal.offset + ROWS_PER_BATCH)
            chunk = table.slice(portal.offset, stop - portal.offset)
            self.send(await self._call(_encode, chunk, binary))
            portal.offset = stop
            await self.writer.drain()
            if self.session.cancelled.is_set():
                raise QueryCanceled("canceling statement due to user request")
        if portal.offset < table.num_rows:
            self.send(wire.PORTAL_SUSPENDED)
        else:
            self.send(wire.command_complete(outcome.tag if not outcome.tag.startswith("SELECT") else f"SELECT {table.num_rows}"))


def _encode(chunk, binary: list[bool]) -> bytes:
    return data_rows([encode_column(chunk.column(i), binary[i]) for i in range(chunk.num_columns)], chunk.num_rows)

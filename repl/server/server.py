"""The listening socket: an asyncio server whose connections each get a ``Connection``; statements
run on a thread pool so a long query never blocks other clients or their cancel requests."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlengine
from frames.errors import InvalidArgumentError
from repl.server.connection import Connection
from repl.server.session import Shared

AUTH_METHODS = ("scram-sha-256", "md5")


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: loopback only if every address it resolves to is
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False
        return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def check_address(host: str, password: str | None) -> None:
    """Refuse to listen beyond this machine without a password: anyone who can reach the port
    could read every registered table."""
    if not is_loopback(host) and not password:
        raise InvalidArgumentError(f"--host {host} is not a loopback address: serving it needs --password "
                                   "(clients then authenticate with SCRAM-SHA-256)")


class Server:
    """A server over ``ctx``'s catalog (clients may not touch the server's files unless
    ``allow_files``). ``start()`` runs it on a background thread (tests,
    benchmarks) and returns the port; ``run()`` serves in the calling thread until interrupted."""

    def __init__(self, ctx: sqlengine.Context, host: str = "127.0.0.1", port: int = 5432,
                 password: str | None = None, auth: str = "scram-sha-256", workers: int = 16, allow_files: bool = False):
        check_address(host, password)
        if auth not in AUTH_METHODS:
            raise InvalidArgumentError(f"unknown authentication method {auth!r}; expected one of {', '.join(AUTH_METHODS)}")
        self.host, self.port = host, port
        self.shared = Shared(ctx, password, auth, allow_files)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sqlengine-pg")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task] = set()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await Connection(self.shared, reader, writer, self.executor).serve()
        finally:
            self._connections.discard(task)

    async def _open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._client, self.host, self.port, limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _main(self, ready: threading.Event | None = None) -> None:
        await self._open()
        if ready is not None:
            ready.set()
        async with self._server:
            try:
                await self._server.serve_forever()
            except asyncio.CancelledError:
                pass

    def run(self, on_ready=None) -> None:
        """Serve until Ctrl-C; ``on_ready(port)`` is called once the socket listens."""
        async def main():
            await self._open()
            if on_ready is not None:
                on_ready(self.port)
            async with self._server:
                await self._server.serve_forever()

        try:
            asyncio.run(main())
        finally:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def start(self) -> int:
        ready = threading.Event()
        failure: list[BaseException] = []

        def target():
            try:
                asyncio.run(self._main(ready))
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()

        self._thread = threading.Thread(target=target, name="sqlengine-pg-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self.port

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            def close():
                self._server.close()
                for task in list(self._connections):
                    task.cancel()
                for task in asyncio.all_tasks(self._loop):
                    if task is not asyncio.current_task():
                        task.cancel()
            self._loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(5)
        self.executor.shutdown(wait=False, cancel_futures=True)

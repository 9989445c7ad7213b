"""The dashboard's web server: a small Starlette app run by uvicorn in a thread of its own.

``/`` is the page, ``/static/...`` its script and style (shipped in the package: nothing comes from
elsewhere, so it works offline), ``/events`` a server-sent-events stream that pushes one JSON
snapshot per tick, and ``/api/snapshot`` the same snapshot once (for scripts and tests). A
snapshot is built once per tick for every browser (``Snapshots``); a browser gets the task bars
added since the last ones it was sent. Nothing is computed while no browser is connected.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from importlib import resources
from typing import Any, Callable

from exec.errors import ConfigError

DEFAULT_PORT = 8787  # Dask's


def parse_address(address: Any) -> tuple[str, int, bool]:
    """``(host, port, exact)`` of a dashboard address: ``True`` (127.0.0.1:8787, or any free port
    when that one is taken), a port number (0: any free port), ``":port"`` or ``"host:port"``."""
    if address is True:
        return "127.0.0.1", DEFAULT_PORT, False
    if isinstance(address, int) and not isinstance(address, bool):
        host, port = "127.0.0.1", address
    elif isinstance(address, str):
        host, _, port_text = address.rpartition(":") if ":" in address else ("", "", address)
        host = host.strip("[]") or "127.0.0.1"
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"dashboard address {address!r}: the port must be a number (like ':8787' or '127.0.0.1:0')") from None
    else:
        raise ConfigError(f"dashboard address must be True, a port or 'host:port', not {address!r}")
    if not 0 <= port <= 65535:
        raise ConfigError(f"dashboard address {address!r}: port {port} is not between 0 and 65535")
    return host, port, True


def bind(address: Any) -> socket.socket:
    """A listening socket at ``address`` (a clear error when it is taken)."""
    host, port, exact = parse_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        if exact:
            sock.close()
            raise ConfigError(f"the dashboard cannot listen on {host}:{port}: {exc.strerror}; "
                              "give another port (0: any free one)") from None
        sock.bind((host, 0))  # the default port is taken (another dashboard): any free one, as Dask does
    sock.listen(64)
    sock.setblocking(False)
    return sock


class Snapshots:
    """The numbers every panel shows, built at most once per ``interval`` for all browsers."""

    def __init__(self, build: Callable[[], dict], interval: float):
        self.build = build
        self.interval = interval
        self._cached: dict | None = None
        self._when = 0.0
        self._lock = threading.Lock()

    def current(self) -> dict:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._when >= self.interval * 0.9:
                self._cached = self.build()
                self._when = now
            return self._cached


class DashboardServer:
    """Serves the page for ``snapshot()`` (a dict of the panels' data) and ``bars_after(seq)``."""

    def __init__(self, snapshot: Callable[[], dict], bars_after: Callable[[int], list], address: Any = True,
                 interval: float = 0.5):
        self.snapshots = Snapshots(snapshot, interval)
        self.bars_after = bars_after
        self.interval = interval
        self.requests: list[tuple[str, str]] = []  # (client address, path): the access log, for tests
        self._sock = bind(address)
        host, port = self._sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self.link = f"http://{shown}:{port}/status"
        self._stopping = False
        self._server: Any = None
        self._thread = threading.Thread(target=self._run, name="dashboard-server", daemon=True)
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._thread.start()
        self._started.wait(10)
        if self._failure is not None:
            self._sock.close()
            raise ConfigError(f"the dashboard could not start: {type(self._failure).__name__}: {self._failure}") from self._failure

    # -- the app -------------------------------------------------------------------------------
    def _app(self):
        from starlette.applications import Starlette
        from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
        from starlette.routing import Route

        static = resources.files("exec.diagnostics.dashboard") / "static"
        files = {name: (static / name).read_bytes() for name in ("index.html", "dashboard.js", "dashboard.css")}
        types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}

        async def page(request):
            return HTMLResponse(files["index.html"])

        async def asset(request):
            name = request.path_params["name"]
            if name not in files or name == "index.html":
                return Response("not found", status_code=404, media_type="text/plain")
            return Response(files[name], media_type=types[name.rsplit(".", 1)[1]],
                            headers={"Cache-Control": "no-cache"})

        async def snapshot(request):
            after = int(request.query_params.get("after", "0") or 0)
            return JSONResponse(self._message(after)[1])

        async def events(request):
            async def stream():
                seq = 0
                yield f"retry: {int(self.interval * 2000)}\n\n"
                while not self._stopping:
                    seq, data = await asyncio.get_running_loop().run_in_executor(None, self._message, seq)
                    yield "data: " + json.dumps(data, separators=(",", ":"), default=str) + "\n\n"
                    if await request.is_disconnected():
                        break
                    await asyncio.sleep(self.interval)

            return StreamingResponse(stream(), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

        async def home(request):
            return RedirectResponse("/status")

        async def log_requests(scope, receive, send):
            if scope["type"] == "http":
                client = scope.get("client") or ("", 0)
                self.requests.append((client[0], scope["path"]))
                del self.requests[:-1000]
            await app(scope, receive, send)

        app = Starlette(routes=[Route("/", home), Route("/status", page), Route("/static/{name}", asset),
                                Route("/events", events), Route("/api/snapshot", snapshot)])
        return log_requests

    def _message(self, seq: int) -> tuple[int, dict]:
        """The snapshot plus the bars after ``seq`` (the newest 5,000 at most)."""
        data = dict(self.snapshots.current())
        bars = self.bars_after(seq)[-5000:]
        data["bars"] = bars
        return (bars[-1][0] if bars else seq), data

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            import uvicorn

            config = uvicorn.Config(self._app(), log_level="warning", access_log=False, lifespan="off",
                                    timeout_graceful_shutdown=1)
            self._server = uvicorn.Server(config)
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by __init__ when it happens while starting
            self._failure = exc
        finally:
            self._started.set()
            loop.close()

    async def _serve(self) -> None:
        self._started.set()
        await self._server.serve(sockets=[self._sock])

    def stop(self) -> None:
        """Stop serving (open pages show the dashboard is gone); waits up to 3 s."""
        self._stopping = True
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(3)
        self._sock.close()

"""Headless Chromium driven over the Chrome DevTools Protocol (aiohttp's websocket client), for
the dashboard's tests: load a page, read values from it, record every URL the page fetched, take
a screenshot. Debian's ``chromium`` (installed by .ci/run); tests skip without it."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--window-size=1280,1100",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """``async with Browser() as b: await b.open(url); await b.eval("1+1")``."""

    def __init__(self) -> None:
        self.requests: list[str] = []  # every URL the page asked for (Network.requestWillBeSent)
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}

    async def __aenter__(self) -> "Browser":
        import aiohttp

        self._profile = tempfile.mkdtemp(prefix="dash-chromium-")
        # a session of its own: its helper processes (renderer, crash handler) are stopped with it
        self._proc = subprocess.Popen([chromium_path(), *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                      start_new_session=True)
        endpoint = await asyncio.get_running_loop().run_in_executor(None, self._devtools_endpoint)
        port = re.match(r"ws://[^:]+:(\d+)/", endpoint).group(1)
        self._http = aiohttp.ClientSession()
        for _ in range(100):
            async with self._http.get(f"http://127.0.0.1:{port}/json/list") as r:
                pages = [t for t in await r.json() if t["type"] == "page"]
            if pages:
                break
            await asyncio.sleep(0.1)
        self._ws = await self._http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.ensure_future(self._read())
        await self.send("Network.enable")
        await self.send("Page.enable")
        return self

    def _devtools_endpoint(self) -> str:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        raise RuntimeError("chromium did not start its DevTools endpoint:\n" + "".join(lines[-20:]))

    async def _read(self) -> None:
        async for msg in self._ws:
            data = json.loads(msg.data)
            if "id" in data:
                fut = self._waiting.pop(data["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(data)
            elif data.get("method") == "Network.requestWillBeSent":
                self.requests.append(data["params"]["request"]["url"])

    async def send(self, method: str, **params: Any) -> dict:
        i = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._waiting[i] = fut
        await self._ws.send_str(json.dumps({"id": i, "method": method, "params": params}))
        reply = await asyncio.wait_for(fut, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def eval(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.eval(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never made {expression!r} true")
            await asyncio.sleep(0.1)

    async def screenshot(self, path: str) -> None:
        """A PNG of the whole page, as tall as its content."""
        width, height = await self.eval("[document.documentElement.clientWidth, "
                                        "Math.ceil(document.body.getBoundingClientRect().height)]")
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        data = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self._ws.close()
            self._reader.cancel()
            await self._http.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc.stderr.close()
            _remove_profile(self._proc.pid, self._profile)


def _remove_profile(group: int, profile: str) -> None:
    """Remove Chromium's profile directory once nothing of it writes there: the browser's helper
    processes outlive its main one by a moment, and a CI run failed removing the profile while one
    still wrote into it ("Directory not empty: 'Default'")."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(50):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(profile, ignore_errors=True)

"""Write the README's dashboard picture: ``python -m tests.dashboard.make_screenshot docs/dashboard.png``.

A local Client with two worker processes runs a few task groups (one task failing) and a SQL
query while headless Chromium shows its dashboard; the screenshot is taken mid-run, at 1280 px
wide, then shrunk to half size when ImageMagick's ``convert`` is there."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time

import frames
from tests.dashboard.browser import Browser


def load(x):
    time.sleep(0.03)
    return list(range(1000))


def parse(xs):
    time.sleep(0.02)
    return sum(xs)


def fail(x):
    raise ValueError("on purpose")


def work(client, stop):
    try:
        client.submit(fail, 0).exception()
    except Exception:
        pass
    while not stop.is_set():
        parsed = [client.submit(parse, f) for f in client.map(load, range(40), pure=False)]
        client.gather(parsed)
    try:
        import sqlengine

        ctx = sqlengine.Context()
        ctx.sql("SELECT x % 7 AS k, count(*) AS n FROM range(100000) t(x) GROUP BY k ORDER BY k").compute()
    except Exception:
        pass


async def shoot(link, path):
    async with Browser() as b:
        await b.open(link)
        await b.wait_for("Number(document.getElementById('progress-done').textContent) > 150", 60)
        await asyncio.sleep(1.5)
        await b.screenshot(path)


def main(path):
    with frames.Client(n_workers=2, dashboard_address=0) as client:
        stop = threading.Event()
        t = threading.Thread(target=work, args=(client, stop))
        t.start()
        try:
            asyncio.run(shoot(client.dashboard_link, path))
        finally:
            stop.set()
            t.join()
    if shutil.which("convert"):
        subprocess.run(["convert", path, "-resize", "50%", "-strip", "-colors", "64", path], check=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dashboard.png")

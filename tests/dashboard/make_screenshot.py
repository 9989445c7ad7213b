"""Write the README's dashboard picture: ``python -m tests.dashboard.make_screenshot docs/dashboard.png``.

A local Client with two worker processes runs a few task groups (one task failing) and a SQL
query while headless Chromium shows its dashboard; the screenshot is taken mid-run, 1280 px wide
and as tall as the page."""

from __future__ import annotations

import asyncio
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
    import sqlengine

    ctx = sqlengine.Context()
    client.submit(fail, 0).exception()
    while not stop.is_set():
        parsed = [client.submit(parse, f) for f in client.map(load, range(40), pure=False)]
        client.gather(parsed)
        ctx.sql("SELECT x % 7 AS k, count(*) AS n FROM range(100000) t(x) GROUP BY k ORDER BY k").compute()


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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dashboard.png")

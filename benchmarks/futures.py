"""Per-task overhead of futures: ours (``frames.Client``) against ``distributed.Client()``, locally.

Run: ``python -m benchmarks.futures``; writes ``benchmarks/results/futures.md``.

Two workloads of ``N`` tasks that do nothing (``inc``), so the time is all overhead:

- *submit*: ``N`` calls of ``client.submit(inc, i)`` then ``client.gather`` of all the futures;
- *as_completed*: ``client.map(inc, range(N))`` then ``for f, value in as_completed(futures,
  with_results=True)`` (the form that lets distributed fetch results in batches: its
  ``f.result()`` is a round trip to the scheduler each).

Each Client is started before the clock runs and warmed up with a first round of 100 tasks; the
best of ``ROUNDS`` rounds is reported (one for distributed, whose rounds are slow), all in the same
run: ours with worker processes (the default) and with threads, Dask's ``distributed.Client()``
with its defaults (worker processes, a nanny each). Every round checks the sum of the results.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.common import publish

N = 10_000
ROUNDS = 2  # best of, for ours
DASK_ROUNDS = 1  # distributed's rounds take minutes on a loaded 2-core machine
RESULTS = Path(__file__).parent / "results" / "futures.md"


def inc(x: int) -> int:
    return x + 1


def submit_round(client, n: int) -> tuple[float, float]:
    """(seconds for the ``submit`` calls alone, seconds until every result is gathered)."""
    t0 = time.perf_counter()
    fs = [client.submit(inc, i) for i in range(n)]
    t1 = time.perf_counter()
    values = client.gather(fs)
    t2 = time.perf_counter()
    assert sum(values) == n * (n + 1) // 2, "wrong results"
    return t1 - t0, t2 - t0


class _Shifted:
    """The client with every input shifted by ``offset`` and the results shifted back: each round
    submits fresh calls (pure calls already made would be found, not run)."""

    def __init__(self, client, offset: int):
        self.client, self.offset = client, offset

    def submit(self, fn, i):
        return self.client.submit(fn, i + self.offset)

    def gather(self, fs):
        return [v - self.offset for v in self.client.gather(fs)]


def as_completed_round(client, as_completed, n: int, offset: int) -> float:
    t0 = time.perf_counter()
    total = 0
    for _, value in as_completed(client.map(inc, range(offset, offset + n)), with_results=True):
        total += value
    assert total == sum(range(offset + 1, offset + n + 1)), "wrong results"
    return time.perf_counter() - t0


def measure(client, as_completed, rounds: int) -> dict:
    submit_round(client, 100)
    as_completed_round(client, as_completed, 100, -1000)
    calls, totals, loops = [], [], []
    for r in range(1, rounds + 1):
        c, t = submit_round(_Shifted(client, r * 10 * N), N)
        calls.append(c)
        totals.append(t)
        loops.append(as_completed_round(client, as_completed, N, r * 10 * N + 5 * N))
    result = {"submit_calls": min(calls), "submit_total": min(totals), "as_completed": min(loops)}
    print(client, {k: f"{v / N * 1e6:.1f} us/task" for k, v in result.items()}, flush=True)
    return result


def main() -> int:
    global N
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N, help="tasks per round (default %(default)s)")
    N = parser.parse_args().n
    import frames
    from frames.futures import as_completed as ours_as_completed

    rows: list[tuple[str, dict]] = []
    failed: list[str] = []
    with frames.Client(set_as_default=False) as c:
        rows.append((f"frames.Client() ({c.cluster.n_workers} worker processes)", measure(c, ours_as_completed, ROUNDS)))
    with frames.Client(processes=False, set_as_default=False) as c:
        rows.append((f"frames.Client(processes=False) ({c.cluster.nthreads} threads)", measure(c, ours_as_completed, ROUNDS)))
    try:
        import distributed
    except ImportError:
        distributed = None
    if distributed is not None:
        import logging

        logging.getLogger("distributed").setLevel(logging.ERROR)
        name = "distributed.Client()"
        try:
            with distributed.Client(dashboard_address=":0") as c:
                name = f"distributed.Client() ({len(c.scheduler_info()['workers'])} worker processes)"
                rows.append((name, measure(c, distributed.as_completed, DASK_ROUNDS)))
        except Exception as exc:  # on an overloaded machine its connections can time out
            failed.append(f"{name} did not finish: {type(exc).__name__}: {exc}")

    lines = [
        "# Futures: per-task overhead, ours against distributed, locally",
        "",
        f"`python -m benchmarks.futures` on {os.cpu_count()} cores, {N:,} tasks doing nothing (`inc`), "
        f"best of {ROUNDS} rounds for ours and {DASK_ROUNDS} for distributed, after a warm-up, every Client "
        "started before timing. µs per task:",
        "",
        "| client | submit calls | submit + gather | map + as_completed loop |",
        "|---|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(f"| {name} | {r['submit_calls'] / N * 1e6:.1f} | {r['submit_total'] / N * 1e6:.1f} | "
                     f"{r['as_completed'] / N * 1e6:.1f} |")
    lines += [f"| {f} | | | |" for f in failed]
    if len(rows) > 2:
        ours = rows[0][1]
        theirs = rows[2][1]
        lines += ["", "Ratios, distributed.Client() / frames.Client() (both with worker processes): "
                  f"submit + gather {theirs['submit_total'] / ours['submit_total']:.1f}x, "
                  f"as_completed loop {theirs['as_completed'] / ours['as_completed']:.1f}x "
                  "(the target was at least 10x)."]
    publish(RESULTS, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

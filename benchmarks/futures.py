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
Each peer runs in a child process of its own (``--peer``), killed after ``--timeout`` seconds: a
peer that hangs or fails under load is reported in the table with why, and the others still run;
distributed's connection timeouts are raised to 300 s, as its defaults fail on a loaded machine.
The load average at the start and the end is written with the table.
"""

from __future__ import annotations

import os
import sys
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
    print(client, {k: f"{v / N * 1e6:.1f} us/task" for k, v in result.items()}, file=sys.stderr, flush=True)
    return result


PEERS = {
    "ours-processes": "frames.Client() ({n} worker processes)",
    "ours-threads": "frames.Client(processes=False) ({n} threads)",
    "distributed": "distributed.Client() ({n} worker processes)",
}
TIMEOUT = 1200  # seconds one peer may take before it is reported as not finishing


def run_peer(peer: str, n: int) -> dict:
    """Measure one peer in this process: ``{"workers": ..., "submit_calls": ..., ...}``."""
    global N
    N = n
    if peer == "distributed":
        import logging

        import dask
        import distributed

        logging.getLogger("distributed").setLevel(logging.ERROR)
        # a loaded machine makes the default 30 s connection timeouts fail the run
        with dask.config.set({"distributed.comm.timeouts.connect": "300s", "distributed.comm.timeouts.tcp": "300s"}):
            with distributed.Client(dashboard_address=":0") as c:
                workers = len(c.scheduler_info()["workers"])
                return {"workers": workers, **measure(c, distributed.as_completed, DASK_ROUNDS)}
    import frames
    from frames.futures import as_completed

    with frames.Client(processes=peer == "ours-processes", set_as_default=False) as c:
        workers = c.cluster.n_workers if peer == "ours-processes" else c.cluster.nthreads
        return {"workers": workers, **measure(c, as_completed, ROUNDS)}


def run_isolated(peer: str, n: int, timeout: float) -> dict:
    """``run_peer`` in a child process of its own (a peer that hangs or crashes under load is
    killed after ``timeout`` seconds and reported, and the others still run)."""
    import json
    import signal
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "benchmarks.futures", "--peer", peer, "--n", str(n)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parent.parent, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # with its workers
        proc.communicate()
        return {"error": f"did not finish within {timeout:.0f} s"}
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = err.strip().splitlines()[-1] if err.strip() else "no output"
        return {"error": f"exit {proc.returncode}: {last[:200]}"}
    return json.loads(lines[-1])


def main() -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N, help="tasks per round (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per peer (default %(default)s)")
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)  # a child's one measurement
    args = parser.parse_args()
    if args.peer:
        print(json.dumps(run_peer(args.peer, args.n)), flush=True)
        return 0
    n = args.n
    load = os.getloadavg()[0]
    peers = list(PEERS)
    try:
        import distributed  # noqa: F401
    except ImportError:
        peers.remove("distributed")
    reports = {peer: run_isolated(peer, n, args.timeout) for peer in peers}
    load_after = os.getloadavg()[0]

    lines = [
        "# Futures: per-task overhead, ours against distributed, locally",
        "",
        f"`python -m benchmarks.futures` on {os.cpu_count()} cores, {n:,} tasks doing nothing (`inc`), "
        f"best of {ROUNDS} rounds for ours and {DASK_ROUNDS} for distributed, after a warm-up, every Client "
        f"started before timing, each peer in a process of its own. Load average {load:.1f} at the start, "
        f"{load_after:.1f} at the end. µs per task:",
        "",
        "| client | submit calls | submit + gather | map + as_completed loop |",
        "|---|---:|---:|---:|",
    ]
    for peer, r in reports.items():
        name = PEERS[peer].format(n=r["workers"]) if "workers" in r else PEERS[peer].split(" (")[0]
        if "error" in r:
            lines.append(f"| {name}: {r['error']} | | | |")
        else:
            lines.append(f"| {name} | {r['submit_calls'] / n * 1e6:.1f} | {r['submit_total'] / n * 1e6:.1f} | "
                         f"{r['as_completed'] / n * 1e6:.1f} |")
    ours, theirs = reports.get("ours-processes", {}), reports.get("distributed", {})
    if "error" not in ours and theirs and "error" not in theirs:
        lines += ["", "Ratios, distributed.Client() / frames.Client() (both with worker processes): "
                  f"submit + gather {theirs['submit_total'] / ours['submit_total']:.1f}x, "
                  f"as_completed loop {theirs['as_completed'] / ours['as_completed']:.1f}x "
                  "(the target: at least 10x)."]
    publish(RESULTS, lines)
    return 0 if all("error" not in r for r in reports.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Per-task overhead: 20,000 tiny delayed calls summed by one more, frames vs dask, on threads.

Run: ``python -m benchmarks.bench_delayed``; writes ``benchmarks/results/delayed.md``.

The headline rows time the whole user-visible job (build the lazy objects, optimize, compute) with
``frames.delayed`` on the "threads" scheduler and ``dask.delayed`` on Dask's threaded scheduler,
best of 3 each, in the same process run, and check both give the same answer. Dask's time there is
dominated by building and optimizing the 20,000-argument ``delayed(sum)(parts)`` call, so two more
rows isolate the scheduler: the same graph as a plain dict run by ``exec.get`` and by
``dask.threaded.get``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import exec
import frames
from benchmarks.common import publish
from exec import Ref, Task

N = 20_000
RESULTS = Path(__file__).parent / "results" / "delayed.md"


def inc(x: int) -> int:
    return x + 1


def frames_delayed() -> int:
    d = frames.delayed(inc)
    return frames.delayed(sum)([d(i) for i in range(N)]).compute(scheduler="threads")


def dask_delayed() -> int:
    import dask

    d = dask.delayed(inc)
    return dask.delayed(sum)([d(i) for i in range(N)]).compute(scheduler="threads")


def exec_raw() -> int:
    g = {("inc", i): Task(inc, i) for i in range(N)}
    g["sum"] = Task(sum, [Ref(("inc", i)) for i in range(N)])
    return exec.get(g, "sum", scheduler="threads")


def dask_raw() -> int:
    import dask.threaded

    g = {("inc", i): (inc, i) for i in range(N)}
    g["sum"] = (sum, [("inc", i) for i in range(N)])
    return dask.threaded.get(g, "sum")


def best(fn) -> tuple[float, int]:
    times, value = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> int:
    expected = sum(i + 1 for i in range(N))
    try:
        import dask
    except ImportError:
        dask = None
    have_dask = dask is not None
    cases = [("frames.delayed, threads", frames_delayed, "dask.delayed, threaded", dask_delayed),
             ("exec.get on a dict graph, threads", exec_raw, "dask.threaded.get on a dict graph", dask_raw)]
    rows = []
    for ours_name, ours, theirs_name, theirs in cases:
        t_ours, v = best(ours)
        assert v == expected, (ours_name, v)
        rows.append((ours_name, t_ours, t_ours))
        if have_dask:
            t_theirs, v = best(theirs)
            assert v == expected, (theirs_name, v)
            rows.append((theirs_name, t_theirs, t_ours))
        print(f"{ours_name}: {t_ours:.3f} s" + (f"; {theirs_name}: {t_theirs:.3f} s" if have_dask else ""), flush=True)
    versions = f"Python {sys.version.split()[0]}"
    if have_dask:
        versions += f", dask {dask.__version__}"
    lines = [
        "# delayed per-task overhead",
        "",
        f"{N:,} tiny tasks (`inc(i)`) summed by one more task with {N:,} inputs; best of 3 each, same run;",
        f"{os.cpu_count()} cores; {versions}. Reproduce: `python -m benchmarks.bench_delayed`",
        "",
        "Rows 1-2 time the user-visible job (build the lazy calls, optimize, compute). Dask's time there is",
        "mostly building and optimizing the one 20,000-argument call, so rows 3-4 time only the schedulers,",
        "running the same plain dict graph.",
        "",
        "| engine | seconds | µs per task | time relative to ours |",
        "|---|---:|---:|---:|",
    ]
    for name, secs, ours in rows:
        lines.append(f"| {name} | {secs:.3f} | {secs / (N + 1) * 1e6:.1f} | {secs / ours:.1f}x |")
    publish(RESULTS, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

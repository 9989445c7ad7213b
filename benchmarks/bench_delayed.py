"""Per-task overhead: 20,000 tiny delayed calls summed by one more, frames vs dask, on threads.

Run: ``python -m benchmarks.bench_delayed``; writes ``benchmarks/results/delayed.md``.
Times include building the lazy objects and computing them, best of 3.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import frames

N = 20_000
RESULTS = Path(__file__).parent / "results" / "delayed.md"


def inc(x: int) -> int:
    return x + 1


def run_frames() -> int:
    d = frames.delayed(inc)
    return frames.delayed(sum)([d(i) for i in range(N)]).compute(scheduler="threads")


def run_dask() -> int:
    import dask

    d = dask.delayed(inc)
    return dask.delayed(sum)([d(i) for i in range(N)]).compute(scheduler="threads")


def best(fn) -> tuple[float, int]:
    times, value = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> int:
    expected = sum(i + 1 for i in range(N))
    rows = []
    t, v = best(run_frames)
    assert v == expected
    rows.append(("frames.delayed (threads)", t))
    try:
        t, v = best(run_dask)
        assert v == expected
        rows.append(("dask.delayed (threads)", t))
    except ImportError:
        pass
    lines = [
        "# delayed per-task overhead",
        "",
        f"{N:,} tiny `delayed` calls summed by one more; best of 3; {os.cpu_count()} cores; Python {sys.version.split()[0]}.",
        "Reproduce: `python -m benchmarks.bench_delayed`",
        "",
        "| engine | seconds | µs per task | ratio to frames |",
        "|---|---:|---:|---:|",
    ]
    base = rows[0][1]
    for name, secs in rows:
        lines.append(f"| {name} | {secs:.3f} | {secs / (N + 1) * 1e6:.1f} | {secs / base:.1f}x |")
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

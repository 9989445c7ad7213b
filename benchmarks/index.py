"""The index and divisions side by side with dask.dataframe; writes ``benchmarks/results/index.md``.

Run: ``python -m benchmarks.index [--rows N] [--partitions P] [--output FILE]``.

Both engines get the same pandas frame (``--rows`` random int64 keys in ``[0, rows / 4)``, a
float and a string column, ``--partitions`` partitions) and run, on the threads scheduler with
``os.cpu_count()`` workers, best of 3:

1. ``set_index("k")``: sampled boundaries, a range shuffle and a sort per range, computed to pandas.
2. ``.loc[a:b]`` of 1% of the key range on the indexed, persisted frame (divisions prune partitions).
3. ``join`` of two indexed, persisted frames with different divisions on their index (frames cuts
   both at the union of the divisions and joins partition by partition, as Dask does), then the sum
   of a column.

Answers are compared (rows, and sums within 1e-9 relative); a disagreement is marked in the table.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import publish

RESULTS = Path(__file__).parent / "results" / "index.md"
WORKERS = os.cpu_count() or 1


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _data(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"k": rng.integers(0, rows // 4, rows), "a": rng.random(rows),
                         "s": pd.array(rng.integers(0, 1000, rows).astype(str), dtype="str")})


def _engines(partitions: int):
    import dask
    import dask.dataframe as dd

    import frames

    dask.config.set(scheduler="threads", num_workers=WORKERS)
    return {
        "frames": (lambda pdf: frames.from_pandas(pdf, partitions, sort=False),
                   lambda obj: obj.compute(scheduler="threads", num_workers=WORKERS), lambda obj: obj.persist(scheduler="threads")),
        "dask": (lambda pdf: dd.from_pandas(pdf, npartitions=partitions, sort=False),
                 lambda obj: obj.compute(), lambda obj: obj.persist()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    left, right = _data(args.rows, 1), _data(args.rows // 2, 2).rename(columns={"a": "b", "s": "t"})
    lo, hi = args.rows // 8, args.rows // 8 + args.rows // 400
    times: dict[str, dict[str, float]] = {}
    answers: dict[str, dict[str, object]] = {}
    for name, (load, compute, persist) in _engines(args.partitions).items():
        times[name], answers[name] = {}, {}
        lf, rf = load(left), load(right)
        t, out = _best(lambda: compute(lf.set_index("k")))
        times[name]["set_index"], answers[name]["set_index"] = t, (len(out), round(float(out.a.sum()), 6))
        li, ri = persist(lf.set_index("k")), persist(rf.set_index("k", npartitions=max(1, args.partitions // 2)))
        t, out = _best(lambda: compute(li.loc[lo:hi]))
        times[name]["loc slice"], answers[name]["loc slice"] = t, (len(out), round(float(out.a.sum()), 6))
        t, out = _best(lambda: compute(li.join(ri, how="inner").b.sum()))
        times[name]["join on index"], answers[name]["join on index"] = t, (round(float(out), 6),)
    load = os.getloadavg()[0]
    lines = ["# Index and divisions: frames vs dask.dataframe", "",
             f"{args.rows:,} rows (join: with {args.rows // 2:,}), {args.partitions} partitions, threads scheduler, "
             f"{WORKERS} workers, best of 3; load average {load:.1f} when written (a shared machine: noisy).",
             "Command: `python -m benchmarks.index" + (f" --rows {args.rows}" if args.rows != 1_000_000 else "") + "`", "",
             "| operation | frames (s) | dask (s) | dask / frames | answers |", "|---|---|---|---|---|"]
    for op in times["frames"]:
        f, d = times["frames"][op], times["dask"][op]
        same = all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(answers["frames"][op], answers["dask"][op]))
        lines.append(f"| {op} | {f:.3f} | {d:.3f} | {d / f:.1f}x | {'agree' if same else 'DISAGREE'} |")
    publish(args.output, lines)


if __name__ == "__main__":
    main()

"""Interleaved A/B of two revisions of sqlengine on the TPC-H queries.

On a shared 2-core machine single runs of the 22 queries vary by about 20% from minute to minute, so
comparing two revisions run one after the other mostly measures the machine. This program checks
both revisions out side by side (``git worktree``), then alternates full runs of the queries, A, B,
A, B, ..., each in a fresh process, and reports every query's best time per revision and the totals
of those bests.

Run: ``python -m benchmarks.ab BASE [CANDIDATE] --rounds 3 --data /tmp/tpch/sf1`` (CANDIDATE
defaults to the working tree as it is, uncommitted changes included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.tpch import TABLES, statements

ROOT = Path(__file__).resolve().parents[1]


def _run_queries(repo: str, data: str, queries: list[int]) -> dict[str, float]:
    """In a child process: execution time of each query (planning included), threads scheduler."""
    sys.path.insert(0, repo)
    import exec as sx  # noqa: E402 - from the revision under test
    import sqlengine  # noqa: E402

    if not str(Path(sqlengine.__file__).resolve()).startswith(str(Path(repo).resolve())):
        raise SystemExit(f"imported sqlengine from {sqlengine.__file__}, not from {repo}")
    sx.config.set(scheduler="threads", num_workers=2)
    ctx = sqlengine.Context()
    for t in TABLES:
        ctx.register(t, f"{data}/{t}.parquet")
    times = {}
    for n in queries:
        t0 = time.perf_counter()
        ctx.sql(";".join(statements(n))).to_arrow()
        times[str(n)] = time.perf_counter() - t0
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="interleaved A/B of two revisions on TPC-H")
    ap.add_argument("base", help="git revision A")
    ap.add_argument("candidate", nargs="?", help="git revision B (default: the working tree)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data", required=True, help="directory with the TPC-H parquet files")
    ap.add_argument("--queries", default="1-22")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    lo, _, hi = args.queries.partition("-")
    queries = list(range(int(lo), int(hi or lo) + 1))
    if args.worker:
        print(json.dumps(_run_queries(args.worker, args.data, queries)))
        return 0

    with tempfile.TemporaryDirectory(prefix="sqlengine-ab-") as tmp:
        repos = {}
        for label, rev in (("A", args.base), ("B", args.candidate)):
            if rev is None:
                repos[label] = str(ROOT)
                continue
            path = Path(tmp) / label
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True)
            repos[label] = str(path)
        best: dict[str, dict[str, float]] = {"A": {}, "B": {}}
        try:
            for _ in range(args.rounds):
                for label in ("A", "B"):
                    out = subprocess.run([sys.executable, "-m", "benchmarks.ab", args.base, "--data", args.data, "--queries",
                                          args.queries, "--worker", repos[label]], cwd=ROOT, check=True, capture_output=True, text=True)
                    for q, t in json.loads(out.stdout.strip().splitlines()[-1]).items():
                        best[label][q] = min(t, best[label].get(q, float("inf")))
        finally:
            for label, rev in (("A", args.base), ("B", args.candidate)):
                if rev is not None:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", repos[label]], capture_output=True)
    print(f"| query | A ({args.base}) | B ({args.candidate or 'working tree'}) | B/A |")
    print("|---|---:|---:|---:|")
    for n in queries:
        a, b = best["A"][str(n)], best["B"][str(n)]
        print(f"| q{n} | {a:.3f} | {b:.3f} | {b / a:.2f} |")
    ta, tb = sum(best["A"].values()), sum(best["B"].values())
    print(f"| **total of bests** | **{ta:.2f}** | **{tb:.2f}** | **{tb / ta:.2f}** |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

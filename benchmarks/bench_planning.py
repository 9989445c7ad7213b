"""Planning time of the 22 TPC-H queries: parse, build and the optimizer rules, no execution.

Run: ``python -m benchmarks.bench_planning [--sf 0.01]``; writes ``benchmarks/results/planning.md``.

Each query's EXPLAIN is produced (q15's view created and dropped around it), warm once, then best
of 5 rounds over the 22. CPU time of the process (``time.process_time``: planning runs on a thread
of its own), so that a loaded machine changes the numbers less than wall time would; the rules'
share is timed by wrapping every rule of ``planner.rules.RULES``. To compare two revisions, run
this in each checkout alternately (``PYTHONPATH=<checkout>``) and compare the best.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from pathlib import Path

import planner.rules as rules
import sqlengine
from benchmarks.common import ensure_data, publish
from benchmarks.tpch import TABLES, statements

RESULTS = Path(__file__).parent / "results" / "planning.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=0.01)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = ensure_data(args.sf, None)
    spent = [0.0]

    def timed(rule):
        @functools.wraps(rule)
        def wrapper(plan, ctx):
            t0 = time.process_time()
            try:
                return rule(plan, ctx)
            finally:
                spent[0] += time.process_time() - t0
        return wrapper

    rules.RULES = tuple(timed(r) for r in rules.RULES)
    ctx = sqlengine.Context()
    for t in TABLES:
        ctx.register(t, str(data / f"{t}.parquet"))
    texts = [";\n".join(s for s in statements(n) if not s.strip().lower().startswith("drop")) for n in range(1, 23)]

    def plan_all() -> None:
        for text in texts:
            ctx.explain(text)
            if "create" in text.lower():
                ctx.sql("DROP VIEW IF EXISTS revenue0")

    plan_all()  # warm: imports, catalog footers
    best = best_rules = float("inf")
    for _ in range(args.rounds):
        spent[0] = 0.0
        t0 = time.process_time()
        plan_all()
        total = time.process_time() - t0
        if total < best:
            best, best_rules = total, spent[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    publish(RESULTS, [
        "# Planning time of the 22 TPC-H queries",
        "",
        f"`python -m benchmarks.bench_planning --sf {args.sf:g}`: EXPLAIN of each query (parse, build, rules), "
        f"best of {args.rounds} rounds, process CPU time; load average {load:.1f} on the shared machine.",
        "",
        "| what | seconds |",
        "|---|---|",
        f"| 22 queries, all of planning | {best:.3f} |",
        f"| of which the optimizer rules | {best_rules:.3f} |",
    ])


if __name__ == "__main__":
    main()

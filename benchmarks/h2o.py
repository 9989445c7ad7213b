"""The h2o db-benchmark (10 group-by and 5 join questions) side by side; writes ``benchmarks/results/h2o.md`` (``h2o_na5.md`` with ``--na 5``).

Run: ``python -m benchmarks.h2o [--rows 1e7] [--na 0] [--questions q1,j5] [--engines frames,dask]``
(peers from ``pip install -e ".[bench]"``). The data (``benchmarks/h2o_data.py``: a NumPy port of the
db-benchmark's R generators, K=100 groups, ``--na`` percent missing values) is generated once and
cached as Parquet under ``--cache`` (default ``benchmarks/data/h2o``).

Engines: frames' DataFrame API, frames' SQL (sqlengine), dask.dataframe, Polars and DuckDB (and
pandas with ``--engines``), each question written as the db-benchmark's solutions write it
(``benchmarks/h2o_questions.py``). Every (engine, question) runs in a child process of its own
that first loads the task's tables into memory (frames and dask persist their Parquet reads,
Polars reads DataFrames, DuckDB creates tables: not timed), then answers the question twice; the
table shows the better run and the child's peak resident memory (``ru_maxrss``: the loaded tables
included; the *load* row is a child that only loads). frames and dask run on their threads
schedulers with ``os.cpu_count()`` workers; Polars and DuckDB use their own thread pools. Answers
are compared as the db-benchmark's ``chk`` does: row counts equal and the sums of the value
columns within a relative 1e-6 of frames'.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

from benchmarks.common import publish, run_child
from benchmarks.h2o_data import CACHE, pretty, ensure_groupby, ensure_join, groupby_name, join_name
from benchmarks.h2o_questions import ENGINES, GROUPBY, JOIN, TITLES, Check, agree, task_of

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def results_file(na: int) -> Path:
    """``h2o.md`` for the data without missing values, ``h2o_na{na}.md`` for ``--na``: each run keeps its own table."""
    return RESULTS / ("h2o.md" if na == 0 else f"h2o_na{na}.md")
DEFAULT_ENGINES = ["frames", "frames-sql", "dask", "polars", "duckdb"]
RUNS = 2  # as the db-benchmark: each question twice, in the same process
WORKERS = os.cpu_count() or 1


def _configure(engine: str) -> None:
    if engine in ("frames", "frames-sql"):
        import exec as sx

        sx.config.set(scheduler="threads", num_workers=WORKERS)
    elif engine == "dask":
        import dask

        dask.config.set(scheduler="threads", num_workers=WORKERS)


def paths_for(question: str, rows: int, na: int, cache: Path) -> dict[str, str]:
    if question == "load-join" or (question != "load-groupby" and task_of(question) == "join"):
        return {t: str(p) for t, p in ensure_join(rows, na, cache).items()}
    return {"x": str(ensure_groupby(rows, na, cache))}


def run_worker(engine: str, question: str, rows: int, na: int, cache: Path) -> dict:
    """Load the task's tables, answer ``question`` RUNS times; the times and the last answer's
    check. Question ``load-groupby`` / ``load-join`` only loads (the memory floor)."""
    _configure(engine)
    e = ENGINES[engine]()
    t0 = time.perf_counter()
    e.load(paths_for(question, rows, na, cache))
    load = time.perf_counter() - t0
    if question.startswith("load-"):
        return {"load_seconds": load, "seconds": [load]}
    times = []
    answer = None
    for _ in range(RUNS):
        answer = None  # the previous answer freed before the next run, as the db-benchmark does
        t0 = time.perf_counter()
        answer = e.run(question)
        times.append(time.perf_counter() - t0)
    check = e.check(answer, question)
    return {"load_seconds": load, "seconds": times, "rows": check.rows, "sums": list(check.sums)}


def spawn(engine: str, question: str, args) -> dict:
    """One engine answering one question in a child of its own; with ``--replay`` the report
    that run logged instead (a run cut short still gives its table)."""
    if args.replay is not None:
        return args.replay.get((question, engine), {"error": "not run", "peak_mb": float("nan")})
    if (question, engine) in args.resume:
        report = args.resume[(question, engine)]
        print(f"{question} {engine}: {report}", file=sys.stderr, flush=True)  # this run's log complete too
        return report
    cmd = [sys.executable, "-m", "benchmarks.h2o", "--worker", engine, "--question", question,
           "--rows", str(args.rows), "--na", str(args.na), "--cache", str(args.cache)]
    report = run_child(cmd, ROOT, timeout=args.timeout)
    print(f"{question} {engine}: {report}", file=sys.stderr, flush=True)
    return report


def _read_log(path: Path) -> dict[tuple[str, str], dict]:
    """The ``question engine: {report}`` lines of a run's stderr."""
    import ast

    reports = {}
    for line in path.read_text().splitlines():
        head, _, body = line.partition(": {")
        if body and len(head.split()) == 2:
            q, e = head.split()
            reports[(q, e)] = ast.literal_eval("{" + body)
    return reports


def _cell(r: dict, base: float | None) -> str:
    if "error" in r:
        error = r["error"]
        return "timeout" if error.startswith("timeout") else "not run" if error == "not run" else "failed"
    s = min(r["seconds"])
    return f"{s:.2f}" + (f" ({s / base:.1f}x)" if base and r is not None else "")


def _geomean(values: list[float]) -> float:
    return math.exp(sum(map(math.log, values)) / len(values))


def table(args, engines: list[str], questions: list[str]) -> list[str]:
    ref = engines[0]
    lines = [
        "| question | " + " | ".join(f"{e} s" + ("" if e == ref else f" (x {ref})") for e in engines)
        + " | " + " | ".join(f"{e} MB" for e in engines) + " | answers agree |",
        "|---|" + "---:|" * (2 * len(engines)) + "---|",
    ]
    notes: list[str] = []
    best: dict[str, dict[str, float]] = {e: {} for e in engines}
    tasks = list(dict.fromkeys(task_of(q) for q in questions))  # in the order asked: --questions j1,...,q10 runs the joins first
    for task in tasks:
        floor = {e: spawn(e, f"load-{task}", args) for e in engines}
        lines.append(f"| *load {task} tables (not timed in the questions)* | "
                     + " | ".join(_cell(floor[e], None) for e in engines) + " | "
                     + " | ".join(f"{floor[e]['peak_mb']:.0f}" for e in engines) + " | |")
        for q in [q for q in questions if task_of(q) == task]:
            rep = {e: spawn(e, q, args) for e in engines}
            for e in engines:
                if "error" in rep[e]:
                    notes.append(f"- {q} {e}: {rep[e]['error']}")
                else:
                    best[e][q] = min(rep[e]["seconds"])
            base = best[ref].get(q)
            verdicts = []
            if "rows" in rep[ref]:
                reference = Check(rep[ref]["rows"], tuple(rep[ref]["sums"]))
                for e in engines[1:]:
                    if "rows" not in rep[e]:
                        continue
                    diff = agree(reference, Check(rep[e]["rows"], tuple(rep[e]["sums"])))
                    verdicts.append(f"{e}: {'yes' if diff is None else 'NO'}")
                    if diff is not None:
                        notes.append(f"- {q}: {e}'s answer differs from {ref}'s: {diff}")
            lines.append(f"| {q} {TITLES[q]} | {_cell(rep[ref], None)} | "
                         + " | ".join(_cell(rep[e], base) for e in engines[1:]) + " | "
                         + " | ".join(f"{rep[e]['peak_mb']:.0f}" for e in engines) + f" | {', '.join(verdicts)} |")
    summary = []
    done = [q for q in questions if all(q in best[e] for e in engines)]
    if done:
        g = {e: _geomean([best[e][q] for q in done]) for e in engines}
        summary.append(f"- geometric mean over the {len(done)} questions every engine answered: "
                       + ", ".join(f"{e} {g[e]:.3f} s" for e in engines))
        for peer in ("dask", "polars"):
            if peer in engines and ref == "frames":
                summary.append(f"- {peer}'s geometric mean / frames': {g[peer] / g['frames']:.2f}x")
    if "dask" in engines and ref == "frames":
        ratios = {q: (best["dask"][q] / best["frames"][q]) if q in best["dask"] else math.inf
                  for q in questions if q in best["frames"]}
        under = [f"{q} ({r:.1f}x)" for q, r in ratios.items() if r < 2]
        summary.append("- frames at least 2x faster than dask.dataframe on every question: "
                       + ("yes" if not under and len(ratios) == len(questions) else f"no: {', '.join(under) or 'frames failed some'}"))
    return lines + [""] + summary + notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda v: int(float(v)), default=10_000_000, help="rows of the group-by and x tables (default 1e7)")
    ap.add_argument("--na", type=int, default=0, help="percent of missing values (the db-benchmark runs 0 and 5)")
    ap.add_argument("--questions", default=",".join(GROUPBY + JOIN))
    ap.add_argument("--engines", default=",".join(DEFAULT_ENGINES), help=f"the first is the reference; from {list(ENGINES)}")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where the generated Parquet files are kept")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds one engine may take for one question")
    ap.add_argument("--output", type=Path, default=None, help="default: benchmarks/results/h2o.md, h2o_na5.md for --na 5")
    ap.add_argument("--replay", type=Path, default=None,
                    help="write the table from the reports a run printed to stderr (its log) instead of running")
    ap.add_argument("--resume", type=Path, default=None,
                    help="take the reports a run cut short logged (its stderr) and run only the rest")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--question", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker == "generate":
        (ensure_groupby if args.question == "groupby" else ensure_join)(args.rows, args.na, args.cache)
        print(json.dumps({}))
        return 0
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.question, args.rows, args.na, args.cache)))
        return 0
    if args.output is None:
        args.output = results_file(args.na)
    questions, engines = args.questions.split(","), args.engines.split(",")
    if args.replay is not None:
        args.replay = _read_log(args.replay)
    args.resume = _read_log(args.resume) if args.resume is not None else {}
    unknown = [q for q in questions if q not in TITLES] + [e for e in engines if e not in ENGINES]
    if unknown:
        ap.error(f"unknown questions or engines {unknown}")
    for task in sorted({task_of(q) for q in questions}):  # generated once, not by racing children
        report = run_child([sys.executable, "-m", "benchmarks.h2o", "--worker", "generate", "--question", task,
                            "--rows", str(args.rows), "--na", str(args.na), "--cache", str(args.cache)], ROOT)
        if "error" in report:
            raise SystemExit(f"generating the {task} data failed: {report['error']}")
    # peers' versions without importing them: a child's peak memory counts what it inherits at fork
    v = {name: version(name) for name in ("pandas", "dask", "polars", "duckdb", "pyarrow")}
    load = os.getloadavg()
    cmd = f"python -m benchmarks.h2o --rows {pretty(args.rows)} --na {args.na}"
    if engines != DEFAULT_ENGINES:
        cmd += f" --engines {args.engines}"
    replayed = " The table was replayed from a run's log (`--replay`): the load average above is the replay's." if args.replay else ""
    if args.resume:
        replayed += " The run resumed one cut short (`--resume`): the load average above is at the resume."
    lines = [
        "# h2o db-benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; " + ", ".join(f"{k} {x}" for k, x in v.items())
        + f"; load average at the "
        f"start {load[0]:.1f} (a shared machine: times under load are noisy); `{cmd}`",
        "",
        f"Data: {groupby_name(args.rows, args.na)} (group-by) and {join_name(args.rows, args.na)} (join), generated by "
        "benchmarks/h2o_data.py. Each cell: the better of two runs in one process, seconds; in brackets the "
        f"ratio to {engines[0]}'s time (above 1: slower). MB: that process's peak resident memory, the loaded "
        "tables included. frames and dask: threads scheduler, "
        f"{WORKERS} workers." + replayed,
        "",
        *table(args, engines, questions),
    ]
    publish(args.output, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

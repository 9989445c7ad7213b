"""The h2o db-benchmark (10 group-by and 5 join questions) side by side; writes ``benchmarks/results/h2o.md`` (``h2o_na5.md`` with ``--na 5``).

Run: ``python -m benchmarks.h2o [--rows 1e7] [--na 0] [--questions q1,j5] [--engines frames,dask]``
(peers from ``pip install -e ".[bench]"``). The data (``benchmarks/h2o_data.py``: a NumPy port of the
db-benchmark's R generators, K=100 groups, ``--na`` percent missing values) is generated once and
cached as Parquet under ``--cache`` (default ``benchmarks/data/h2o``).

Engines: frames' DataFrame API, frames' SQL (sqlengine), dask.dataframe, Polars and DuckDB (and
pandas with ``--engines``), each question written as the db-benchmark's solutions write it
(``benchmarks/h2o_questions.py``). One child process per engine and task loads the task's tables
into memory once (frames and dask persist their Parquet reads, Polars reads DataFrames, DuckDB
creates tables: not timed; the *load* row) and then answers each of the task's questions twice;
the table shows the better run's wall seconds, the CPU seconds (user + sys, all threads) of the
cheaper run, and the peak resident memory while answering (the loaded tables included; in brackets
the increase over the loaded tables': before each question freed memory is returned to the OS and
the peak reset, ``/proc/self/clear_refs``). frames and dask run on their threads schedulers with
``os.cpu_count()`` workers; Polars and DuckDB use their own thread pools. Answers
are compared as the db-benchmark's ``chk`` does: row counts equal and the sums of the value
columns within a relative 1e-6 of frames'.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import re
import resource
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from benchmarks.common import publish, run_child, stream_child
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


def _vm(field: str) -> float:
    """``VmRSS`` / ``VmHWM`` of this process from ``/proc/self/status``, MB."""
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1)) / 1024


def _settle() -> None:
    """Return freed memory to the OS (Python's and Arrow's allocators, glibc's heap) and reset this
    process's peak resident memory to its current one (``clear_refs`` 5), so the next question's
    peak is its own."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:
        pass
    ctypes.CDLL(None).malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def run_worker(engine: str, task: str, questions: list[str], rows: int, na: int, cache: Path) -> None:
    """Load the task's tables once, then answer each of ``questions`` RUNS times, printing one JSON
    report a line as each is done (the first, question ``load-{task}``, for the load). A report has
    the wall and CPU (user + sys, all threads) seconds of each run, the last answer's check, and
    ``peak_mb``: the process's peak resident memory while answering (loaded tables included; the
    load's peak for the load), ``extra_mb`` that peak over the resident memory once loaded."""
    _configure(engine)
    e = ENGINES[engine]()
    t0, c0 = time.perf_counter(), _cpu()
    e.load(paths_for(f"load-{task}", rows, na, cache))
    load, load_cpu = time.perf_counter() - t0, _cpu() - c0
    peak = _vm("VmHWM")
    _settle()
    base = _vm("VmRSS")
    _emit({"question": f"load-{task}", "seconds": [load], "cpu": [load_cpu], "peak_mb": peak, "extra_mb": 0.0})
    for q in questions:
        _settle()
        times, cpus = [], []
        try:
            answer = None
            for _ in range(RUNS):
                answer = None  # the previous answer freed before the next run, as the db-benchmark does
                t0, c0 = time.perf_counter(), _cpu()
                answer = e.run(q)
                times.append(time.perf_counter() - t0)
                cpus.append(_cpu() - c0)
            check = e.check(answer, q)
            answer = None
            peak = _vm("VmHWM")
            report = {"seconds": times, "cpu": cpus, "rows": check.rows, "sums": list(check.sums)}
        except Exception as exc:  # one question failing does not cost the others
            answer = None
            peak = _vm("VmHWM")
            report = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        _emit({"question": q, **report, "peak_mb": peak, "extra_mb": peak - base})


def _emit(report: dict) -> None:
    print(json.dumps(report), flush=True)


def run_engine(engine: str, task: str, questions: list[str], args) -> dict[str, dict]:
    """One child loads ``task``'s tables for ``engine`` and answers ``questions``; their reports by
    question (``load-{task}`` too). A question running longer than ``--timeout`` seconds is killed
    with its child and reported as a timeout; a fresh child then takes the questions left."""
    reports: dict[str, dict] = {}
    todo = list(questions)
    while True:
        cmd = [sys.executable, "-m", "benchmarks.h2o", "--worker", engine, "--task", task,
               "--questions", ",".join(todo), "--rows", str(args.rows), "--na", str(args.na),
               "--cache", str(args.cache)]
        loaded = False  # this child's load line seen: a failure after it is the question's it was on
        for line, failure in stream_child(cmd, ROOT, timeout=args.timeout):
            if line is not None:
                report = json.loads(line)
                q = report.pop("question")
                loaded = True
                if q in todo:
                    todo.remove(q)
            elif not loaded or todo:
                q = todo.pop(0) if loaded else f"load-{task}"
                report = {"error": failure, "peak_mb": float("nan")}
            else:
                continue  # died after its last report: nothing lost
            if q not in reports:
                reports[q] = report
                print(f"{q} {engine}: {report}", file=sys.stderr, flush=True)
        if not todo or not loaded:  # done, or the load itself failed
            for q in todo:
                reports[q] = {"error": "not run", "peak_mb": float("nan")}
            return reports


def collect(args, engines: list[str], questions: list[str]) -> dict[tuple[str, str], dict]:
    """Every (question, engine)'s report: logged ones (``--replay``, ``--resume``) or fresh, one
    child per engine and task."""
    if args.replay is not None:
        return args.replay
    reports = dict(args.resume)
    for task in dict.fromkeys(task_of(q) for q in questions):  # in the order asked
        for e in engines:
            todo = [q for q in questions if task_of(q) == task and (q, e) not in reports]
            if not todo and (f"load-{task}", e) in reports:
                continue
            for q, report in run_engine(e, task, todo, args).items():
                reports.setdefault((q, e), report)
    return reports


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


def _cpu_cell(r: dict) -> str:
    return f"{min(r['cpu']):.2f}" if "cpu" in r and "error" not in r else ""


def _mb_cell(r: dict) -> str:
    """Peak resident MB; in brackets its increase over the loaded tables' (a question's own)."""
    extra = r.get("extra_mb")
    return f"{r['peak_mb']:.0f}" + (f" ({extra:+.0f})" if extra and "error" not in r else "")


NOT_RUN = {"error": "not run", "peak_mb": float("nan")}


def _geomean(values: list[float]) -> float:
    return math.exp(sum(map(math.log, values)) / len(values))


def table(reports: dict[tuple[str, str], dict], engines: list[str], questions: list[str]) -> list[str]:
    ref = engines[0]
    lines = [
        "| question | " + " | ".join(f"{e} s" + ("" if e == ref else f" (x {ref})") for e in engines)
        + " | " + " | ".join(f"{e} CPU s" for e in engines)
        + " | " + " | ".join(f"{e} MB" for e in engines) + " | answers agree |",
        "|---|" + "---:|" * (3 * len(engines)) + "---|",
    ]
    notes: list[str] = []
    best: dict[str, dict[str, float]] = {e: {} for e in engines}
    tasks = list(dict.fromkeys(task_of(q) for q in questions))  # in the order asked: --questions j1,...,q10 runs the joins first
    for task in tasks:
        floor = {e: reports.get((f"load-{task}", e), NOT_RUN) for e in engines}
        lines.append(f"| *load {task} tables (not timed in the questions)* | "
                     + " | ".join(_cell(floor[e], None) for e in engines) + " | "
                     + " | ".join(_cpu_cell(floor[e]) for e in engines) + " | "
                     + " | ".join(_mb_cell(floor[e]) for e in engines) + " | |")
        for q in [q for q in questions if task_of(q) == task]:
            rep = {e: reports.get((q, e), NOT_RUN) for e in engines}
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
                         + " | ".join(_cpu_cell(rep[e]) for e in engines) + " | "
                         + " | ".join(_mb_cell(rep[e]) for e in engines) + f" | {', '.join(verdicts)} |")
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


def _version(name: str) -> str:
    """A package's version, or "not installed" (the test extras have no Polars)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda v: int(float(v)), default=10_000_000, help="rows of the group-by and x tables (default 1e7)")
    ap.add_argument("--na", type=int, default=0, help="percent of missing values (the db-benchmark runs 0 and 5)")
    ap.add_argument("--questions", default=",".join(GROUPBY + JOIN))
    ap.add_argument("--engines", default=",".join(DEFAULT_ENGINES), help=f"the first is the reference; from {list(ENGINES)}")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where the generated Parquet files are kept")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds one engine may take for one question's runs (or for loading a task's tables)")
    ap.add_argument("--output", type=Path, default=None, help="default: benchmarks/results/h2o.md, h2o_na5.md for --na 5")
    ap.add_argument("--replay", type=Path, default=None,
                    help="write the table from the reports a run printed to stderr (its log) instead of running")
    ap.add_argument("--resume", type=Path, default=None,
                    help="take the reports a run cut short logged (its stderr) and run only the rest")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--question", help=argparse.SUPPRESS)  # the generate worker's task
    ap.add_argument("--task", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker == "generate":
        (ensure_groupby if args.question == "groupby" else ensure_join)(args.rows, args.na, args.cache)
        print(json.dumps({}))
        return 0
    if args.worker:
        run_worker(args.worker, args.task, args.questions.split(","), args.rows, args.na, args.cache)
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
    v = {name: _version(name) for name in ("pandas", "dask", "polars", "duckdb", "pyarrow")}
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
        f"ratio to {engines[0]}'s time (above 1: slower). CPU s: user + sys seconds of the cheaper run. MB: the "
        "peak resident memory while answering, the loaded tables included (in brackets: over them). frames and dask: threads scheduler, "
        f"{WORKERS} workers." + replayed,
        "",
        *table(collect(args, engines, questions), engines, questions),
    ]
    publish(args.output, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

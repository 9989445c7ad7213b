"""A SQL benchmark suite run side by side: sqlengine and every installed peer, answers checked
against DuckDB's. ``benchmarks.tpch`` and ``benchmarks.tpcds`` each declare a ``Suite`` (its
queries, tables and data generator) and hand it to ``main``.

Each engine runs in its own process (2 threads where the engine has a knob) so its peak resident
memory can be measured; the table goes to stdout and to ``benchmarks/results/{suite}_sf{SF}.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.common import publish

ENGINES = ["duckdb", "sqlengine", "polars", "datafusion"]
# also runnable: "sqlengine-processes" (the processes scheduler), not in the default list
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Suite:
    name: str                                   # "tpch": the results file and the module to re-run
    module: str                                 # "benchmarks.tpch"
    queries_dir: Path
    query_names: tuple[str, ...]                # "1" ... or "01" ...: the --queries range picks among them
    query_file: Callable[[str], str]            # query name -> file name in queries_dir
    locate: Callable[[float, Path | None], Path]  # (scale factor, --data) -> the directory of <table>.parquet,
                                                  # generated there when absent

    def statements(self, q: str) -> list[str]:
        return [s for s in (self.queries_dir / self.query_file(q)).read_text().split(";") if s.strip()]

    def ordered(self, q: str) -> bool:
        return "order by" in (self.queries_dir / self.query_file(q)).read_text().lower()


def tables(data: Path) -> list[str]:
    return sorted(p.stem for p in data.glob("*.parquet"))


# -- one engine, in a child process ---------------------------------------------------------------

def _warm_up(run: Callable[[list[str]], object], data: Path, names: list[str]) -> float:
    """One small query before the timed ones, timed apart: what a session pays once (imports, a
    worker pool's start, DuckDB's catalog) would otherwise land on whichever query comes first
    (the processes scheduler's pool start was 0.7 s of TPC-H q1's 1.6 s). Every engine gets it."""
    smallest = min(names, key=lambda t: (data / f"{t}.parquet").stat().st_size)
    t0 = time.perf_counter()
    run([f"SELECT count(*) AS n, count(DISTINCT {_first_column(data / f'{smallest}.parquet')}) AS d FROM {smallest}"])
    return time.perf_counter() - t0


def _first_column(path: Path) -> str:
    import pyarrow.parquet as pq

    return pq.read_schema(path).names[0]


def run_engine(suite: Suite, engine: str, data: Path, out: Path, queries: list[str], memory_limit: str | None = None) -> dict:
    times: dict[str, float] = {}
    errors: dict[str, str] = {}
    names = tables(data)
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        if memory_limit:  # spill files in a temporary directory, not DuckDB's default ./.tmp in the repository
            con.execute(f"SET memory_limit = '{memory_limit}'")
            con.execute(f"SET temp_directory = '{tempfile.mkdtemp(prefix='duckdb-spill-')}'")
        for t in names:
            con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{data / t}.parquet'")

        def run(sql_list):
            result = None
            for s in sql_list:
                r = con.execute(s)
                if s.strip().lower().startswith(("select", "with")):
                    result = r.to_arrow_table() if hasattr(r, "to_arrow_table") else r.arrow()
            return result
    elif engine in ("sqlengine", "sqlengine-processes"):
        import exec as sx
        import sqlengine

        sx.config.set(scheduler="processes" if engine == "sqlengine-processes" else "threads", num_workers=2)
        if memory_limit:
            sx.config.set(memory_limit=memory_limit)
        ctx = sqlengine.Context()
        for t in names:
            ctx.register(t, str(data / f"{t}.parquet"))

        def run(sql_list):
            return ctx.sql(";".join(sql_list)).to_arrow()
    elif engine == "polars":
        os.environ.setdefault("POLARS_MAX_THREADS", "2")
        import polars as pl

        ctx = pl.SQLContext({t: pl.scan_parquet(str(data / f"{t}.parquet")) for t in names})

        def run(sql_list):
            if len(sql_list) > 1:
                raise RuntimeError("polars SQL has no CREATE VIEW")
            return ctx.execute(sql_list[0]).collect().to_arrow()
    elif engine == "datafusion":
        import datafusion

        cfg = datafusion.SessionConfig().with_target_partitions(2)
        ctx = datafusion.SessionContext(cfg)
        for t in names:
            ctx.register_parquet(t, str(data / f"{t}.parquet"))

        def run(sql_list):
            result = None
            for s in sql_list:
                df = ctx.sql(s)
                if s.strip().lower().startswith(("select", "with")):
                    result = df.to_arrow_table()
                else:
                    df.collect()
            return result
    else:
        raise SystemExit(f"unknown engine {engine}")
    import pyarrow.parquet as pq

    sampler = _TreeMemory() if engine.startswith("sqlengine") else None
    startup = _warm_up(run, data, names)
    for q in queries:
        try:
            t0 = time.perf_counter()
            table = run(suite.statements(q))
            times[q] = time.perf_counter() - t0
            pq.write_table(table, out / f"{engine}_q{q}.parquet")
        except Exception as exc:  # a peer that cannot run a query is reported, not fatal
            errors[q] = f"{type(exc).__name__}: {str(exc)[:120]}"
    report = {"times": times, "errors": errors, "startup_s": startup}
    if sampler is not None:
        report["tree_peak_mb"] = sampler.stop() / 2**20
    return report


class _TreeMemory:
    """The peak of this process's and its worker processes' memory together, sampled every 0.1 s:
    the sum of their proportional set sizes (shared pages split between the processes mapping them),
    the pages of sqlengine's /dev/shm files counted once whether mapped or not; the maximum resident
    size of one process would miss the workers. Run for threads too, so both are measured alike."""

    def __init__(self):
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, _tree_bytes())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree_bytes() -> int:
    import glob

    import psutil

    total = 0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            with open(f"/proc/{proc.pid}/smaps") as f:
                shared_file = False
                for line in f:
                    if line[0] in "0123456789abcdef" and " " in line and "-" in line.split(" ", 1)[0]:
                        shared_file = "/dev/shm/sqlengine-share-" in line  # a mapping's header line
                    elif line.startswith("Pss:") and not shared_file:
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    for path in glob.glob("/dev/shm/sqlengine-share-*/*"):
        try:
            total += os.stat(path).st_blocks * 512  # the file's pages in RAM, once
        except OSError:
            pass
    return total


# -- the parent: run everything, compare, write the table -----------------------------------------

def same_answer(a_path: Path, b_path: Path, ordered: bool) -> bool:
    import pandas as pd
    import pyarrow.parquet as pq

    def norm(path):
        t = pq.read_table(path)
        df = t.to_pandas()
        df.columns = range(len(df.columns))
        for c in df.columns:
            if df[c].dtype == object and len(df) and hasattr(df[c].dropna().iloc[0] if df[c].notna().any() else None, "as_tuple"):
                df[c] = df[c].astype(float)
            if df[c].dtype.kind not in "fiu":
                df[c] = df[c].astype(str)
            else:
                df[c] = df[c].astype(float)
        if not ordered:
            df = df.sort_values(list(df.columns)).reset_index(drop=True)
        return df

    try:
        a, b = norm(a_path), norm(b_path)
        # atol: an engine may round an average to its decimal type's 6 places (DataFusion's AVG of
        # DECIMAL(15,2) is DECIMAL(19,6)); anything further off is a wrong answer
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-6, atol=1e-6, check_names=False)
        return True
    except (AssertionError, ValueError, KeyError):
        return False


def results_table(suite: Suite, report: dict[str, dict], queries: list[str], out: Path) -> list[str]:
    """The table's lines: per query each engine's seconds, its ratio to DuckDB's and ``wrong`` where
    its answer (``out/{engine}_q{q}.parquet``) differs from DuckDB's; totals, peak memory, CPU.
    Without DuckDB's answer to a query nothing is compared: its cells say ``not checked`` and the
    totals count the checked queries only ("0/22 correct" would read as 22 wrong answers)."""
    base = report.get("duckdb", {}).get("times", {})
    engines = list(report)
    lines = ["| query | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    totals = {e: 0.0 for e in engines}
    correct = {e: 0 for e in engines}
    unchecked = {e: 0 for e in engines}
    for q in queries:
        cells = []
        for e in engines:
            t = report[e]["times"].get(q)
            if t is None:
                cells.append("-")
                continue
            totals[e] += t
            ratio = f" ({t / base[q]:.1f}x)" if base.get(q) else ""
            if e != "duckdb" and base.get(q) is None:
                cells.append(f"{t:.3f} not checked")
                unchecked[e] += 1
                continue
            ok = e == "duckdb" or same_answer(out / f"{e}_q{q}.parquet", out / f"duckdb_q{q}.parquet", suite.ordered(q))
            correct[e] += ok
            cells.append(f"{t:.3f}{ratio}" + ("" if ok else " wrong"))
        lines.append(f"| q{q} | " + " | ".join(cells) + " |")
    # totals over the queries every engine answered would hide failures; each engine's total is of
    # the queries it ran, so read it with its correct count
    total_base = totals.get("duckdb") or 0

    def verdict(e: str) -> str:
        if unchecked[e] == len(queries):
            return "not checked"
        return f"{correct[e]}/{len(queries) - unchecked[e]} correct" + (f", {unchecked[e]} not checked" if unchecked[e] else "")

    lines.append("| **total** | " + " | ".join(
        f"**{totals[e]:.2f}**" + (f" ({totals[e] / total_base:.1f}x)" if total_base else "") + f", {verdict(e)}"
        for e in engines) + " |")
    lines.append("| **peak RSS** | " + " | ".join(f"{report[e]['peak_mb']:.0f} MB" for e in engines) + " |")
    if any("startup_s" in report[e] for e in engines):
        lines.append("| **start-up** (a warm-up query on the smallest table, before the timed ones; not in the total) | " + " | ".join(
            f"{report[e]['startup_s']:.2f}" if "startup_s" in report[e] else "-" for e in engines) + " |")
    lines.append("| **CPU s** (whole run, start-up included) | " + " | ".join(f"{report[e]['cpu_s']:.1f}" for e in engines) + " |")
    if any("tree_peak_mb" in report[e] for e in engines):
        lines.append("\nsqlengine's peak is the larger of its process's maximum RSS and, sampled every 0.1 s, the summed PSS of it "
                     "and its worker processes plus its /dev/shm files (counted once); `sqlengine` runs on threads, "
                     "`sqlengine-processes` on the processes scheduler.")
    for e in engines:
        for q, err in report[e]["errors"].items():
            lines.append(f"\n- {e} q{q}: {err}")
    return lines


def pick(suite: Suite, spec: str | None) -> list[str]:
    """``--queries 3-7`` or ``--queries 1,5,9``: the suite's queries in that range / list."""
    if not spec:
        return list(suite.query_names)
    if "-" in spec:
        lo, hi = (int(x) for x in spec.split("-", 1))
        return [q for q in suite.query_names if lo <= int(q) <= hi]
    wanted = {int(x) for x in spec.split(",")}
    return [q for q in suite.query_names if int(q) in wanted]


def warm_page_cache(data: Path) -> None:
    """Read every data file once before the first engine runs. Whichever engine ran first used to pay
    for reading files from disk that the later ones found in the page cache (DuckDB's SF10 q1: 38 s cold,
    2 s warm), so the comparison measured the disk, not the engines."""
    for path in sorted(data.rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                while f.read(1 << 24):
                    pass


def main(suite: Suite, argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=f"{suite.name.upper()}: sqlengine vs peers")
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--queries", help="a range (1-22) or a list (1,5,9); default all")
    ap.add_argument("--memory-limit", help="e.g. 2GB: sqlengine's memory_limit and DuckDB's")
    ap.add_argument("--scheduler", default="threads",
                    help="sqlengine's scheduler: threads, processes, or both (threads,processes: one column each)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    queries = pick(suite, args.queries)
    data = suite.locate(args.sf, args.data)
    if args.worker:
        print(json.dumps(run_engine(suite, args.worker, data, args.out, queries, args.memory_limit)))
        return 0

    out = Path(tempfile.mkdtemp(prefix=f"{suite.name}-answers-"))
    report: dict[str, dict] = {}
    warm_page_cache(data)
    load_before = os.getloadavg()[0]
    engines = []
    for engine in args.engines.split(","):
        if engine == "sqlengine":
            engines += ["sqlengine" if s == "threads" else f"sqlengine-{s}" for s in args.scheduler.split(",")]
        else:
            engines.append(engine)
    for engine in engines:
        cmd = [sys.executable, "-m", suite.module, "--worker", engine, "--sf", f"{args.sf:g}", "--data", str(data),
               "--out", str(out)] + (["--queries", args.queries] if args.queries else []) + (
               ["--memory-limit", args.memory_limit] if args.memory_limit else [])
        with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
            proc = subprocess.Popen(cmd, stdout=so, stderr=se, text=True, cwd=Path(__file__).resolve().parents[1])
            _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone: its peak memory
            proc.returncode = os.waitstatus_to_exitcode(status)
            so.seek(0)
            se.seek(0)
            stdout, stderr = so.read(), se.read()
        if proc.returncode != 0 or not stdout.strip():
            print(f"{engine}: not run ({stderr.strip().splitlines()[-1] if stderr.strip() else 'no output'})", file=sys.stderr)
            continue
        report[engine] = json.loads(stdout.strip().splitlines()[-1])
        report[engine]["peak_mb"] = max(usage.ru_maxrss / 1024, report[engine].get("tree_peak_mb", 0))
        report[engine]["cpu_s"] = usage.ru_utime + usage.ru_stime  # its worker processes' too (waited for)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (1 min); "
    module = suite.module
    flags = f" --engines {args.engines}" if args.engines != ",".join(ENGINES) else ""
    flags += f" --memory-limit {args.memory_limit}" if args.memory_limit else ""
    flags += f" --scheduler {args.scheduler}" if args.scheduler != "threads" else ""
    limit = f"memory_limit {args.memory_limit} (sqlengine and DuckDB); " if args.memory_limit else ""
    lines = [f"# {suite.name.upper()} SF{args.sf:g}", "", f"`python -m {module} --sf {args.sf:g}{flags}`; {os.cpu_count()} cores; each engine on 2 threads; {load}{limit}"
             "page cache warmed first; a cell is seconds (ratio to DuckDB); `wrong` = answer differs from DuckDB's, `-` = not run"
             + ("." if "duckdb" in report else "; DuckDB did not run, so no answer is checked."), ""]
    lines += results_table(suite, report, queries, out)
    schedulers = "" if args.scheduler == "threads" else "_" + args.scheduler.replace(",", "_")  # its own file
    publish(RESULTS / f"{suite.name}_sf{args.sf:g}{schedulers}.md", lines)
    return 0

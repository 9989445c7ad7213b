"""TPC-H side by side: sqlengine and every installed peer, answers checked against DuckDB.

Run: ``python -m benchmarks.tpch --sf 1`` (peers from ``pip install -e ".[bench]"``). Data is
generated with tpchgen-cli when absent. Each engine runs in its own process (2 threads where the
engine has a knob) so its peak resident memory can be measured; the table goes to stdout and to
``benchmarks/results/tpch_sf{SF}.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ensure_data, publish

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "sql" / "tpch_queries"
TABLES = ["lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region"]
ENGINES = ["duckdb", "sqlengine", "polars", "datafusion"]
RESULTS = Path(__file__).parent / "results"


def statements(n: int) -> list[str]:
    return [s for s in (QUERIES / f"q{n}.sql").read_text().split(";") if s.strip()]


# -- one engine, in a child process ---------------------------------------------------------------

def run_engine(engine: str, data: Path, out: Path, queries: list[int]) -> dict:
    times: dict[str, float] = {}
    errors: dict[str, str] = {}
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        for t in TABLES:
            con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{data / t}.parquet'")

        def run(sql_list):
            result = None
            for s in sql_list:
                r = con.execute(s)
                if s.strip().lower().startswith(("select", "with")):
                    result = r.to_arrow_table() if hasattr(r, "to_arrow_table") else r.arrow()
            return result
    elif engine == "sqlengine":
        import exec as sx
        import sqlengine

        sx.config.set(scheduler="threads", num_workers=2)
        ctx = sqlengine.Context()
        for t in TABLES:
            ctx.register(t, str(data / f"{t}.parquet"))

        def run(sql_list):
            return ctx.sql(";".join(sql_list)).to_arrow()
    elif engine == "polars":
        os.environ.setdefault("POLARS_MAX_THREADS", "2")
        import polars as pl

        ctx = pl.SQLContext({t: pl.scan_parquet(str(data / f"{t}.parquet")) for t in TABLES})

        def run(sql_list):
            if len(sql_list) > 1:
                raise RuntimeError("polars SQL has no CREATE VIEW")
            return ctx.execute(sql_list[0]).collect().to_arrow()
    elif engine == "datafusion":
        import datafusion

        cfg = datafusion.SessionConfig().with_target_partitions(2)
        ctx = datafusion.SessionContext(cfg)
        for t in TABLES:
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

    for n in queries:
        try:
            t0 = time.perf_counter()
            table = run(statements(n))
            times[str(n)] = time.perf_counter() - t0
            pq.write_table(table, out / f"{engine}_q{n}.parquet")
        except Exception as exc:  # a peer that cannot run a query is reported, not fatal
            errors[str(n)] = f"{type(exc).__name__}: {str(exc)[:120]}"
    return {"times": times, "errors": errors}


# -- the parent: run everything, compare, write the table -----------------------------------------

def same_answer(a_path: Path, b_path: Path, ordered: bool) -> bool:
    import pandas as pd
    import pyarrow.parquet as pq

    def norm(path):
        t = pq.read_table(path)
        df = t.to_pandas()
        df.columns = range(len(df.columns))
        for c in df.columns:
            if df[c].dtype == object and len(df) and hasattr(df[c].iloc[0], "as_tuple"):
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="TPC-H: sqlengine vs peers")
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--queries", default="1-22")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    lo, _, hi = args.queries.partition("-")
    queries = list(range(int(lo), int(hi or lo) + 1))
    data = ensure_data(args.sf, args.data)
    if args.worker:
        print(json.dumps(run_engine(args.worker, data, args.out, queries)))
        return 0

    out = Path(tempfile.mkdtemp(prefix="tpch-answers-"))
    report: dict[str, dict] = {}
    for engine in args.engines.split(","):
        cmd = [sys.executable, "-m", "benchmarks.tpch", "--worker", engine, "--sf", f"{args.sf:g}", "--data", str(data),
               "--out", str(out), "--queries", args.queries]
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
        report[engine]["peak_mb"] = usage.ru_maxrss / 1024
    base = report.get("duckdb", {}).get("times", {})
    lines = [f"# TPC-H SF{args.sf:g}", "", f"`python -m benchmarks.tpch --sf {args.sf:g}`; {os.cpu_count()} cores; each engine on 2 threads; "
             "a cell is seconds (ratio to DuckDB); `wrong` = answer differs from DuckDB's, `-` = not run.", ""]
    engines = list(report)
    lines.append("| query | " + " | ".join(engines) + " |")
    lines.append("|---|" + "---:|" * len(engines))
    totals = {e: 0.0 for e in engines}
    correct = {e: 0 for e in engines}
    for n in queries:
        ordered = "order by" in (QUERIES / f"q{n}.sql").read_text().lower()
        cells = []
        for e in engines:
            t = report[e]["times"].get(str(n))
            if t is None:
                cells.append("-")
                continue
            ok = e == "duckdb" or (base.get(str(n)) is not None and same_answer(out / f"{e}_q{n}.parquet", out / f"duckdb_q{n}.parquet", ordered))
            correct[e] += ok
            totals[e] += t
            ratio = f" ({t / base[str(n)]:.1f}x)" if base.get(str(n)) else ""
            cells.append(f"{t:.3f}{ratio}" + ("" if ok else " wrong"))
        lines.append(f"| q{n} | " + " | ".join(cells) + " |")
    total_base = totals.get("duckdb") or 0
    lines.append("| **total** | " + " | ".join(
        f"**{totals[e]:.2f}**" + (f" ({totals[e] / total_base:.1f}x)" if total_base else "") + f", {correct[e]}/{len(queries)} correct"
        for e in engines) + " |")
    lines.append("| **peak RSS** | " + " | ".join(f"{report[e]['peak_mb']:.0f} MB" for e in engines) + " |")
    for e in engines:
        for n, err in report[e]["errors"].items():
            lines.append(f"\n- {e} q{n}: {err}")
    publish(RESULTS / f"tpch_sf{args.sf:g}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

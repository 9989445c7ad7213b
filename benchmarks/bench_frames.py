"""The DataFrame API side by side with its peers; writes ``benchmarks/results/frames.md``.

Run: ``python -m benchmarks.bench_frames --sf 1 [--data DIR]`` (peers from ``pip install -e ".[bench]"``;
``--pipelines q1,q6`` runs some of the pipelines only, ``--no-map-partitions`` skips part 1,
``--output FILE`` writes the table elsewhere).

1. ``map_partitions`` of a GIL-bound pure-Python function over 8 partitions: "processes" vs "sync"
   (the process pool is started fresh, so its start-up is included).
2. TPC-H-shaped pipelines (Q1, Q3, Q5, Q6 and Q12 written with the DataFrame API, not SQL), each
   written three times with the same logic: frames, dask.dataframe and pandas. Every engine runs
   every pipeline in a child process of its own, so the peak resident memory of that run
   (``ru_maxrss`` from ``os.wait4``) is measured alone; a child that only imports the engine gives
   the memory floor. frames and dask.dataframe use the threads scheduler with ``os.cpu_count()``
   workers and report the best of 3 runs; pandas runs once. The peers take their fast paths (dask
   partitions of 8 row groups, Arrow dtypes for pandas' dates and decimals, decimals cast to float64
   through pyarrow). Answers are compared to frames' with a relative tolerance of 1e-9 (dask and
   pandas compute on float64, frames on decimals), and a pipeline whose answers disagree is marked
   as such in the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from benchmarks.common import ensure_data, publish, run_child

RESULTS = Path(__file__).parent / "results" / "frames.md"
ROOT = Path(__file__).resolve().parents[1]
ENGINES = ["frames", "dask", "pandas"]
REPEAT = {"frames": 3, "dask": 3, "pandas": 1}
WORKERS = os.cpu_count() or 1

D = dt.date


# -- part 1: map_partitions of GIL-bound work, processes vs sync ------------------------------------

def gil_bound(part: pd.DataFrame) -> pd.DataFrame:
    total = 0
    for i in range(20_000_000):  # pure Python: holds the GIL throughout
        total += i % 7
    return part.assign(work=total)


def bench_map_partitions() -> list[tuple[str, str, float]]:
    import exec as sx
    import frames

    pdf = pd.DataFrame({"x": np.arange(8_000)})
    ddf = frames.from_pandas(pdf, npartitions=8).map_partitions(gil_bound)
    rows = []
    t0 = time.perf_counter()
    ddf.compute(scheduler="sync")
    rows.append(("map_partitions GIL-bound x8", "sync", time.perf_counter() - t0))
    sx.shutdown()  # include the worker start-up in the processes time
    t0 = time.perf_counter()
    ddf.compute(scheduler="processes")
    rows.append(("map_partitions GIL-bound x8", "processes (first compute)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    ddf.compute(scheduler="processes")
    rows.append(("map_partitions GIL-bound x8", "processes (warm pool)", time.perf_counter() - t0))
    sx.shutdown()
    return rows


# -- part 2: the pipelines, each three times -------------------------------------------------------
#
# The frames and dask versions are the same lazy program (both engines prune columns and push
# filters into the Parquet reads themselves); pandas is eager, so its reads name their columns. The
# peers get the fast paths a careful user would take: pandas reads with dask's dtypes (dates and
# decimals as Arrow types, not Python objects), and both cast TPC-H's decimal128 columns to float64
# through pyarrow before doing arithmetic on them; frames computes on the decimals.


def _frames(data: Path, table: str):
    import frames

    return frames.read_parquet(str(data / f"{table}.parquet"))


def _dask(data: Path, table: str):
    import dask.dataframe as dd

    # by default dask makes one partition of each of these single-file tables (one thread works);
    # 8 row groups a partition gives the partition counts frames chooses (SF1 lineitem: 7)
    return dd.read_parquet(str(data / f"{table}.parquet"), split_row_groups=8)


def _arrow_dtype(t):
    """Decimals and dates stay Arrow types in pandas, as dask.dataframe's reader keeps them (by
    default pandas makes Python ``Decimal`` and ``date`` objects of them, many times slower)."""
    import pyarrow as pa

    return pd.ArrowDtype(t) if pa.types.is_decimal(t) or pa.types.is_date(t) else None


def _pandas(data: Path, table: str, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq  # pd.read_parquet has no way to pass a types_mapper of one's own

    return pq.read_table(data / f"{table}.parquet", columns=columns).to_pandas(types_mapper=_arrow_dtype)


def _floats(df, *columns: str):
    # through pyarrow's cast: astype("float64") of an Arrow decimal goes through Python objects, 60x slower
    return df.assign(**{c: df[c].astype("float64[pyarrow]").astype("float64") for c in columns})


# Q1: pricing summary. One filter, derived columns, a group-by with sums, means and a count.
Q1_DATE = D(1998, 9, 2)


def _q1(li):
    li = li[li.l_shipdate <= Q1_DATE]
    disc_price = li.l_extendedprice * (1 - li.l_discount)
    li = li.assign(disc_price=disc_price, charge=disc_price * (1 + li.l_tax))
    out = li.groupby(["l_returnflag", "l_linestatus"]).agg(
        sum_qty=("l_quantity", "sum"), sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"), sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"), avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"), count_order=("l_quantity", "count"))
    return out


Q1_DECIMALS = ("l_quantity", "l_extendedprice", "l_discount", "l_tax")


def q1_frames(data: Path) -> pd.DataFrame:
    return _q1(_frames(data, "lineitem")).compute(scheduler="threads")


def q1_dask(data: Path) -> pd.DataFrame:
    return _q1(_floats(_dask(data, "lineitem"), *Q1_DECIMALS)).compute()


def q1_pandas(data: Path) -> pd.DataFrame:
    li = _pandas(data, "lineitem", ["l_shipdate", "l_returnflag", "l_linestatus", *Q1_DECIMALS])
    return _q1(_floats(li, *Q1_DECIMALS))


# Q3: shipping priority. Three filtered tables, two merges, a group-by on three keys, the top 10.
Q3_DATE = D(1995, 3, 15)


def _q3(cu, od, li):
    cu = cu[cu.c_mktsegment == "BUILDING"]
    od = od[od.o_orderdate < Q3_DATE]
    li = li[li.l_shipdate > Q3_DATE]
    j = cu.merge(od, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"]).agg(revenue=("revenue", "sum"))
    return out.reset_index().nlargest(10, "revenue")


def q3_frames(data: Path) -> pd.DataFrame:
    return _q3(_frames(data, "customer"), _frames(data, "orders"), _frames(data, "lineitem")).compute(scheduler="threads")


def q3_dask(data: Path) -> pd.DataFrame:
    li = _floats(_dask(data, "lineitem"), "l_extendedprice", "l_discount")
    return _q3(_dask(data, "customer"), _dask(data, "orders"), li).compute()


def q3_pandas(data: Path) -> pd.DataFrame:
    cu = _pandas(data, "customer", ["c_custkey", "c_mktsegment"])
    od = _pandas(data, "orders", ["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"])
    li = _pandas(data, "lineitem", ["l_orderkey", "l_shipdate", "l_extendedprice", "l_discount"])
    return _q3(cu, od, _floats(li, "l_extendedprice", "l_discount"))


# Q5: local supplier volume. Six tables, five merges (one on two keys), a group-by, a sort.
Q5_FROM, Q5_TO = D(1994, 1, 1), D(1995, 1, 1)


def _q5(cu, od, li, su, na, re):
    re = re[re.r_name == "ASIA"]
    na = na.merge(re, left_on="n_regionkey", right_on="r_regionkey")
    su = su.merge(na, left_on="s_nationkey", right_on="n_nationkey")
    od = od[(od.o_orderdate >= Q5_FROM) & (od.o_orderdate < Q5_TO)]
    j = od.merge(cu, left_on="o_custkey", right_on="c_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.merge(su, left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"])
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby("n_name").agg(revenue=("revenue", "sum"))
    return out.reset_index().sort_values("revenue", ascending=False)


Q5_TABLES = ("customer", "orders", "lineitem", "supplier", "nation", "region")


def q5_frames(data: Path) -> pd.DataFrame:
    return _q5(*(_frames(data, t) for t in Q5_TABLES)).compute(scheduler="threads")


def q5_dask(data: Path) -> pd.DataFrame:
    cu, od, li, su, na, re = (_dask(data, t) for t in Q5_TABLES)
    return _q5(cu, od, _floats(li, "l_extendedprice", "l_discount"), su, na, re).compute()


def q5_pandas(data: Path) -> pd.DataFrame:
    cu = _pandas(data, "customer", ["c_custkey", "c_nationkey"])
    od = _pandas(data, "orders", ["o_orderkey", "o_custkey", "o_orderdate"])
    li = _pandas(data, "lineitem", ["l_orderkey", "l_suppkey", "l_extendedprice", "l_discount"])
    su = _pandas(data, "supplier", ["s_suppkey", "s_nationkey"])
    na = _pandas(data, "nation", ["n_nationkey", "n_name", "n_regionkey"])
    re = _pandas(data, "region", ["r_regionkey", "r_name"])
    return _q5(cu, od, _floats(li, "l_extendedprice", "l_discount"), su, na, re)


# Q6: forecasting revenue change. A conjunction of range filters, then one sum of a product.
Q6_FROM, Q6_TO = D(1994, 1, 1), D(1995, 1, 1)


def _q6(li):
    li = li[(li.l_shipdate >= Q6_FROM) & (li.l_shipdate < Q6_TO)
            & (li.l_discount >= 0.05) & (li.l_discount <= 0.07) & (li.l_quantity < 24)]
    return (li.l_extendedprice * li.l_discount).sum()


def _scalar(value) -> pd.DataFrame:
    return pd.DataFrame({"revenue": [float(value)]})


def q6_frames(data: Path) -> pd.DataFrame:
    return _scalar(_q6(_frames(data, "lineitem")).compute(scheduler="threads"))


def q6_dask(data: Path) -> pd.DataFrame:
    return _scalar(_q6(_floats(_dask(data, "lineitem"), "l_extendedprice", "l_discount", "l_quantity")).compute())


def q6_pandas(data: Path) -> pd.DataFrame:
    li = _pandas(data, "lineitem", ["l_shipdate", "l_discount", "l_quantity", "l_extendedprice"])
    return _scalar(_q6(_floats(li, "l_extendedprice", "l_discount", "l_quantity")))


# Q12: shipping modes and order priority. isin on strings, comparisons of two date columns, a
# merge, conditional counts as 0/1 columns summed per group.
Q12_FROM, Q12_TO = D(1994, 1, 1), D(1995, 1, 1)


def _q12(od, li):
    li = li[li.l_shipmode.isin(["MAIL", "SHIP"]) & (li.l_commitdate < li.l_receiptdate)
            & (li.l_shipdate < li.l_commitdate) & (li.l_receiptdate >= Q12_FROM) & (li.l_receiptdate < Q12_TO)]
    j = li.merge(od, left_on="l_orderkey", right_on="o_orderkey")
    high = j.o_orderpriority.isin(["1-URGENT", "2-HIGH"]).astype("int64")
    j = j.assign(high=high, low=1 - high)
    return j.groupby("l_shipmode").agg(high_line_count=("high", "sum"), low_line_count=("low", "sum"))


def q12_frames(data: Path) -> pd.DataFrame:
    return _q12(_frames(data, "orders"), _frames(data, "lineitem")).compute(scheduler="threads")


def q12_dask(data: Path) -> pd.DataFrame:
    return _q12(_dask(data, "orders"), _dask(data, "lineitem")).compute()


def q12_pandas(data: Path) -> pd.DataFrame:
    od = _pandas(data, "orders", ["o_orderkey", "o_orderpriority"])
    li = _pandas(data, "lineitem", ["l_orderkey", "l_shipmode", "l_commitdate", "l_receiptdate", "l_shipdate"])
    return _q12(od, li)


class Pipeline(NamedTuple):
    title: str
    ordered: bool  # the answer's row order is part of it (a sort or top-k)
    run: dict[str, Callable[[Path], pd.DataFrame]]


PIPELINES = {
    "q1": Pipeline("Q1 filter, 2 derived columns, group-by with 8 aggregates", False,
                   {"frames": q1_frames, "dask": q1_dask, "pandas": q1_pandas}),
    "q3": Pipeline("Q3 3 filters, 2 merges, group-by on 3 keys, top 10", True,
                   {"frames": q3_frames, "dask": q3_dask, "pandas": q3_pandas}),
    "q5": Pipeline("Q5 6 tables, 5 merges (one on 2 keys), group-by, sort", True,
                   {"frames": q5_frames, "dask": q5_dask, "pandas": q5_pandas}),
    "q6": Pipeline("Q6 5 range filters, sum of a product", False,
                   {"frames": q6_frames, "dask": q6_dask, "pandas": q6_pandas}),
    "q12": Pipeline("Q12 isin, column-to-column filters, merge, conditional counts", False,
                    {"frames": q12_frames, "dask": q12_dask, "pandas": q12_pandas}),
}


# -- one engine, one pipeline, in a child process --------------------------------------------------

def _import_engine(engine: str) -> None:
    if engine == "frames":
        import exec as sx

        importlib.import_module("frames")  # even when nothing runs: the memory floor
        sx.config.set(scheduler="threads", num_workers=WORKERS)
    elif engine == "dask":
        import dask

        importlib.import_module("dask.dataframe")
        dask.config.set(scheduler="threads", num_workers=WORKERS)
    elif engine != "pandas":
        raise SystemExit(f"unknown engine {engine}")


def run_worker(engine: str, pipeline: str, data: Path, out: Path, repeat: int) -> dict:
    """Best time of ``repeat`` runs of one pipeline; its last answer pickled to ``out``.
    Pipeline ``"imports"`` runs nothing: the child's peak memory is then the engine's floor."""
    _import_engine(engine)
    if pipeline == "imports":
        return {"seconds": 0.0}
    fn = PIPELINES[pipeline].run[engine]
    best = float("inf")
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            answer = fn(data)
            best = min(best, time.perf_counter() - t0)
    except Exception as exc:  # an engine that cannot run a pipeline is reported, not fatal
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
    with open(out, "wb") as f:
        pickle.dump(answer, f)
    return {"seconds": best}


def spawn(engine: str, pipeline: str, data: Path, out: Path, repeat: int) -> dict:
    """Run one worker and return its report with ``peak_mb``, that child's own peak RSS."""
    cmd = [sys.executable, "-m", "benchmarks.bench_frames", "--worker", engine, "--pipeline", pipeline,
           "--data", str(data), "--out", str(out), "--repeat", str(repeat)]
    return run_child(cmd, ROOT)


# -- comparing answers -----------------------------------------------------------------------------

def _normalize(df: pd.DataFrame, ordered: bool) -> pd.DataFrame:
    """Group keys as columns, numbers as float64, everything else as text; rows sorted unless the
    order is part of the answer."""
    df = df.reset_index(drop=all(n is None for n in df.index.names))  # keep group keys, drop row labels
    out = {}
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_numeric_dtype(col.dtype) or (len(col) and hasattr(col.iloc[0], "as_tuple")):
            out[c] = col.astype("float64").to_numpy()
        else:
            out[c] = col.astype(str).to_numpy()
    df = pd.DataFrame(out)
    if not ordered:
        df = df.sort_values(list(df.columns)).reset_index(drop=True)
    return df


def compare(reference: pd.DataFrame, other: pd.DataFrame, ordered: bool) -> str | None:
    """None when the answers agree (numbers to a relative 1e-9), else what differs."""
    a, b = _normalize(reference, ordered), _normalize(other, ordered)
    if list(a.columns) != list(b.columns):
        return f"columns {list(b.columns)}, frames has {list(a.columns)}"
    if len(a) != len(b):
        return f"{len(b)} rows, frames has {len(a)}"
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        equal = np.isclose(x, y, rtol=1e-9, atol=0) if x.dtype.kind == "f" and y.dtype.kind == "f" else x == y
        if not equal.all():
            bad = int(np.flatnonzero(~equal)[0])
            return f"column {c} row {bad}: {y[bad]!r}, frames has {x[bad]!r}"
    return None


# -- the parent: run everything, write the table ---------------------------------------------------

def _secs(r: dict) -> str:
    return f"{r['seconds']:.3f}" if "seconds" in r else "failed"


def pipeline_table(data: Path, names: list[str]) -> tuple[list[str], list[str]]:
    out = Path(tempfile.mkdtemp(prefix="bench-frames-"))
    floor = {e: spawn(e, "imports", data, out / f"{e}_imports.pkl", 1)["peak_mb"] for e in ENGINES}
    lines = [
        "| pipeline | frames s | dask s (x frames) | pandas s (x frames) | frames peak RSS | dask peak RSS | pandas peak RSS | answers agree |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes: list[str] = []
    totals = {e: 0.0 for e in ENGINES}
    complete = True  # every engine ran every pipeline, so the totals compare like with like
    ratios: list[float] = []
    agree = {"dask": 0, "pandas": 0}
    for name in names:
        p = PIPELINES[name]
        rep = {}
        for e in ENGINES:
            rep[e] = spawn(e, name, data, out / f"{e}_{name}.pkl", REPEAT[e])
            print(f"{name} {e}: {rep[e]}", file=sys.stderr)
        answers = {e: pickle.loads((out / f"{e}_{name}.pkl").read_bytes()) for e in ENGINES if "seconds" in rep[e]}
        verdicts = []
        for e in ("dask", "pandas"):
            if "frames" not in answers or e not in answers:
                verdicts.append(f"{e}: not compared")
                continue
            diff = compare(answers["frames"], answers[e], p.ordered)
            verdicts.append(f"{e}: {'yes' if diff is None else 'NO'}")
            agree[e] += diff is None
            if diff is not None:
                notes.append(f"- {name}: {e}'s answer differs from frames': {diff}")
        for e in ENGINES:
            if "error" in rep[e]:
                notes.append(f"- {name}: {e} failed: {rep[e]['error']}")
                complete = False
            else:
                totals[e] += rep[e]["seconds"]
        base = rep["frames"].get("seconds")

        def cell(e):
            s = rep[e].get("seconds")
            return _secs(rep[e]) + (f" ({s / base:.1f}x)" if s is not None and base else "")

        if base and "seconds" in rep["dask"]:
            ratios.append(rep["dask"]["seconds"] / base)
        lines.append(f"| {p.title} | {_secs(rep['frames'])} | {cell('dask')} | {cell('pandas')} | "
                     + " | ".join(f"{rep[e]['peak_mb']:.0f} MB" for e in ENGINES) + f" | {', '.join(verdicts)} |")
    t = totals
    ratio = lambda e: f" ({t[e] / t['frames']:.1f}x)" if t["frames"] else ""  # noqa: E731
    lines.append(f"| **total** | **{t['frames']:.2f}** | **{t['dask']:.2f}**{ratio('dask')} | **{t['pandas']:.2f}**{ratio('pandas')} | "
                 + " | ".join(f"floor {floor[e]:.0f} MB" for e in ENGINES) + " | |")
    summary = []
    if complete and t["frames"] and ratios:
        geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
        summary.append(f"- frames speed-up over dask.dataframe: {t['dask'] / t['frames']:.2f}x on the total, "
                       f"{geomean:.2f}x the geometric mean of the pipelines' ratios (answers agree on {agree['dask']}/{len(names)})")
        summary.append(f"- frames speed-up over pandas: {t['pandas'] / t['frames']:.2f}x on the total "
                       f"(answers agree on {agree['pandas']}/{len(names)})")
    else:
        summary.append("- no overall speed-up: some engine failed a pipeline, so the totals do not compare like with like")
    return lines, summary + notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=None, help="directory with TPC-H parquet (generated if absent)")
    ap.add_argument("--pipelines", default=",".join(PIPELINES), help=f"comma-separated subset of {','.join(PIPELINES)}")
    ap.add_argument("--map-partitions", action=argparse.BooleanOptionalAction, default=True,
                    help="run part 1, map_partitions processes vs sync (default: yes)")
    ap.add_argument("--output", type=Path, default=RESULTS, help=f"where the table goes (default {RESULTS.relative_to(ROOT)})")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--pipeline", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.pipeline, args.data, args.out, args.repeat)))
        return 0
    names = args.pipelines.split(",")
    unknown = [n for n in names if n not in PIPELINES]
    if unknown:
        ap.error(f"unknown pipelines {unknown}; choose from {list(PIPELINES)}")
    data = ensure_data(args.sf, args.data)

    import dask
    import pyarrow

    cmd = f"python -m benchmarks.bench_frames --sf {args.sf:g}" + ("" if names == list(PIPELINES) else f" --pipelines {args.pipelines}")
    lines = [
        "# frames benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; pandas {pd.__version__}, "
        f"dask {dask.__version__}, pyarrow {pyarrow.__version__}; `{cmd}`",
    ]
    if args.map_partitions:
        rows = bench_map_partitions()
        sync = rows[0][2]
        lines += ["", "## map_partitions: processes vs sync", "",
                  "| workload | scheduler | seconds | ratio |", "|---|---|---:|---:|"]
        lines += [f"| {name} | {engine} | {secs:.3f} | {secs / sync:.2f}x |" for name, engine, secs in rows]
        lines += ["", f"- processes speed-up over sync (first compute included): {sync / rows[1][2]:.2f}x"]
    table, notes = pipeline_table(data, names)
    lines += [
        "", f"## TPC-H-shaped DataFrame pipelines, SF{args.sf:g}", "",
        f"frames and dask.dataframe on the threads scheduler with {WORKERS} workers, best of "
        f"{REPEAT['frames']} runs; pandas one run. Each engine runs each pipeline in a process of its own; peak "
        "RSS is that process's maximum resident memory (imports and the interpreter included: the *floor* in "
        "the total row is a process that only imports the engine). dask reads partitions of 8 row groups (as many "
        "partitions as frames makes); pandas reads dates and decimals as Arrow types, as dask does; both cast "
        "decimals to float64 through pyarrow. Answers are checked against frames' (numbers to a relative 1e-9).",
        "",
        *table, "", *notes,
    ]
    publish(args.output, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

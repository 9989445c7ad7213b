"""The h2o db-benchmark's 10 group-by and 5 join questions, written for each engine.

The code follows the db-benchmark's own solutions (duckdblabs/db-benchmark ``dask/groupby_dask.py``,
``dask/join_dask.py``, ``polars/groupby-polars.py``, ``duckdb/groupby-duckdb.py`` and their join
twins; ``pandas/groupby-pandas.py`` for the reference): frames' DataFrame API takes the dask code
where frames has the call, and pandas' own idiom where the dask code only works around dask (q8:
``groupby().v3.nlargest(2)`` instead of ``apply(lambda g: g.nlargest(2))``; q9:
``groupby().v1.corr(x.v2) ** 2`` instead of ``apply(lambda g: g.corr())``). frames' SQL runs the
DuckDB solution's SQL (q8 with a window function: frames has no ``max(v3, 2)`` list aggregate).

Every question's answer is summarized as the db-benchmark's ``chk`` does: its row count and the sums
of its value columns (``CHECKS``), so engines that name, order or type their answers differently
can be compared (``agree``).
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

GROUPBY = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"]
JOIN = ["j1", "j2", "j3", "j4", "j5"]
TITLES = {
    "q1": "sum v1 by id1", "q2": "sum v1 by id1:id2", "q3": "sum v1 mean v3 by id3", "q4": "mean v1:v3 by id4",
    "q5": "sum v1:v3 by id6", "q6": "median v3 sd v3 by id4 id5", "q7": "max v1 - min v2 by id3",
    "q8": "largest two v3 by id6", "q9": "regression v1 v2 by id2 id4", "q10": "sum v3 count by id1:id6",
    "j1": "small inner on int", "j2": "medium inner on int", "j3": "medium outer on int",
    "j4": "medium inner on factor", "j5": "big inner on int",
}
CHECKS = {
    "q1": ["v1"], "q2": ["v1"], "q3": ["v1", "v3"], "q4": ["v1", "v2", "v3"], "q5": ["v1", "v2", "v3"],
    "q6": ["median_v3", "sd_v3"], "q7": ["range_v1_v2"], "q8": ["largest2_v3"], "q9": ["r2"], "q10": ["v3", "count"],
    **{j: ["v1", "v2"] for j in JOIN},
}
ALL_IDS = ["id1", "id2", "id3", "id4", "id5", "id6"]


def task_of(question: str) -> str:
    return "groupby" if question in GROUPBY else "join"


class Check(NamedTuple):
    rows: int
    sums: tuple[float, ...]


def agree(a: Check, b: Check, rtol: float = 1e-6) -> str | None:
    """None when two answers' checks agree (sums to a relative ``rtol``: engines sum in different
    orders), else what differs."""
    if a.rows != b.rows:
        return f"{b.rows} rows, not {a.rows}"
    for i, (x, y) in enumerate(zip(a.sums, b.sums)):
        if not (math.isclose(x, y, rel_tol=rtol, abs_tol=1e-9) or (math.isnan(x) and math.isnan(y))):
            return f"sum {i} is {y!r}, not {x!r}"
    return None


def _pandas_check(answer, columns: list[str]) -> Check:
    return Check(len(answer), tuple(float(answer[c].astype("float64").sum()) for c in columns))


# -- pandas-like engines: pandas (the reference), frames' DataFrame API and dask.dataframe -----------
#
# ``run(x, ...)`` gives a pandas DataFrame; ``done`` is how the engine computes a lazy result
# (pandas: nothing). The code is the dask solution's, with the engine's own calls where noted.

def _reset(df):
    return df.reset_index()


def pandas_like_groupby(q: str, x, done: Callable, engine: str):
    g = dict(dropna=False, observed=True)
    if q == "q1":
        return _reset(done(x.groupby("id1", **g).agg({"v1": "sum"})))
    if q == "q2":
        return _reset(done(x.groupby(["id1", "id2"], **g).agg({"v1": "sum"})))
    if q == "q3":
        return _reset(done(x.groupby("id3", **g).agg({"v1": "sum", "v3": "mean"})))
    if q == "q4":
        return _reset(done(x.groupby("id4", **g).agg({"v1": "mean", "v2": "mean", "v3": "mean"})))
    if q == "q5":
        return _reset(done(x.groupby("id6", **g).agg({"v1": "sum", "v2": "sum", "v3": "sum"})))
    if q == "q6":
        kw = {"shuffle_method": "tasks"} if engine == "dask" else {}
        ans = _reset(done(x.groupby(["id4", "id5"], **g).agg({"v3": ["median", "std"]}, **kw)))
        ans.columns = ["id4", "id5", "median_v3", "sd_v3"]
        return ans
    if q == "q7":
        ans = x.groupby("id3", **g).agg({"v1": "max", "v2": "min"})
        return _reset(done(ans.assign(range_v1_v2=lambda a: a["v1"] - a["v2"])[["range_v1_v2"]]))
    if q == "q8":
        if engine == "dask":
            ans = x[~x["v3"].isna()][["id6", "v3"]].groupby("id6", **g).apply(
                lambda a: a.nlargest(2, columns="v3"), meta={"v3": "float64"}, include_groups=False)[["v3"]]
            ans = done(ans).reset_index(level="id6").reset_index(drop=True)
        elif engine == "pandas":  # the pandas solution's
            ans = x[~x["v3"].isna()][["id6", "v3"]].sort_values("v3", ascending=False).groupby("id6", **g).head(2)
        else:
            ans = done(x[~x["v3"].isna()].groupby("id6", **g).v3.nlargest(2)).reset_index()
        return ans[["id6", "v3"]].rename(columns={"v3": "largest2_v3"})
    if q == "q9":
        if engine in ("dask", "pandas"):
            kw = {"meta": {"r2": "float64"}} if engine == "dask" else {}
            ans = x[["id2", "id4", "v1", "v2"]].groupby(["id2", "id4"], **g).apply(
                lambda a: pd_series({"r2": a.corr()["v1"]["v2"] ** 2}), include_groups=False, **kw)
            return _reset(done(ans))
        return done(x.groupby(["id2", "id4"], **g).v1.corr(x.v2) ** 2).rename("r2").reset_index()
    if q == "q10":
        kw = {"split_out": x.npartitions} if engine != "pandas" else {}
        ans = x.groupby(ALL_IDS, **g).agg({"v3": "sum", "v1": "size"}, **kw).rename(columns={"v1": "count"})
        return _reset(done(ans))
    raise KeyError(q)


def pd_series(d: dict):
    import pandas as pd

    return pd.Series(d)


def pandas_like_join(q: str, x, small, medium, big, done: Callable):
    if q == "j1":
        return done(x.merge(small, on="id1"))
    if q == "j2":
        return done(x.merge(medium, on="id2"))
    if q == "j3":
        return done(x.merge(medium, how="left", on="id2"))
    if q == "j4":
        return done(x.merge(medium, on="id5"))
    if q == "j5":
        return done(x.merge(big, on="id3"))
    raise KeyError(q)


# -- SQL engines: DuckDB and frames' SQL -------------------------------------------------------------

SQL = {
    "q1": "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    "q2": "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    "q3": "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    "q5": "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    "q6": "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    "q7": "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    "q8": "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS "
          "order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2",
    "q9": "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    "q10": "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6",
    "j1": "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)",
    "j2": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2)",
    "j3": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2)",
    "j4": "SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5)",
    "j5": "SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, big.id6 AS big_id6, v2 "
          "FROM x JOIN big USING (id3)",
}


# -- the engines -------------------------------------------------------------------------------------

class Engine:
    """``load(paths)`` reads a task's tables into memory (not timed); ``run(q)`` answers a
    question (timed); ``check(answer, q)`` summarizes the answer (not timed)."""

    name = ""

    def load(self, paths: dict[str, str]) -> None:
        raise NotImplementedError

    def run(self, q: str) -> Any:
        raise NotImplementedError

    def check(self, answer: Any, q: str) -> Check:
        return _pandas_check(answer, CHECKS[q])


class PandasEngine(Engine):
    """The reference: pandas with Arrow-backed strings, as it reads Parquet."""

    name = "pandas"

    def load(self, paths):
        import pandas as pd

        self.tables = {t: pd.read_parquet(p) for t, p in paths.items()}

    def run(self, q):
        t = self.tables
        if task_of(q) == "groupby":
            return pandas_like_groupby(q, t["x"], lambda a: a, self.name)
        return pandas_like_join(q, t["x"], t["small"], t["medium"], t["big"], lambda a: a)


class FramesEngine(Engine):
    """frames' DataFrame API over the Parquet files persisted in memory."""

    name = "frames"

    def __init__(self, scheduler: str | None = None, npartitions: int | None = None):
        self.scheduler, self.npartitions = scheduler, npartitions

    def load(self, paths):
        import frames

        self.tables = {}
        for t, p in paths.items():
            df = frames.read_parquet(p)
            if self.npartitions:
                df = df.repartition(npartitions=self.npartitions)
            self.tables[t] = df.persist(scheduler=self.scheduler)

    def _done(self, lazy):
        return lazy.compute(scheduler=self.scheduler)

    def run(self, q):
        t = self.tables
        if task_of(q) == "groupby":
            return pandas_like_groupby(q, t["x"], self._done, self.name)
        return pandas_like_join(q, t["x"], t["small"], t["medium"], t["big"], self._done)


class DaskEngine(Engine):
    """dask.dataframe, its Parquet reads persisted (partitions of one row group)."""

    name = "dask"

    def load(self, paths):
        import dask.dataframe as dd

        self.tables = {t: dd.read_parquet(p, split_row_groups=True).persist() for t, p in paths.items()}

    def run(self, q):
        t = self.tables
        if task_of(q) == "groupby":
            return pandas_like_groupby(q, t["x"], lambda a: a.compute(), self.name)
        return pandas_like_join(q, t["x"], t["small"], t["medium"], t["big"], lambda a: a.compute())


class FramesSQLEngine(Engine):
    """frames' SQL (sqlengine) over the same persisted frames; the answer computed to pandas."""

    name = "frames-sql"

    def __init__(self, scheduler: str | None = None):
        self.scheduler = scheduler

    def load(self, paths):
        import frames
        import sqlengine

        self.ctx = sqlengine.Context()
        for t, p in paths.items():
            self.ctx.register(t, frames.read_parquet(p).persist(scheduler=self.scheduler))

    def run(self, q):
        return self.ctx.sql(SQL[q]).compute(scheduler=self.scheduler)


class DuckDBEngine(Engine):
    """DuckDB: tables in memory, each answer a temporary table (as the db-benchmark's solution)."""

    name = "duckdb"

    def load(self, paths):
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        for t, p in paths.items():
            self.con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_parquet('{p}')")

    def run(self, q):
        self.con.execute("DROP TABLE IF EXISTS ans")
        self.con.execute(f"CREATE TEMP TABLE ans AS {SQL[q]}")
        return "ans"

    def check(self, answer, q):
        # NaN (a zero-variance group's r2) left out, as pandas' sum skips it
        sums = ", ".join(f"sum(CAST({c} AS DOUBLE)) FILTER (WHERE NOT isnan(CAST({c} AS DOUBLE)))" for c in CHECKS[q])
        rows, *values = self.con.execute(f"SELECT count(*), {sums} FROM ans").fetchone()
        return Check(rows, tuple(float("nan") if v is None else float(v) for v in values))


class PolarsEngine(Engine):
    """Polars: lazy queries over DataFrames read into memory (the db-benchmark's solution)."""

    name = "polars"

    def load(self, paths):
        import polars as pl

        self.tables = {t: pl.read_parquet(p).lazy() for t, p in paths.items()}

    def run(self, q):
        import polars as pl

        x = self.tables["x"]
        if q == "q1":
            return x.group_by("id1").agg(pl.sum("v1").alias("v1")).collect()
        if q == "q2":
            return x.group_by(["id1", "id2"]).agg(pl.sum("v1").alias("v1")).collect()
        if q == "q3":
            return x.group_by("id3").agg([pl.sum("v1").alias("v1"), pl.mean("v3").alias("v3")]).collect()
        if q == "q4":
            return x.group_by("id4").agg([pl.mean(c).alias(c) for c in ("v1", "v2", "v3")]).collect()
        if q == "q5":
            return x.group_by("id6").agg([pl.sum(c).alias(c) for c in ("v1", "v2", "v3")]).collect()
        if q == "q6":
            return x.group_by(["id4", "id5"]).agg([pl.median("v3").alias("median_v3"), pl.std("v3").alias("sd_v3")]).collect()
        if q == "q7":
            return x.group_by("id3").agg([(pl.max("v1") - pl.min("v2")).alias("range_v1_v2")]).collect()
        if q == "q8":
            return (x.drop_nulls("v3").group_by("id6").agg(pl.col("v3").top_k(2).alias("largest2_v3"))
                    .explode("largest2_v3").collect())
        if q == "q9":
            return x.group_by(["id2", "id4"]).agg((pl.corr("v1", "v2", method="pearson") ** 2).alias("r2")).collect()
        if q == "q10":
            return x.group_by(ALL_IDS).agg([pl.sum("v3").alias("v3"), pl.len().alias("count")]).collect()
        small, medium, big = (self.tables[t] for t in ("small", "medium", "big"))
        if q == "j1":
            return x.join(small, on="id1").collect()
        if q == "j2":
            return x.join(medium, on="id2").collect()
        if q == "j3":
            return x.join(medium, how="left", on="id2").collect()
        if q == "j4":
            return x.join(medium, on="id5").collect()
        if q == "j5":
            return x.join(big, on="id3").collect()
        raise KeyError(q)

    def check(self, answer, q):
        import polars as pl

        sums = answer.select([pl.col(c).cast(pl.Float64).fill_nan(None).sum() for c in CHECKS[q]]).row(0)
        return Check(answer.height, tuple(float(v) for v in sums))


ENGINES: dict[str, Callable[[], Engine]] = {
    "frames": FramesEngine, "frames-sql": FramesSQLEngine, "dask": DaskEngine, "polars": PolarsEngine,
    "duckdb": DuckDBEngine, "pandas": PandasEngine,
}

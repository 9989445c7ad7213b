"""SQL features against DuckDB on the same small tables, and errors that name the culprit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import sqlengine
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 200
    emp = pd.DataFrame({
        "id": np.arange(n),
        "dept": rng.choice(["eng", "ops", "sales", None], n),
        "salary": rng.integers(30, 200, n).astype("float64"),
        "boss": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 50, n)),
        "name": [f"emp{i:03d}" for i in range(n)],
        "hired": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
    })
    dept = pd.DataFrame({"dept": ["eng", "ops", "hr"], "floor": [1, 2, 3]})
    return {"emp": emp, "dept": dept}


@pytest.fixture(scope="module")
def engines(data):
    ctx = sqlengine.Context()
    con = duckdb.connect()
    for name, frame in data.items():
        ctx.register(name, frame)
        con.register(name, frame)
    return ctx, con


CASES = [
    "SELECT dept, count(*) AS n, sum(salary) AS s, avg(salary) AS a, min(name) AS lo, max(hired) AS hi FROM emp GROUP BY dept",
    "SELECT dept, count(DISTINCT boss) AS bosses, stddev(salary) AS sd, variance(salary) AS v FROM emp GROUP BY dept",
    "SELECT e.name, d.floor FROM emp e JOIN dept d ON e.dept = d.dept WHERE d.floor > 1",
    "SELECT e.name, d.floor FROM emp e LEFT JOIN dept d ON e.dept = d.dept",
    "SELECT d.dept, e.name FROM emp e RIGHT JOIN dept d ON e.dept = d.dept",
    "SELECT coalesce(e.dept, d.dept) AS k, e.id FROM emp e FULL OUTER JOIN dept d ON e.dept = d.dept",
    "SELECT e.id, d.dept FROM emp e CROSS JOIN dept d WHERE e.id < 5",
    "SELECT name, floor FROM emp JOIN dept USING (dept)",
    "SELECT a.id, b.id AS other FROM emp a JOIN emp b ON a.boss = b.id AND a.salary > b.salary",
    "SELECT name FROM emp WHERE dept IN (SELECT dept FROM dept WHERE floor < 3)",
    "SELECT name FROM emp WHERE boss NOT IN (SELECT id FROM emp WHERE salary > 150)",
    "SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM dept d WHERE d.dept = e.dept)",
    "SELECT name FROM emp e WHERE NOT EXISTS (SELECT 1 FROM dept d WHERE d.dept = e.dept)",
    "SELECT a.name FROM emp a WHERE EXISTS (SELECT 1 FROM emp b WHERE b.dept = a.dept AND b.salary > a.salary + 100)",
    "SELECT a.name FROM emp a WHERE EXISTS (SELECT 1 FROM emp b WHERE b.dept = a.dept AND b.boss <> a.boss)",
    "SELECT a.name FROM emp a WHERE NOT EXISTS (SELECT 1 FROM emp b WHERE b.dept = a.dept AND b.boss <> a.boss)",
    "SELECT a.name FROM emp a WHERE NOT EXISTS (SELECT 1 FROM emp b WHERE b.dept = a.dept AND b.id <> a.id AND b.salary > a.salary)",
    "SELECT name, salary FROM emp WHERE salary > (SELECT avg(salary) FROM emp)",
    "SELECT name, (SELECT max(floor) FROM dept) AS top FROM emp WHERE id < 3",
    "WITH rich AS (SELECT * FROM emp WHERE salary > 100) SELECT a.id FROM rich a JOIN rich b ON a.id = b.boss",
    "SELECT dept FROM emp UNION SELECT dept FROM dept",
    "SELECT dept FROM emp UNION ALL SELECT dept FROM dept",
    "SELECT dept FROM dept INTERSECT SELECT dept FROM emp",
    "SELECT dept FROM dept EXCEPT SELECT dept FROM emp",
    "SELECT DISTINCT dept FROM emp",
    "SELECT dept, sum(salary) AS s FROM emp GROUP BY dept HAVING sum(salary) > 3000",
    "SELECT dept, count(*) FROM emp GROUP BY 1",
    "SELECT salary > 100 AS high, count(*) AS n FROM emp GROUP BY salary > 100",
    "SELECT name, boss FROM emp ORDER BY boss NULLS FIRST, name LIMIT 7",
    "SELECT name, boss FROM emp ORDER BY boss DESC NULLS LAST, name LIMIT 5 OFFSET 3",
    "SELECT CASE WHEN salary > 150 THEN 'high' WHEN salary > 80 THEN 'mid' ELSE 'low' END AS band, count(*) AS n FROM emp GROUP BY 1",
    "SELECT CAST(salary AS INTEGER) AS s, NULLIF(dept, 'eng') AS d, coalesce(dept, 'none') AS c FROM emp",
    "SELECT name FROM emp WHERE name LIKE 'emp1%' AND name NOT LIKE '%5' AND salary BETWEEN 50 AND 150",
    "SELECT upper(name) AS u, lower(dept) AS l, length(name) AS n, substring(name, 2, 3) AS s, trim('  x ') AS t, name || '-' || dept AS c FROM emp",
    "SELECT round(salary / 7, 2) AS r, abs(salary - 100) AS a, id % 7 AS m FROM emp",
    "SELECT extract(year FROM hired) AS y, date_trunc('month', hired) AS m, count(*) AS n FROM emp GROUP BY 1, 2",
    "SELECT sum(salary) AS s, count(*) AS n, count(boss) AS b, avg(salary) AS a FROM emp WHERE salary < 0",
    "SELECT id, CAST(hired AS DATE) + INTERVAL 3 DAY AS d3, CAST(hired AS DATE) - INTERVAL 1 MONTH AS m1, CAST(hired AS DATE) + INTERVAL 1 YEAR AS y1 FROM emp",
    "SELECT dept, sum(boss) AS s FROM emp WHERE boss IS NULL GROUP BY dept",
    "SELECT id, dept, row_number() OVER (PARTITION BY dept ORDER BY salary, id) AS rn, rank() OVER (ORDER BY salary) AS r, dense_rank() OVER (ORDER BY salary) AS dr FROM emp",
    "SELECT id, lag(salary) OVER (PARTITION BY dept ORDER BY id) AS prev, lead(salary, 2, 0) OVER (PARTITION BY dept ORDER BY id) AS nxt FROM emp",
    "SELECT id, sum(salary) OVER (PARTITION BY dept ORDER BY id) AS run, avg(salary) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS mv FROM emp",
    "SELECT id, first_value(name) OVER w AS f, last_value(name) OVER w AS l, count(*) OVER (PARTITION BY dept) AS n FROM emp WINDOW w AS (PARTITION BY dept ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
    "SELECT dept, boss, sum(salary) AS s, count(*) AS n FROM emp GROUP BY ROLLUP (dept, boss)",
    "SELECT dept, boss, sum(salary) AS s FROM emp GROUP BY CUBE (dept, boss)",
    "SELECT dept, boss > 25 AS b, count(*) AS n FROM emp GROUP BY GROUPING SETS ((dept), (boss > 25), ())",
]


@pytest.mark.parametrize("sql", CASES)
def test_matches_duckdb(engines, sql):
    ctx, con = engines
    got = ctx.sql(sql).compute()
    expected = con.execute(sql).df()
    got.columns = [c.lower() for c in got.columns]
    expected.columns = [c.lower() for c in expected.columns]
    top_level_order = re.search(r"ORDER BY[^)]*$", sql) is not None  # not an ORDER BY inside OVER (...)
    assert_same(got, expected, ordered=top_level_order)


def test_nested_grouping_sets_aggregate_the_input_once(engines):
    """ROLLUP's levels merge from the next finer one's partial results: the rows are aggregated
    once (answers: the ROLLUP / CUBE cases above and tests/sql/cases/grouping.sql)."""
    from frames.dataframe.expr.aggregate import Aggregate
    from frames.dataframe.expr.pushdown import walk

    def aggregates(sql):
        return [(a.partial_in, a.partial_out) for a in walk(ctx.sql(sql)._optimized()) if isinstance(a, Aggregate)]

    ctx, _ = engines
    got = aggregates("SELECT dept, boss, id % 3 AS m, sum(salary) AS s, avg(salary) AS a FROM emp GROUP BY ROLLUP (dept, boss, id % 3)")
    assert sorted(got) == [(False, True)] + [(True, False)] * 4 + [(True, True)] * 3
    # COUNT(DISTINCT) does not merge from partial results: one aggregation of the rows per set
    assert aggregates("SELECT dept, count(DISTINCT boss) AS b FROM emp GROUP BY ROLLUP (dept)") == [(False, False)] * 2


def test_statements(engines, tmp_path):
    ctx, _ = engines
    assert ctx.sql("CREATE TABLE rich AS SELECT * FROM emp WHERE salary > 150") is None
    assert "rich" in ctx.tables()
    ctx.sql("CREATE OR REPLACE VIEW eng AS SELECT name FROM emp WHERE dept = 'eng'")
    assert len(ctx.sql("SELECT * FROM eng").compute()) == len(ctx.sql("SELECT name FROM emp WHERE dept = 'eng'").compute())
    described = ctx.sql("DESCRIBE emp").compute()
    assert list(described.column_name) == ["id", "dept", "salary", "boss", "name", "hired"]
    assert "emp" in set(ctx.sql("SHOW TABLES").compute().name)
    ctx.sql(f"COPY (SELECT id, salary FROM rich) TO '{tmp_path / 'rich.parquet'}'")
    back = sqlengine.sql(f"SELECT count(*) AS n FROM '{tmp_path / 'rich.parquet'}'").compute()
    assert back.n[0] == len(ctx.table("rich").compute())
    ctx.sql(f"CREATE VIEW rich_file AS SELECT * FROM read_parquet('{tmp_path / 'rich.parquet'}')")
    assert len(ctx.sql("SELECT * FROM rich_file").compute()) == back.n[0]
    ctx.sql(f"COPY (SELECT id FROM emp WHERE id < 3) TO '{tmp_path / 'few.csv'}' (FORMAT csv)")
    assert ctx.sql(f"SELECT count(*) AS n FROM read_csv('{tmp_path / 'few.csv'}')").compute().n[0] == 3
    ctx.sql("DROP VIEW eng")
    ctx.sql("DROP TABLE rich")
    assert "rich" not in ctx.tables() and "eng" not in ctx.tables()


def test_result_is_a_lazy_frame_that_can_be_registered_back(engines):
    ctx, _ = engines
    res = ctx.sql("SELECT dept, salary FROM emp WHERE salary > 100")
    more = res[res.salary > 150]
    ctx.register("top", more)
    n = ctx.sql("SELECT count(*) AS n FROM top").compute().n[0]
    assert n == (ctx.table("emp").compute().salary > 150).sum()


def test_one_shot_sql_sees_caller_variables():
    local_frame = pd.DataFrame({"x": [1, 2, 3]})  # noqa: F841 - found by name, as DuckDB does
    assert sqlengine.sql("SELECT sum(x) AS s FROM local_frame").compute().s[0] == 6


def test_errors_name_the_culprit(engines):
    ctx, _ = engines
    with pytest.raises(sqlengine.SqlSyntaxError) as info:
        ctx.sql("SELECT name FROM emp WHERE")
    assert info.value.line == 1
    with pytest.raises(sqlengine.TableNotFoundError, match="did you mean 'emp'"):
        ctx.sql("SELECT * FROM empp")
    with pytest.raises(sqlengine.ColumnNotFoundError, match="salry"):
        ctx.sql("SELECT salry FROM emp")
    with pytest.raises(sqlengine.SqlEngineError):
        ctx.sql("SELECT name + 1 FROM emp").compute()
    with pytest.raises(sqlengine.UnsupportedFeatureError, match="RANGE"):
        ctx.sql("SELECT sum(salary) OVER (ORDER BY id RANGE BETWEEN INTERVAL 1 MONTH PRECEDING AND CURRENT ROW) FROM emp")
    with pytest.raises(sqlengine.DataSourceError, match="missing.parquet"):
        ctx.sql("SELECT * FROM 'missing.parquet'")
    with pytest.raises(sqlengine.InvalidArgumentError, match="did you mean 'postgres'"):
        sqlengine.Context(dialect="postgress")  # a bad option fails when given, not at the first query


def test_hive_partitions_and_row_groups_pruned_by_sql_filters(tmp_path):
    con = duckdb.connect()
    for year in (2021, 2022, 2023):
        d = tmp_path / "sales" / f"year={year}"
        d.mkdir(parents=True)
        pa_table = pd.DataFrame({"id": range(100), "amount": [float(i + year) for i in range(100)]})
        pa_table.to_parquet(d / "part.parquet", index=False, row_group_size=25)
    ctx = sqlengine.Context()
    ctx.register("sales", str(tmp_path / "sales"))
    sql = "SELECT year, count(*) AS n, sum(amount) AS s FROM sales WHERE year = 2022 AND id >= 90 GROUP BY year"
    scan = next(line for line in ctx.explain(sql).splitlines() if "ParquetScan" in line)
    assert "files=1/3" in scan and "row_groups=1/12" in scan
    expected = con.execute(f"SELECT year, count(*) AS n, sum(amount) AS s FROM read_parquet('{tmp_path}/sales/*/*.parquet', hive_partitioning=true) WHERE year = 2022 AND id >= 90 GROUP BY year").df()
    assert_same(ctx.sql(sql).compute(), expected, ordered=False)

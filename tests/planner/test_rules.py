"""Golden tests: each optimizer rule's plan before and after, and results unchanged by the rules."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frames
import sqlengine
from frames.expr.blockwise import Filter, Project
from frames.expr.join import Join
from frames.expr.reshape import Limit
from frames.expr.scalar import Col, Lit, call
from frames.expr.sort import Sort, SortKey
from planner.rules import RULES, RuleContext, optimize
from planner.rules.choose_build_side import choose_build_side
from planner.rules.fold_constants import fold_constants
from planner.rules.prune_columns import prune_columns
from planner.rules.push_down_filter import push_down_filter
from planner.rules.push_down_limit import push_down_limit

CTX = RuleContext()


@pytest.fixture
def scan(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": list(range(100)), "b": [float(i) for i in range(100)], "c": ["x"] * 100}), path, row_group_size=25)
    return frames.read_parquet(str(path))._node


def lines(node) -> list[str]:
    return [line.strip() for line in node.explain().splitlines()]


def test_registry_order_and_names():
    assert [r.__name__ for r in RULES] == ["fold_constants", "push_down_filter", "push_down_limit", "choose_build_side", "prune_columns"]


def test_fold_constants(scan):
    before = Filter(Project(scan, (("a", Col("a")), ("k", call("add", Lit(1), Lit(2))))), call("lt", Lit(1), Lit(2)))
    assert lines(before)[:2] == ["Filter (1 < 2)", "Project a, (1 + 2) AS k"]
    after = fold_constants(before, CTX)
    assert lines(after)[0] == "Project a, 3 AS k"
    assert fold_constants(after, CTX) is after  # nothing left: the same object comes back


def test_push_down_filter(scan):
    before = Filter(Project(scan, (("x", Col("a")), ("c", Col("c")))), call("ge", Col("x"), Lit(80)))
    after = push_down_filter(before, CTX)
    assert lines(after) == [
        "Project a AS x, c",
        "ParquetScan t.parquet columns=[a, b, c] filter=(a >= 80) row_groups=1/4 files=1/1",
    ]


def test_push_down_limit(scan):
    before = Limit(Project(Sort(scan, (SortKey("b", False),)), (("b", Col("b")),)), 3)
    after = push_down_limit(before, CTX)
    assert lines(after)[:2] == ["Project b", "Limit 3"]
    assert lines(push_down_limit(after, CTX))[2].startswith("TopK [b DESC NULLS LAST] limit=3")


def test_choose_build_side(scan):
    small = frames.from_pandas(pd.DataFrame({"k": [1, 2], "v": ["p", "q"]}))._node
    before = Join(small, scan, "inner", ("k",), ("a",))
    after = choose_build_side(before, CTX)
    assert lines(after)[:2] == ["Project k, v, a, b, c", "Join inner on [a = k] strategy=single"]
    assert after.schema.names == before.schema.names


def test_prune_columns(scan):
    before = Project(Project(scan, (("a", Col("a")), ("b", Col("b")))), (("a", Col("a")),))
    after = prune_columns(before, CTX)
    assert lines(after)[-1] == "ParquetScan t.parquet columns=[a] row_groups=4/4 files=1/1"


def test_rules_preserve_results(scan):
    plan = Limit(Sort(Filter(Project(scan, (("a", Col("a")), ("b2", call("multiply", Col("b"), Lit(2))))), call("gt", Col("a"), Lit(10))), (SortKey("b2", False),)), 5)
    optimized, applied = optimize(plan)
    assert dict(applied)["push_down_filter"] and dict(applied)["push_down_limit"]
    pd.testing.assert_frame_equal(frames.DataFrame(optimized).compute(), frames.DataFrame(plan).compute())


def test_explain_lists_rules_by_name():
    ctx = sqlengine.Context()
    ctx.register("t", pd.DataFrame({"a": [1, 2, 3]}))
    text = ctx.explain("SELECT a FROM t WHERE a > 1 ORDER BY a LIMIT 1")
    for rule in RULES:
        assert rule.__name__ in text
    assert "TopK" in text


def test_join_order_avoids_cross_products_and_filters_tables_first():
    ctx = sqlengine.Context()
    ctx.register("a", pd.DataFrame({"x": [1, 2, 3], "p": [1, 1, 2]}))
    ctx.register("b", pd.DataFrame({"y": [1, 2], "q": ["u", "v"]}))
    ctx.register("c", pd.DataFrame({"x": [1, 2, 3], "y": [1, 2, 2]}))
    sql = "SELECT a.x, b.q FROM a, b, c WHERE a.x = c.x AND c.y = b.y AND a.p = 1"
    plan = ctx.explain(sql)
    assert "cross" not in plan  # b waits until c connects it
    got = ctx.sql(sql).compute().sort_values("x").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, pd.DataFrame({"x": [1, 2], "q": ["u", "v"]}), check_dtype=False)

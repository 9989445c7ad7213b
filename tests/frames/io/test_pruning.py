"""Parquet pruning: statistics and hive partitions skip work, and results never change.

Every case compares the pruned scan's rows with the same filter evaluated by pandas on all rows.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import exec as ex
from frames.dataframe.expr.node import build_graph
from frames.dataframe.expr.scalar import Col, Lit, call
from frames.dataframe.io import read_parquet_node
from frames.dataframe.io.pruning import may_match


def run(node, scheduler="sync") -> pa.Table:
    graph, keys = build_graph(node)
    tables = ex.get(graph, keys, scheduler=scheduler)
    assert len(tables) == node.npartitions
    for t in tables:
        assert t.schema.equals(node.schema), (t.schema, node.schema)
    return pa.concat_tables(tables)


def sorted_df(table: pa.Table, by: str = "id") -> pd.DataFrame:
    return table.to_pandas().sort_values(by).reset_index(drop=True)


@pytest.fixture(scope="module")
def pdf():
    n = 1000
    rng = np.random.default_rng(11)
    return pd.DataFrame({
        "id": np.arange(n),
        "d": [datetime.date(2020, 1, 1) + datetime.timedelta(days=i // 10) for i in range(n)],
        "x": rng.normal(size=n),
        "k": rng.integers(0, 5, n),
        "s": rng.choice(["ab", "cd", "ce"], n),
    })


@pytest.fixture()
def rg_file(tmp_path, pdf):
    path = tmp_path / "rg.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path, row_group_size=100)  # 10 row groups
    return str(path)


def rg_counts(node) -> tuple[int, int]:
    return sum(len(p.row_groups) for p in node.pieces), sum(len(p.row_groups) for p in node.all_pieces)


def test_or_of_ranges_keeps_only_matching_row_groups(rg_file, pdf, scheduler):
    node = read_parquet_node(rg_file, split_row_groups=True)
    pred = call("or", call("lt", Col("id"), Lit(150)), call("ge", Col("id"), Lit(930)))
    scan = node.with_filter(pred)
    assert rg_counts(scan) == (3, 10)  # row groups 0, 1 and 9
    assert scan.npartitions == 3 and "row_groups=3/10" in scan.describe()
    got = sorted_df(run(scan, scheduler))
    exp = pdf[(pdf.id < 150) | (pdf.id >= 930)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)


def test_typed_literal_and_dates(rg_file, pdf):
    node = read_parquet_node(rg_file, columns=["id"])
    scan = node.with_filter(call("ge", Col("d"), Lit(datetime.date(2020, 4, 1), pa.date32())))
    assert rg_counts(scan) == (1, 10)  # days 91..99 only in the last row group
    got = run(scan)
    assert got.column_names == ["id"]  # the filter's column was read, used, then dropped
    assert got.column("id").to_pylist() == pdf[pdf.d >= datetime.date(2020, 4, 1)].id.tolist()


def test_nothing_matches_gives_one_empty_partition(rg_file):
    node = read_parquet_node(rg_file, columns=["id", "s"]).with_filter(call("gt", Col("id"), Lit(10_000)))
    assert node.npartitions == 1
    assert "row_groups=0/10 files=0/1" in node.describe()
    assert node.estimated_bytes() == 0
    got = run(node)
    assert got.num_rows == 0 and got.schema.names == ["id", "s"]


def test_in_and_is_null(rg_file, pdf):
    node = read_parquet_node(rg_file, split_row_groups=True)
    scan = node.with_filter(call("is_in", Col("id"), values=(5, 777)))
    assert rg_counts(scan) == (2, 10)
    assert sorted(run(scan).column("id").to_pylist()) == [5, 777]
    assert rg_counts(node.with_filter(call("is_in", Col("id"), values=()))) == (0, 10)
    assert rg_counts(node.with_filter(call("is_null", Col("id")))) == (0, 10)  # no NULLs anywhere
    assert rg_counts(node.with_filter(call("is_not_null", Col("id")))) == (10, 10)


def test_nan_is_not_in_statistics(tmp_path):
    """Arrow leaves NaN out of min/max: ``!=`` and ``IS NULL`` (NaN counts as NULL) must not prune."""
    path = tmp_path / "nan.parquet"
    pq.write_table(pa.table({"x": [5.0, float("nan"), 5.0]}), path)
    node = read_parquet_node(str(path))
    ne = node.with_filter(call("ne", Col("x"), Lit(5.0)))
    assert rg_counts(ne) == (1, 1)
    assert run(ne).num_rows == 1  # the NaN row
    isnull = node.with_filter(call("is_null", Col("x")))
    assert rg_counts(isnull) == (1, 1) and run(isnull).num_rows == 1
    # on an integer column the same predicate does prune
    pq.write_table(pa.table({"x": [5, 5]}), path)
    assert rg_counts(read_parquet_node(str(path)).with_filter(call("ne", Col("x"), Lit(5)))) == (0, 1)


@pytest.fixture()
def hive(tmp_path, pdf):
    root = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(pdf, preserve_index=False), str(root), partition_cols=["k", "s"])
    return root


def test_hive_prunes_files_with_any_expression(hive, pdf, scheduler):
    node = read_parquet_node(str(hive))
    assert len({p.path for p in node.all_pieces}) == 15
    # not a column-op-constant comparison: evaluated on each file's partition values
    pred = call("and", call("eq", call("add", Col("k"), Lit(1)), Lit(3)), call("startswith", Col("s"), pattern="c"))
    scan = node.with_filter(pred)
    assert "files=2/15" in scan.describe()
    assert scan.npartitions == 2 < node.npartitions
    got = sorted_df(run(scan, scheduler))
    exp = pdf[(pdf.k == 2) & pdf.s.str.startswith("c")]
    assert got.id.tolist() == exp.id.tolist()
    assert set(got.s) == {"cd", "ce"} and set(got.k) == {2}


def test_hive_glob_has_partition_columns(hive):
    expected = ds.dataset(str(hive), partitioning="hive").to_table().sort_by("id")
    node = read_parquet_node(str(hive / "k=*" / "s=c*" / "*.parquet"))
    assert node.schema.field("k").type == pa.int32() and "s" in node.schema.names
    got = run(node).sort_by("id")
    exp = expected.filter(pa.compute.starts_with(expected["s"], "c"))
    assert got.select(["id", "k", "s"]).equals(exp.select(["id", "k", "s"]).cast(got.select(["id", "k", "s"]).schema))


def test_shallower_file_gets_null_partition_values(tmp_path):
    root = tmp_path / "mixed"
    (root / "k=1").mkdir(parents=True)
    pq.write_table(pa.table({"id": [1, 2]}), root / "k=1" / "a.parquet")
    pq.write_table(pa.table({"id": [3]}), root / "b.parquet")
    node = read_parquet_node(str(root))
    got = run(node).sort_by("id")
    assert got.column("k").to_pylist() == [1, 1, None]
    only = node.with_filter(call("is_null", Col("k")))
    assert run(only).column("id").to_pylist() == [3]


def test_same_columns_in_another_order(tmp_path):
    root = tmp_path / "order"
    root.mkdir()
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), root / "1.parquet")
    pq.write_table(pa.table({"b": ["z"], "a": [3]}), root / "2.parquet")
    got = run(read_parquet_node(str(root)))
    assert got.to_pydict() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


@pytest.mark.parametrize("stats, pred, expected", [
    ({"a": (1, 10, 0, 5)}, call("eq", Col("a"), Lit(11)), False),
    ({"a": (1, 10, 0, 5)}, call("eq", Lit(10), Col("a")), True),
    ({"a": (1, 10, 0, 5)}, call("lt", Lit(10), Col("a")), False),  # 10 < a
    ({"a": (1, 10, 0, 5)}, call("or", call("lt", Col("a"), Lit(1)), call("gt", Col("a"), Lit(10))), False),
    ({"a": (1, 10, 0, 5)}, call("or", call("lt", Col("a"), Lit(1)), call("eq", Col("b"), Lit(0))), True),
    ({"a": (1, 10, 0, 5)}, call("eq", Col("a"), Lit("text")), True),  # incomparable: keep
    ({"a": (1, 10, 0, 5)}, call("eq", call("add", Col("a"), Lit(1)), Lit(99)), True),  # not judged
    ({"a": (None, None, 5, 5)}, call("gt", Col("a"), Lit(0)), False),  # all NULL
    ({"a": (None, None, 5, 5)}, call("is_null", Col("a")), True),
    ({"a": (1, 10, None, 5)}, call("is_null", Col("a")), True),  # null count unknown
    ({"a": (1, 10, 0, 5)}, call("is_in", Col("a"), values=(0, None, 20)), True),  # NULL in the list: keep
])
def test_may_match(stats, pred, expected):
    assert may_match(pred, stats) is expected


def test_filter_selectivity_uses_min_max_ranges():
    import datetime

    from frames.dataframe.expr.scalar import Call, Col, Lit
    from frames.dataframe.io.pruning import filter_selectivity

    d = lambda s: datetime.date.fromisoformat(s)  # noqa: E731
    stats = {"day": (d("1992-01-01"), d("1998-12-31"), 0, 100), "x": (0, 100, 0, 100)}
    month = Call("and", (Call("ge", (Col("day"), Lit(d("1995-09-01"), pa.date32()))),
                         Call("lt", (Col("day"), Lit(d("1995-10-01"), pa.date32())))))
    assert 0.01 < filter_selectivity(month, stats) < 0.013  # 30 days of about 7 years
    assert filter_selectivity(month) == 0.25  # without statistics: half per conjunct
    assert filter_selectivity(Call("lt", (Col("x"), Lit(25))), stats) == pytest.approx(0.25)
    assert filter_selectivity(Call("gt", (Col("x"), Lit(500))), stats) == 0.001  # empty range: the floor
    assert filter_selectivity(Call("eq", (Col("x"), Lit(3))), stats) == pytest.approx(0.1)
    assert filter_selectivity(Call("lt", (Col("x"), Lit("a"))), stats) == 0.5  # incomparable: a flat guess


def test_filter_selectivity_of_like_and_null_guards():
    from frames.dataframe.expr.scalar import Call, Col, call
    from frames.dataframe.io.pruning import filter_selectivity, may_match

    assert filter_selectivity(call("like", Col("s"), pattern="forest%")) == pytest.approx(0.05)  # a literal prefix
    assert filter_selectivity(call("like", Col("s"), pattern="%green%")) == pytest.approx(0.1)
    assert filter_selectivity(call("not", call("like", Col("s"), pattern="%special%requests%"))) == pytest.approx(0.9)
    # NOT x IS NULL (the guard of an IN subquery) keeps as much as x IS NOT NULL, and prunes the same
    guard = Call("not", (call("is_null", Col("x")),))
    assert filter_selectivity(guard) == pytest.approx(0.9)
    assert may_match(guard, {"x": (None, None, 10, 10)}) is False
    assert may_match(guard, {"x": (1, 5, 3, 10)}) is True


def test_statistics_are_decoded_only_for_the_columns_a_filter_reads(tmp_path, monkeypatch):
    from frames.dataframe.io import parquet as pqmod

    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"id": np.arange(1000), **{f"c{i}": np.arange(1000) * i for i in range(10)}}), path, row_group_size=100)
    decoded = []
    original = pqmod._column_stats
    monkeypatch.setattr(pqmod, "_column_stats", lambda col: decoded.append(col.path_in_schema) or original(col))
    node = read_parquet_node(str(path))
    assert node.npartitions >= 1 and decoded == []  # opening the file decodes no statistics
    pruned = node.with_filter(call("lt", Col("id"), Lit(250)))
    assert sum(len(p.row_groups) for p in pruned.pieces) == 3
    assert set(decoded) == {"id"}
    assert sorted_df(run(pruned)).id.tolist() == list(range(250))

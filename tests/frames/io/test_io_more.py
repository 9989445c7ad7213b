"""More reader/writer cases: hive typing, row-group splitting, schema mismatches, CSV options and errors."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import frames
from frames.dataframe.expr.optimize import optimize
from frames.dataframe.io import CsvScan, ParquetScan
from frames.testing import assert_eq


def _scan(df):
    node = optimize(df._node)
    while not isinstance(node, (ParquetScan, CsvScan)):
        node = node.inputs()[0]
    return node


@pytest.fixture(scope="module")
def pdf():
    rng = np.random.default_rng(3)
    n = 3000
    return pd.DataFrame({"id": np.arange(n), "x": rng.integers(0, 10, n), "y": rng.normal(size=n).round(3),
                         "k": rng.integers(0, 4, n), "s": rng.choice(["a b", "c/d", "e"], n)})


def test_hive_types_match_pyarrow_dataset_and_prune(tmp_path, pdf, scheduler):
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    pq.write_to_dataset(table, str(tmp_path / "h"), partition_cols=["k", "s"])
    expected = ds.dataset(str(tmp_path / "h"), partitioning="hive").to_table()
    df = frames.read_parquet(str(tmp_path / "h"))
    assert df.schema.field("k").type == expected.schema.field("k").type == pa.int32()
    got = df.to_arrow(scheduler=scheduler).sort_by("id")
    assert got.select(["id", "x", "y", "k", "s"]).equals(expected.sort_by("id").cast(got.schema).select(["id", "x", "y", "k", "s"]))
    q = df[(df.k == 2) & (df.s == "c/d")][["id", "y"]]
    scan = _scan(q)
    assert scan.npartitions == 1 < df.npartitions == 12
    assert scan.read_columns == ("id", "y") and scan.filter is not None  # filter on columns not read
    assert "files=1/12" in scan.describe()
    exp = pdf[(pdf.k == 2) & (pdf.s == "c/d")][["id", "y"]].sort_values("id")
    assert_eq(q.compute(scheduler=scheduler).sort_values("id"), exp, check_index=False)
    # nothing matches: one empty partition with the right schema
    none = df[df.k == 99]
    assert _scan(none).npartitions == 1
    assert len(none.compute(scheduler=scheduler)) == 0


def test_row_group_splitting_and_statistics(tmp_path, pdf, scheduler):
    path = tmp_path / "rg.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path, row_group_size=100)  # 30 row groups
    assert frames.read_parquet(str(path)).npartitions == 1  # small: one partition
    assert frames.read_parquet(str(path), split_row_groups=True).npartitions == 30
    df = frames.read_parquet(str(path), split_row_groups=4)
    assert df.npartitions == 8
    assert_eq(df, pdf, scheduler=scheduler)
    q = df[(df.id >= 450) & (df.id < 720)]
    scan = _scan(q)
    assert "row_groups=4/30" in scan.describe()
    assert scan.npartitions == 1  # row groups 4-7 make up the second partition of 4 groups
    assert scan.estimated_bytes() < _scan(df).estimated_bytes() / 5
    assert_eq(q, pdf[(pdf.id >= 450) & (pdf.id < 720)], check_index=False, scheduler=scheduler)
    # read_parquet(filters=...) in pyarrow's list form
    f = frames.read_parquet(str(path), filters=[("id", "<", 150), ("x", "in", [1, 2])], columns=["id"])
    assert f.npartitions == 1
    assert_eq(f, pdf[(pdf.id < 150) & pdf.x.isin([1, 2])][["id"]], check_index=False)


def test_column_pruning_and_filter_pushdown(tmp_path, pdf):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path)
    df = frames.read_parquet(str(path))
    assert _scan(df[["y"]]).read_columns == ("y",)
    q = df[df.x > 5][["id"]]
    scan = _scan(q)
    assert scan.read_columns == ("id",) and "x" in scan.filter.columns()
    assert_eq(q, pdf[pdf.x > 5][["id"]], check_index=False)


@pytest.mark.skipif(not os.path.exists("/tmp/tpch/sf1/lineitem.parquet"), reason="no TPC-H SF1 data")
def test_sf1_lineitem_is_split_by_row_groups():
    df = frames.read_parquet("/tmp/tpch/sf1/lineitem.parquet")
    assert df.npartitions > 3
    assert df.schema.field("l_returnflag").type == pa.string()  # not string_view
    assert pa.types.is_decimal(df.schema.field("l_quantity").type)
    assert df.schema.field("l_shipdate").type == pa.date32()


def test_memory_filesystem_directory_round_trip(pdf, scheduler):
    if scheduler == "processes":
        pytest.skip("memory:// lives in one process")
    df = frames.from_pandas(pdf, npartitions=3)
    df.to_parquet("memory://io-test/dir", scheduler=scheduler, overwrite=True)
    back = frames.read_parquet("memory://io-test/dir")
    assert back.npartitions == 3
    assert_eq(back, pdf, scheduler=scheduler)
    df.to_csv("memory://io-test/csvdir", scheduler=scheduler, overwrite=True)
    assert_eq(frames.read_csv("memory://io-test/csvdir/*.csv"), pdf, scheduler=scheduler)


def test_schema_mismatch_names_both_files(tmp_path):
    (tmp_path / "d").mkdir()
    pq.write_table(pa.table({"a": [1, 2]}), tmp_path / "d" / "1.parquet")
    pq.write_table(pa.table({"a": ["x"]}), tmp_path / "d" / "2.parquet")
    with pytest.raises(frames.DataSourceError, match="1.parquet.*2.parquet"):
        frames.read_parquet(str(tmp_path / "d"))
    with pytest.raises(frames.DataSourceError, match="no files match"):
        frames.read_parquet(str(tmp_path / "d" / "*.pq"))
    with pytest.raises(frames.ColumnNotFoundError):
        frames.read_parquet(str(tmp_path / "d" / "1.parquet"))[["b"]]


def test_csv_options(tmp_path, pdf, scheduler):
    path = tmp_path / "o.csv"
    pdf.to_csv(path, index=False, header=False, sep=";")
    names = list(pdf.columns)
    df = frames.read_csv(str(path), sep=";", header=False, names=names, blocksize=1000, dtype={"k": "float64"})
    assert df.npartitions > 20
    assert_eq(df, pdf.astype({"k": "float64"}), scheduler=scheduler)
    dates = tmp_path / "dates.csv"
    dates.write_text("d,v\n2020-01-02,1\n2021-03-04,2\n")
    got = frames.read_csv(str(dates), parse_dates=["d"]).compute()
    assert_eq(got, pd.read_csv(dates, parse_dates=["d"]), check_dtype=False)
    assert str(got.d.dtype).startswith("datetime64")


def test_csv_bad_value_later_names_file_and_column(tmp_path, monkeypatch):
    import frames.dataframe.io.csv as csvmod

    monkeypatch.setattr(csvmod, "SAMPLE_BYTES", 200)  # infer from the first lines only
    path = tmp_path / "late.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(500)) + "7,oops\n")
    df = frames.read_csv(str(path), blocksize=500)
    assert df.schema.field("b").type == pa.int64()
    with pytest.raises(frames.DataSourceError, match=r"late.csv.*column 'b'"):
        df.compute()
    assert len(frames.read_csv(str(path), blocksize=500, dtype={"b": "string"}).compute()) == 501


def test_overwrite_replaces_and_failure_keeps_single_file(tmp_path, pdf, scheduler):
    target = tmp_path / "one.parquet"
    frames.from_pandas(pdf.head(10), npartitions=2).to_parquet(str(target))
    frames.from_pandas(pdf, npartitions=3).to_parquet(str(target), overwrite=True, scheduler=scheduler)
    assert_eq(frames.read_parquet(str(target)), pdf)

    def boom(part):
        raise ValueError("no space")

    with pytest.raises(frames.WriteError, match="one.parquet.*no space"):
        frames.from_pandas(pdf, npartitions=3).map_partitions(boom, meta=pdf).to_parquet(str(target), overwrite=True,
                                                                                          scheduler=scheduler)
    assert_eq(frames.read_parquet(str(target)), pdf)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.parquet"]

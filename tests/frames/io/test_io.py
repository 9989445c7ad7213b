"""Parquet and CSV readers and the atomic writers, against pandas/pyarrow on the same files."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frames
from frames.dataframe.expr.optimize import optimize
from frames.dataframe.io import CsvScan, ParquetScan
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf():
    rng = np.random.default_rng(7)
    n = 2000
    return pd.DataFrame({
        "id": np.arange(n),
        "x": rng.integers(0, 100, n),
        "y": rng.normal(size=n).round(4),
        "s": rng.choice(["a", "b", "c"], n),
    })


def _scan(df):
    node = optimize(df._node)
    while not isinstance(node, (ParquetScan, CsvScan)):
        node = node.inputs()[0]
    return node


def test_parquet_file_row_groups_and_pushdown(tmp_path, pdf, scheduler):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path, row_group_size=250)
    df = frames.read_parquet(str(path))
    assert_eq(df, pdf, scheduler=scheduler)
    q = df[df.id >= 1500][["y"]]
    scan = _scan(q)
    assert scan.read_columns == ("y",)  # only the needed column is read
    assert sum(len(p.row_groups) for p in scan.pieces) == 2  # 2 of 8 row groups survive the statistics
    assert_eq(q, pdf[pdf.id >= 1500][["y"]], check_index=False, scheduler=scheduler)


def test_parquet_directory_glob_and_hive_partitions(tmp_path, pdf, scheduler):
    for s, part in pdf.groupby("s"):
        d = tmp_path / "hive" / f"s={s}"
        d.mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(part.drop(columns="s"), preserve_index=False), d / "part.parquet")
    df = frames.read_parquet(str(tmp_path / "hive"))
    assert set(df.columns) == {"id", "x", "y", "s"}
    q = df[df.s == "b"]
    assert len(_scan(q).pieces) == 1  # two of three files pruned by their directory value
    exp = pdf[pdf.s == "b"][["id", "x", "y", "s"]]
    assert_eq(q, exp, check_index=False, check_order=False, scheduler=scheduler)
    glob = frames.read_parquet(str(tmp_path / "hive" / "*" / "*.parquet"))
    assert len(glob.compute(scheduler=scheduler)) == len(pdf)


def test_memory_filesystem(pdf):
    import fsspec

    fs = fsspec.filesystem("memory")
    with fs.open("/bucket/t.parquet", "wb") as f:
        pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), f)
    assert_eq(frames.read_parquet("memory://bucket/t.parquet"), pdf)


def test_csv_blocks_lose_and_duplicate_nothing(tmp_path, pdf, scheduler):
    path = tmp_path / "d.csv"
    pdf.to_csv(path, index=False)
    with open(path, "rb+") as f:  # also without a trailing newline
        f.seek(-1, os.SEEK_END)
        f.truncate()
    df = frames.read_csv(str(path), blocksize=997)
    assert df.npartitions > 10
    assert_eq(df, pd.read_csv(path), scheduler=scheduler)
    q = df[df.x < 10][["id"]]
    assert _scan(q).read_columns == ("id",)
    assert_eq(q, pdf[pdf.x < 10][["id"]], check_index=False, scheduler=scheduler)


def test_csv_dtype_override_and_glob(tmp_path, pdf):
    for i in range(3):
        pdf.iloc[i * 100:(i + 1) * 100].to_csv(tmp_path / f"p{i}.csv", index=False)
    df = frames.read_csv(str(tmp_path / "p*.csv"), dtype={"x": "float64"})
    assert df.schema.field("x").type == pa.float64()
    assert_eq(df, pdf.iloc[:300].astype({"x": "float64"}))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(frames.DataSourceError, match="not found"):
        frames.read_parquet(str(tmp_path / "nope.parquet"))
    with pytest.raises(frames.DataSourceError, match="no files match"):
        frames.read_csv(str(tmp_path / "*.csv"))
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(os.urandom(200))
    with pytest.raises(frames.DataSourceError, match="bad.parquet"):
        frames.read_parquet(str(bad))
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"a": list(range(100))}), good)
    trunc = tmp_path / "trunc.parquet"
    trunc.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(frames.DataSourceError, match="trunc.parquet"):
        frames.read_parquet(str(trunc))
    with pytest.raises(frames.ColumnNotFoundError, match="did you mean 'a'"):
        frames.read_parquet(str(good), columns=["aa"])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(frames.DataSourceError, match="empty"):
        frames.read_csv(str(empty))


def test_writers_round_trip_and_are_atomic(tmp_path, pdf, scheduler):
    df = frames.from_pandas(pdf, npartitions=3)
    df.to_parquet(str(tmp_path / "out"), scheduler=scheduler)
    assert_eq(frames.read_parquet(str(tmp_path / "out")), pdf)
    df.to_parquet(str(tmp_path / "one.parquet"), scheduler=scheduler)
    assert_eq(frames.read_parquet(str(tmp_path / "one.parquet")), pdf)
    df.to_csv(str(tmp_path / "one.csv"), scheduler=scheduler)
    assert_eq(frames.read_csv(str(tmp_path / "one.csv")), pdf)
    with pytest.raises(frames.WriteError, match="already exists"):
        df.to_parquet(str(tmp_path / "out"))

    def fail_on_last(part):
        if part.id.max() == pdf.id.max():
            raise RuntimeError("disk on fire")
        return part

    broken = df.map_partitions(fail_on_last)
    before = sorted(os.listdir(tmp_path / "out"))
    with pytest.raises(frames.WriteError, match="disk on fire"):
        broken.to_parquet(str(tmp_path / "out"), overwrite=True, scheduler=scheduler)
    assert sorted(os.listdir(tmp_path / "out")) == before  # the old output is intact
    with pytest.raises(frames.WriteError):
        broken.to_csv(str(tmp_path / "new.csv"), scheduler=scheduler)
    assert not any(p.name.startswith("new.csv") for p in tmp_path.iterdir())  # nothing half-written


def test_auto_partitions_are_balanced_multiples_of_the_workers(monkeypatch):
    """'auto' cuts a file into runs of about equal rows, and a file big enough to split into as
    many partitions as workers or a multiple of them, so no worker idles in a stage's last round."""
    from frames.dataframe.io import parquet as pqmod

    class Meta:
        def __init__(self, rows):
            self.rows = rows
            self.num_row_groups = len(rows)

        def row_group(self, i):
            return type("RG", (), {"num_rows": self.rows[i], "total_byte_size": self.rows[i] * 10})()

    monkeypatch.setattr(pqmod.os, "cpu_count", lambda: 2)
    assert [len(g) for g in pqmod._group_row_groups(Meta([113_743] * 53), "auto")] == [7, 6, 7, 7, 6, 7, 6, 7]  # SF1 lineitem
    assert len(pqmod._group_row_groups(Meta([113_000] * 53), "auto")) == 6  # 6M rows: 6 parts of 1M, already even
    assert [len(g) for g in pqmod._group_row_groups(Meta([100_000] * 6), "auto")] == [3, 3]  # 600k rows: both workers
    assert [len(g) for g in pqmod._group_row_groups(Meta([15_000]), "auto")] == [1]  # small: one partition
    monkeypatch.setattr(pqmod.os, "cpu_count", lambda: 4)
    groups = pqmod._group_row_groups(Meta([100_000] * 6), "auto")
    assert len(groups) == 4 and sorted(len(g) for g in groups) == [1, 1, 2, 2]
    assert [rg for g in groups for rg in g] == list(range(6))  # consecutive, each row group once
    assert pqmod._balanced([5, 1, 1, 1], 2) == [[0], [1, 2, 3]]

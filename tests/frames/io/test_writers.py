"""The node-level writers: round trips, part names, and nothing half-written on failure."""

from __future__ import annotations

import os

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import exec as ex
import frames
from frames.dataframe.expr.blockwise import MapPartitions
from frames.dataframe.expr.node import build_graph
from frames.dataframe.expr.sources import FromTables, split_table
from frames.dataframe.io import read_csv_node, read_parquet_node, to_csv, to_parquet


def table(n=500) -> pa.Table:
    return pa.table({"id": pa.array(range(n), pa.int64()), "s": [f"v{i % 13}" for i in range(n)],
                     "d": pa.array([i / 7 for i in range(n)], pa.float64())})


def node_of(t: pa.Table, npartitions: int):
    return FromTables(split_table(t, npartitions), t.schema)


def run(node) -> pa.Table:
    graph, keys = build_graph(node)
    return pa.concat_tables(ex.get(graph, keys, scheduler="sync"))


def failing(node, on_partition: int):
    """``node`` whose partition ``on_partition`` raises (the others succeed)."""
    def fail(t: pa.Table, partition_info=None):
        if partition_info["number"] == on_partition:
            raise RuntimeError("disk on fire")
        return t
    return MapPartitions(node, fail, node.schema, pandas=False, partition_info=True)


@pytest.mark.parametrize("npartitions", [1, 2, 7])
def test_round_trips(tmp_path, npartitions, scheduler):
    t = table()
    node = node_of(t, npartitions)
    to_parquet(node, str(tmp_path / "dir"), scheduler=scheduler)
    assert sorted(os.listdir(tmp_path / "dir")) == sorted(f"part.{i}.parquet" for i in range(npartitions))
    back = read_parquet_node(str(tmp_path / "dir"))
    assert back.npartitions == npartitions
    assert run(back).sort_by("id").equals(t)
    to_parquet(node, str(tmp_path / "one.parquet"), scheduler=scheduler)
    assert pq.read_table(tmp_path / "one.parquet").equals(t)
    to_csv(node, str(tmp_path / "one.csv"), scheduler=scheduler)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one.csv"), t.to_pandas())
    to_csv(node, str(tmp_path / "csvdir"), scheduler=scheduler)
    assert run(read_csv_node(str(tmp_path / "csvdir"))).sort_by("id").equals(t)


def test_name_function_and_empty_directory(tmp_path):
    t = table()
    (tmp_path / "out").mkdir()  # an empty directory is not output to protect
    to_parquet(node_of(t, 3), str(tmp_path / "out"), name_function=lambda i: f"chunk-{i:03d}.parquet")
    assert sorted(os.listdir(tmp_path / "out")) == ["chunk-000.parquet", "chunk-001.parquet", "chunk-002.parquet"]
    with pytest.raises(frames.InvalidArgumentError, match="same name"):
        to_parquet(node_of(t, 3), str(tmp_path / "o2"), name_function=lambda i: "x.parquet")
    with pytest.raises(frames.InvalidArgumentError, match="'.hidden'"):
        to_parquet(node_of(t, 3), str(tmp_path / "o3"), name_function=lambda i: ".hidden")
    assert not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


@pytest.mark.parametrize("target", ["dir", "one.parquet", "one.csv", "csvdir/"])
def test_failure_keeps_existing_target_and_leaves_nothing(tmp_path, target, scheduler):
    t = table()
    write = to_csv if "csv" in target else to_parquet
    path = str(tmp_path / target)
    write(node_of(t.slice(0, 10), 2), path)
    before = {p: open(os.path.join(r, p), "rb").read() for r, _, files in os.walk(tmp_path) for p in files}
    if "." not in target:  # a directory is replaced only when asked (a file is, as pandas and COPY do)
        with pytest.raises(frames.WriteError, match="already exists"):
            write(node_of(t, 3), path)
    with pytest.raises(frames.WriteError, match=r"disk on fire") as info:
        write(failing(node_of(t, 4), on_partition=2), path, overwrite=True, scheduler=scheduler)
    assert target.rstrip("/") in str(info.value)
    after = {p: open(os.path.join(r, p), "rb").read() for r, _, files in os.walk(tmp_path) for p in files}
    assert after == before  # same files, same bytes: no temporary left, old output intact
    assert sorted(os.listdir(tmp_path)) == [target.rstrip("/")]
    # a new target that fails leaves no trace either
    with pytest.raises(frames.WriteError):
        write(failing(node_of(t, 4), on_partition=0), str(tmp_path / ("new." + target.split(".")[-1])))
    assert sorted(os.listdir(tmp_path)) == [target.rstrip("/")]
    write(node_of(t, 3), path, overwrite=True, scheduler=scheduler)  # and a good overwrite replaces it
    reader = read_csv_node if "csv" in target else read_parquet_node
    assert run(reader(path)).sort_by("id").equals(t)


def test_memory_filesystem_failure_leaves_nothing():
    fs = fsspec.filesystem("memory")
    t = table()
    with pytest.raises(frames.WriteError, match="disk on fire"):
        to_parquet(failing(node_of(t, 3), on_partition=1), "memory://w-test/out")
    assert not fs.exists("/w-test/out") and not fs.exists("/w-test")  # nor the parent it had to create
    to_parquet(node_of(t, 3), "memory://w-test/out")
    assert run(read_parquet_node("memory://w-test/out")).sort_by("id").equals(t)
    fs.rm("/w-test", recursive=True)


def test_part_still_being_written_after_a_failure_is_removed(monkeypatch):
    """The scheduler raises without waiting for running tasks: a part finished after the cleanup
    must not be left behind (memory:// creates directories implicitly, like object stores)."""
    import time

    from frames.dataframe.io.formats import ParquetFormat

    real = ParquetFormat.write

    def slow_first(self, fs, t, path):
        if t.num_rows and t.column("id")[0].as_py() == 0:
            time.sleep(0.6)  # still writing when the other partition fails
        return real(self, fs, t, path)

    def fail_late(t: pa.Table, partition_info=None):
        if partition_info["number"] == 1:
            time.sleep(0.2)
            raise RuntimeError("disk on fire")
        return t

    monkeypatch.setattr(ParquetFormat, "write", slow_first)
    fs = fsspec.filesystem("memory")
    node = node_of(table(), 2)
    with pytest.raises(frames.WriteError, match="disk on fire"):
        to_parquet(MapPartitions(node, fail_late, node.schema, pandas=False, partition_info=True),
                   "memory://w-race/out", scheduler="threads")
    time.sleep(1.0)  # let the slow part finish
    assert fs.find("/w-race") == []
    if fs.exists("/w-race"):
        fs.rm("/w-race", recursive=True)


def pdf_sample() -> pd.DataFrame:
    return pd.DataFrame({"id": range(20), "g": [["a", "b", "c/d"][i % 3] for i in range(20)],
                         "x": [i / 3 for i in range(20)], "s": [None if i % 4 == 0 else f"v,{i}" for i in range(20)]})


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_dataframe_writers_take_pandas_arguments(tmp_path, npartitions, scheduler):
    pdf = pdf_sample()
    df = frames.from_pandas(pdf, npartitions=npartitions)
    df.to_csv(str(tmp_path / "a.csv.gz"), sep=";", scheduler=scheduler)
    assert (tmp_path / "a.csv.gz").read_bytes()[:2] == b"\x1f\x8b"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv.gz", sep=";"), pdf)
    df.to_csv(str(tmp_path / "b.csv"), header=False, na_rep="NULL", compression=None)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "b.csv", header=None, names=list(pdf.columns),
                                              na_values=["NULL"], keep_default_na=False), pdf)
    df.to_json(str(tmp_path / "c.json"), scheduler=scheduler)
    pd.testing.assert_frame_equal(pd.read_json(tmp_path / "c.json", lines=True), pdf)
    df.to_json(str(tmp_path / "c2.json"), lines=False)
    pd.testing.assert_frame_equal(pd.read_json(tmp_path / "c2.json"), pdf)
    df.to_json(str(tmp_path / "jdir"), compression="zstd")
    assert sorted(os.listdir(tmp_path / "jdir")) == sorted(f"part.{i}.json.zst" for i in range(npartitions))
    df.to_parquet(str(tmp_path / "p"), partition_on=["g"], compression="zstd", scheduler=scheduler)
    assert sorted(os.listdir(tmp_path / "p")) == ["g=a", "g=b", "g=c%2Fd"]
    back = pq.read_table(tmp_path / "p").to_pandas()
    assert sorted(back.columns) == sorted(pdf.columns)
    pd.testing.assert_frame_equal(back.astype({"g": str}).sort_values("id")[list(pdf.columns)].reset_index(drop=True), pdf)
    pd.testing.assert_frame_equal(frames.read_parquet(str(tmp_path / "p")).compute().sort_values("id")[list(pdf.columns)]
                                  .reset_index(drop=True), pdf)
    df.to_parquet(str(tmp_path / "one.out"), single_file=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.out"), pdf)


def test_index_is_written_unless_index_false(tmp_path):
    pdf = pdf_sample().set_index("id")
    df = frames.from_pandas(pdf, npartitions=3)
    df.to_csv(str(tmp_path / "with.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "with.csv", index_col="id"), pdf)
    pdf.to_csv(tmp_path / "pandas.csv")
    assert (tmp_path / "with.csv").read_text() == (tmp_path / "pandas.csv").read_text()
    df.to_csv(str(tmp_path / "without.csv"), index=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "without.csv"), pdf.reset_index(drop=True))
    df.to_parquet(str(tmp_path / "w.parquet"), write_index=False)
    assert pq.read_table(tmp_path / "w.parquet").column_names == ["g", "x", "s"]


def test_writer_arguments_are_checked(tmp_path):
    df = frames.from_pandas(pdf_sample(), npartitions=2)
    with pytest.raises(frames.ColumnNotFoundError, match="nosuch"):
        df.to_parquet(str(tmp_path / "p"), partition_on=["nosuch"])
    with pytest.raises(frames.InvalidArgumentError, match="single_file"):
        df.to_csv(str(tmp_path / "p"), partition_on="g", single_file=True)
    with pytest.raises(frames.InvalidArgumentError, match="compression"):
        df.to_csv(str(tmp_path / "x.csv"), compression="lzma")
    with pytest.raises(frames.InvalidArgumentError, match="orient"):
        df.to_json(str(tmp_path / "x.json"), orient="split")
    for bad in ("x-*-*.csv", "x?.csv", "d*/x.csv", "[ab].csv"):
        with pytest.raises(frames.WriteError, match="one '\\*' in the file name"):
            df.to_csv(str(tmp_path / bad))
    with pytest.raises(frames.InvalidArgumentError, match="series of files: it cannot be combined with single_file"):
        df.to_csv(str(tmp_path / "x-*.csv"), single_file=True)
    with pytest.raises(frames.InvalidArgumentError, match="engine='fastparquet'"):
        df.to_parquet(str(tmp_path / "x.parquet"), engine="fastparquet")
    df.to_parquet(str(tmp_path / "ok.parquet"), engine="pyarrow")
    (tmp_path / "ok.parquet").unlink()
    with pytest.raises(frames.WriteError, match="overwrite must be"):
        df.to_csv(str(tmp_path / "x.csv"), overwrite="yes")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("writer", ["to_csv", "to_parquet", "to_json"])
def test_a_glob_names_a_series_of_files_and_only_those(tmp_path, writer):
    """Dask's ``to_csv("out/export-*.csv")``: one file per partition, the ``*`` numbering them, written
    beside the directory's other files; files the glob already matches are replaced only when asked,
    and then the ones the new write does not make go too (a reader of the glob sees the new rows only)."""
    ext = {"to_csv": "csv", "to_parquet": "parquet", "to_json": "json"}[writer]
    read = {"to_csv": frames.read_csv, "to_parquet": frames.read_parquet, "to_json": frames.read_json}[writer]
    pdf = pdf_sample()
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    glob = str(out / f"export-*.{ext}")
    getattr(frames.from_pandas(pdf, npartitions=3), writer)(glob)
    assert sorted(os.listdir(out)) == ["export-0." + ext, "export-1." + ext, "export-2." + ext, "notes.txt"]
    assert len(read(glob).compute()) == len(pdf)
    with pytest.raises(frames.WriteError, match="already matches 3 file"):
        getattr(frames.from_pandas(pdf, npartitions=2), writer)(glob)
    getattr(frames.from_pandas(pdf.head(4), npartitions=2), writer)(glob, overwrite=True)
    assert sorted(os.listdir(out)) == ["export-0." + ext, "export-1." + ext, "notes.txt"]
    assert len(read(glob).compute()) == 4
    getattr(frames.from_pandas(pdf.head(3), npartitions=1), writer)(glob, overwrite="ignore")  # same names replaced
    assert sorted(os.listdir(out)) == ["export-0." + ext, "export-1." + ext, "notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"
    getattr(frames.from_pandas(pdf, npartitions=2), writer)(str(tmp_path / "new" / "deep" / f"p*.{ext}"),
                                                            name_function=lambda i: f"{2000 + i}")
    assert sorted(os.listdir(tmp_path / "new" / "deep")) == [f"p2000.{ext}", f"p2001.{ext}"]


def test_a_failed_glob_write_changes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-0.csv").write_text("a\n1\n")
    def second_part_fails(p):
        if 3 in p.a.values:
            raise ValueError("part 1 is broken")
        return p

    bad = frames.from_pandas(pd.DataFrame({"a": [1, 2, 3, 4]}), npartitions=2).map_partitions(second_part_fails, meta={"a": "int64"})
    with pytest.raises(frames.WriteError, match="part 1 is broken"):
        bad.to_csv(str(out / "part-*.csv"), overwrite=True)
    assert os.listdir(out) == ["part-0.csv"] and (out / "part-0.csv").read_text() == "a\n1\n"

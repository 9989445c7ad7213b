"""COPY ... TO against DuckDB's: the same statement run by both engines on the same data, and
DuckDB reading both outputs back with the same reader must see the same rows (in order, for one
file), with the same kind of file (Parquet, CSV, JSON; compressed or not) and the same layout
(one file, or hive-partitioned directories)."""

from __future__ import annotations

import datetime
import decimal
import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import frames
import sqlengine
from planner.errors import InvalidOptionError, UnsupportedFeatureError


def source() -> pa.Table:
    n = 40
    strings = ["plain", "a,b", 'say "hi"', "", None, "two\nlines", "NA", "x|y", "it's", "tab\there", "back\\slash",
               "\x01ctl", "naïve ü"]
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "k": pa.array([["red", "green", None, "blue/teal"][i % 4] for i in range(n)]),
        "b": pa.array([i % 3 for i in range(n)], pa.int32()),
        "f": pa.array([None if i % 7 == 3 else i / 7 for i in range(n)], pa.float64()),
        "s": pa.array([strings[i % len(strings)] for i in range(n)]),
        "d": pa.array([datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(n)]),
        "ts": pa.array([datetime.datetime(2021, 5, 6, 7, 8, 9, 123000) + datetime.timedelta(hours=i) for i in range(n)],
                       pa.timestamp("us")),
        "m": pa.array([decimal.Decimal(i) / 4 for i in range(n)], pa.decimal128(12, 2)),
        "ok": pa.array([None if i % 5 == 0 else i % 2 == 0 for i in range(n)]),
    })


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.register("src", source())
    con.execute("CREATE TABLE t AS SELECT * FROM src")
    return con


def ours(npartitions: int = 3, scheduler: str | None = None) -> sqlengine.Context:
    ctx = sqlengine.Context(scheduler=scheduler)
    ctx.register("t", frames.from_arrow(source(), npartitions=npartitions))
    return ctx


def magic(path: Path) -> str:
    head = path.read_bytes()[:4]
    if head == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head == b"(\xb5/\xfd":
        return "zstd"
    return "json" if head[:1] in (b"{", b"[") else "text"


SINGLE_FILE_CASES = [
    ("x.parquet", "", "read_parquet('{p}')"),
    ("x.parquet", "(COMPRESSION zstd, ROW_GROUP_SIZE 7)", "read_parquet('{p}')"),
    ("x.csv", "", "read_csv('{p}')"),
    ("x.csv", "(FORMAT csv, DELIMITER '|', HEADER false)", "read_csv('{p}', delim='|', header=false)"),
    ("x.csv", "(SEP ';', QUOTE '''', NULLSTR 'NULL')", "read_csv('{p}', delim=';', quote='''', nullstr='NULL')"),
    ("x.tsv", "(DELIM '\t', HEADER true)", "read_csv('{p}', delim='\t')"),
    ("x.csv.gz", "", "read_csv('{p}')"),
    ("x.csv", "(COMPRESSION zstd)", "read_csv('{p}', compression='zstd')"),
    ("noext", "", "read_csv('{p}')"),
    ("x.json", "", "read_json('{p}')"),
    ("x.ndjson", "", "read_json('{p}')"),
    ("x.json", "(ARRAY true)", "read_json('{p}')"),
    ("x.csv", "(FORMAT json)", "read_json('{p}')"),
    ("x.json.gz", "", "read_json('{p}')"),
    ("x.out", "(FORMAT parquet, COMPRESSION gzip)", "read_parquet('{p}')"),
]


@pytest.mark.parametrize("name,options,reader", SINGLE_FILE_CASES, ids=[f"{n} {o}" for n, o, _ in SINGLE_FILE_CASES])
def test_single_file_copy_matches_duckdb(tmp_path, duck, name, options, reader):
    (tmp_path / "ours").mkdir()
    (tmp_path / "duck").mkdir()
    mine, theirs = tmp_path / "ours" / name, tmp_path / "duck" / name
    ours().sql(f"COPY t TO '{mine}' {options}")
    duck.execute(f"COPY t TO '{theirs}' {options}")
    assert mine.is_file() and magic(mine) == magic(theirs)
    got = duck.sql("SELECT * FROM " + reader.format(p=mine)).df()
    expected = duck.sql("SELECT * FROM " + reader.format(p=theirs)).df()
    pd.testing.assert_frame_equal(got, expected)
    assert sorted(os.listdir(tmp_path / "ours")) == [name]  # no temporary left


@pytest.mark.parametrize("options", ["", "(DELIMITER '|', HEADER false)", "(QUOTE '''', ESCAPE '\\')",
                                     "(NULLSTR 'NULL', SEP ';;')", "(QUOTE '')"])
def test_csv_is_byte_for_byte_duckdbs(tmp_path, duck, options):
    """Quoting only where needed, NULL and '' apart, floats, timestamps, decimals and booleans as DuckDB prints them."""
    ours(3).sql(f"COPY t TO '{tmp_path / 'ours.csv'}' {options}")
    duck.execute(f"COPY t TO '{tmp_path / 'duck.csv'}' {options}")
    assert (tmp_path / "ours.csv").read_text() == (tmp_path / "duck.csv").read_text()


def test_copy_round_trips_exactly_through_parquet_and_json(tmp_path, duck):
    ctx = ours(7)
    ctx.sql(f"COPY (SELECT * FROM t ORDER BY id) TO '{tmp_path / 'x.parquet'}'")
    assert duck.sql(f"SELECT * FROM '{tmp_path / 'x.parquet'}'").arrow().read_all().equals(source())
    ctx.sql(f"COPY t TO '{tmp_path / 'x.json'}'")
    back = duck.sql(f"SELECT * FROM read_json('{tmp_path / 'x.json'}', columns={{id: 'BIGINT', k: 'VARCHAR', "
                    f"b: 'INTEGER', f: 'DOUBLE', s: 'VARCHAR', d: 'DATE', ts: 'TIMESTAMP', m: 'DECIMAL(12,2)', "
                    f"ok: 'BOOLEAN'}})").df()
    pd.testing.assert_frame_equal(back, duck.sql("SELECT * FROM t").df())


def hive_rows(con, root: Path, ext: str) -> pd.DataFrame:
    reader = {"csv": "read_csv", "parquet": "read_parquet", "json": "read_json"}[ext]
    df = con.sql(f"SELECT * FROM {reader}('{root}/**/*.{ext}', hive_partitioning=true) ORDER BY id").df()
    return df[sorted(df.columns)]


def layout(root: Path) -> set[str]:
    return {str(p.parent.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("fmt,keys", [("csv", "k"), ("parquet", "(k, b)"), ("json", "b")])
def test_partition_by_writes_duckdbs_hive_layout(tmp_path, duck, fmt, keys, scheduler):
    mine, theirs = tmp_path / "ours", tmp_path / "duck"
    ours(3, scheduler).sql(f"COPY t TO '{mine}' (FORMAT {fmt}, PARTITION_BY {keys})")
    duck.execute(f"COPY t TO '{theirs}' (FORMAT {fmt}, PARTITION_BY {keys})")
    assert layout(mine) == layout(theirs)  # same key=value directories (NULL, '/' encoded alike)
    pd.testing.assert_frame_equal(hive_rows(duck, mine, fmt), hive_rows(duck, theirs, fmt))
    again = frames.read_parquet(str(mine)).compute() if fmt == "parquet" else None
    if again is not None:  # and our own reader gets every row back
        assert sorted(again.id) == list(range(40))


def test_partition_directory_names_match_duckdb_for_every_key_type(tmp_path, duck):
    small = pa.table({"d": [datetime.date(2020, 1, 1), datetime.date(2021, 2, 3), None],
                      "ts": [datetime.datetime(2020, 1, 1, 1, 2, 3), datetime.datetime(2020, 1, 1, 1, 2, 3, 500000), None],
                      "f": [1.5, -2.0, None], "ok": [True, False, None], "n": [-1, 2, None],
                      "s": ["a b", "ü&?#%/=", None], "v": [1, 2, 3]})
    duck.register("small", small)
    ctx = sqlengine.Context()
    ctx.register("small", frames.from_arrow(small, npartitions=2))
    for key in ["d", "ts", "f", "ok", "n", "s"]:
        ctx.sql(f"COPY small TO '{tmp_path / ('ours_' + key)}' (PARTITION_BY {key})")
        duck.execute(f"COPY small TO '{tmp_path / ('duck_' + key)}' (PARTITION_BY {key})")
        assert layout(tmp_path / f"ours_{key}") == layout(tmp_path / f"duck_{key}"), key


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_one_file_keeps_the_row_order_for_any_partition_count(tmp_path, duck, npartitions):
    ours(npartitions).sql(f"COPY t TO '{tmp_path / 'x.csv'}' (HEADER false)")
    got = duck.sql(f"SELECT * FROM read_csv('{tmp_path / 'x.csv'}', header=false)").df()
    assert got.iloc[:, 0].tolist() == list(range(40))


def test_copy_column_list_query_and_case_insensitive_partition(tmp_path, duck):
    ctx = ours()
    ctx.sql(f"COPY t (id, s) TO '{tmp_path / 'a.csv'}'")
    duck.execute(f"COPY t (id, s) TO '{tmp_path / 'b.csv'}'")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    ctx.sql(f"COPY (SELECT id, b FROM t WHERE id < 10) TO '{tmp_path / 'p'}' (PARTITION_BY B)")
    assert layout(tmp_path / "p") == {"b=0", "b=1", "b=2"}


@pytest.mark.parametrize("options,error,match", [
    ("(BOGUS 1)", InvalidOptionError, "BOGUS"),
    ("(DELIMTER '|')", InvalidOptionError, "did you mean DELIMITER"),
    ("(FORMAT xml)", InvalidOptionError, "xml"),
    ("(FORMAT parquet, DELIMITER ',')", UnsupportedFeatureError, "DELIMITER for FORMAT PARQUET"),
    ("(FORMAT json, HEADER false)", UnsupportedFeatureError, "HEADER for FORMAT JSON"),
    ("(PER_THREAD_OUTPUT)", UnsupportedFeatureError, "PER_THREAD_OUTPUT"),
    ("(HEADER 'maybe')", InvalidOptionError, "HEADER expects a boolean"),
    ("(FORMAT csv, FORMAT json)", InvalidOptionError, "twice"),
    ("(COMPRESSION lzma)", InvalidOptionError, "compression"),
    ("(FORMAT parquet, COMPRESSION bogus)", InvalidOptionError, "Parquet compression"),
    ("(OVERWRITE, OVERWRITE_OR_IGNORE)", InvalidOptionError, "cannot be combined"),
    ("(PARTITION_BY nosuch)", frames.ColumnNotFoundError, "nosuch"),
    ("(PARTITION_BY (id, k, b, f, s, d, ts, m, ok))", frames.InvalidArgumentError, "every column"),
    ("(DELIMITER '')", InvalidOptionError, "delimiter"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_bad_options_are_refused_by_name_and_write_nothing(tmp_path, duck, options, error, match):
    with pytest.raises(error, match=match):
        ours().sql(f"COPY t TO '{tmp_path / 'x.csv'}' {options}")
    assert os.listdir(tmp_path) == []
    if "BOGUS" in options or "xml" in options or "HEADER 'maybe'" in options:
        with pytest.raises(duckdb.Error):  # DuckDB refuses them too
            duck.execute(f"COPY t TO '{tmp_path / 'x.csv'}' {options}")


def test_copy_and_writers_on_a_distributed_cluster_with_worker_processes(tmp_path, duck):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=2, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            ctx = ours(7, client)
            ctx.sql(f"COPY t TO '{tmp_path / 'p'}' (FORMAT parquet, PARTITION_BY k)")
            ctx.sql(f"COPY t TO '{tmp_path / 'one.json'}'")
            ctx.table("t").to_csv(str(tmp_path / "c"), scheduler=client)
    duck.execute(f"COPY t TO '{tmp_path / 'dp'}' (FORMAT parquet, PARTITION_BY k)")
    assert layout(tmp_path / "p") == layout(tmp_path / "dp")
    pd.testing.assert_frame_equal(hive_rows(duck, tmp_path / "p", "parquet"), hive_rows(duck, tmp_path / "dp", "parquet"))
    assert duck.execute(f"SELECT count(*) FROM '{tmp_path / 'one.json'}'").fetchall() == [(40,)]
    assert sorted(os.listdir(tmp_path / "c")) == sorted(f"part.{i}.csv" for i in range(7))
    assert not [p for p in tmp_path.rglob(".sqlengine-*")]

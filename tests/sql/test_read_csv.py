"""SQL ``read_csv`` / ``FROM 'x.csv'`` against DuckDB's on the same files: the sniffer (delimiter,
quote, header, types, dates), DuckDB's options, bad files, several partitions and schedulers."""

from __future__ import annotations

import gzip
import os

import duckdb
import pandas as pd
import pytest

import frames
import sqlengine
from tests.sql.oracle import assert_same

FILES = {
    "plain.csv": "i,f,s,d,b\n1,1.5,x,2020-01-01,true\n2,,y,2020-01-02,false\n,3.25,,2020-01-03,true\n4,4.0,z,,\n",
    "semi.csv": "a;b\n1;2020-01-02\n2;2020-03-04\n",
    "pipes.csv": "a|b|c\n1|x|2.5\n2|y|3.5\n",
    "tabs.tsv": "a\tb\n1\tx,y\n2\tz\n",
    "quoted.csv": 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,""\n4,plain\n',
    "single.csv": "a,b\n1,'x,y'\n2,'z'\n",
    "nohdr.csv": "1,x\n2,y\n3,z\n",
    "strings.csv": "a,b\nx,y\nz,w\n",
    "stray.csv": 'a,b\n1,"x\n2,y\n3,z\n',
    "midquote.csv": 'a,b\n1,x"y\n2,y\n3,z\n',
    "usdates.csv": "a,b\n12/31/2020,1\n01/02/2021,2\n",
    "ambiguous.csv": "a,b\n01/02/2020,1\n03/04/2021,2\n",
    "times.csv": "t,ts,flag\n12:30:00,2020-01-01 10:00:00,t\n13:00:00,2020-01-02T11:00:00,f\n",
    "eurots.csv": "n,ts\n1,31/12/2020 10:00:00\n2,01/01/2021 11:30:05\n",
    "dups.csv": "a,a,,b\n1,2,3,x\n",
    "wide.csv": ",".join(str(i) for i in range(11)) + "\n" + ",".join(str(i * 2) for i in range(11)) + "\n",
    "empty_fields.csv": "a,b\n1,\n2,y\n,z\n",
    "crlf.csv": "a,b\r\n1,x\r\n2,y\r\n",
    "bom.csv": "\ufeffid,name\n1,a\n2,b\n",
    "header_only.csv": "a,b\n",
    "quoted_breaks.csv": 'id,text\n1,"two\nlines"\n2,"say ""hi"",\nthen go"\n3,plain\n',
    "many.csv": "k,v,name\n" + "".join(f"{i},{i * 0.5},n{i % 7}\n" for i in range(300)),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sqlcsv")
    for name, text in FILES.items():
        (d / name).write_bytes(text.encode())
    (d / "CaseDir").mkdir()
    (d / "CaseDir" / "Sales.csv").write_text("Region,Amount\nnorth,10\nsouth,20\n")
    for i in range(2):
        (d / f"part{i}.csv").write_text("a,b\n" + "".join(f"{i * 10 + j},v{j}\n" for j in range(3)))
    with gzip.open(d / "many.csv.gz", "wb") as out:
        out.write(FILES["many.csv"].encode())
    return d


def _both(sql: str, scheduler: str | None = None, ordered: bool = True, ctx=None):
    ctx = ctx or sqlengine.Context()
    got = ctx.sql(sql).compute(scheduler=scheduler)
    expected = duckdb.sql(sql).df()
    assert_same(_times_as_text(got), _times_as_text(expected), ordered)
    return got


def _times_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """TIME values as text (the oracle's normalizer takes them for datetimes)."""
    import datetime

    frame = frame.copy()
    for c in frame.columns:
        if frame[c].map(lambda v: isinstance(v, datetime.time)).any():
            frame[c] = frame[c].map(lambda v: None if v is None or v != v else str(v))
    return frame


@pytest.mark.parametrize("name", sorted(FILES))
def test_sniffed_like_duckdb(files, name):
    """Delimiter, quote, header, names and types as DuckDB's sniffer finds them (column names and
    types compared too)."""
    path = files / name
    got = _both(f"SELECT * FROM read_csv('{path}')")
    rel = duckdb.sql(f"SELECT * FROM read_csv('{path}')")
    assert list(got.columns) == rel.columns
    ours = sqlengine.Context().sql(f"DESCRIBE SELECT * FROM '{path}'").compute()
    assert [str(t).split("(")[0] for t in ours.iloc[:, 1]][: len(rel.types)] == [str(t) for t in rel.types]


@pytest.mark.parametrize("name", ["plain.csv", "many.csv", "quoted.csv", "crlf.csv", "stray.csv"])
def test_partitions_and_schedulers(files, name, scheduler):
    """Small blocks (several partitions) read the same rows on every scheduler; ``FROM 'x.csv'``
    is ``read_csv('x.csv')``."""
    path = files / name
    expected = duckdb.sql(f"SELECT * FROM read_csv('{path}')").df()
    ctx = sqlengine.Context()
    for query in (f"SELECT * FROM read_csv('{path}', blocksize=40)", f"SELECT * FROM '{path}'"):
        result = ctx.sql(query)
        assert_same(result.compute(scheduler=scheduler), expected, True)
    assert ctx.sql(f"SELECT * FROM read_csv('{path}', blocksize=40)").npartitions > 1 or os.path.getsize(path) <= 40


@pytest.mark.parametrize("options", [
    "header=false", "header=true", "delim=','", "sep=';'", "delim='|'", "quote=''", "quote='\"'",
    "escape='\"'", "nullstr='y'", "nullstr=['y', 'z']", "skip=1", "skip=1, header=false", "all_varchar=true",
    "types={'a': 'VARCHAR'}", "types=['VARCHAR', 'VARCHAR']", "dtypes={'b': 'VARCHAR'}", "names=['p', 'q']",
    "columns={'x': 'VARCHAR', 'y': 'VARCHAR'}", "columns={'x': 'BIGINT', 'y': 'VARCHAR'}, header=true",
    "filename=true", "compression='none'", "auto_detect=true",
])
def test_options_like_duckdb(files, options):
    _both(f"SELECT * FROM read_csv('{files / 'empty_fields.csv'}', {options})")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('{d}/ambiguous.csv', dateformat='%m/%d/%Y')",
    "SELECT * FROM read_csv('{d}/usdates.csv', dateformat='%m/%d/%Y')",
    "SELECT * FROM read_csv('{d}/eurots.csv', timestampformat='%d/%m/%Y %H:%M:%S')",
    "SELECT * FROM read_csv('{d}/semi.csv', delim=';', header=true, columns={{'x': 'INTEGER', 'y': 'DATE'}})",
    "SELECT * FROM read_csv('{d}/quoted.csv', quote='\"', escape='\"')",
    "SELECT * FROM read_csv('{d}/many.csv.gz')",
    "SELECT * FROM read_csv('{d}/many.csv.gz', compression='gzip')",
    "SELECT k, name FROM read_csv(['{d}/many.csv', '{d}/many.csv']) WHERE k < 5",
    "SELECT * FROM read_csv('{d}/part*.csv', filename=true)",
    "SELECT count(*) AS n, sum(k) AS s FROM '{d}/many.csv' WHERE name = 'n3'",
    "SELECT Region, Amount FROM '{d}/CaseDir/Sales.csv'",
    'SELECT s.Region FROM "{d}/CaseDir/Sales.csv" s',
    "SELECT * FROM read_csv_auto('{d}/tabs.tsv')",
])
def test_queries_like_duckdb(files, sql):
    _both(sql.format(d=files), ordered="count" in sql or "WHERE" not in sql)


def test_bad_rows_error_or_are_skipped(files, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(200)) + "1,2,3\n7,8\n")
    ctx = sqlengine.Context()
    with pytest.raises(duckdb.Error):
        duckdb.sql(f"SELECT * FROM read_csv('{path}', delim=',', header=true)").fetchall()
    for blocks in ("", ", blocksize=100"):
        with pytest.raises(frames.DataSourceError, match=r"bad.csv.*line 202.*ignore_errors=true"):
            ctx.sql(f"SELECT * FROM read_csv('{path}', delim=',', header=true{blocks})").compute()
        got = ctx.sql(f"SELECT * FROM read_csv('{path}', delim=',', header=true, ignore_errors=true{blocks})").compute()
        assert_same(got, duckdb.sql(f"SELECT * FROM read_csv('{path}', delim=',', header=true, ignore_errors=true)").df(), True)


@pytest.mark.parametrize("types", ["{'b': 'BIGINT'}", "{'b': 'DOUBLE', 'a': 'BOOLEAN'}", "{'b': 'BOOLEAN'}", "{'d': 'DATE'}"])
def test_ignore_errors_skips_values_that_do_not_convert(tmp_path, types):
    """DuckDB's ignore_errors also skips rows whose values do not fit their column's type; without
    it, such a value is an error naming the file and column."""
    path = tmp_path / "values.csv"
    path.write_text("a,b,d\n1,2,2020-01-01\n3,x,oops\n5,6,2020-01-03\n,8,\n0,9,2020-02-30\n" * 30)
    ctx = sqlengine.Context()
    for blocks in ("", ", blocksize=200"):
        got = ctx.sql(f"SELECT * FROM read_csv('{path}', types={types}, ignore_errors=true{blocks})").compute()
        expected = duckdb.sql(f"SELECT * FROM read_csv('{path}', types={types}, ignore_errors=true)").df()
        assert_same(got, expected, True)
        with pytest.raises(frames.DataSourceError, match="values.csv.*column"):
            ctx.sql(f"SELECT * FROM read_csv('{path}', types={types}{blocks})").compute()


def test_unknown_and_bad_options_are_named(files):
    ctx = sqlengine.Context()
    path = files / "plain.csv"
    with pytest.raises(duckdb.Error, match="bogus"):
        duckdb.sql(f"SELECT * FROM read_csv('{path}', bogus=1)")
    with pytest.raises(sqlengine.SqlEngineError, match="'bogus'"):
        ctx.sql(f"SELECT * FROM read_csv('{path}', bogus=1)")
    with pytest.raises(sqlengine.SqlEngineError, match="'bogus'"):
        ctx.sql(f"SELECT * FROM read_parquet('{path}', bogus=1)")
    with pytest.raises(sqlengine.SqlEngineError, match="delim"):
        ctx.sql(f"SELECT * FROM read_csv('{path}', delim='ab')")
    with pytest.raises(sqlengine.SqlEngineError, match="compression"):
        ctx.sql(f"SELECT * FROM read_csv('{path}', compression='rar')")
    with pytest.raises(sqlengine.SqlEngineError, match="'nope'"):
        ctx.sql(f"SELECT * FROM read_csv('{path}', types={{'nope': 'INT'}})")


def test_several_parquet_paths_are_all_read(tmp_path):
    for i in range(2):
        pd.DataFrame({"x": [i * 10 + j for j in range(3)]}).to_parquet(tmp_path / f"p{i}.parquet")
    a, b = tmp_path / "p0.parquet", tmp_path / "p1.parquet"
    expected = duckdb.sql(f"SELECT * FROM read_parquet(['{a}', '{b}'])").df()
    ctx = sqlengine.Context()
    assert_same(ctx.sql(f"SELECT * FROM read_parquet('{a}', '{b}')").compute(), expected, True)
    assert_same(ctx.sql(f"SELECT * FROM read_parquet(['{a}', '{b}'])").compute(), expected, True)


def test_mixed_folder_and_fifo_are_refused(tmp_path):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(mixed / "a.parquet")
    (mixed / "b.csv").write_text("a\n2\n")
    ctx = sqlengine.Context()
    with pytest.raises(frames.DataSourceError, match="mixes file formats"):
        ctx.sql(f"SELECT * FROM '{mixed}'")
    csvs = tmp_path / "csvs"
    csvs.mkdir()
    (csvs / "b.csv").write_text("a\n2\n")
    assert ctx.sql(f"SELECT * FROM '{csvs}'").compute().a.tolist() == [2]  # a folder of CSV files is CSV
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(frames.DataSourceError, match="FIFO"):
        ctx.sql(f"SELECT * FROM '{fifo}'")

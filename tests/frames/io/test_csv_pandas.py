"""``frames.read_csv`` against ``pandas.read_csv`` on the same files: odd and bad files, pandas'
options, compressed files, several partitions (small ``blocksize``) and every scheduler."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import threading

import pandas as pd
import pyarrow as pa
import pytest

import frames
from frames.testing import assert_eq

FILES = {
    "plain.csv": "i,f,s,d,b\n1,1.5,x,2020-01-01,true\n2,,y,2020-01-02,false\n,3.25,,2020-01-03,true\n4,4.0,z,,false\n",
    "quoted.csv": 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,""\n4,plain\n',
    "tabs.tsv": "a\tb\n1\tx,y\n2\tz\n",
    "crlf.csv": "a,b\r\n1,x\r\n2,y\r\n3,\r\n",
    "midquote.csv": 'a,b\n1,x"y\n2,y\n3,z\n',
    "na.csv": "a,b\n1,NA\n2,null\nN/A,x\n4,None\n",
    "nohdr.csv": "1,x\n2,y\n3,z\n",
    "bom.csv": "\ufeffid,name\n1,a\n2,b\n",
    "many.csv": "k,v,name\n" + "".join(f"{i},{i * 0.5},n{i % 7}\n" for i in range(300)),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("csvs")
    for name, text in FILES.items():
        (d / name).write_bytes(text.encode())
    return d


def _pandas(path, **kw):
    if str(path).endswith(".tsv"):
        kw.setdefault("sep", "\t")
    return pd.read_csv(path, **kw)


@pytest.mark.parametrize("name", [n for n in FILES if n != "nohdr.csv"])
@pytest.mark.parametrize("blocksize", [None, 16])
def test_files_like_pandas(files, name, blocksize, scheduler):
    """Empty fields are NaN, dates stay strings, quotes and CRLF as pandas reads them, and a
    small blocksize (several partitions) changes nothing."""
    path = files / name
    df = frames.read_csv(str(path), blocksize=blocksize)
    if blocksize is not None and os.path.getsize(path) > 40:
        assert df.npartitions > 1
    assert_eq(df, _pandas(path), check_dtype=False, check_index=False, scheduler=scheduler)


def test_sep_none_sniffs_like_pandas(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c\n1;x;2.5\n2;y;3.5\n")
    assert_eq(frames.read_csv(str(path), sep=None), pd.read_csv(path, sep=None, engine="python"), check_dtype=False)
    assert frames.read_csv(str(path)).columns.tolist() == ["a;b;c"]  # pandas' default is a comma


def test_dates_stay_strings_unless_asked(files):
    df = frames.read_csv(str(files / "plain.csv"))
    assert df.schema.field("d").type == pa.string()
    pdf = pd.read_csv(files / "plain.csv", parse_dates=["d"])
    assert_eq(frames.read_csv(str(files / "plain.csv"), parse_dates=["d"]), pdf, check_dtype=False)


@pytest.mark.parametrize("kw", [
    {"header": None},
    {"header": None, "names": ["n", "s"]},
    {"names": ["n", "s"]},
    {"names": ["n", "s"], "header": 0},
    {"header": None, "usecols": [1]},
    {"header": None, "dtype": {0: "float64"}},
    {"skiprows": 1, "header": None},
])
def test_header_and_names_like_pandas(files, kw, scheduler):
    path = files / "nohdr.csv"
    expected = pd.read_csv(path, **kw).rename(columns=str)  # frames' column names are strings: "0", "1"
    for blocksize in (None, 5):
        assert_eq(frames.read_csv(str(path), blocksize=blocksize, **kw), expected, check_dtype=False,
                  check_index=False, scheduler=scheduler)


@pytest.mark.parametrize("kw", [
    {"usecols": ["v", "k"]},
    {"usecols": [0, 2]},
    {"dtype": {"k": "float64"}},
    {"dtype": str},
    {"na_values": ["n3"]},
    {"na_values": "n1", "keep_default_na": False},
    {"sep": ","},
])
def test_options_like_pandas(files, kw, scheduler):
    path = files / "many.csv"
    assert_eq(frames.read_csv(str(path), blocksize=500, **kw), pd.read_csv(path, **kw), check_dtype=False,
              check_index=False, scheduler=scheduler)


def test_na_values_and_keep_default_na(files):
    path = files / "na.csv"
    for kw in ({}, {"keep_default_na": False}, {"na_values": ["x"]}, {"keep_default_na": False, "na_values": ["NA"]}):
        assert_eq(frames.read_csv(str(path), **kw), pd.read_csv(path, **kw), check_dtype=False, check_index=False)


def test_parse_dates_dict_combines_columns(tmp_path, scheduler):
    """The Dask tutorial's first step: Year, Month, Day into one ``Date`` column (first, the parts
    dropped, as pandas 2 did; pandas 3 removed the dict form, so the expected frame is built)."""
    for i in range(3):
        pd.DataFrame({"Year": [1990 + i] * 4, "Month": [1, 2, 11, 12], "DayofMonth": [1, 9, 10, 31],
                      "Delay": [i, None, 3, 4]}).to_csv(tmp_path / f"f{i}.csv", index=False)
    df = frames.read_csv(str(tmp_path / "*.csv"), parse_dates={"Date": [0, 1, 2]})
    raw = pd.concat([pd.read_csv(tmp_path / f"f{i}.csv") for i in range(3)], ignore_index=True)
    expected = raw.drop(columns=["Year", "Month", "DayofMonth"])
    expected.insert(0, "Date", pd.to_datetime(raw.Year.astype(str) + " " + raw.Month.astype(str) + " "
                                              + raw.DayofMonth.astype(str), format="%Y %m %d"))
    assert df.columns.tolist() == ["Date", "Delay"]
    assert_eq(df, expected, check_dtype=False, check_index=False, scheduler=scheduler)
    named = frames.read_csv(str(tmp_path / "*.csv"), parse_dates=[["Year", "Month", "DayofMonth"]])
    assert named.columns.tolist() == ["Year_Month_DayofMonth", "Delay"]
    assert_eq(named.Year_Month_DayofMonth, expected.Date.rename("Year_Month_DayofMonth"), check_dtype=False,
              check_index=False)


def test_head_reads_only_the_first_partition(tmp_path, scheduler):
    """Dask reads only what head() needs: a last file whose column no longer parses as the first
    file's type breaks compute() but not head()."""
    for i in range(3):
        pd.DataFrame({"a": range(i * 10, i * 10 + 10)}).to_csv(tmp_path / f"{i}.csv", index=False)
    (tmp_path / "3.csv").write_text("a\nnot a number\n")
    df = frames.read_csv(str(tmp_path / "*.csv"))
    assert_eq(df.head(5, compute=True, scheduler=scheduler), pd.DataFrame({"a": range(5)}), check_dtype=False)
    assert df.head(25, scheduler=scheduler).a.tolist() == list(range(25))
    assert df.a.head(3, scheduler=scheduler).tolist() == [0, 1, 2]
    with pytest.raises(frames.DataSourceError, match="3.csv.*column 'a'"):
        df.compute(scheduler=scheduler)


def test_include_path_column_and_list_of_paths(files, scheduler):
    paths = [str(files / "many.csv"), str(files / "crlf.csv")]
    df = frames.read_csv(paths[:1] * 2, include_path_column=True, blocksize=1000)
    one = pd.read_csv(paths[0])
    expected = pd.concat([one, one], ignore_index=True).assign(path=paths[0])
    assert_eq(df, expected, check_dtype=False, check_index=False, scheduler=scheduler)
    named = frames.read_csv(paths[0], include_path_column="src")
    assert named.columns.tolist()[-1] == "src"


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open), (".zst", None)])
def test_compressed_files_one_partition_each(files, tmp_path, suffix, opener, scheduler):
    data = (files / "many.csv").read_bytes()
    for i in range(2):
        target = tmp_path / f"m{i}.csv{suffix}"
        if opener is None:
            import pyarrow as pa

            with pa.CompressedOutputStream(str(target), "zstd") as out:
                out.write(data)
        else:
            with opener(target, "wb") as out:
                out.write(data)
    df = frames.read_csv(str(tmp_path / f"*.csv{suffix}"), blocksize=100)
    assert df.npartitions == 2  # a compressed stream cannot be entered mid-way
    one = pd.read_csv(files / "many.csv")
    assert_eq(df, pd.concat([one, one], ignore_index=True), check_dtype=False, check_index=False, scheduler=scheduler)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_encoding_like_pandas(tmp_path, encoding):
    path = tmp_path / "enc.csv"
    path.write_bytes("name,n\nJosé,1\nMüller,2\nÅsa,3\n".encode(encoding))
    for blocksize in (None, 12):
        assert_eq(frames.read_csv(str(path), encoding=encoding, blocksize=blocksize), pd.read_csv(path, encoding=encoding),
                  check_dtype=False, check_index=False)


def test_bad_rows_name_file_and_line_or_are_skipped(tmp_path, scheduler):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(200)) + "1,2,3\n" + "7,8\n")
    with pytest.raises(pd.errors.ParserError, match="line 202"):
        pd.read_csv(path)
    for blocksize in (None, 100):  # the bad line in a later block still gets its file line number
        with pytest.raises(frames.DataSourceError, match=r"bad.csv.*line 202.*on_bad_lines='skip'"):
            frames.read_csv(str(path), blocksize=blocksize).compute(scheduler=scheduler)
        assert_eq(frames.read_csv(str(path), blocksize=blocksize, on_bad_lines="skip"), pd.read_csv(path, on_bad_lines="skip"),
                  check_dtype=False, check_index=False, scheduler=scheduler)
    with pytest.warns(UserWarning, match=r"skipped 1 malformed row.*bad.csv.*line 202"):
        got = frames.read_csv(str(path), on_bad_lines="warn").compute(scheduler="sync")
    assert len(got) == 201


def test_unclosed_quote_is_an_error_not_merged_lines(tmp_path):
    path = tmp_path / "stray.csv"
    path.write_text('a,b\n1,"x\n2,y\n3,z\n')
    with pytest.raises(pd.errors.ParserError):
        pd.read_csv(path)
    for blocksize in (None, 8):
        with pytest.raises(frames.DataSourceError, match=r"stray.csv.*line 2.*never closed"):
            frames.read_csv(str(path), blocksize=blocksize).compute()
    assert_eq(frames.read_csv(str(path), quoting=3), pd.read_csv(path, quoting=3), check_dtype=False)


def test_mixed_folder_and_special_files_are_refused(tmp_path):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(mixed / "a.parquet")
    (mixed / "b.csv").write_text("a\n2\n")
    for reader in (frames.read_csv, frames.read_parquet):
        with pytest.raises(frames.DataSourceError, match="mixes file formats"):
            reader(str(mixed))
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    done = []
    worker = threading.Thread(target=lambda: done.append(_raises(lambda: frames.read_csv(str(fifo)))), daemon=True)
    worker.start()
    worker.join(10)
    assert done and "FIFO" in done[0]
    with pytest.raises(frames.DataSourceError, match="not a regular file"):
        frames.read_csv(str(tmp_path / "*.csv"))


def _raises(fn) -> str:
    try:
        fn()
    except frames.DataSourceError as exc:
        return str(exc)
    return "no error"


def test_bad_arguments_are_named(files):
    path = str(files / "many.csv")
    with pytest.raises(frames.InvalidArgumentError, match="bogus"):
        frames.read_csv(path, bogus=1)
    with pytest.raises(frames.InvalidArgumentError, match="on_bad_lines"):
        frames.read_csv(path, on_bad_lines="explode")
    with pytest.raises(frames.ColumnNotFoundError, match="nope"):
        frames.read_csv(path, parse_dates={"D": ["nope"]})
    with pytest.raises(frames.ColumnNotFoundError):
        frames.read_csv(path, usecols=[7])


def test_on_a_distributed_cluster_with_worker_processes(files, tmp_path):
    """Blocks, compressed files, the combined date column and the path column on Dask's
    distributed scheduler, whose workers are separate processes (tasks travel pickled)."""
    distributed = pytest.importorskip("distributed")
    for i in range(2):
        with gzip.open(tmp_path / f"d{i}.csv.gz", "wt") as out:
            out.write("Year,Month,Day,v\n" + "".join(f"{2000 + i},{m},{m + 3},{m * i}\n" for m in range(1, 13)))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            path = files / "many.csv"
            assert_eq(frames.read_csv(str(path), blocksize=500), pd.read_csv(path), check_dtype=False, check_index=False,
                      scheduler=client)
            df = frames.read_csv(str(tmp_path / "*.csv.gz"), parse_dates={"Date": ["Year", "Month", "Day"]},
                                 include_path_column=True)
            got = df.compute(scheduler=client)
            assert got.Date.dt.year.tolist() == [2000] * 12 + [2001] * 12
            assert got.v.tolist() == [0] * 12 + list(range(1, 13))
            assert got.path.str.endswith(("d0.csv.gz", "d1.csv.gz")).all()
            assert df.head(3, scheduler=client).v.tolist() == [0, 0, 0]

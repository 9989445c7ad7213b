"""read_text / read_json / to_textfiles against Python's own file reading, to_dataframe against
pandas, a bag's DataFrame queried with SQL against DuckDB, and bad inputs raising the project's
errors that name the culprit."""

from __future__ import annotations

import gzip
import json
import os

import pandas as pd
import pyarrow as pa
import pytest

import frames
import frames.bag as fb
from frames.errors import DataSourceError, DataTypeError, FramesError, WriteError

LINES = ["première ligne\n", "東京 tokyo\n", "\n", "emoji 🎉 ok\n", "plain ascii line number five\n", "last without end"]


@pytest.fixture
def text_files(tmp_path):
    """Three files: plain, gzip, and plain with CRLF endings; the lines Python reads from each."""
    plain = tmp_path / "a.txt"
    plain.write_text("".join(LINES), encoding="utf-8")
    gz = tmp_path / "b.txt.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("".join(LINES[:4]))
    crlf = tmp_path / "c.txt"
    crlf.write_bytes("".join(LINES[:3]).replace("\n", "\r\n").encode())
    files = [plain, gz, crlf]
    expected = []
    for p in files:
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt", encoding="utf-8") as f:
            expected.append((f.readlines(), str(p)))
    return tmp_path, expected


@pytest.mark.parametrize("blocksize", [None, 7, 40, "1MB"])
def test_read_text_matches_readlines(text_files, blocksize):
    folder, expected = text_files
    b = fb.read_text(str(folder / "*.txt*"), blocksize=blocksize)
    want = [line for lines, _ in expected for line in lines]
    assert b.compute(scheduler="sync") == want
    if blocksize == 7:
        assert b.npartitions > 3  # plain files split at line ends, the gzip file one partition
    with_path = fb.read_text(str(folder / "*.txt*"), blocksize=blocksize, include_path=True).compute(scheduler="threads")
    assert [(line, os.path.basename(p)) for line, p in with_path] == [
        (line, os.path.basename(p)) for lines, p in expected for line in lines]


def test_read_text_on_processes_and_lists_of_paths(text_files):
    folder, expected = text_files
    paths = [p for _, p in expected][::-1]
    got = fb.read_text(paths, blocksize=9).compute(scheduler="processes")
    assert got == [line for lines, _ in expected[::-1] for line in lines]


def test_json_lines_to_sql_against_duckdb(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    records = [{"user": ["ana", "bo", "Zoë"][i % 3], "ms": i * 7 % 100, "ok": i % 4 != 0,
                "geo": {"city": ["Oslo", "東京"][i % 2], "zip": i}} for i in range(200)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n", encoding="utf-8")
    via_text = fb.read_text(str(path), blocksize=1500).filter(str.strip).map(json.loads)
    direct = fb.read_json(str(path), blocksize=1500)
    assert via_text.npartitions > 1
    assert direct.compute(scheduler="sync") == records == via_text.compute(scheduler="sync")
    import sqlengine

    ctx = sqlengine.Context()
    flat = direct.filter(lambda r: r["ok"]).map(lambda r: {**r, "city": r["geo"]["city"]})
    ctx.register("events", flat.to_dataframe())
    sql = "SELECT user, count(*) AS n, sum(ms) AS total, max(city) AS city FROM events GROUP BY user ORDER BY user"
    got = ctx.sql(sql).compute()
    con = duckdb.connect()
    con.register("events", pa.Table.from_pylist([{**r, "city": r["geo"]["city"]} for r in records if r["ok"]]))
    want = con.execute(sql).df()
    assert got["user"].tolist() == want["user"].tolist()
    assert got["n"].tolist() == want["n"].tolist()
    assert got["total"].astype(int).tolist() == want["total"].astype(int).tolist()
    assert got["city"].tolist() == want["city"].tolist()


def test_read_json_reads_what_json_reads_and_names_a_bad_line(tmp_path):
    path = tmp_path / "odd.jsonl"
    lines = ['{"big": 123456789012345678901234567890}', '{"x": NaN}', '  ', '{"s": "\\ud800"}', '{"n": -0.0}', '[1, 2]']
    path.write_text("\n".join(lines) + "\n")
    want = [json.loads(line) for line in lines if line.strip()]
    got = fb.read_json(str(path)).compute(scheduler="sync")
    assert repr(got) == repr(want)
    from frames.bag import text

    fs, (block,) = text._blocks(str(path), None, "infer", "utf-8", None)
    plain = text._parse_json_lines(fs, block, "utf-8", False, use_orjson=False)
    assert repr(plain) == repr(want)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{"a": 2}\n{"a": oops}\n')
    with pytest.raises(DataSourceError, match=r"bad.jsonl.*line 3 is not JSON"):
        fb.read_json(str(bad), blocksize=12).compute(scheduler="sync")


@pytest.mark.parametrize("pattern", ["out", "out/*.txt", "out/part-*.txt.gz"])
def test_to_textfiles_round_trip_and_nothing_replaced_unasked(tmp_path, pattern):
    words = ["α", "beta", "", "東京", "delta"] * 3
    b = fb.from_sequence(words, npartitions=4)
    written = b.to_textfiles(str(tmp_path / pattern), last_endline=True, scheduler="processes")
    assert len(written) == 4 and all(os.path.exists(p) for p in written)
    back = fb.read_text(written).map(lambda s: s[:-1] if s.endswith("\n") else s).compute(scheduler="sync")
    assert back == words
    if pattern.endswith(".gz"):
        assert gzip.open(written[0]).read().decode() == "".join(w + "\n" for w in words[:4])
    with pytest.raises(WriteError, match="already (exists|matches 4 file)"):
        b.to_textfiles(str(tmp_path / pattern))
    b.map(str.upper).to_textfiles(str(tmp_path / pattern), overwrite=True, last_endline=True, scheduler="sync")
    assert fb.read_text(written).compute(scheduler="sync")[0] == "Α\n"


def test_to_textfiles_failure_leaves_no_debris(tmp_path):
    b = fb.from_sequence(["ok", 5, "fine"], npartitions=2)
    with pytest.raises(FramesError, match="element 5 is a int"):
        b.to_textfiles(str(tmp_path / "out" / "*.txt"), scheduler="threads")
    assert os.listdir(tmp_path) == []


def test_to_dataframe_against_pandas():
    records = [{"a": i, "b": f"é{i}", "c": [i, i + 1], "d": {"x": float(i)}} for i in range(11)]
    for n in (1, 3, 7, 15):
        df = fb.from_sequence(records, npartitions=n).to_dataframe()
        got = df.compute(scheduler="sync")
        want = pd.DataFrame(records)
        assert got[["a", "b"]].equals(want[["a", "b"]])
        assert got["c"].map(list).tolist() == want["c"].tolist()
        assert got["d"].tolist() == want["d"].tolist()
    rows = fb.from_sequence([(i, str(i)) for i in range(5)], npartitions=2)
    assert rows.to_dataframe(columns=["k", "v"]).compute(scheduler="sync").equals(
        pd.DataFrame({"k": range(5), "v": [str(i) for i in range(5)]}))
    meta = pa.schema([("v", pa.string()), ("k", pa.int32())])
    typed = rows.to_dataframe(meta={"k": pa.int32(), "v": pa.string()})
    assert typed.schema.field("k").type == pa.int32()
    nested = fb.from_sequence(records, npartitions=2).to_dataframe(meta=pa.schema([("d", pa.struct([("x", pa.float64())]))]))
    assert nested.compute(scheduler="sync")["d"].tolist() == [r["d"] for r in records]
    assert meta.names == ["v", "k"]
    only_b = fb.from_sequence(records, npartitions=3).to_dataframe()[["b"]].compute(scheduler="sync")
    assert only_b["b"].tolist() == [r["b"] for r in records]


def test_bad_inputs_raise_project_errors_naming_the_culprit(tmp_path):
    b = fb.from_sequence([{"a": 1}, {"b": 2}], npartitions=2)
    cases = [
        (lambda: fb.from_sequence([1], npartitions=0), fb.BagError, "npartitions must be a positive integer"),
        (lambda: fb.zip(b, fb.from_sequence([1, 2], npartitions=1)), fb.BagError, r"same number of partitions, got \[2, 1\]"),
        (lambda: fb.zip(b, fb.from_sequence([1, 2, 3], npartitions=2)).compute(scheduler="sync"), fb.BagError, r"partition 0 has \[1, 2\] elements"),
        (lambda: b.map(3), fb.BagError, "map needs a function"),
        (lambda: b.pluck("a").compute(scheduler="sync"), fb.BagError, r"element \{'b': 2\} has no 'a'"),
        (lambda: b.filter(lambda r: False).pluck("a").min().compute(scheduler="sync"), fb.BagError, "min.. of an empty bag"),
        (lambda: b.pluck("a", 0).mean().compute(scheduler="sync") and b.mean().compute(scheduler="sync"), fb.BagError, "need numbers"),
        (lambda: b.groupby(lambda r: object()).compute(scheduler="sync"), fb.BagError, "whose hash may differ"),
        (lambda: b.frequencies().compute(scheduler="sync"), fb.BagError, "cannot be hashed"),
        (lambda: b.to_dataframe().compute(scheduler="sync"), DataTypeError, r"has keys \['b'\]"),
        (lambda: fb.from_sequence([], npartitions=2).to_dataframe(), fb.BagError, "pass meta="),
        (lambda: fb.from_sequence([1, 2]).to_dataframe(), fb.BagError, "must be dicts"),
        (lambda: fb.read_text(str(tmp_path / "missing*.txt")), DataSourceError, "no files match"),
        (lambda: fb.read_text(str((tmp_path / "empty").mkdir() or tmp_path / "empty")), DataSourceError, "has no data files"),
        (lambda: b.take(2, npartitions=5), fb.BagError, "has 2 partitions"),
        (lambda: b.repartition(0), fb.BagError, "npartitions"),
        (lambda: b.to_textfiles(["a", "b"]), fb.BagError, "list of file names is not supported"),
    ]
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9\n".encode("latin-1"))
    cases.append((lambda: fb.read_text(str(latin)).compute(scheduler="sync"), DataSourceError, "latin.txt.*not valid utf-8"))
    for make, error, pattern in cases:
        with pytest.raises(error, match=pattern):
            make()
    assert fb.read_text(str(latin), encoding="latin-1").compute(scheduler="sync") == ["café\n"]
    assert issubclass(fb.BagError, FramesError)
    assert frames.Bag is fb.Bag

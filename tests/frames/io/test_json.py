"""JSON reading against DuckDB's ``read_json`` and pandas' ``read_json`` on the same files: JSON
lines split into several partitions, top-level arrays, nested values, compression, every
scheduler, and bad input that must fail naming the file and line."""

from __future__ import annotations

import gzip
import json
import random

import pandas as pd
import pyarrow as pa
import pytest

import frames
import sqlengine
from frames.errors import DataSourceError, InvalidArgumentError
from planner.types import sql_type

duckdb = pytest.importorskip("duckdb")


def _records(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rec = {"id": i, "x": round(rng.uniform(-100, 100), 3), "name": rng.choice(["ann", "bob", "čeněk", 'q"uote', "a,b"]),
               "day": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
               "point": {"lat": rng.randint(-90, 90), "tags": [rng.choice("abc") for _ in range(rng.randint(0, 3))]},
               "scores": [rng.randint(0, 9) for _ in range(rng.randint(0, 4))],
               "flag": rng.random() < 0.5}
        if i % 7 == 3:
            rec["x"] = None
        if i % 11 == 5:
            del rec["name"]  # a missing field is NULL
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("json")
    records = _records(3000)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    (d / "data.jsonl").write_bytes(lines)
    (d / "data.json").write_text(json.dumps(records, indent=1, ensure_ascii=False))
    with gzip.open(d / "data.ndjson.gz", "wb") as f:
        f.write(lines)
    (d / "parts").mkdir()
    for k in range(3):
        (d / "parts" / f"p{k}.jsonl").write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records[k::3]))
    return d, len(lines)


def _duck_type(text: str) -> str:
    """DuckDB infers integers nested in objects as HUGEINT (Arrow: decimal128(38, 0)); we read them
    as BIGINT, as it does at the top level (the values compare equal)."""
    return text.replace("DECIMAL(38, 0)", "BIGINT").replace("HUGEINT", "BIGINT")


def _duck(sql: str) -> list[dict]:
    return duckdb.sql(sql).to_arrow_table().to_pylist()


def _by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["id"])


@pytest.mark.parametrize("nparts,any_scheduler", [(1, "sync"), (3, "sync"), (7, "sync"), (3, "threads"), (7, "processes"),
                                                   (7, "distributed")], indirect=["any_scheduler"])
def test_json_lines_match_duckdb_across_partitions(files, nparts, any_scheduler):
    d, size = files
    df = frames.read_json(str(d / "data.jsonl"), lines=True, blocksize=-(-size // nparts))
    assert df.npartitions == nparts
    got = df.to_arrow(scheduler=any_scheduler)
    want = duckdb.sql(f"SELECT * FROM read_json('{d / 'data.jsonl'}')").to_arrow_table()
    assert got.schema.names == want.schema.names
    for name in want.schema.names:  # the same types as DuckDB: int64, double, string, date, struct, list, bool
        assert sql_type(got.schema.field(name).type) == _duck_type(sql_type(want.schema.field(name).type)), name
    assert got.to_pylist() == want.to_pylist()  # every row once, in file order


def test_json_lines_match_pandas(files):
    d, size = files
    got = frames.read_json(str(d / "data.jsonl"), lines=True, blocksize=size // 3).compute()
    want = pd.read_json(d / "data.jsonl", lines=True)
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_series_equal(got["id"], want["id"])
    pd.testing.assert_series_equal(got["x"], want["x"])
    assert got["name"].where(got["name"].notna(), None).tolist() == want["name"].where(want["name"].notna(), None).tolist()
    assert got["day"].astype(str).tolist() == want["day"].tolist()  # pandas leaves dates as text; DuckDB and we read dates
    assert got["point"].map(lambda p: {"lat": p["lat"], "tags": list(p["tags"])}).tolist() == want["point"].tolist()
    assert got["scores"].map(list).tolist() == want["scores"].tolist()
    assert got["flag"].tolist() == want["flag"].tolist()


@pytest.mark.parametrize("name,sql_fn", [("data.json", "read_json"), ("data.jsonl", "read_json_auto"),
                                          ("data.jsonl", "read_ndjson"), ("data.ndjson.gz", "read_json")])
def test_sql_table_functions_match_duckdb(files, name, sql_fn):
    d, _ = files
    q = f"SELECT id, name, day, scores FROM {sql_fn}('{d / name}') WHERE x > 10 ORDER BY id"
    got = sqlengine.Context().sql(q).to_arrow()
    assert got.to_pylist() == _duck(q)


@pytest.mark.parametrize("name", ["data.json", "data.jsonl", "data.ndjson.gz", "parts/*.jsonl"])
def test_from_a_json_path_matches_duckdb(files, name):
    d, _ = files
    got = sqlengine.Context().sql(f"SELECT * FROM '{d / name}'").to_arrow().to_pylist()
    assert _by_id(got) == _by_id(_duck(f"SELECT * FROM read_json('{d / name}')"))


def test_a_folder_of_json_lines_reads_every_file(files):
    d, _ = files
    got = frames.read_json(str(d / "parts")).to_arrow().to_pylist()
    assert _by_id(got) == _by_id(_duck(f"SELECT * FROM read_json('{d / 'data.jsonl'}')"))


def test_describe_shows_nested_types_as_duckdb(files):
    d, _ = files
    ours = sqlengine.Context().sql(f"DESCRIBE SELECT * FROM '{d / 'data.jsonl'}'").compute()
    theirs = duckdb.sql(f"DESCRIBE SELECT * FROM '{d / 'data.jsonl'}'").df()
    assert ours["column_type"].tolist() == [_duck_type(t) for t in theirs["column_type"]]


def test_top_level_array_matches_pandas_and_duckdb(files, any_scheduler):
    d, _ = files
    df = frames.read_json(str(d / "data.json"))
    got = df.to_arrow(scheduler=any_scheduler)
    assert got.to_pylist() == _duck(f"SELECT * FROM read_json('{d / 'data.json'}', format='array')")
    want = pd.read_json(d / "data.json")
    assert df["id"].compute().tolist() == want["id"].tolist()


def test_columns_read_only_those_with_their_types(files):
    d, _ = files
    q = f"SELECT * FROM read_json('{d / 'data.jsonl'}', columns={{id: 'INTEGER', point: 'STRUCT(lat BIGINT)', name: 'VARCHAR'}})"
    got = sqlengine.Context().sql(q).to_arrow()
    want = duckdb.sql(q).to_arrow_table()
    assert got.schema.types == [pa.int32(), pa.struct([("lat", pa.int64())]), pa.string()] == want.schema.types
    assert got.to_pylist() == want.to_pylist()


def test_projection_and_filter_reach_the_scan(files):
    d, size = files
    df = frames.read_json(str(d / "data.jsonl"), blocksize=size // 3)
    out = df[df.id % 100 == 0][["name"]]
    assert "JsonScan" in out.explain() and "filter=" in out.explain()
    assert out.compute()["name"].tolist() == pd.read_json(d / "data.jsonl", lines=True).query("id % 100 == 0")["name"].tolist()


def test_multi_line_objects_are_read(tmp_path):
    p = tmp_path / "pretty.json"
    p.write_text('{\n  "a": 1,\n  "b": {"c": [1, 2]}\n}\n{\n  "a": 2,\n  "b": null\n}\n')
    assert frames.read_json(str(p)).to_arrow().to_pylist() == _duck(f"SELECT * FROM read_json('{p}')")


# -- bad input: errors name the file and the line -----------------------------------------------------

@pytest.mark.parametrize("blocksize", [None, 40])
def test_malformed_line_names_file_and_line(tmp_path, blocksize):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"a": 1}\n{"a": 2}\n{"a": 3}\n{"a": 4\n{"a": 5}\n')
    with pytest.raises(DataSourceError, match=r"bad\.jsonl' line 4: malformed JSON"):
        frames.read_json(str(p), lines=True, blocksize=blocksize).compute(scheduler="sync")


def test_malformed_line_beyond_the_sample(tmp_path):
    p = tmp_path / "late.jsonl"
    n = 120_000  # more than the 1 MB the types are inferred from
    p.write_text("".join(f'{{"a": {i}}}\n' for i in range(n)) + '{"a": 1.5}\n{"a": 2, "extra": 1}\n')
    with pytest.raises(DataSourceError, match=rf"late\.jsonl' line {n + 1}: .*int64"):
        frames.read_json(str(p), blocksize="256KB").compute(scheduler="sync")
    p.write_text("".join(f'{{"a": {i}}}\n' for i in range(n)) + '{"a": 2, "extra": 1}\n')
    with pytest.raises(DataSourceError, match=rf"line {n + 1}: field 'extra' is not among the columns"):
        frames.read_json(str(p)).compute(scheduler="sync")


@pytest.mark.parametrize("text,match", [
    ("", "is empty"),
    ('[{"a": 1}, 2]', "element 1 of the top-level array is a int"),
    ('[{"a": 1},\n {"a": }]', r"line 2"),
    ('{"a": 1}\n[1, 2]\n', r"line 2: a list, not an object"),
    ('{"a": 1', r"line 1"),
])
def test_bad_files_give_clear_errors(tmp_path, text, match):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(DataSourceError, match=match):
        frames.read_json(str(p)).compute(scheduler="sync")


def test_bad_options_are_refused(files):
    d, _ = files
    with pytest.raises(InvalidArgumentError, match="bogus"):
        sqlengine.Context().sql(f"SELECT * FROM read_json('{d / 'data.jsonl'}', bogus=1)")
    with pytest.raises(InvalidArgumentError, match="unknown JSON format"):
        frames.read_json(str(d / "data.jsonl"), format="xml")
    with pytest.raises(InvalidArgumentError, match="orient"):
        frames.read_json(str(d / "data.jsonl"), orient="split")
    with pytest.raises(DataSourceError, match="file not found"):
        frames.read_json(str(d / "missing.json"))


@pytest.mark.parametrize("text,options", [
    ("1\n2\n\n3\n", ""),  # values that are not objects: one column named json
    ('"2024-01-02"\n"2024-03-04"\n', ""),
    ("[[1, 2], [3], []]", ""),
    ('[{"a": 1}, {"a": 2.5, "b": "x"}]', ", records=false"),
    ('{"a": 1, "s": {"x": [1]}}\n{"a": 2}\n', ", records=false"),
])
def test_records_false_reads_values_as_duckdb(tmp_path, text, options):
    p = tmp_path / "values.json"
    p.write_text(text)
    q = f"SELECT * FROM read_json('{p}'{options})"
    got = sqlengine.Context().sql(q).to_arrow()
    want = duckdb.sql(q).to_arrow_table()
    assert got.schema.names == ["json"] == want.schema.names
    assert got.to_pylist() == want.to_pylist()


@pytest.mark.parametrize("options", ["", ", columns={s: 'STRUCT(d DATE, t TIMESTAMP)', d: 'DATE', l: 'DATE[]'}"])
def test_dates_and_timestamps_at_any_depth_as_duckdb(tmp_path, options):
    p = tmp_path / "dated.jsonl"
    p.write_text('{"s": {"d": "2024-01-01", "t": "2024-01-01 10:00:00"}, "l": ["2024-02-02"], "d": "2024-05-05"}\n'
                 '{"s": null, "l": [], "d": null}\n{"s": {"d": "2023-12-31", "t": "2023-12-31 23:59:59"}, "l": null, "d": "2020-02-29"}\n')
    q = f"SELECT * FROM read_json('{p}'{options})"
    got = sqlengine.Context().sql(q).to_arrow()
    want = duckdb.sql(q).to_arrow_table()
    assert [sql_type(t) for t in got.schema.types] == [sql_type(t) for t in want.schema.types]
    assert got.to_pylist() == want.to_pylist()


@pytest.mark.parametrize("raw", [b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n', b'{"a": 1}\r\n{"a": 2}\r\n', b'{"a": 1}\n{"a": 2}',
                                 b'  [ {"a": 1} ,\n {"a": 2} ]  \n'])
def test_byte_order_marks_line_endings_and_whitespace(tmp_path, raw):
    p = tmp_path / "edge.json"
    p.write_bytes(raw)
    assert frames.read_json(str(p), blocksize=12).to_arrow().to_pylist() == _duck(f"SELECT * FROM read_json('{p}')")

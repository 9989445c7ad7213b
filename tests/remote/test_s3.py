"""S3 for real: every reader and writer, SQL and COPY against a moto S3 server on 127.0.0.1.

The server counts the bytes it sends, so the tests check that a projected, filtered Parquet read
fetches only the column chunks it needs, whatever process (scheduler worker) fetches them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import frames
import sqlengine
from frames.errors import DataSourceError, WriteError
from tests.remote.conftest import KEY, REGION, SECRET

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

BUCKET = "lake"
N = 60_000


@pytest.fixture(scope="module")
def lake(s3, tmp_path_factory):
    """Local files and the same files in the bucket."""
    d = tmp_path_factory.mktemp("lake")
    rng = np.random.default_rng(7)
    wide = pa.table({**{f"c{i}": rng.random(N) for i in range(12)}, "k": pa.array(np.arange(N) % 50),
                     "s": pa.array([f"name-{i % 997}" for i in range(N)])})
    pq.write_table(wide, d / "wide.parquet", row_group_size=N // 3)
    small = wide.slice(0, 500).select(["k", "c0", "s"])
    pacsv.write_csv(small, d / "small.csv")
    (d / "small.jsonl").write_text("".join(json.dumps({"k": r["k"], "c0": r["c0"], "nested": {"s": r["s"], "l": [r["k"]]}}) + "\n"
                                           for r in small.to_pylist()))
    if not s3.exists(BUCKET):
        s3.mkdir(BUCKET)
    for name in ("wide.parquet", "small.csv", "small.jsonl"):
        s3.put(str(d / name), f"{BUCKET}/{name}")
    for part in range(3):  # hive-partitioned copies
        s3.pipe(f"{BUCKET}/hive/part={part}/data.parquet", _parquet_bytes(small.slice(part * 100, 100)))
    return d


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def test_projected_filtered_read_fetches_only_its_columns(lake, s3_server, storage_options, any_scheduler):
    size = (lake / "wide.parquet").stat().st_size
    df = frames.read_parquet(f"s3://{BUCKET}/wide.parquet", storage_options=storage_options)
    s3_server.fetched.reset()
    got = df[df.c0 > 0.9][["c1", "k"]].compute(scheduler=any_scheduler)
    fetched = s3_server.fetched.bytes
    want = pd.read_parquet(lake / "wide.parquet").query("c0 > 0.9")[["c1", "k"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    meta = pq.ParquetFile(lake / "wide.parquet").metadata
    names = meta.schema.to_arrow_schema().names
    needed = sum(meta.row_group(rg).column(names.index(c)).total_compressed_size for rg in range(meta.num_row_groups)
                 for c in ("c0", "c1", "k"))
    assert fetched < 0.35 * size  # 3 of 14 columns; it was 150% of the file before ranges were read uncached
    assert fetched >= needed  # and the counter does count the column chunks read


def test_glob_and_hive_partitions(lake, storage_options):
    df = frames.read_parquet(f"s3://{BUCKET}/hive/*/*.parquet", storage_options=storage_options)
    got = df[df.part >= 1].compute().sort_values(["part", "k", "c0"]).reset_index(drop=True)
    small = pd.read_csv(lake / "small.csv")
    small["part"] = np.arange(len(small)) // 100
    want = small[(small.part >= 1) & (small.part < 3)].sort_values(["part", "k", "c0"]).reset_index(drop=True)
    assert len(got) == 200
    pd.testing.assert_frame_equal(got[["k", "c0", "s"]], want[["k", "c0", "s"]], check_dtype=False)
    assert got["part"].tolist() == want["part"].tolist()


@pytest.mark.parametrize("any_scheduler", ["threads", "distributed"], indirect=True)
def test_csv_and_json_readers(lake, storage_options, any_scheduler):
    got = frames.read_csv(f"s3://{BUCKET}/small.csv", storage_options=storage_options, blocksize=4000)
    assert got.npartitions > 1
    pd.testing.assert_frame_equal(got.compute(scheduler=any_scheduler).reset_index(drop=True), pd.read_csv(lake / "small.csv"))
    js = frames.read_json(f"s3://{BUCKET}/small.jsonl", storage_options=storage_options, blocksize=9000)
    assert js.npartitions > 1
    local = frames.read_json(str(lake / "small.jsonl")).to_arrow()
    assert js.to_arrow(scheduler=any_scheduler).to_pylist() == local.to_pylist()


def test_sql_from_s3_matches_duckdb_on_the_same_files(lake, storage_options):
    ctx = sqlengine.Context(storage_options=storage_options)
    queries = {
        f"SELECT k, count(*) AS n, sum(c0) AS s FROM 's3://{BUCKET}/wide.parquet' WHERE c1 < 0.5 GROUP BY k ORDER BY k":
            f"SELECT k, count(*) AS n, sum(c0) AS s FROM '{lake}/wide.parquet' WHERE c1 < 0.5 GROUP BY k ORDER BY k",
        f"SELECT k, s FROM read_csv('s3://{BUCKET}/small.csv') WHERE k < 5 ORDER BY k, s":
            f"SELECT k, s FROM read_csv('{lake}/small.csv') WHERE k < 5 ORDER BY k, s",
        f"SELECT k, nested FROM read_json('s3://{BUCKET}/small.jsonl') WHERE k = 3 ORDER BY c0":
            f"SELECT k, nested FROM read_json('{lake}/small.jsonl') WHERE k = 3 ORDER BY c0",
        f"SELECT count(*) AS n FROM read_parquet('s3://{BUCKET}/wide.parquet')": f"SELECT count(*) AS n FROM '{lake}/wide.parquet'",
    }
    for ours, theirs in queries.items():
        got = ctx.sql(ours).to_arrow().to_pylist()
        want = duckdb.sql(theirs).to_arrow_table().to_pylist()
        assert len(got) == len(want) and got, ours
        for g, w in zip(got, want):
            assert g.keys() == w.keys()
            for name in g:
                if isinstance(w[name], float):
                    assert g[name] == pytest.approx(w[name], rel=1e-12), ours
                elif isinstance(w[name], dict):  # DuckDB types nested integers as HUGEINT (Decimal): equal values
                    assert json.dumps(g[name]) == json.dumps({k: [int(x) for x in v] if isinstance(v, list) else v for k, v in w[name].items()})
                else:
                    assert g[name] == w[name], ours


def test_one_shot_sql_takes_storage_options(lake, storage_options):
    got = sqlengine.sql(f"SELECT count(*) AS n FROM 's3://{BUCKET}/small.jsonl' WHERE k < 10", storage_options=storage_options)
    assert got.compute()["n"].tolist() == [100]
    with pytest.raises(sqlengine.SqlEngineError, match="storage_options must be a dict"):
        sqlengine.Context(storage_options="key=abc")


def test_register_takes_storage_options(lake, storage_options):
    ctx = sqlengine.Context()  # no default: the table's own options
    ctx.register("wide", f"s3://{BUCKET}/wide.parquet", storage_options=storage_options)
    ctx.register("js", f"s3://{BUCKET}/small.jsonl", storage_options=storage_options)
    assert ctx.sql("SELECT count(*) AS n FROM wide").compute()["n"].tolist() == [N]
    assert ctx.sql("SELECT count(*) AS n FROM js WHERE k < 10").compute()["n"].tolist() == [100]


def test_aws_environment_variables(lake, s3_server, monkeypatch):
    """No storage_options at all: AWS_ENDPOINT_URL, the keys and the region from the environment."""
    for name, value in {"AWS_ENDPOINT_URL": s3_server.endpoint, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    ctx = sqlengine.Context()
    got = ctx.sql(f"SELECT count(*) AS n FROM 's3://{BUCKET}/small.csv'").compute(scheduler="threads")
    assert got["n"].tolist() == [500]
    frames.read_csv(f"s3://{BUCKET}/small.csv").to_parquet(f"s3://{BUCKET}/env-out.parquet", overwrite=True)
    assert frames.read_parquet(f"s3://{BUCKET}/env-out.parquet").compute().shape == (500, 3)


def _keys(s3, prefix: str) -> list[str]:
    s3.invalidate_cache()
    return sorted(k[len(BUCKET) + 1:] for k in s3.find(f"{BUCKET}/{prefix}"))


@pytest.mark.parametrize("single,any_scheduler", [(False, "sync"), (False, "processes"), (False, "distributed"), (True, "threads")],
                         indirect=["any_scheduler"])
def test_writers_commit_to_s3_and_leave_nothing_else(lake, s3, storage_options, single, any_scheduler):
    src = frames.read_parquet(str(lake / "wide.parquet"), columns=["k", "c0"])
    target = f"out-{single}-{getattr(any_scheduler, 'id', any_scheduler)}" + (".parquet" if single else "")
    url = f"s3://{BUCKET}/{target}"
    src.to_parquet(url, storage_options=storage_options, scheduler=any_scheduler)
    first = _keys(s3, target)
    assert first == [target] if single else all(k.startswith(f"{target}/part.") for k in first)
    if not single:  # an existing directory is replaced only when asked (a file is, as pandas and COPY do)
        with pytest.raises(WriteError, match="already exists"):
            src.to_parquet(url, storage_options=storage_options)
    src[src.k < 10].to_parquet(url, storage_options=storage_options, overwrite=True, scheduler=any_scheduler)
    back = frames.read_parquet(url, storage_options=storage_options).compute().sort_values(["k", "c0"]).reset_index(drop=True)
    want = pd.read_parquet(lake / "wide.parquet", columns=["k", "c0"]).query("k < 10").sort_values(["k", "c0"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want)
    everything = _keys(s3, "")
    assert not [k for k in everything if k.startswith(f".{target}")]  # no temporary or backup objects left


def test_to_csv_and_copy_to_s3(lake, s3, storage_options):
    ctx = sqlengine.Context(storage_options=storage_options)
    ctx.sql(f"COPY (SELECT k, s FROM 's3://{BUCKET}/small.csv' WHERE k < 3) TO 's3://{BUCKET}/copied.csv' (FORMAT CSV)")
    ctx.sql(f"COPY (SELECT k, c0 FROM 's3://{BUCKET}/wide.parquet' WHERE k = 7) TO 's3://{BUCKET}/copied.parquet'")
    want = pd.read_csv(lake / "small.csv").query("k < 3")[["k", "s"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(frames.read_csv(f"s3://{BUCKET}/copied.csv", storage_options=storage_options).compute(), want)
    n = frames.read_parquet(f"s3://{BUCKET}/copied.parquet", storage_options=storage_options).compute()
    assert len(n) == N // 50 and set(n["k"]) == {7}
    frames.read_csv(str(lake / "small.csv")).to_csv(f"s3://{BUCKET}/csvdir", storage_options=storage_options)
    back = frames.read_csv(f"s3://{BUCKET}/csvdir", storage_options=storage_options).compute()
    pd.testing.assert_frame_equal(back.reset_index(drop=True), pd.read_csv(lake / "small.csv"))


# -- errors name the URL ----------------------------------------------------------------------------

def test_missing_bucket_and_key(lake, storage_options):
    with pytest.raises(DataSourceError, match=r"s3://no-such-bucket/x\.parquet"):
        frames.read_parquet("s3://no-such-bucket/x.parquet", storage_options=storage_options)
    with pytest.raises(DataSourceError, match=rf"s3://{BUCKET}/missing\.csv"):
        frames.read_csv(f"s3://{BUCKET}/missing.csv", storage_options=storage_options)
    with pytest.raises(sqlengine.SqlEngineError, match=rf"s3://{BUCKET}/missing\.json"):
        sqlengine.Context(storage_options=storage_options).sql(f"SELECT * FROM 's3://{BUCKET}/missing.json'")
    with pytest.raises(WriteError, match=r"s3://no-such-bucket/out\.parquet"):
        frames.read_csv(str(lake / "small.csv")).to_parquet("s3://no-such-bucket/out.parquet", storage_options=storage_options)


def test_wrong_credentials(lake, s3_server, storage_options):
    bad = {**storage_options, "key": "wrong-key"}
    s3_server.denied_keys.add("wrong-key")
    try:
        with pytest.raises(DataSourceError, match=rf"s3://{BUCKET}/small\.csv.*(denied|credentials|Access Key)"):
            frames.read_csv(f"s3://{BUCKET}/small.csv", storage_options=bad)
        with pytest.raises(WriteError, match=rf"s3://{BUCKET}/denied\.parquet.*(denied|credentials|Access Key)"):
            frames.read_csv(str(lake / "small.csv")).to_parquet(f"s3://{BUCKET}/denied.parquet", storage_options=bad)
    finally:
        s3_server.denied_keys.discard("wrong-key")


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_text_reads_fetch_each_byte_about_once(lake, s3, s3_server, storage_options, tmp_path, kind):
    """A 1 MB sample fetches about 1 MB (not a 50 MB read-ahead block), and blocks about their ranges."""
    n = 200_000
    frame = pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 0.5, "c": "xyz"})
    path = tmp_path / f"big.{kind}"
    frame.to_json(path, orient="records", lines=True) if kind == "jsonl" else frame.to_csv(path, index=False)
    s3.put(str(path), f"{BUCKET}/big.{kind}")
    size = path.stat().st_size
    reader = frames.read_json if kind == "jsonl" else frames.read_csv
    s3_server.fetched.reset()
    df = reader(f"s3://{BUCKET}/big.{kind}", storage_options=storage_options, blocksize=size // 4 + 1)
    assert s3_server.fetched.bytes < (1 << 20) + 3 * (1 << 16) < size / 2
    s3_server.fetched.reset()
    got = df.compute(scheduler="threads")
    assert s3_server.fetched.bytes < 1.2 * size
    assert df.npartitions == 4 and got["a"].tolist() == list(range(n))


def test_unreachable_endpoint_names_the_url():
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    opts = {"key": KEY, "secret": SECRET, "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": REGION},
            "config_kwargs": {"retries": {"max_attempts": 1}}}
    with pytest.raises(DataSourceError, match=rf"s3://{BUCKET}/small\.csv.*(connect|Connect)"):
        frames.read_csv(f"s3://{BUCKET}/small.csv", storage_options=opts)

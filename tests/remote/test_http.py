"""HTTP(S) reads through fsspec's http filesystem, against ``http.server`` on 127.0.0.1 with range
requests (the server counts bytes sent, so projection is checked as on S3)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frames
import sqlengine
from frames.errors import DataSourceError

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("aiohttp")  # fsspec's http filesystem
N = 40_000


@pytest.fixture(scope="module")
def site(http_server):
    root = http_server.root
    rng = np.random.default_rng(3)
    table = pa.table({**{f"c{i}": rng.random(N) for i in range(10)}, "k": pa.array(np.arange(N) % 20)})
    pq.write_table(table, root / "wide.parquet", row_group_size=N // 2)
    pd.DataFrame({"a": range(300), "b": [f"x{i}" for i in range(300)]}).to_csv(root / "t.csv", index=False)
    (root / "t.jsonl").write_text("".join(json.dumps({"a": i, "o": {"b": [i, i + 1]}}) + "\n" for i in range(300)))
    return http_server


@pytest.mark.parametrize("any_scheduler", ["sync", "distributed"], indirect=True)
def test_projected_parquet_read_over_http(site, any_scheduler):
    size = (site.root / "wide.parquet").stat().st_size
    df = frames.read_parquet(f"{site.url}/wide.parquet")
    site.fetched.reset()
    got = df[df.k == 3][["c2"]].compute(scheduler=any_scheduler).reset_index(drop=True)
    want = pd.read_parquet(site.root / "wide.parquet").query("k == 3")[["c2"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    assert site.fetched.bytes < 0.35 * size  # 2 of 11 columns


def test_csv_json_and_sql_over_http(site):
    pd.testing.assert_frame_equal(frames.read_csv(f"{site.url}/t.csv", blocksize=1000).compute().reset_index(drop=True),
                                  pd.read_csv(site.root / "t.csv"))
    got = frames.read_json(f"{site.url}/t.jsonl", blocksize=2000)
    assert got.npartitions > 1
    assert got.to_arrow().to_pylist() == frames.read_json(str(site.root / "t.jsonl")).to_arrow().to_pylist()
    ctx = sqlengine.Context()
    q = "SELECT k, count(*) AS n, min(c0) AS lo FROM '{}' GROUP BY k ORDER BY k"
    assert ctx.sql(q.format(f"{site.url}/wide.parquet")).to_arrow().to_pylist() == \
        duckdb.sql(q.format(site.root / "wide.parquet")).to_arrow_table().to_pylist()
    assert ctx.sql(f"SELECT sum(a) AS s FROM read_json('{site.url}/t.jsonl')").compute()["s"].tolist() == [sum(range(300))]


def test_missing_url_names_it(site):
    with pytest.raises(DataSourceError, match=r"/missing\.parquet"):
        frames.read_parquet(f"{site.url}/missing.parquet")
    with pytest.raises(sqlengine.SqlEngineError, match=r"/missing\.csv"):
        sqlengine.Context().sql(f"SELECT * FROM '{site.url}/missing.csv'")

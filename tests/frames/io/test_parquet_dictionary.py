"""Low-cardinality string columns are read as Arrow dictionaries and become plain strings after the
scan's filter; results are the same as pandas' whatever the filter reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frames
from frames.dataframe.io.parquet import read_parquet_node
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> str:
    rng = np.random.default_rng(3)
    n = 20_000
    pdf = pd.DataFrame({
        "flag": rng.choice(["A", "N", "R"], n),
        "mode": rng.choice(["AIR", "MAIL", "SHIP", "TRUCK"], n),
        "text": [f"comment number {i} {rng.integers(1e9)}" for i in range(n)],
        "x": rng.integers(0, 100, n),
    })
    out = tmp_path_factory.mktemp("dict") / "t.parquet"
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    table = table.cast(pa.schema([pa.field(f.name, pa.string_view() if f.type == pa.large_string() or f.type == pa.string() else f.type) for f in table.schema]))
    pq.write_table(table, out, row_group_size=3000)
    return str(out)


def test_low_cardinality_columns_are_read_as_dictionaries(path):
    pieces = read_parquet_node(path).all_pieces
    assert all(p.dictionary_columns == {"flag", "mode"} for p in pieces)  # not the unique "text"


@pytest.mark.parametrize("where", [None, "x", "flag", "text"])
def test_filtered_scan_matches_pandas(path, where, npartitions, scheduler):
    pdf = pd.read_parquet(path)
    pdf = pdf.astype({c: object for c in ("flag", "mode", "text")})
    ddf = frames.read_parquet(path, split_row_groups=max(1, 7 // npartitions))
    if where == "x":
        got, exp = ddf[ddf.x < 30], pdf[pdf.x < 30]
    elif where == "flag":
        got, exp = ddf[ddf.flag == "R"], pdf[pdf.flag == "R"]
    elif where == "text":
        got, exp = ddf[ddf.text.str.endswith("7")], pdf[pdf.text.str.endswith("7")]
    else:
        got, exp = ddf, pdf
    result = got[["flag", "mode", "x"]]
    assert all(pa.types.is_string(t) for t in result._node.schema.types[:2])
    assert_eq(result, exp[["flag", "mode", "x"]], check_index=False, check_dtype=False, scheduler=scheduler)
    assert_eq(got.groupby("mode").x.sum(), exp.groupby("mode").x.sum(), scheduler=scheduler)


def _scans(node):
    from frames.dataframe.io.parquet import ParquetScan

    found = [node] if isinstance(node, ParquetScan) else []
    for child in node.inputs():
        found += _scans(child)
    return found


@pytest.mark.parametrize("sort", [False, True])
def test_group_keys_stay_dictionaries_to_the_aggregation(path, npartitions, scheduler, sort):
    """Keys read as dictionaries reach the aggregation encoded (the scan says which), and results
    and types equal pandas': filters on other columns, means and counts, count distinct."""
    pdf = pd.read_parquet(path).astype({c: object for c in ("flag", "mode", "text")})
    ddf = frames.read_parquet(path, split_row_groups=max(1, 7 // npartitions))
    got = ddf[ddf.x < 70].groupby(["flag", "mode"], sort=sort).agg(total=("x", "sum"), mean=("x", "mean"), n=("x", "count"),
                                                                       u=("text", "nunique"))
    exp = pdf[pdf.x < 70].groupby(["flag", "mode"], sort=sort).agg(total=("x", "sum"), mean=("x", "mean"), n=("x", "count"),
                                                                       u=("text", "nunique"))
    (scan,) = _scans(got._optimized())
    assert scan.dictionary_outputs == {"flag", "mode"}
    assert all(pa.types.is_string(t) for t in got._node.schema.types[:2])
    assert_eq(got, exp, check_dtype=False, check_order=sort, scheduler=scheduler)


def test_keys_seen_by_anything_else_are_decoded_first(path):
    pdf = pd.read_parquet(path).astype({c: object for c in ("flag", "mode", "text")})
    ddf = frames.read_parquet(path)
    # the key is also an aggregate's input
    got = ddf.groupby("flag").agg(n=("flag", "count"))
    assert not _scans(got._optimized())[0].dictionary_outputs
    assert_eq(got, pdf.groupby("flag").agg(n=("flag", "count")), check_dtype=False, scheduler="sync")
    # the key is computed from in the same projection
    with_len = ddf.assign(flag_len=ddf.flag.str.len())
    got = with_len.groupby("flag").flag_len.sum()
    assert not _scans(got._optimized())[0].dictionary_outputs
    assert_eq(got, pdf.assign(flag_len=pdf.flag.str.len()).groupby("flag").flag_len.sum(), check_dtype=False, scheduler="sync")
    # the scan is shared with another consumer
    both = ddf.groupby("mode").x.sum().to_frame().reset_index().merge(ddf[["mode", "text"]], on="mode")
    assert all(not s.dictionary_outputs for s in _scans(both._optimized()))
    exp = pdf.groupby("mode").x.sum().to_frame().reset_index().merge(pdf[["mode", "text"]], on="mode")
    assert_eq(both, exp, check_order=False, check_index=False, check_dtype=False, scheduler="sync")


def test_plain_reads_do_not_build_dictionaries(path, monkeypatch):
    """Arrow hashes every value to read a column as a dictionary: only a filter or group keys gain
    from it, so a scan with neither (``persist``, a projection) reads plain strings (h2o's 1e7-row
    x table persisted in 0.45 s against 1.0 s)."""
    import frames.dataframe.io.parquet as parquet

    asked = []
    real = parquet.pq.ParquetFile

    def recording(*args, **kwargs):
        asked.append(kwargs.get("read_dictionary"))
        return real(*args, **kwargs)

    monkeypatch.setattr(parquet.pq, "ParquetFile", recording)
    ddf = frames.read_parquet(path)
    plain = ddf[["flag", "mode", "x"]].compute(scheduler="sync")
    assert asked and all(a is None for a in asked)
    asked.clear()
    filtered = ddf[ddf.flag == "R"][["flag", "mode", "x"]].compute(scheduler="sync")
    assert asked and all(a is not None and set(a) <= {"flag", "mode"} for a in asked)
    assert len(filtered) == (plain.flag == "R").sum()

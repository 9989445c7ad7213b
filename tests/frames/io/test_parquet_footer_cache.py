"""Scan tasks of local Parquet files carry the footer's identity, not the footer: worker processes
read it once and cache it by (path, size, mtime). Results must match pandas on every scheduler,
and a file changed after planning must fail clearly rather than be read with a stale footer."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frames.dataframe as fd
from exec.store import dumps
from frames.dataframe.io import parquet as P
from frames.errors import DataSourceError


def _write(path, n=30_000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"k": rng.integers(0, 50, n), "v": rng.random(n), "s": rng.choice(["a", "b", "c"], n)})
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=n // 7)
    return df


def test_pickled_piece_has_no_footer_and_rebuilds_it(tmp_path):
    path = str(tmp_path / "t.parquet")
    _write(path)
    node = P.read_parquet_node(path, split_row_groups=1)
    piece = node.pieces[1]
    light = dumps(piece)
    from dataclasses import replace
    heavy = dumps(replace(piece, footer_key=None))
    assert len(light) * 5 < len(heavy)  # the footer is most of a piece's pickle
    P._FOOTERS.clear()  # as in a fresh worker process
    back = pickle.loads(light)
    assert back == piece and back.meta.num_rows == piece.meta.num_rows
    assert back.meta.row_group(1).num_rows == piece.meta.row_group(1).num_rows


def test_changed_file_is_an_error_naming_it(tmp_path):
    path = str(tmp_path / "t.parquet")
    _write(path)
    data = dumps(P.read_parquet_node(path).pieces[0])
    _write(path, n=40_000, seed=1)
    P._FOOTERS.clear()
    with pytest.raises(DataSourceError, match="t.parquet.*changed"):
        pickle.loads(data)


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_a_file_changed_before_its_pieces_are_read_is_an_error_in_any_process(tmp_path, scheduler):
    """Every read of a local piece (the first, or again instead of a spill) checks the file is the
    one planned: in this process too, where the footer is at hand, an answer never mixes rows of
    two versions of the file."""
    path = str(tmp_path / "t.parquet")
    _write(path)
    frame = fd.read_parquet(path)
    _write(path, n=40_000, seed=1)
    with pytest.raises(DataSourceError, match="t.parquet.*changed"):
        frame.compute(scheduler=scheduler)


def test_remote_pieces_keep_their_footer(tmp_path):
    piece = P.Piece("memory://x.parquet", (0,), 1, 1, (), meta=None)
    assert pickle.loads(dumps(piece)) == piece


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
@pytest.mark.parametrize("files", [1, 3, 7])
def test_results_match_pandas(tmp_path, scheduler, files):
    parts = [_write(str(tmp_path / f"p{i}.parquet"), n=7_000, seed=i) for i in range(files)]
    df = fd.read_parquet(str(tmp_path), split_row_groups=1)
    got = df[df.s != "b"].groupby("k").v.sum().compute(scheduler=scheduler).sort_index()
    want = pd.concat(parts).query("s != 'b'").groupby("k").v.sum().sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False)

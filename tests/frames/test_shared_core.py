"""The shared core (frames.base): compute / persist / visualize of several collections at once,
optimized together so shared work runs once, and nested containers traversed as dask does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
import frames.dataframe.io.parquet as parquet_io


@pytest.fixture
def parquet_path(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": np.arange(20), "y": np.arange(20.0) / 2, "z": list("ab") * 10}).to_parquet(path)
    return str(path)


@pytest.fixture
def count_reads(monkeypatch):
    calls: list = []
    original = parquet_io.read_piece

    def counting(*args, **kwargs):
        calls.append(args[2])  # the file columns read
        return original(*args, **kwargs)

    monkeypatch.setattr(parquet_io, "read_piece", counting)
    return calls


def test_compute_of_two_reductions_reads_the_file_once(parquet_path, count_reads):
    df = frames.read_parquet(parquet_path)
    total, mean = frames.compute(df.x.sum(), df.y.mean(), scheduler="sync")
    assert (total, mean) == (190, 4.75)
    assert len(count_reads) == 1
    assert sorted(count_reads[0]) == ["x", "y"]  # pruned to the union, not the whole file


def test_separate_computes_read_only_their_columns(parquet_path, count_reads):
    df = frames.read_parquet(parquet_path)
    assert df.x.sum().compute(scheduler="sync") == 190
    assert df.y.mean().compute(scheduler="sync") == 4.75
    assert [sorted(c) for c in count_reads] == [["x"], ["y"]]


def test_compute_mixes_kinds_and_traverses_containers(parquet_path):
    df = frames.read_parquet(parquet_path)
    d = frames.delayed(lambda a: a + 1)(41)
    out = frames.compute({"n": df.x.max(), "d": d}, [df.y.min(), 3], "text", scheduler="sync")
    assert out == ({"n": 19, "d": 42}, [0.0, 3], "text")
    (untouched,) = frames.compute([d], traverse=False)
    assert untouched == [d]


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_persist_several_keeps_values_and_kinds(parquet_path, scheduler):
    df = frames.read_parquet(parquet_path)
    filtered = df[df.x > 10]
    p_frame, p_series, p_scalar, p_delayed = frames.persist(filtered, filtered.y, df.x.sum(),
                                                            frames.delayed(sum)([1, 2]), scheduler=scheduler)
    expected = pd.read_parquet(parquet_path)
    expected = expected[expected.x > 10]
    pd.testing.assert_frame_equal(p_frame.compute(scheduler="sync").reset_index(drop=True), expected.reset_index(drop=True))
    pd.testing.assert_series_equal(p_series.compute(scheduler="sync").reset_index(drop=True), expected.y.reset_index(drop=True))
    assert p_scalar.compute(scheduler="sync") == 190
    assert p_delayed.compute(scheduler="sync") == 3
    assert isinstance(p_frame, frames.DataFrame) and isinstance(p_series, frames.Series)


def test_persisted_frame_does_not_read_again(parquet_path, count_reads):
    df = frames.read_parquet(parquet_path).persist(scheduler="sync")
    n = len(count_reads)
    assert df.x.sum().compute(scheduler="sync") == 190
    assert len(count_reads) == n


def test_visualize_several_draws_one_shared_scan(parquet_path):
    df = frames.read_parquet(parquet_path)
    dot = frames.visualize(df.x.sum(), df.y.mean())
    assert dot.count("parquet-scan") == 1

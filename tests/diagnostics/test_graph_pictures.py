"""Task-graph pictures: frames.visualize / obj.visualize drawn by Graphviz, coloured and collapsed."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import frames
from exec.diagnostics.groups import group_color, task_group
from exec.errors import SqlEngineError

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _query():
    df = frames.from_pandas(pd.DataFrame({"k": np.arange(100) % 3, "x": np.arange(100)}), npartitions=3)
    return df[df.x > 10].groupby("k").x.sum()


def test_task_groups():
    assert task_group(("filter-12", 3)) == "filter"
    assert task_group(("aggregate-7-chunk", 0)) == "aggregate-chunk"
    assert task_group("x") == "x"
    assert group_color("filter") == group_color("filter")


@needs_dot
@pytest.mark.parametrize("ext,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_draws_images(tmp_path, ext, magic):
    target = tmp_path / f"g.{ext}"
    dot = frames.visualize(_query(), filename=str(target))
    assert target.read_bytes().startswith(magic)
    assert "fillcolor" in dot and group_color("aggregate-chunk") in dot
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"g.{ext}"]


@needs_dot
def test_method_and_bag_and_array(tmp_path):
    import frames.array as fa

    _query().visualize(filename=str(tmp_path / "s.svg"))
    import frames.bag as fb

    fb.from_sequence(range(10), npartitions=2).map(lambda x: x + 1).visualize(filename=str(tmp_path / "b.png"))
    fa.ones((10, 10), chunks=5).sum().visualize(filename=str(tmp_path / "a.png"))
    assert all((tmp_path / n).stat().st_size > 100 for n in ("s.svg", "b.png", "a.png"))


@needs_dot
def test_big_graph_is_collapsed(tmp_path):
    df = frames.from_pandas(pd.DataFrame({"x": np.arange(20000), "k": np.arange(20000) % 5}), npartitions=5000)
    result = df[df.x > 3].groupby("k").x.sum()
    graph, keys = result._build_graph()
    assert len(graph) >= 10000
    dot = result.visualize(filename=str(tmp_path / "big.svg"))
    assert dot.count("[label=") < 20  # one box per task group
    assert "5000 tasks" in dot and "5000 values" in dot
    svg = (tmp_path / "big.svg").read_text()
    assert svg.count("<g id=\"node") < 20
    full = result.visualize(collapse=False)
    assert full.count("shape=box") > 5000


def test_missing_dot_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SqlEngineError, match="'dot' program.*apt-get install graphviz"):
        _query().visualize(filename=str(tmp_path / "g.png"))
    with pytest.raises(SqlEngineError, match=r"\.jpg"):
        _query().visualize(filename=str(tmp_path / "g.jpg"))
    assert list(tmp_path.iterdir()) == []


def test_unknown_option():
    with pytest.raises(SqlEngineError, match="rankdir"):
        _query().visualize(rankdir="LR")

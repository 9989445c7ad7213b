"""Seeing an array: ``repr``, ``_repr_html_`` (the table and the SVG chunk grid) and ``visualize``,
none of which may compute anything. The drawing is compared with dask.array's own ``svg`` on the
same chunks (same lines, same box), so it looks as dask users expect."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import frames.array as fa
from frames.array.core import Array
from frames.array.display import format_bytes, svg


class Counter:
    """A picklable block function that counts how often it ran."""

    calls = 0

    def __call__(self, block):
        Counter.calls += 1
        return block + 1


@pytest.fixture
def counted():
    Counter.calls = 0
    x = fa.from_array(np.arange(120.0).reshape(10, 12), chunks=(4, 5))
    return x.map_blocks(Counter(), dtype=float) * 2


def test_repr_and_html_compute_nothing(counted):
    text = repr(counted)
    page = counted._repr_html_()
    counted.to_svg()
    assert Counter.calls == 0
    assert "shape=(10, 12)" in text and "chunksize=(4, 5)" in text
    # the graph still runs, once per block, when asked
    np.testing.assert_array_equal(counted.compute(scheduler="sync"), (np.arange(120.0).reshape(10, 12) + 1) * 2)
    assert Counter.calls == counted.npartitions
    assert "<svg" in page


def _cells(page: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr><th> (\w+) </th><td> (.*?) </td><td> (.*?) </td></tr>", page)
    return {name: [a, b] for name, a, b in rows}


def test_html_table_rows(counted):
    cells = _cells(counted._repr_html_())
    assert cells["Bytes"] == [format_bytes(10 * 12 * 8), format_bytes(4 * 5 * 8)] == ["0.94 kiB", "160 B"]  # dask.utils.format_bytes
    assert cells["Shape"] == ["(10, 12)", "(4, 5)"]
    # 9 source blocks + 9 map_blocks + 9 multiplications, 9 chunks
    assert cells["Count"] == ["27 tasks", "9 chunks"]
    assert cells["Type"] == ["float64", "numpy.ndarray"]


def test_html_bytes_units_and_one_dimension():
    x = fa.from_array(np.zeros(3 * 2 ** 20, dtype=np.int32), chunks=2 ** 20)
    cells = _cells(x._repr_html_())
    assert cells["Bytes"] == ["12.00 MiB", "4.00 MiB"]
    assert cells["Shape"] == ["(3145728,)", "(1048576,)"]
    assert cells["Count"] == ["3 tasks", "3 chunks"]
    assert cells["Type"] == ["int32", "numpy.ndarray"]


def test_html_shows_other_chunk_types():
    data = np.ma.masked_array(np.arange(6.0), mask=[0, 1, 0, 0, 1, 0])
    x = Array({("m", 0): data}, "m", ((6,),), data.dtype, meta=np.ma.MaskedArray)
    assert _cells(x._repr_html_())["Type"] == ["float64", "numpy.ma.MaskedArray"]


@pytest.mark.parametrize("chunks", [
    ((3, 3, 3, 1),),                                  # 1-D
    ((30, 30, 30, 10), (50,) * 4),                    # 2-D, uneven
    ((2, 2, 1), (2, 2, 2), (2, 2, 2, 1)),             # 3-D
    ((1, 1), (1, 2), (2, 2), (5,)),                   # 4-D: a row of drawings
    ((1,) * 4, (3,), (2, 2), (1, 1), (2,)),           # 5-D
    ((10,) * 1000, (10,) * 1000),                     # a million chunks: lines are capped
    ((1,), (100000,)),                                # extreme aspect ratio
])
def test_svg_matches_dask(chunks):
    dask_svg = pytest.importorskip("dask.array.svg")

    def shapes(text):
        return sorted(re.findall(r"<line[^>]*>|<polygon[^>]*>|<svg[^>]*>", text))

    ours = svg(chunks, size=120)
    assert shapes(ours) == shapes(dask_svg.svg(chunks, size=120))
    assert ours.startswith("<svg") and ours.endswith("</svg>")


def test_svg_caps_lines_for_many_chunks():
    x = fa.from_array(np.zeros((2000, 3)), chunks=(1, 3))  # 2000 blocks along one axis
    drawing = x.to_svg(size=120)
    assert drawing.count("<line") <= 2 * (120 // 6)
    assert "8B4903" in drawing  # the dark fill says lines were left out
    few = fa.from_array(np.zeros((20, 3)), chunks=(5, 3)).to_svg(size=120)
    assert few.count("<line") == 5 + 2 and "ECB172" in few


def test_nothing_to_draw_still_has_a_table():
    scalar = fa.from_array(np.float32(3.5))
    cells = _cells(scalar._repr_html_())
    assert cells["Shape"] == ["()", "()"] and cells["Bytes"] == ["4 B", "4 B"]
    assert "<svg" not in scalar._repr_html_()
    empty = fa.from_array(np.zeros((0, 4)), chunks=2)
    assert empty.to_svg() == "" and _cells(empty._repr_html_())["Shape"][0] == "(0, 4)"
    unknown = Array({("u", 0): np.zeros(3), ("u", 1): np.zeros(2)}, "u", ((math.nan, math.nan),), float)
    cells = _cells(unknown._repr_html_())
    assert cells["Bytes"] == ["unknown", "unknown"] and cells["Shape"] == ["(nan,)", "(nan,)"]
    assert unknown.to_svg() == ""


def test_visualize_writes_dot(tmp_path, counted):
    target = tmp_path / "graph.dot"
    dot = counted.visualize(filename=str(target))
    assert Counter.calls == 0
    assert target.read_text() == dot
    assert dot.lstrip().startswith("digraph")
    assert "Counter" in dot  # the user's block function is named in the drawing
    assert dot.count("->") >= counted.npartitions  # each output block has an incoming edge


@pytest.mark.parametrize("n", [0, 4, 900, 960, 2 ** 20 - 1, 3 * 2 ** 30, 5 * 2 ** 50])
def test_format_bytes_as_dask(n):
    utils = pytest.importorskip("dask.utils")
    assert format_bytes(n) == utils.format_bytes(n)

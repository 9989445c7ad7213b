"""_repr_html_ of DataFrames, SQL results, Series, bags, futures and the Client: facts, no computing."""

from __future__ import annotations

import html.parser

import numpy as np
import pandas as pd
import pytest

import frames
import frames.bag as fb
import sqlengine
from exec.diagnostics import Profiler


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.links = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        if data.strip():
            self.cells.append(data.strip())


def _cells(text):
    p = _Cells()
    p.feed(text)
    return p.cells, p.links


def _facts(cells):
    return dict(zip(cells[1::2], cells[2::2]))


def test_dataframe_view_does_not_compute():
    df = frames.from_pandas(pd.DataFrame({"a": np.arange(10), "b": ["x"] * 10}), npartitions=3)
    lazy = df.assign(c=df.a * 2.5)
    lazy = lazy[lazy.a > 2]
    with Profiler() as prof:
        text = lazy._repr_html_()
    assert prof.results == []
    cells, _ = _cells(text)
    assert cells[0] == "frames.DataFrame" and _facts(cells)["Partitions"] == "3"
    assert cells[cells.index("a"):cells.index("a") + 2] == ["a", "int64"]
    assert cells[cells.index("c"):cells.index("c") + 2] == ["c", "double"]
    assert cells[cells.index("b") + 1] in ("string", "large_string")


def test_wide_frames_are_cut_and_names_escaped():
    df = frames.from_pandas(pd.DataFrame({f"<c{i}>": [1] for i in range(30)}), npartitions=1)
    text = df._repr_html_()
    assert "&lt;c0&gt;" in text and "<c0>" not in text and "10 more columns" in text


def test_sql_result_view_shows_its_query():
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(5)}), npartitions=2))
    cells, _ = _cells(ctx.sql("SELECT x, x * 2 AS y FROM t WHERE x < 3")._repr_html_())
    assert cells[0] == "SQL result (lazy)"
    assert _facts(cells)["Query"] == "SELECT x, x * 2 AS y FROM t WHERE x < 3"
    assert "y" in cells


def test_series_and_bag_views():
    s = frames.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), npartitions=2).a
    cells, _ = _cells(s._repr_html_())
    assert cells[0] == "frames.Series" and _facts(cells)["Type"] == "double"
    b = fb.from_sequence(range(10), npartitions=4).map(lambda x: x + 1)
    cells, _ = _cells(b._repr_html_())
    assert cells[0] == "frames.bag.Bag" and _facts(cells)["Partitions"] == "4"


@pytest.mark.parametrize("processes", [False, True])
def test_client_and_future_views(processes):
    with frames.Client(n_workers=2, threads_per_worker=1, processes=processes, set_as_default=False) as client:
        fut = client.submit(sum, [1, 2, 3])
        assert fut.result() == 6
        cells, _ = _cells(fut._repr_html_())
        assert cells[0] == "Future" and _facts(cells)["Status"] == "finished"
        cells, links = _cells(client._repr_html_())
        facts = _facts(cells)
        assert cells[0] == "frames.Client" and facts["Workers"] == "2" and facts["Threads"] == "2"
        if processes:
            assert "Memory in use" in facts
        link = client.dashboard_link
        assert (links == [link]) if link else ("Dashboard: not running" in cells)


def test_client_view_on_distributed(dask_client):
    client = frames.Client(dask_client, set_as_default=False)
    cells, _ = _cells(client._repr_html_())
    facts = _facts(cells)
    assert facts["Workers"] == "2" and "Memory in use" in facts

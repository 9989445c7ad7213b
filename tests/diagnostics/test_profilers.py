"""frames.diagnostics: ProgressBar, Profiler and ResourceProfiler on every scheduler, and their pictures."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

import frames
from frames.diagnostics import Profiler, ProgressBar, ResourceProfiler, visualize


def _frame(n=20000, parts=6):
    return frames.from_pandas(pd.DataFrame({"k": np.arange(n) % 7, "x": np.arange(n, dtype=float)}), npartitions=parts)


def _expected(n=20000):
    return pd.DataFrame({"k": np.arange(n) % 7, "x": np.arange(n, dtype=float)}).groupby("k").x.sum()


def test_progress_bar_counts_every_task(any_scheduler):
    out = io.StringIO()
    df = _frame()
    with ProgressBar(min_time=0, file=out):
        got = df.groupby("k").x.sum().compute(scheduler=any_scheduler)
    pd.testing.assert_series_equal(got.sort_index(), _expected(), check_names=False)
    counts = re.findall(r"(\d+)/(\d+)", out.getvalue())
    assert counts and counts[-1][0] == counts[-1][1] and int(counts[-1][1]) > 1


def test_profiler_records_and_draws(scheduler, tmp_path):
    df = _frame()
    with Profiler() as prof:
        df.groupby("k").x.sum().compute(scheduler=scheduler)
    assert len(prof.results) > 1 and all(r.end >= r.start for r in prof.results)
    target = tmp_path / "profile.html"
    svg = prof.visualize(filename=str(target))
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and svg in page
    assert svg.count("<rect") >= 1 and "Task stream" in svg
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere
    lanes = {r.worker for r in prof.results}
    assert all(str(w) in svg for w in lanes)


def test_resource_profiler_samples_workers(scheduler, tmp_path):
    df = _frame(200000, 8)
    with ResourceProfiler(dt=0.01) as rprof, Profiler() as prof:
        df.groupby("k").x.sum().compute(scheduler=scheduler)
        df.x.mean().compute(scheduler=scheduler)
    assert len(rprof.results) >= 2
    assert all(s.memory_bytes > 0 for s in rprof.results) and all(s.cpu_percent >= 0 for s in rprof.results)
    times = [s.time for s in rprof.results]
    assert times == sorted(times)
    frame = rprof.frame()
    assert list(frame.columns) == ["time", "cpu_percent", "memory_bytes"] and len(frame) == len(rprof.results)
    svg = visualize([prof, rprof], filename=str(tmp_path / "both.html"))
    assert "Resources" in svg and "Task stream" in svg and "<polyline" in svg
    n = len(rprof.results)
    df.x.sum().compute(scheduler=scheduler)  # closed: no more samples
    assert len(rprof.results) == n


def test_plot_file_types(tmp_path):
    from exec.errors import SqlEngineError

    with Profiler() as prof:
        _frame().x.sum().compute(scheduler="sync")
    prof.visualize(filename=str(tmp_path / "p.svg"))
    assert (tmp_path / "p.svg").read_text().startswith("<svg")
    with pytest.raises(SqlEngineError, match=r"\.html"):
        prof.visualize(filename=str(tmp_path / "p.jpg"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.svg"]  # no temporary debris

"""The h2o db-benchmark's questions (``benchmarks/h2o_questions.py``) on small generated data:
frames' DataFrame API and frames' SQL give pandas' answers (the db-benchmark's pandas solution),
whole answers compared, with and without missing values, on 1, 2 and 7 partitions and every
scheduler. The generators' shapes are checked too."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmarks import h2o_data
from benchmarks.h2o_questions import CHECKS, GROUPBY, JOIN, FramesEngine, FramesSQLEngine, PandasEngine, agree, task_of
from frames.testing import assert_eq

ROWS = 3000


@pytest.fixture(scope="module", params=[0, 5], ids=lambda n: f"na{n}")
def paths(request, tmp_path_factory):
    nas = request.param
    d = tmp_path_factory.mktemp(f"h2o{nas}")
    out = {"groupby": {"x": str(d / "g.parquet")}}
    pq.write_table(h2o_data.groupby_table(ROWS, nas, k=10), out["groupby"]["x"], row_group_size=500)
    out["join"] = {}
    for name, table in h2o_data.join_tables(ROWS, nas).items():
        out["join"][name] = str(d / f"{name}.parquet")
        pq.write_table(table, out["join"][name], row_group_size=500)
    return out


@pytest.fixture(scope="module")
def reference(paths):
    answers = {}
    for task in ("groupby", "join"):
        engine = PandasEngine()
        engine.load(paths[task])
        for q in (GROUPBY if task == "groupby" else JOIN):
            answers[q] = engine.run(q)
    return answers


def _same(ours: pd.DataFrame, theirs: pd.DataFrame, q: str) -> None:
    ours, theirs = ours.reset_index(drop=True), theirs.reset_index(drop=True)
    assert list(ours.columns) == list(theirs.columns), q
    # row order is not part of a group-by's or join's answer; numbers compared to 1e-9
    assert_eq(ours, theirs, check_order=False, check_index=False, check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("q", GROUPBY + JOIN)
def test_frames_answers_like_pandas(paths, reference, q, npartitions):
    engine = FramesEngine(scheduler="sync", npartitions=npartitions)
    engine.load(paths[task_of(q)])
    _same(engine.run(q), reference[q], q)


@pytest.mark.parametrize("q", ["q3", "q6", "q8", "q9", "q10", "j3", "j5"])
def test_frames_answers_on_every_scheduler(paths, reference, q, any_scheduler):
    engine = FramesEngine(scheduler=any_scheduler, npartitions=7)
    engine.load(paths[task_of(q)])
    _same(engine.run(q), reference[q], q)


@pytest.mark.parametrize("q", GROUPBY + JOIN)
def test_frames_sql_checks_agree_with_pandas(paths, reference, q):
    """SQL names and orders its answers its own way (q8 without the v3 ties pandas keeps the same
    way): the db-benchmark's check (rows and the value columns' sums) must agree."""
    engine = FramesSQLEngine(scheduler="sync")
    engine.load(paths[task_of(q)])
    ours = engine.check(engine.run(q), q)
    theirs = PandasEngine().check(reference[q], q)
    assert agree(theirs, ours) is None, (q, ours, theirs)


def test_generators_keep_the_db_benchmark_shapes():
    g = h2o_data.groupby_table(10_000, 5).to_pandas()
    assert list(g.columns) == ["id1", "id2", "id3", "id4", "id5", "id6", "v1", "v2", "v3"]
    assert g.id1.nunique() == 100 and g.id3.nunique() <= 100 and g.id3.dropna().str.len().eq(12).all()
    assert g.isna().mean().round(2).eq(0.05).all()  # 5% of every column missing
    assert g.v1.dropna().between(1, 5).all() and g.v3.dropna().between(0, 100).all()
    t = {k: v.to_pandas() for k, v in h2o_data.join_tables(10_000, 0).items()}
    assert [len(t[k]) for k in ("x", "small", "medium", "big")] == [10_000, 10, 10, 10_000]
    assert t["x"].id3.is_unique and t["big"].id3.is_unique  # as join-datagen.R's uniqueN checks
    shared = set(t["x"].id3) & set(t["big"].id3)
    assert len(shared) == 9_000  # 90% of the keys on both sides
    assert (t["x"].id4 == "id" + t["x"].id1.astype(str)).all()
    assert list(t["medium"].columns) == ["id1", "id2", "id4", "id5", "v2"]
    assert set(CHECKS) == set(GROUPBY + JOIN)


def test_the_runner_loads_once_per_engine_and_task(tmp_path, capsys):
    """The program (benchmarks/h2o.py): one child per engine and task answers all its questions,
    each report with wall and CPU seconds and memory, answers compared; a question over
    ``--timeout`` is reported as a timeout and the questions after it still run in a fresh child."""
    from benchmarks import h2o

    out = tmp_path / "h2o.md"
    common = ["--rows", "3000", "--cache", str(tmp_path / "data"), "--output", str(out)]
    h2o.main([*common, "--engines", "frames,pandas", "--questions", "q1,q6,j1"])
    log = capsys.readouterr().err.splitlines()
    assert sorted(line.split(":")[0] for line in log) == sorted(
        f"{q} {e}" for q in ("load-groupby", "q1", "q6", "load-join", "j1") for e in ("frames", "pandas"))
    (tmp_path / "run.log").write_text("\n".join(log))
    reports = h2o._read_log(tmp_path / "run.log")
    for (q, e), r in reports.items():
        assert "error" not in r and len(r["cpu"]) == len(r["seconds"]) and r["peak_mb"] > 0, (q, e, r)
    text = out.read_text()
    assert text.count("pandas: yes") == 3 and "NO" not in text.split("|---|")[1]



def test_a_question_over_the_timeout_is_killed_and_the_rest_run(tmp_path, monkeypatch):
    import sys

    from benchmarks import h2o
    from benchmarks.common import stream_child

    slow = [sys.executable, "-c", "import time; print('{}', flush=True); time.sleep(60)"]
    assert list(stream_child(slow, tmp_path, timeout=5)) == [("{}\n", None), (None, "timeout after 5 s")]
    assert list(stream_child([sys.executable, "-c", "raise SystemExit('bad')"], tmp_path)) == [(None, "exit 1: bad")]
    children = []

    def fake(cmd, cwd, timeout):  # the first child hangs on q1, the second answers the rest
        todo = cmd[cmd.index("--questions") + 1].split(",")
        children.append(todo)
        yield json.dumps({"question": "load-groupby", "seconds": [1.0]}), None
        if todo[0] == "q1":
            yield None, "timeout after 1 s"
            return
        for q in todo:
            yield json.dumps({"question": q, "seconds": [0.5]}), None

    monkeypatch.setattr(h2o, "stream_child", fake)
    args = h2o.argparse.Namespace(rows=3000, na=0, cache=tmp_path, timeout=1.0)
    reports = h2o.run_engine("frames", "groupby", ["q1", "q2", "q3"], args)
    assert children == [["q1", "q2", "q3"], ["q2", "q3"]]
    assert reports == {"load-groupby": {"seconds": [1.0]}, "q1": {"error": "timeout after 1 s", "peak_mb": reports["q1"]["peak_mb"]},
                       "q2": {"seconds": [0.5]}, "q3": {"seconds": [0.5]}}

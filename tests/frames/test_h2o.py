"""The h2o db-benchmark's questions (``benchmarks/h2o_questions.py``) on small generated data:
frames' DataFrame API and frames' SQL give pandas' answers (the db-benchmark's pandas solution),
whole answers compared, with and without missing values, on 1, 2 and 7 partitions and every
scheduler. The generators' shapes are checked too."""

from __future__ import annotations

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

"""The query log's per-operator counters where the work is not in this process's plain loop: on an
attached Dask cluster (rows, time and tasks reported by each task from its worker) and for the
bytes a stateful operator spilled under a tiny memory limit (counted under the operator that
spilled, zero for the others)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
import sqlengine
from exec import config
from exec.diagnostics.dashboard.queries import query_json
from exec.diagnostics.queries import QUERY_LOG, format_analyzed
from tests.tables import fact_table

SPILLING = {  # query -> the operator that must spill under LIMIT (join_strategy="shuffle")
    "join": "SELECT k, v, w FROM fact JOIN other ON k = k2",
    "sort": "SELECT k, v, s FROM fact ORDER BY s DESC, v, k",
    "aggregate": "SELECT s, count(*) AS n, sum(v) AS sv FROM fact GROUP BY s",
}
LIMIT = "1MB"  # partitions of ~0.3 MB against a task budget of 256 KiB


@pytest.fixture(scope="module")
def spill_tables():
    rng = np.random.default_rng(5)
    fact = fact_table(rng, 40_000, keys=20_000, names=20_000)
    other = pd.DataFrame({"k2": rng.integers(0, 20_000, 20_000), "w": rng.random(20_000).round(6)})
    return {"fact": frames.from_pandas(fact, npartitions=3), "other": frames.from_pandas(other, npartitions=2)}


def _context(tables):
    ctx = sqlengine.Context()
    for name, frame in tables.items():
        ctx.register(name, frame)
    return ctx


def _last_record(text):
    record = QUERY_LOG.records()[-1]
    assert record.text == text and record.state == "done"
    return record


def _spilled_only_by(record, operator):
    spilled = {o.name: 0 for o in record.operators.values()}
    for o in record.operators.values():
        spilled[o.name] += o.spilled_bytes
    assert spilled.pop(operator) > 0, f"{operator} spilled nothing under {LIMIT}"
    assert set(spilled.values()) == {0}, spilled


@pytest.mark.parametrize("operator", sorted(SPILLING))
@pytest.mark.parametrize("where", ["sync", "threads", "processes"])
def test_the_operator_that_spilled_says_so(spill_tables, tmp_path, where, operator):
    """EXPLAIN ANALYZE (unfused) and the query log of a plain run (fused) alike."""
    query = SPILLING[operator]
    spill_context = _context(spill_tables)
    with config.set(join_strategy="shuffle", memory_limit=LIMIT, temp_directory=str(tmp_path)):
        text = spill_context.explain(query, analyze=True)
        analyzed = _last_record(query)
        spill_context.sql(query).compute(scheduler=where)
        logged = _last_record(query)
    for record in (analyzed, logged):
        _spilled_only_by(record, operator)
    assert text.splitlines()[1].split()[-1] == "spilled"
    (line,) = [ln for ln in text.splitlines() if ln.lstrip("# 0123456789").lower().startswith(operator)]
    assert line.split()[-2:] != ["0", "B"]
    panel = query_json(logged.snapshot())["plan"]
    nodes = [panel]
    while nodes:
        n = nodes.pop()
        assert (n["spilled_bytes"] > 0) == (n["name"] == operator)
        nodes.extend(n["children"])


def test_spills_on_a_distributed_cluster(spill_tables, tmp_path, dask_client):
    """The workers spill; each task reports its operators' bytes with its rows."""
    query = SPILLING["join"]
    with config.set(join_strategy="shuffle", memory_limit=LIMIT, temp_directory=str(tmp_path)):
        _context(spill_tables).sql(query).compute(scheduler=dask_client)
    _spilled_only_by(_last_record(query), "join")


@pytest.fixture(scope="module")
def small_tables():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"g": rng.integers(0, 7, 2_000), "x": rng.random(2_000)})
    return {"t": frames.from_pandas(df, npartitions=3)}


@pytest.mark.parametrize("via", ["distributed.Client", "frames.Client"])
def test_query_log_on_a_distributed_cluster(small_tables, dask_client, via):
    """A plain query on an attached cluster: its record's counters are fed from the workers."""
    query = "SELECT g, SUM(x) AS s FROM t WHERE x > 0.25 GROUP BY g ORDER BY g"
    client = dask_client if via == "distributed.Client" else frames.Client(dask_client, set_as_default=False)
    try:
        result = _context(small_tables).sql(query).compute(scheduler=client)
    finally:
        if client is not dask_client:
            client.close()
    record = _last_record(query)
    ops = record.operators
    root = ops[record.plan_tree["id"]]
    assert root.rows == len(result) == 7 and root.seconds > 0 and root.output_bytes > 0
    assert all(o.tasks_done == o.tasks_total for o in ops.values())
    assert sum(o.tasks_done for o in ops.values()) > 0
    (flt,) = [o for o in ops.values() if o.name == "filter"]
    assert flt.fused_into is not None or flt.rows == int((small_tables["t"].x > 0.25).sum().compute())


def test_fused_operators_are_shown_fused(small_tables):
    """A plain (fused) run: an operator whose output was made inside another's tasks reads
    "fused into #n" in the record, its text and the Queries panel, not "0 rows"."""
    query = "SELECT g, SUM(x) AS s FROM t WHERE x > 0.25 GROUP BY g"
    _context(small_tables).sql(query).compute(scheduler="threads")
    record = _last_record(query)
    (flt,) = [o for o in record.operators.values() if o.name == "filter"]
    (agg,) = [o for o in record.operators.values() if o.name == "aggregate"]
    assert flt.fused_into == agg.number and flt.rows == 0
    text = format_analyzed(record)
    (line,) = [ln for ln in text.splitlines() if "Filter" in ln]
    assert f"fused into #{agg.number}" in line and line.lstrip().startswith(f"#{flt.number} Filter")
    panel = query_json(record.snapshot())["plan"]
    assert panel["number"] == 1 and panel["fused_into"] is None
    nodes, found = [panel], []
    while nodes:
        n = nodes.pop()
        found += [n["fused_into"]] if n["name"] == "filter" else []
        nodes.extend(n["children"])
    assert found == [agg.number]

"""Results let go and made again instead of spilled (``exec.repeatable``, ``Recompute``): under a
memory limit, a held result whose task is repeatable, with everything it reads, is dropped rather
than written to disk, and its user gets it made again; the answer is the unlimited one on every
local scheduler; a task that is not repeatable (or whose ``when`` declines) is spilled as before.
End to end: a Parquet scan shared by an aggregation and a join that waits for it (TPC-H q18's
shape) under a tiny limit matches DuckDB without writing spill files (and matches it on a
distributed LocalCluster, whose workers manage their own memory)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import exec
import sqlengine
from exec import Ref, Task, config, repeatable
from exec import memory as memory_mod
from exec.store import Recompute, store
from tests.sql.oracle import assert_same

SCHEDULERS = ("sync", "threads", "processes")


def _table(i: int) -> pa.Table:
    return pa.table({"x": np.arange(80_000, dtype=np.int64) + i})  # 640 KB


@repeatable
def _made(i: int) -> pa.Table:
    return _table(i)


@repeatable(when=lambda args: args[1] == "renames")
def _shaped(table: pa.Table, how: str) -> pa.Table:
    return table.rename_columns(["y"])


def _total(table: pa.Table) -> int:
    return int(pa.compute.sum(table.column(0)).as_py())


def _last(sums: list, *tables: pa.Table) -> int:
    return sum(sums) + sum(t.num_rows for t in tables)


def _graph(n: int, root, how: str | None = None) -> dict:
    """n tables, each summed by its own task, all read again by one last task: the tables are
    held until it runs, so a 2 MB limit must let them go or spill them."""
    graph = {("t", i): Task(root, i) for i in range(n)}
    if how is not None:  # a repeatable step over the root, fused with it into one task
        graph.update({("s", i): Task(_shaped, Ref(("t", i)), how) for i in range(n)})
        graph.update({("sum", i): Task(_total, Ref(("s", i))) for i in range(n)})
        held = [Ref(("s", i)) for i in range(0, n, 4)]
    else:
        graph.update({("sum", i): Task(_total, Ref(("t", i))) for i in range(n)})
        held = [Ref(("t", i)) for i in range(0, n, 4)]
    graph["last"] = Task(_last, [Ref(("sum", i)) for i in range(n)], *held)
    return graph


@pytest.fixture
def counts(monkeypatch):
    """How many values ``Held`` wrote to spill files and how many it let go."""
    seen = {"stored": 0, "dropped": 0, "dropped_keys": set()}

    def counting_store(value, directory, nbytes=None):
        seen["stored"] += 1
        return store(value, directory, nbytes)

    monkeypatch.setattr(memory_mod, "store", counting_store)
    real_spill = memory_mod.Held.spill

    def spill(self, wait, graph=None):
        before = {k for k, v in self.values.items() if not isinstance(v, Recompute)}
        real_spill(self, wait, graph)
        dropped = {k for k in before if isinstance(self.values.get(k), Recompute)}
        seen["dropped"] += len(dropped)
        seen["dropped_keys"] |= dropped

    monkeypatch.setattr(memory_mod.Held, "spill", spill)
    return seen


def _spill_dirs(root) -> list[str]:
    return [p for p in os.listdir(root) if p.startswith("sqlengine-")]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("how", [None, "renames"])
def test_repeatable_results_are_made_again_not_spilled(tmp_path, counts, scheduler, how):
    graph = _graph(12, _made, how)
    want = exec.get(graph, "last", scheduler="sync")
    with config.set(memory_limit="2MB", temp_directory=str(tmp_path)):
        assert exec.get(graph, "last", scheduler=scheduler) == want
    assert counts["dropped"] > 0 and counts["stored"] == 0
    assert _spill_dirs(tmp_path) == []


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_what_is_not_repeatable_is_spilled(tmp_path, counts, scheduler):
    graph = _graph(12, _table)  # the same tables from an unmarked function
    with config.set(memory_limit="2MB", temp_directory=str(tmp_path)):
        assert exec.get(graph, "last", scheduler=scheduler) == exec.get(graph, "last", scheduler="sync")
    assert counts["dropped"] == 0 and counts["stored"] > 0
    declined = _graph(12, _made, "computes")  # a marked step whose ``when`` declines: its results spill
    with config.set(memory_limit="2MB", temp_directory=str(tmp_path)):
        assert exec.get(declined, "last", scheduler=scheduler) == exec.get(declined, "last", scheduler="sync")
    assert not [k for k in counts["dropped_keys"] if k[0] == "s"] and counts["stored"] > 0
    assert _spill_dirs(tmp_path) == []


def test_a_recompute_handle_makes_its_inputs_again_and_pickles(tmp_path):
    from exec.graph import fuse
    from exec.store import dumps, loads, recompute_handle

    graph = fuse(_graph(4, _made, "renames"), ["last"])
    (chain,) = [k for k in graph if k == ("s", 0)]
    handle = recompute_handle(chain, graph, 640_000)
    assert handle is not None and not handle.in_memory
    again = loads(dumps(handle))  # what a process worker is handed
    assert again.load().equals(_table(0).rename_columns(["y"]))
    assert recompute_handle(("sum", 0), graph) is None  # _total is not repeatable
    assert recompute_handle(chain, fuse(_graph(4, _made, "computes"), ["last"])) is None


@pytest.fixture(scope="module")
def lines_file(tmp_path_factory):
    """Lineitem-shaped, stored sorted on its order key: 200k rows in 8 row groups."""
    rng = np.random.default_rng(18)
    keys = np.repeat(np.arange(1, 50_001), 4)
    frame = pd.DataFrame({"orderkey": keys, "qty": rng.integers(1, 51, len(keys)), "note": rng.integers(0, 9, len(keys))})
    path = tmp_path_factory.mktemp("recompute") / "lines.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=25_000)
    return str(path), frame


QUERY = ("SELECT l.orderkey, sum(l.qty) AS q FROM lines l WHERE l.orderkey IN "
         "(SELECT orderkey FROM lines GROUP BY orderkey HAVING sum(qty) > 150) GROUP BY l.orderkey")


@pytest.mark.parametrize("scheduler", SCHEDULERS + ("distributed",))
def test_a_scan_shared_with_a_waiting_join_is_read_again_under_a_limit(lines_file, tmp_path, counts, scheduler, request):
    duckdb = pytest.importorskip("duckdb")
    path, frame = lines_file
    ctx = sqlengine.Context()
    ctx.register("lines", path)
    where = request.getfixturevalue("dask_client") if scheduler == "distributed" else scheduler
    with config.set(memory_limit="6MB", temp_directory=str(tmp_path), scheduler=where):
        got = ctx.sql(QUERY).compute()
    lines = frame  # noqa: F841 (read by DuckDB's replacement scan)
    assert_same(got, duckdb.sql(QUERY).df(), ordered=False)
    assert counts["dropped"] > 0 or scheduler == "distributed"  # a cluster's workers keep their own memory
    assert _spill_dirs(tmp_path) == []

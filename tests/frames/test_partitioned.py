"""Hash-partitioned aggregation (split_out) and joins that reuse an existing partitioning.

A grouped, unsorted aggregation over several partitions merges its partials bucket by bucket and
comes out hash-partitioned on its keys; a join on those keys shuffles only its other side. Results
must equal pandas whatever the partition count and scheduler.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import exec
import frames
from frames.errors import InvalidArgumentError
from frames.dataframe.expr.aggregate import AggSpec, Aggregate
from frames.dataframe.expr import join as join_module
from frames.dataframe.expr.join import Join
from frames.dataframe.expr.shuffle import Shuffle, hash_buckets
from frames.dataframe.expr.node import build_graph
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    return pd.DataFrame({
        "k": rng.integers(0, 300, n),
        "s": rng.choice(["a", "b", "c", None], n),
        "x": rng.integers(-100, 100, n),
        "y": rng.normal(0, 1, n).round(4),
    })


@pytest.fixture(autouse=True)
def _split_however_small(monkeypatch):
    """These tests are about split aggregations: their small frames must not merge in one tree
    (``SMALL_INPUT_BYTES``; ``test_a_small_input_merges_in_one_tree`` covers that rule)."""
    from frames.dataframe.expr import aggregate

    monkeypatch.setattr(aggregate, "SMALL_INPUT_BYTES", 0)


def test_a_small_input_merges_in_one_tree(pdf, monkeypatch, npartitions, any_scheduler):
    """An input estimated within ``SMALL_INPUT_BYTES`` (TPC-H q4's 52k rows for 5 groups at SF1)
    merges its partials in one tree, not ``n x split_out`` pieces; not under a memory limit (the
    split merges spill); the answer is pandas' either way."""
    import exec
    from frames.dataframe.expr import aggregate

    monkeypatch.setattr(aggregate, "SMALL_INPUT_BYTES", 4 << 20)
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    got = ddf.groupby(["k", "s"], sort=False, dropna=False).agg(total=("x", "sum"), n=("x", "count"))
    assert got._node.npartitions == 1
    exp = pdf.groupby(["k", "s"], sort=False, dropna=False).agg(total=("x", "sum"), n=("x", "count"))
    assert_eq(got, exp, check_order=False, check_dtype=False, scheduler=any_scheduler)
    with exec.config.set(memory_limit="1GB"):
        limited = ddf.groupby(["k", "s"], sort=False, dropna=False).agg(total=("x", "sum"))
        assert limited._node.npartitions == min(npartitions, aggregate.SPLIT_OUT_MIN)


def _nodes(node, kind):
    found = [node] if isinstance(node, kind) else []
    for child in node.inputs():
        found += _nodes(child, kind)
    return found


def test_unsorted_groupby_splits_and_matches_pandas(pdf, npartitions, scheduler):
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    got = ddf.groupby(["k", "s"], sort=False, dropna=False).agg(total=("x", "sum"), hi=("y", "max"), n=("x", "count"), u=("x", "nunique"))
    assert got._node.npartitions == npartitions  # one output partition per input partition (up to SPLIT_OUT_MIN)
    exp = pdf.groupby(["k", "s"], sort=False, dropna=False).agg(total=("x", "sum"), hi=("y", "max"), n=("x", "count"), u=("x", "nunique"))
    assert_eq(got, exp, check_order=False, check_dtype=False, scheduler=scheduler)


def test_default_split_out_grows_with_inputs_and_keys_as_dask_expr(pdf):
    """ceil(n * keys / 15) outputs, at least 8 (or n, if fewer): as many outputs as inputs made
    n * n pieces (TPC-H q1's four groups over 60 partitions at SF10: 6.2 s against 4.6 s)."""
    def outputs(n, keys):
        return Aggregate(frames.from_pandas(pdf, npartitions=n)._node, keys, (AggSpec("t", "sum", "x"),)).npartitions

    assert outputs(5, ("k",)) == 5 and outputs(8, ("k",)) == 8
    assert outputs(60, ("k",)) == 8 and outputs(60, ("k", "s")) == 8 and outputs(200, ("k", "s")) == 27
    shuffled = Shuffle(frames.from_pandas(pdf, npartitions=4)._node, ("k",), 60)
    assert Aggregate(shuffled, ("k", "s"), (AggSpec("t", "sum", "x"),)).npartitions == 60  # partition-local


def test_split_output_is_partitioned_on_the_keys(pdf):
    node = Aggregate(frames.from_pandas(pdf, npartitions=5)._node, ("k",), (AggSpec("t", "sum", "x"),), split_out=3)
    assert node.npartitions == 3 and node.partitioning == ("k",)
    graph, keys = build_graph(node)
    tables = exec.get(graph, keys, scheduler="sync")
    assert sum(t.num_rows for t in tables) == pdf.k.nunique()
    for j, t in enumerate(tables):  # every group sits in the bucket its key hashes to, exactly once
        assert (hash_buckets(t, ("k",), 3) == j).all()


def test_join_on_a_split_aggregate_shuffles_one_side(pdf, npartitions, scheduler, monkeypatch):
    monkeypatch.setattr(join_module, "BROADCAST_BYTES", 0)  # the data is tiny: pretend nothing is
    monkeypatch.setattr(join_module, "ADAPTIVE_ESTIMATE", 0)  # nor could be at run time
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    per_key = ddf.groupby("k", sort=False, as_index=False).agg(total=("x", "sum"))
    got = ddf[["k", "y"]].merge(per_key, on="k", how="left", strategy=None)
    exp = pdf[["k", "y"]].merge(pdf.groupby("k", as_index=False).agg(total=("x", "sum")), on="k", how="left")
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    if npartitions > 1:
        (join,) = _nodes(got._node, Join)
        assert join.choose_strategy() == "shuffle" and join._copartitioned() == (False, True)
        # the aggregate's side reaches the join unshuffled: the only shuffle is of the other side
        graph, _ = build_graph(got._node)
        shuffled = {k[0] for k in graph if isinstance(k, tuple) and str(k[0]).startswith("shuffle-") and str(k[0]).endswith("-split")}
        assert len(shuffled) == 1


def test_split_out_validation(pdf):
    child = frames.from_pandas(pdf, npartitions=2)._node
    with pytest.raises(InvalidArgumentError, match="split_out"):
        Aggregate(child, ("k",), (AggSpec("t", "sum", "x"),), split_out=0)
    with pytest.raises(InvalidArgumentError, match="sort=False"):
        Aggregate(child, ("k",), (AggSpec("t", "sum", "x"),), sort=True, split_out=2)
    with pytest.raises(InvalidArgumentError, match="group keys"):
        Aggregate(child, (), (AggSpec("t", "sum", "x"),), split_out=2)
    assert Aggregate(child, ("k",), (AggSpec("t", "sum", "x"),), sort=True).npartitions == 1
    assert Shuffle(child, ("k",), 4).partitioning == ("k",)


def test_aggregate_over_input_partitioned_on_its_keys_needs_no_exchange(pdf, npartitions, scheduler):
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    labels = pd.DataFrame({"k": range(0, 300, 2), "label": [f"L{i % 5}" for i in range(150)]})
    joined = ddf.merge(frames.from_pandas(labels, npartitions=2), on="k", strategy="shuffle")
    got = joined.groupby(["label", "k"], sort=False).agg(total=("x", "sum"), u=("y", "nunique"), n=("x", "size"))
    (agg,) = _nodes(got._node, Aggregate)
    assert agg._partition_local == (joined._node.npartitions > 1)
    if agg._partition_local:  # no hash split of partials anywhere in the graph
        graph, _ = build_graph(got._node)
        assert not [k for k in graph if isinstance(k, tuple) and str(k[0]).endswith("-chunk-split")]
    exp = pdf.merge(labels, on="k").groupby(["label", "k"]).agg(total=("x", "sum"), u=("y", "nunique"), n=("x", "size"))
    assert_eq(got, exp, check_order=False, check_dtype=False, scheduler=scheduler)


@pytest.mark.parametrize("limit", [0, 10**9], ids=["split", "broadcast"])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_adaptive_join_takes_either_path_and_matches_pandas(pdf, npartitions, scheduler, how, limit, monkeypatch):
    """The adaptive strategy decides from actual sizes: a limit of 0 bytes forces the hash split,
    a huge one a broadcast (of whichever side the join type allows)."""
    monkeypatch.setattr(join_module, "ADAPTIVE_BYTES", limit)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_BYTES", limit)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_MAX", limit)
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    labels = pd.DataFrame({"k": list(range(0, 400, 3)), "label": [f"L{i}" for i in range(0, 400, 3)]})
    right = frames.from_pandas(labels, npartitions=3)
    got = ddf[["k", "x"]].merge(right, on="k", how=how, strategy="adaptive")
    exp = pdf[["k", "x"]].merge(labels, on="k", how=how)
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    decisions = [join_module._decide([100], [10], how in ("inner", "right"), how in ("inner", "left"), limit)]
    assert decisions[0] == ("split" if limit == 0 or how == "outer" else "broadcast_right" if how in ("inner", "left") else "broadcast_left")


def test_an_indexed_side_twice_the_shared_limit_is_broadcast_only_against_a_far_bigger_side():
    """TPC-H q5 at SF10: 73 MB of a year's orders against 2.9 GB of lineitem is broadcast from the
    estimates; the same side against a side only ten times bigger is not."""
    mb = 2**20
    assert join_module._broadcastable(73 * mb, 16, 2900 * mb, 60, True)
    assert not join_module._broadcastable(73 * mb, 16, 730 * mb, 60, True)
    assert not join_module._broadcastable(73 * mb, 16, 2900 * mb, 60, False)
    assert not join_module._broadcastable(200 * mb, 16, 100_000 * mb, 60, True)


def _made_slowly(part: pd.DataFrame) -> pd.DataFrame:
    time.sleep(0.003)  # not a cheap task: cheap ones go out in batches, by design
    return part.assign(y=part.x * 2)


def test_an_adaptive_broadcast_streams_the_other_side_instead_of_holding_it(monkeypatch):
    """When the adaptive join broadcasts one side, each partition of the other is probed as soon
    as the broadcast side exists, not kept whole until every output's buckets are ready: the
    scheduler's peak is far below the big side (TPC-H q5's lineitem at SF10 was held whole)."""
    from exec.callbacks import Callback

    from exec import core

    monkeypatch.setattr(join_module, "ADAPTIVE_ESTIMATE", 2**20)  # the big side's sizes are not gathered
    monkeypatch.setattr(core, "_BATCH_SECONDS", 0)  # one task at a time: cheap buckets would batch the scans
    big = pd.DataFrame({"k": np.arange(400_000) % 100_000, "x": np.arange(400_000.0)}).assign(y=lambda d: d.x * 2)
    small = pd.DataFrame({"k": np.arange(0, 100_000, 97), "label": np.arange(0, 100_000, 97) * 2})
    made = frames.from_pandas(big, npartitions=48).map_partitions(_made_slowly)  # partitions made by tasks
    got = made.merge(frames.from_pandas(small, npartitions=2), on="k", strategy="adaptive")

    class Peak(Callback):
        def memory(self, peak_bytes, spilled_bytes):
            self.peak = peak_bytes

    peak = Peak()
    result = got.compute(scheduler="sync", callbacks=[peak])
    pd.testing.assert_frame_equal(result.sort_values(["k", "x"]).reset_index(drop=True),
                                  big.merge(small, on="k").sort_values(["k", "x"]).reset_index(drop=True), check_dtype=False)
    assert peak.peak < big.memory_usage(index=False).sum() / 2


def test_estimates_choose_adaptive_between_broadcast_and_shuffle(pdf, monkeypatch):
    monkeypatch.setattr(join_module, "BROADCAST_BYTES", 0)
    monkeypatch.setattr(join_module, "SHARED_BROADCAST_BYTES", 0)
    left = frames.from_pandas(pdf, npartitions=4)
    right = frames.from_pandas(pdf.rename(columns={"s": "s2", "x": "x2", "y": "y2"}), npartitions=3)  # as large
    assert left.merge(right, on="k")._node.choose_strategy() == "adaptive"
    monkeypatch.setattr(join_module, "ADAPTIVE_ESTIMATE", 0)
    assert left.merge(right, on="k")._node.choose_strategy() == "shuffle"


@pytest.mark.parametrize("limit", [0, 10**9], ids=["split", "broadcast"])
@pytest.mark.parametrize("how", ["inner", "left"])
def test_a_partitioned_side_that_may_be_small_is_decided_at_run_time(pdf, npartitions, scheduler, how, limit, monkeypatch):
    """An aggregate's size is a guess (a HAVING may leave a few groups): where it could be
    broadcast, the join with it is adaptive rather than a shuffle of the other side. On the split
    path the aggregate, already partitioned on the keys, is not split again."""
    monkeypatch.setattr(join_module, "BROADCAST_BYTES", 0)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_BYTES", limit)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_MAX", limit)
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    per_key = ddf.groupby("k", sort=False, as_index=False).agg(total=("x", "sum"))
    got = ddf[["k", "y"]].merge(per_key[per_key.total > 0], on="k", how=how)
    pk = pdf.groupby("k", as_index=False).agg(total=("x", "sum"))
    exp = pdf[["k", "y"]].merge(pk[pk.total > 0], on="k", how=how)
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    if npartitions > 1:
        (join,) = _nodes(got._node, Join)
        assert join._copartitioned() == (False, True) and join.choose_strategy() == "adaptive"
        graph, _ = build_graph(got._node)
        assert not any(isinstance(k, tuple) and str(k[0]).endswith("-splitr") for k in graph)
    assert join_module._decide([50, 50], [10, 10], False, True, 10**9, False, True) == "broadcast_right"  # 20 <= 100 moved
    assert join_module._decide([5, 5], [10, 10], False, True, 10**9, False, True) == "split"  # splitting moves only 10


@pytest.mark.parametrize("limit", [0, 10**9], ids=["split", "broadcast"])
@pytest.mark.parametrize("how", ["inner", "left", "leftsemi"])
@pytest.mark.parametrize("split_out", [2, 3, 9])
def test_a_partitioned_side_with_other_partition_count_than_the_other_side_loses_no_rows(
        pdf, npartitions, scheduler, how, limit, split_out, monkeypatch):
    """An aggregate split into fewer (or more) partitions than the side it meets: the adaptive
    join has the aggregate's partition count, and on the broadcast path each of its outputs
    probes every partition of the other side that falls to it. (Output j probed only the other
    side's partition j: TPC-H q4 at SF10, 16 orders partitions against 8 of an aggregate, lost half
    its orders.)"""
    monkeypatch.setattr(join_module, "BROADCAST_BYTES", 0)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_BYTES", limit)
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_MAX", limit)
    ddf = frames.from_pandas(pdf, npartitions=7)
    per_key = frames.from_pandas(pdf, npartitions=npartitions).groupby("k", sort=False, as_index=False).agg(
        total=("x", "sum"), split_out=split_out)
    few = per_key[per_key.total > 0]
    got = ddf[["k", "y"]].merge(few, on="k", how=how)
    pk = pdf.groupby("k", as_index=False).agg(total=("x", "sum"))
    pk = pk[pk.total > 0]
    exp = pdf[["k", "y"]][pdf.k.isin(pk.k)] if how == "leftsemi" else pdf[["k", "y"]].merge(pk, on="k", how=how)
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    (join,) = _nodes(got._node, Join)
    assert join._copartitioned() == (False, True) and join.choose_strategy() == "adaptive"
    assert got._node.npartitions == split_out


@pytest.mark.parametrize("limit", [0, 10**9], ids=["split", "broadcast"])
def test_a_partitioned_side_with_fewer_partitions_loses_no_rows_on_a_cluster(pdf, dask_client, limit, monkeypatch):
    """The same join on a distributed LocalCluster with worker processes."""
    test_a_partitioned_side_with_other_partition_count_than_the_other_side_loses_no_rows(
        pdf, 3, dask_client, "inner", limit, 2, monkeypatch)


@pytest.mark.parametrize("how", ["inner", "left", "leftsemi"])
def test_a_join_with_an_adaptive_joins_output_is_decided_at_run_time(pdf, npartitions, scheduler, how, monkeypatch):
    """An adaptive join's output is as unsure as the guess that made it adaptive: a join over it is
    adaptive too, however large its estimate (TPC-H q18: 624 orders estimated at 386 MB made all of
    lineitem hash-split to meet them), and broadcasts it once its size is seen."""
    monkeypatch.setattr(join_module, "BROADCAST_BYTES", 0)
    monkeypatch.setattr(join_module, "SHARED_BROADCAST_BYTES", 0)
    monkeypatch.setattr(join_module, "ADAPTIVE_ESTIMATE", 1)  # every estimate here is "large"
    monkeypatch.setattr(join_module, "ADAPTIVE_SHARED_BYTES", 10**9)
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    labels = pd.DataFrame({"k": list(range(0, 300, 7)), "label": [f"L{i}" for i in range(0, 300, 7)]})
    few = frames.from_pandas(labels, npartitions=2).merge(ddf[["k"]].drop_duplicates(), on="k", strategy="adaptive")
    got = ddf[["k", "x"]].merge(few, on="k", how=how)
    exp_few = labels.merge(pdf[["k"]].drop_duplicates(), on="k")
    exp = (pdf[["k", "x"]][pdf.k.isin(exp_few.k)] if how == "leftsemi" else pdf[["k", "x"]].merge(exp_few, on="k", how=how))
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    if npartitions > 1:
        join = _nodes(got._node, Join)[0]
        assert join.choose_strategy() == "adaptive"
        graph, _ = build_graph(got._node)
        assert any(isinstance(k, tuple) and str(k[0]) == join.name + "-wholer" for k in graph)  # may be broadcast


def test_an_indexed_side_past_the_limit_is_broadcast_when_splitting_moves_far_more():
    """Past ``limit`` but within ``ceiling``, an indexed side is broadcast once the split would
    move ``SPLIT_RATIO`` times its bytes (TPC-H q5 at SF10: 73 MB of orders against 1.9 GB of
    lineitem); without a ceiling (keys Arrow's join builds per partition) it never is."""
    big = [join_module.SPLIT_RATIO * 100] * 4
    assert join_module._decide(big, [60, 40], False, True, 10, False, False, 10**9) == "broadcast_right"
    assert join_module._decide(big, [60, 40], False, True, 10, False, False, 50) == "split"  # over the ceiling
    assert join_module._decide(big, [600, 400], False, True, 10, False, False, 10**9) == "split"  # not far more
    assert join_module._decide(big, [60, 40], False, True, 10) == "split"  # no ceiling


@pytest.mark.parametrize("n", [2, 4, 7, 8, 16])
@pytest.mark.parametrize("kind", ["int64", "int32", "date32", "float64", "string"])
def test_hash_buckets_spread_every_key_type_evenly(n, kind):
    """Consecutive integers (surrogate keys) fill every bucket about equally, for power-of-two
    bucket counts too (their float64 bits end in zeros that a weak hash keeps)."""
    import pyarrow as pa

    values = np.arange(1, 20_001)
    column = {
        "int64": pa.array(values), "int32": pa.array(values, pa.int32()),
        "date32": pa.array(values, pa.int32()).cast(pa.date32()), "float64": pa.array(values * 0.25),
        "string": pa.array([f"key{v}" for v in values]),
    }[kind]
    counts = np.bincount(hash_buckets(pa.table({"k": column}), ("k",), n), minlength=n)
    assert counts.min() > 0.85 * len(values) / n and counts.max() < 1.15 * len(values) / n


def test_partial_results_merge_into_coarser_groups(pdf, npartitions, scheduler):
    """Grouping sets from the finest one: partials by (k, s), merged by s, then merged again to
    the grand total, each equal to aggregating the rows directly; DISTINCT is refused."""
    from frames.dataframe.collection import DataFrame

    child = frames.from_pandas(pdf.assign(x=pdf.x.astype(float)), npartitions=npartitions)._node
    aggs = (AggSpec("total", "sum", "x"), AggSpec("mean", "mean", "y"), AggSpec("n", "count", "x"),
            AggSpec("rows", "count_all"), AggSpec("hi", "max", "y"), AggSpec("sd", "std", "y"))
    fine = Aggregate(child, ("k", "s"), aggs, partial_out=True)
    by_s = Aggregate(fine, ("s",), aggs, partial_in=True, partial_out=True)
    for node, keys in [(Aggregate(fine, ("k", "s"), aggs, partial_in=True), ["k", "s"]),
                       (Aggregate(by_s, ("s",), aggs, partial_in=True), ["s"]), (Aggregate(by_s, (), aggs, partial_in=True), [])]:
        direct = Aggregate(child, tuple(keys), aggs)
        got, exp = DataFrame(node).compute(scheduler=scheduler), DataFrame(direct).compute(scheduler="sync")
        if keys:
            got, exp = (f.sort_values(keys, na_position="first").reset_index(drop=True) for f in (got, exp))
        pd.testing.assert_frame_equal(got, exp, check_exact=False)
    with pytest.raises(InvalidArgumentError, match="merge from partial"):
        Aggregate(child, ("k",), (AggSpec("u", "count_distinct", "x"),), partial_out=True)


def test_a_small_sql_order_by_sorts_in_one_task(pdf, npartitions, any_scheduler, monkeypatch):
    """SQL's ORDER BY over an input estimated within ``GATHER_SORT_BYTES`` sorts it in one task
    (TPC-H's final sorts of a few rows were 89 tasks over 8 partitions); past it, or under a
    memory limit, the sort stays range-partitioned; DuckDB's order either way."""
    duckdb = pytest.importorskip("duckdb")
    import sqlengine
    from frames.dataframe.expr import sort as sort_module

    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pdf, npartitions=npartitions))
    query = "SELECT k, s, x FROM t ORDER BY x DESC, k, s NULLS FIRST"
    t = pdf  # noqa: F841 (read by DuckDB's replacement scan)
    want = duckdb.sql(query).df()
    for gather, limit in ((1 << 30, None), (0, None), (1 << 30, "1GB")):
        monkeypatch.setattr(sort_module, "GATHER_SORT_BYTES", gather)
        with exec.config.set(memory_limit=limit, scheduler=any_scheduler):
            frame = ctx.sql(query)
            (node,) = _nodes(frame._node, sort_module.Sort)
            assert node.npartitions == (1 if gather and limit is None else npartitions)
            got = frame.compute()
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)


def test_sorted_groupby_of_gathered_values_merges_in_buckets(pdf, npartitions, any_scheduler):
    """A sorted aggregation that gathers each group's values (median, quantiles, mode) merges
    and finishes its groups in parallel hash buckets, then sorts them in one output partition
    (h2o q6: 1.76 -> 0.70 s); other sorted aggregations keep their one merge tree."""
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    got = ddf.groupby(["k", "s"], dropna=False).agg({"y": ["median", "std"], "x": ["sum", "nunique"]})
    assert got._node.npartitions == 1
    aggregate = _nodes(got._node, Aggregate)[0]
    assert aggregate._merge_buckets() == npartitions
    graph, _ = build_graph(got._node)
    assert sum(1 for k in graph if isinstance(k, tuple) and str(k[0]).endswith("-bucket")) == (npartitions if npartitions > 1 else 0)
    exp = pdf.groupby(["k", "s"], dropna=False).agg({"y": ["median", "std"], "x": ["sum", "nunique"]})
    assert_eq(got, exp, check_dtype=False, scheduler=any_scheduler)  # in key order, NULL keys last
    assert_eq(ddf.groupby("k").y.median(), pdf.groupby("k").y.median(), scheduler=any_scheduler)
    assert_eq(ddf.groupby("s").x.quantile(0.25), pdf.groupby("s").x.quantile(0.25), scheduler=any_scheduler)
    plain = ddf.groupby(["k", "s"]).agg({"x": "sum"})
    assert _nodes(plain._node, Aggregate)[0]._merge_buckets() == 1

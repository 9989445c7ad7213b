"""Every bag operation against plain Python on the same data, across partition counts (one, a few,
more partitions than elements, empty partitions) and schedulers (sync, threads, processes; a
distributed.LocalCluster with worker processes for a representative subset).

Each case computes all operations in one ``frames.compute`` call (one graph), so the matrix costs
one scheduler round per (scheduler, partition count)."""

from __future__ import annotations

import functools
import heapq
import math
import operator
import os
import statistics
from collections import Counter

import pytest

import exec as _exec
import frames
import frames.bag as fb
from frames.base import choose_scheduler

NAMES = ["ana", "bo", "Zoë", "ñandú", "東京", "ana", "émile", "bo", "ana"]
RECORDS = [{"id": i, "name": NAMES[i % len(NAMES)], "age": (i * 37) % 90, "tags": ["t"] * (i % 3)} for i in range(30)]


def _expected() -> dict:
    """The answers plain Python gives for the operations in ``_lazy``."""
    r = RECORDS
    ages = [x["age"] for x in r]
    names = [x["name"] for x in r]
    groups: dict = {}
    for x in r:
        groups.setdefault(x["name"], []).append(x["id"])
    fold_by: dict = {}
    for x in r:
        fold_by[x["name"]] = fold_by.get(x["name"], 0) + x["age"]
    first_by: dict = {}
    for x in r:
        first_by[x["name"]] = max(first_by.get(x["name"], x["age"]), x["age"])
    return {
        "map": [x["age"] * 2 for x in r],
        "map_bag": [a + i for a, i in zip(ages, range(len(r)))],
        "map_item": [a - sum(ages) for a in ages],
        "starmap": [a * b for a, b in zip(ages, ages)],
        "filter": [x for x in r if x["age"] > 40],
        "remove": [x for x in r if not x["age"] > 40],
        "pluck": names,
        "pluck_many": [(x["id"], x["name"]) for x in r],
        "pluck_default": [x.get("missing", -1) for x in r],
        "flatten": [t for x in r for t in x["tags"]],
        "map_partitions_len": len(r),
        "distinct": list(dict.fromkeys(names)),
        "frequencies": list(Counter(names).items()),
        "frequencies_sorted": Counter(names).most_common(),
        "topk": heapq.nlargest(4, ages),
        "topk_key": heapq.nlargest(3, r, key=lambda x: x["age"]),
        "foldby": list(fold_by.items()),
        "foldby_noinit": list(first_by.items()),
        "groupby": sorted(groups.items()),
        "count": len(r),
        "sum": sum(ages),
        "mean": statistics.fmean(ages),
        "var": statistics.pvariance(ages),
        "std1": statistics.stdev(ages),
        "min": min(ages),
        "max": max(ages),
        "any": any(a > 88 for a in ages),
        "all": all(a >= 0 for a in ages),
        "fold": functools.reduce(operator.add, ages, 0),
        "reduction": sum(len(n) for n in names),
        "product_len": len(r) * 3,
        "repartition_more": r,
        "repartition_fewer": r,
        "concat": r + r[:5],
        "zip": list(zip(ages, names)),
        "str_upper": [n.upper() for n in names],
        "str_match": [n for n in names if n.startswith("a")],
        "range": list(range(17)),
        "empty_filter_count": 0,
    }


def _lazy(n: int) -> dict:
    b = fb.from_sequence(RECORDS, npartitions=n)
    ages = b.pluck("age")
    names = b.pluck("name")
    ids = fb.range(len(RECORDS), npartitions=n)
    return {
        "map": b.map(lambda x: x["age"] * 2),
        "map_bag": ages.map(operator.add, ids),
        "map_item": ages.map(operator.sub, ages.sum()),
        "starmap": fb.zip(ages, ages).starmap(operator.mul),
        "filter": b.filter(lambda x: x["age"] > 40),
        "remove": b.remove(lambda x: x["age"] > 40),
        "pluck": names,
        "pluck_many": b.pluck(["id", "name"]),
        "pluck_default": b.pluck("missing", -1),
        "flatten": b.pluck("tags").flatten(),
        "map_partitions_len": b.map_partitions(lambda p: [len(p)]).sum(),
        "distinct": names.distinct(),
        "frequencies": names.frequencies(),
        "frequencies_sorted": names.frequencies(sort=True),
        "topk": ages.topk(4),
        "topk_key": b.topk(3, key=lambda x: x["age"]),
        "foldby": b.foldby("name", lambda acc, x: acc + x["age"], 0, operator.add, 0),
        "foldby_noinit": b.map(lambda x: (x["name"], x["age"])).foldby(
            0, lambda acc, x: acc if acc[1] >= x[1] else x, combine=lambda a, c: a if a[1] >= c[1] else c)
            .map(lambda kv: (kv[0], kv[1][1])),
        "groupby": b.groupby("name").map(lambda kv: (kv[0], [x["id"] for x in kv[1]])),
        "count": b.count(),
        "sum": ages.sum(),
        "mean": ages.mean(),
        "var": ages.var(),
        "std1": ages.std(ddof=1),
        "min": ages.min(),
        "max": ages.max(),
        "any": ages.map(lambda a: a > 88).any(),
        "all": ages.map(lambda a: a >= 0).all(),
        "fold": ages.fold(operator.add, initial=0),
        "reduction": names.reduction(lambda p: sum(map(len, p)), sum, split_every=2),
        "product_len": b.product(fb.from_sequence([1, 2, 3], npartitions=2)).count(),
        "repartition_more": b.repartition(n * 2 + 1),
        "repartition_fewer": b.repartition(max(1, n // 3)),
        "concat": fb.concat([b, fb.from_sequence(RECORDS[:5], npartitions=2)]),
        "zip": fb.zip(ages, names),
        "str_upper": names.str.upper(),
        "str_match": names.str.match("a*"),
        "range": fb.range(17, npartitions=n),
        "empty_filter_count": b.filter(lambda x: False).count(),
    }


def _check(got: dict) -> None:
    want = _expected()
    got = dict(got)
    got["groupby"] = sorted(got["groupby"])
    for key in want:
        if isinstance(want[key], float):
            assert math.isclose(got[key], want[key], rel_tol=1e-12), key
        else:
            assert got[key] == want[key], key


@pytest.mark.parametrize("n", [1, 3, 7, 45], ids=lambda n: f"p{n}")
@pytest.mark.parametrize("sched", ["sync", "threads", "processes"])
def test_operations_match_plain_python(n, sched):
    (got,) = frames.compute(_lazy(n), scheduler=sched)
    _check(got)


DISTRIBUTED_SUBSET = ("map_bag", "map_item", "filter", "pluck_many", "distinct", "frequencies_sorted", "topk_key",
                      "foldby", "groupby", "mean", "std1", "repartition_more", "zip", "str_match")


def test_operations_on_a_distributed_cluster(dask_client):
    lazy = _lazy(3)
    (got,) = frames.compute({k: lazy[k] for k in DISTRIBUTED_SUBSET}, scheduler=dask_client)
    want = _expected()
    got["groupby"] = sorted(got["groupby"])
    for k in DISTRIBUTED_SUBSET:
        assert got[k] == pytest.approx(want[k]) if isinstance(want[k], float) else got[k] == want[k], k


@pytest.mark.parametrize("sched", ["processes", "distributed"])
def test_groupby_of_strings_keeps_every_group_whole_across_processes(sched, request):
    """Python's hash() of a str differs per process: grouping by it would split groups between
    output partitions when splits run on different worker processes."""
    scheduler = request.getfixturevalue("dask_client") if sched == "distributed" else sched
    words = [f"w{i % 23}-ü" for i in range(400)]
    grouped = fb.from_sequence(words, npartitions=8).groupby(lambda w: w, npartitions=5).compute(scheduler=scheduler)
    keys = [k for k, _ in grouped]
    assert len(keys) == len(set(keys)) == 23
    assert sorted((k, len(v)) for k, v in grouped) == sorted(Counter(words).items())


def test_stable_hash_is_the_same_in_worker_processes():
    """Worker processes salt str hashes differently from this one; stable_hash does not change."""
    key = ("Zoë", 3, b"x", None, 2.5, frozenset({"a", 1}), (True, "東京"))
    there = fb.from_sequence([key, "Zoë"], npartitions=1).map(lambda k: (fb.stable_hash(k), hash(k))).compute(scheduler="processes")
    assert [h for h, _ in there] == [fb.stable_hash(key), fb.stable_hash("Zoë")]
    if "PYTHONHASHSEED" not in os.environ:
        assert there[1][1] != hash("Zoë")  # what the test is about: hash() itself differs there
    assert fb.stable_hash(1) == fb.stable_hash(1.0) == fb.stable_hash(True)  # equal keys hash equal
    assert fb.stable_hash((1, "a")) == fb.stable_hash((1.0, "a"))


def test_take_reads_only_the_partitions_asked_for():
    b = fb.from_sequence(range(20), npartitions=4)
    assert b.take(3) == (0, 1, 2)
    assert b.take(8, npartitions=2) == tuple(range(8))
    with pytest.warns(UserWarning, match="found only 5"):
        assert b.take(7) == tuple(range(5))
    assert b.take(30, npartitions=-1, warn=False) == tuple(range(20))


def test_persist_and_delayed_round_trip():
    b = fb.from_sequence(range(10), npartitions=3).map(lambda x: x * x)
    p = b.persist(scheduler="sync")
    assert all(not isinstance(v, _exec.Task) for v in p.layer.values())
    assert p.compute(scheduler="sync") == [x * x for x in range(10)]
    parts = b.to_delayed()
    assert len(parts) == 3
    again = fb.from_delayed(parts)
    assert again.compute(scheduler="threads") == [x * x for x in range(10)]
    assert b.sum().to_delayed().compute(scheduler="sync") == sum(x * x for x in range(10))


def test_bags_default_to_processes_unless_a_scheduler_is_chosen():
    b = fb.from_sequence(range(4), npartitions=2)
    assert choose_scheduler([b]) == "processes"
    assert choose_scheduler([b], "sync") == "sync"
    with _exec.config.set(scheduler="threads"):
        assert choose_scheduler([b]) is None  # the configured one
    pids = set(b.map(lambda _: os.getpid()).compute())
    assert os.getpid() not in pids
    frame = frames.from_pandas(__import__("pandas").DataFrame({"x": [1]}))
    assert choose_scheduler([b, frame]) is None  # mixed kinds: the configured default

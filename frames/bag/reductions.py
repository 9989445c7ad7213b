"""Reductions of bags: one tree reduction under all of them, as ``dask.bag``'s ``Bag.reduction``.

``reduction(bag, perpartition, aggregate)`` runs ``perpartition(list)`` on every partition, then
``aggregate(list_of_results)`` ``split_every`` results at a time (``frames.patterns.tree_reduce``)
until one value is left. ``aggregate`` therefore has to accept its own outputs: every reduction
here keeps its intermediate results in one shape (a count, a Counter, a ``(n, mean, M2)`` triple,
a list holding the value or nothing for an empty partition) and turns the last one into the
answer in a final step. Reductions with nothing to reduce (``min`` of an empty bag, ``mean`` of
no numbers) raise a ``BagError`` instead of Python's bare ``ValueError`` / ``ZeroDivisionError``.
"""

from __future__ import annotations

import functools
import heapq
import math
import operator
from collections import Counter
from typing import Any, Callable

from exec import Ref, Task
from frames.bag.core import NO_DEFAULT, Bag, Item, _short, new_name
from frames.bag.errors import BagError
from frames.patterns import SPLIT_EVERY, tree_reduce


def _check_split_every(split_every: Any) -> int:
    if split_every is None:
        return SPLIT_EVERY
    if not isinstance(split_every, int) or isinstance(split_every, bool) or split_every < 2:
        raise BagError(f"split_every must be an integer of at least 2, not {split_every!r}")
    return split_every


def reduction(bag: Bag, perpartition: Callable, aggregate: Callable, split_every: int | None = None,
              out_type: type = Item, name: str | None = None, finalize: Callable | None = None,
              final_args: tuple = ()) -> Any:
    """``aggregate`` over ``perpartition``'s result of every partition, in a tree; an ``Item``, or
    with ``out_type=Bag`` a one-partition Bag whose partition is the (iterable) result.
    ``finalize(result, *final_args)`` (internal) turns the last aggregate into the answer."""
    if not callable(perpartition) or not callable(aggregate):
        raise BagError("reduction needs two functions: perpartition and aggregate")
    if out_type not in (Item, Bag):
        raise BagError(f"out_type must be Item or Bag, not {out_type!r}")
    every = _check_split_every(split_every)
    label = name or getattr(perpartition, "__name__", "reduction")
    label = label if label.isidentifier() and label != "<lambda>" else "reduction"
    nm = new_name(label)
    graph: dict = {}
    level = []
    for i in range(bag.npartitions):
        graph[(nm, "part", i)] = Task(perpartition, Ref((bag.name, i)))
        level.append((nm, "part", i))
    last = tree_reduce(graph, level, nm, aggregate, split_every=every)
    if out_type is Bag:
        graph[(nm, 0)] = Task(_finish_bag, Ref(last), finalize, final_args, label)
        return Bag(graph, nm, 1, (bag,))
    if finalize is None:
        return Item(graph, last, (bag,))
    graph[(nm, "final")] = Task(finalize, Ref(last), *final_args)
    return Item(graph, (nm, "final"), (bag,))


def _finish_bag(value: Any, finalize: Callable | None, final_args: tuple, label: str) -> list:
    from frames.bag.core import _as_list

    if finalize is not None:
        value = finalize(value, *final_args)
    return _as_list(value, f"reduction {label}")


# -- counting and summing -------------------------------------------------------------------------

def count(bag: Bag, split_every: int | None = None) -> Item:
    return reduction(bag, len, sum, split_every, name="count")


def sum_(bag: Bag, split_every: int | None = None) -> Item:
    return reduction(bag, sum, sum, split_every, name="sum")


def _present(part: list, func: Callable) -> list:
    """``[func(part)]``, or ``[]`` for an empty partition (which has no min, max or fold)."""
    return [func(part)] if part else []


def _merge_present(results: list, func: Callable) -> list:
    values = [v for r in results for v in r]
    return [func(values)] if values else []


def _the_value(result: list, what: str) -> Any:
    if not result:
        raise BagError(f"{what} of an empty bag: there is no element to reduce")
    return result[0]


def _extreme(bag: Bag, func: Callable, label: str, split_every: int | None) -> Item:
    per = functools.partial(_present, func=func)
    agg = functools.partial(_merge_present, func=func)
    return reduction(bag, per, agg, split_every, name=label, finalize=_the_value, final_args=(f"{label}()",))


def min_(bag: Bag, split_every: int | None = None) -> Item:
    return _extreme(bag, min, "min", split_every)


def max_(bag: Bag, split_every: int | None = None) -> Item:
    return _extreme(bag, max, "max", split_every)


def any_(bag: Bag, split_every: int | None = None) -> Item:
    return reduction(bag, any, any, split_every, name="any")


def all_(bag: Bag, split_every: int | None = None) -> Item:
    return reduction(bag, all, all, split_every, name="all")


# -- moments: (count, mean, M2) per partition, merged as Chan et al. ------------------------------

def _moments(part: list) -> tuple[int, float, float]:
    n = len(part)
    if not n:
        return 0, 0.0, 0.0
    try:
        mean = math.fsum(part) / n
        m2 = math.fsum((x - mean) ** 2 for x in part)
    except TypeError:
        bad = next(x for x in part if not isinstance(x, (int, float)))
        raise BagError(f"mean/var/std need numbers; element {_short(bad)} is a {type(bad).__name__}") from None
    return n, mean, m2


def _merge_moments(results: list) -> tuple[int, float, float]:
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in results:
        if not nb:
            continue
        total = n + nb
        delta = mb - mean
        mean += delta * nb / total
        m2 += m2b + delta * delta * n * nb / total
        n = total
    return n, mean, m2


def _mean_of(m: tuple) -> float:
    if not m[0]:
        raise BagError("mean of an empty bag: there are no numbers")
    return m[1]


def _var_of(m: tuple, ddof: int, what: str) -> float:
    n, _, m2 = m
    if n - ddof <= 0:
        raise BagError(f"{what}(ddof={ddof}) of a bag of {n} numbers: it needs more than {ddof}")
    v = m2 / (n - ddof)
    return math.sqrt(v) if what == "std" else v


def _check_ddof(ddof: Any) -> int:
    if not isinstance(ddof, int) or isinstance(ddof, bool) or ddof < 0:
        raise BagError(f"ddof must be a non-negative integer, not {ddof!r}")
    return ddof


def mean(bag: Bag) -> Item:
    return reduction(bag, _moments, _merge_moments, name="mean", finalize=_mean_of)


def var(bag: Bag, ddof: int = 0) -> Item:
    return reduction(bag, _moments, _merge_moments, name="var", finalize=_var_of, final_args=(_check_ddof(ddof), "var"))


def std(bag: Bag, ddof: int = 0) -> Item:
    return reduction(bag, _moments, _merge_moments, name="std", finalize=_var_of, final_args=(_check_ddof(ddof), "std"))


# -- fold -------------------------------------------------------------------------------------------

def _fold_partition(part: list, binop: Callable, has_initial: bool, initial: Any) -> list:
    if has_initial:
        return [functools.reduce(binop, part, initial)]
    return [functools.reduce(binop, part)] if part else []


def _fold_merge(results: list, combine: Callable) -> list:
    values = [v for r in results for v in r]
    return [functools.reduce(combine, values)] if values else []


def fold(bag: Bag, binop: Callable, combine: Callable | None = None, initial: Any = NO_DEFAULT,
         split_every: int | None = None, out_type: type = Item) -> Any:
    """``functools.reduce(binop, partition[, initial])`` per partition, then the partitions'
    results reduced with ``combine`` (default ``binop``). ``initial`` starts every partition's fold,
    so it should be ``binop``'s identity (0 for ``+``), as in dask.bag."""
    if not callable(binop) or (combine is not None and not callable(combine)):
        raise BagError("fold needs functions for binop and combine")
    has_initial = initial is not NO_DEFAULT
    per = functools.partial(_fold_partition, binop=binop, has_initial=has_initial, initial=initial if has_initial else None)
    agg = functools.partial(_fold_merge, combine=combine or binop)
    return reduction(bag, per, agg, split_every, out_type, name="fold", finalize=_the_value, final_args=("fold() without initial",))


# -- frequencies, distinct, topk: one-partition bags ------------------------------------------------

def _unhashable(part: list, what: str, hint: str) -> BagError:
    for x in part:
        try:
            hash(x)
        except TypeError:
            return BagError(f"{what}: element {_short(x)} is a {type(x).__name__}, which cannot be hashed{hint}")
    return BagError(f"{what}: an element cannot be hashed")


def _count_partition(part: list) -> Counter:
    try:
        return Counter(part)
    except TypeError:
        raise _unhashable(part, "frequencies", "; map elements to tuples or strings first") from None


def _merge_counters(results: list) -> Counter:
    out = Counter()
    for c in results:
        out.update(c)
    return out


def _counter_items(counts: Counter, sort: bool) -> list:
    return counts.most_common() if sort else list(counts.items())


def frequencies(bag: Bag, split_every: int | None = None, sort: bool = False) -> Bag:
    """``(element, count)`` pairs, one per distinct element (``sort=True``: most common first)."""
    return reduction(bag, _count_partition, _merge_counters, split_every, Bag, "frequencies",
                     finalize=_counter_items, final_args=(bool(sort),))


def _distinct_partition(part: list, key: Callable | None) -> dict:
    if key is None:
        try:
            return dict.fromkeys(part)
        except TypeError:
            raise _unhashable(part, "distinct", "; pass key= (e.g. key=json.dumps) to tell elements apart") from None
    out: dict = {}
    for x in part:
        k = key(x)
        if k not in out:
            out[k] = x
    return out


def _merge_distinct(results: list, keyed: bool) -> dict:
    out: dict = {}
    for d in results:
        for k, v in d.items():
            if k not in out:
                out[k] = v
    return out


def _distinct_values(d: dict, keyed: bool) -> list:
    return list(d.values()) if keyed else list(d)


def distinct(bag: Bag, key: Callable | None = None) -> Bag:
    """Each distinct element once (by ``key(x)`` when given), the first of its kind, in order of
    first appearance."""
    if key is not None and not callable(key):
        key = operator.itemgetter(key)
    per = functools.partial(_distinct_partition, key=key)
    agg = functools.partial(_merge_distinct, keyed=key is not None)
    return reduction(bag, per, agg, name="distinct", out_type=Bag, finalize=_distinct_values, final_args=(key is not None,))


def _top_partition(part: list, k: int, key: Callable | None) -> list:
    return heapq.nlargest(k, part, key=key)


def _merge_top(results: list, k: int, key: Callable | None) -> list:
    return heapq.nlargest(k, [x for r in results for x in r], key=key)


def topk(bag: Bag, k: int, key: Any = None, split_every: int | None = None) -> Bag:
    """The ``k`` largest elements (by ``key``: a function or an index into each element), largest
    first; ties keep the bag's order (as ``heapq.nlargest``)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise BagError(f"topk needs a non-negative integer k, not {k!r}")
    if key is not None and not callable(key):
        key = operator.itemgetter(key)
    per = functools.partial(_top_partition, k=k, key=key)
    agg = functools.partial(_merge_top, k=k, key=key)
    return reduction(bag, per, agg, split_every, Bag, "topk")


__all__ = ["reduction", "count", "sum_", "min_", "max_", "any_", "all_", "mean", "var", "std", "fold",
           "frequencies", "distinct", "topk"]

"""Grouping bags: ``groupby`` (a shuffle, every group whole in one output partition) and
``foldby`` (a fold per key, merged in a tree: no shuffle).

``groupby`` sends each element to output partition ``stable_hash(key) % n``. The hash must be the
same in every process: Python's ``hash()`` of a ``str`` (and of ``bytes``, ``None`` on 3.11,
``datetime``) is salted per process, so on worker processes a key hashed in two places would land
in two partitions and its group would be split: the wrong answers dask.bag gave for years. Strings
and bytes are hashed here by a digest of their bytes (CRC-32, fast and fixed), numbers by their own
hash (not salted, and equal numbers hash equal: ``1``, ``1.0`` and ``True`` group together, as in a
dict), tuples and frozensets from their items; any other key type is refused with a ``BagError``
rather than risk a split group.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import operator
import pickle
import zlib
from typing import Any, Callable

from exec import Ref, Task
from frames.bag.core import NO_DEFAULT, Bag, _check_npartitions, _short, new_name
from frames.bag.errors import BagError
from frames.bag.reductions import _check_split_every
from frames.patterns import exchange, tree_reduce

_MASK = (1 << 64) - 1


def stable_hash(key: Any) -> int:
    """A hash of ``key`` that is the same in every process and equal for equal keys (str, bytes,
    numbers, None, dates and times, and tuples / frozensets of those)."""
    t = type(key)
    if t is str:
        return zlib.crc32(key.encode("utf-8", "surrogatepass"))
    if t is int:
        return hash(key)  # the int itself for small ones; hash() of numbers is not salted
    if t is tuple:
        h = 0x345678
        for item in key:
            h = ((h * 1000003) ^ stable_hash(item)) & _MASK
        return h ^ len(key)
    if key is None:
        return 0x9E3779B9  # hash(None) is the object's address on Python 3.11
    if isinstance(key, numbers.Number):
        return hash(key) if key == key else 0x7FF8  # NaN's hash() is its address
    if t is bytes:
        return zlib.crc32(key) ^ 0xB5
    if isinstance(key, str):
        return stable_hash(str(key))
    if isinstance(key, frozenset):
        return sum(stable_hash(item) for item in key) & _MASK
    if isinstance(key, _dt.datetime):
        if key.utcoffset() is not None:  # equal instants in different zones are equal keys
            key = key.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            return stable_hash(("datetime-utc", key.isoformat()))
        return stable_hash(("datetime", key.isoformat()))
    if isinstance(key, (_dt.date, _dt.time)):
        return stable_hash((type(key).__name__, key.isoformat()))
    if isinstance(key, _dt.timedelta):
        return stable_hash(("timedelta", key.days, key.seconds, key.microseconds))
    raise BagError(f"groupby: key {_short(key)} is a {t.__name__}, whose hash may differ between processes "
                   "(so its group could be split); group by a str, number, tuple or frozenset made from it")


def _key_function(key: Any, what: str) -> Callable:
    if callable(key):
        return key
    if isinstance(key, list):
        return operator.itemgetter(*key) if key else (lambda x: ())
    return operator.itemgetter(key)


# -- groupby: split by hash, exchange, group ----------------------------------------------------
#
# Each split's buckets travel as pickled bytes: an exchange hands every split to each of the n
# piece tasks, and on worker processes each hand-over is a pickling in the parent. Bytes pickle as a
# copy; 125k (key, element) pairs in 8 partitions grouped in 2.9 s on processes with the buckets as
# lists (cloudpickle walking every tuple 9 times) against 0.6 s on sync.

def _pack(bucket: list) -> bytes:
    try:
        return pickle.dumps(bucket, protocol=5)
    except Exception:  # elements only cloudpickle can write (functions, local classes)
        import cloudpickle

        return cloudpickle.dumps(bucket, protocol=5)


def _split_by_hash(part: list, grouper: Callable, n: int) -> list:
    buckets: list[list] = [[] for _ in range(n)]
    for x in part:
        k = grouper(x)
        buckets[stable_hash(k) % n].append((k, x))
    return [_pack(b) for b in buckets]


def _keyed(part: list, grouper: Callable) -> list:
    out = [(grouper(x), x) for x in part]
    for k, _ in out:  # the same keys are refused whatever the number of partitions
        stable_hash(k)
    return [_pack(out)]


def _group_pieces(pieces: list) -> list:
    groups: dict = {}
    for packed in pieces:
        for k, x in pickle.loads(packed):
            g = groups.get(k)
            if g is None:
                groups[k] = [x]
            else:
                g.append(x)
    return list(groups.items())


def groupby(bag: Bag, grouper: Any, npartitions: int | None = None, **options: Any) -> Bag:
    """``(key, [elements with that key])`` pairs, each group whole in one of ``npartitions``
    partitions (default: as many as the bag), its elements in the bag's order. ``grouper`` is a
    function or an index into each element. A shuffle through tasks (``shuffle="tasks"``, the only
    kind: dask's ``"disk"`` is refused)."""
    method = options.pop("shuffle", options.pop("method", None))
    if options:
        raise BagError(f"groupby got unexpected arguments {sorted(options)}")
    if method not in (None, "tasks"):
        raise BagError(f"groupby(shuffle={method!r}): only the tasks shuffle exists here (shuffle='tasks')")
    func = _key_function(grouper, "groupby")
    n = bag.npartitions if npartitions is None else _check_npartitions(npartitions)
    name = new_name("groupby")
    graph: dict = {}
    splits = []
    for i in range(bag.npartitions):
        graph[(name, "split", i)] = Task(_split_by_hash, Ref((bag.name, i)), func, n) if n > 1 else Task(_keyed, Ref((bag.name, i)), func)
        splits.append((name, "split", i))
    exchange(graph, name, splits, n, _group_pieces)
    return Bag(graph, name, n, (bag,))


# -- foldby: a fold per key in every partition, merged in a tree -----------------------------------

def _fold_by_key(part: list, key: Any, callable_key: bool, binop: Callable, has_initial: bool, initial: Any) -> dict:
    acc: dict = {}
    get = key if callable_key else operator.itemgetter(key)
    if not has_initial:
        for x in part:
            k = get(x)
            if k in acc:
                acc[k] = binop(acc[k], x)
            else:
                acc[k] = x
        return acc
    factory = callable(initial)
    for x in part:
        k = get(x)
        if k in acc:
            acc[k] = binop(acc[k], x)
        else:
            acc[k] = binop(initial() if factory else initial, x)
    return acc


def _merge_by_key(results: list, combine: Callable, has_initial: bool, initial: Any) -> dict:
    out: dict = {}
    factory = callable(initial)
    for d in results:
        for k, v in d.items():
            if k in out:
                out[k] = combine(out[k], v)
            elif has_initial:
                out[k] = combine(initial() if factory else initial, v)
            else:
                out[k] = v
    return out


def _pairs(d: dict) -> list:
    return list(d.items())


def foldby(bag: Bag, key: Any, binop: Callable, initial: Any = NO_DEFAULT, combine: Callable | None = None,
           combine_initial: Any = NO_DEFAULT, split_every: int | None = None) -> Bag:
    """``(key, fold of that key's elements)`` pairs, as ``dask.bag.Bag.foldby``: in every
    partition ``binop(accumulator, element)`` per key (starting from ``initial``, or a call of it
    when it is a function, else from the key's first element), then the partitions' accumulators
    merged with ``combine(acc, acc)`` (default ``binop``; from ``combine_initial`` when given) in a
    tree of ``split_every``. One output partition, keys in order of first appearance."""
    if not callable(binop) or (combine is not None and not callable(combine)):
        raise BagError("foldby needs functions for binop and combine")
    every = _check_split_every(split_every)
    has_initial = initial is not NO_DEFAULT
    has_cinit = combine_initial is not NO_DEFAULT
    if isinstance(key, list):
        key = _key_function(key, "foldby")
    name = new_name("foldby")
    graph: dict = {}
    level = []
    for i in range(bag.npartitions):
        graph[(name, "part", i)] = Task(_fold_by_key, Ref((bag.name, i)), key, callable(key), binop, has_initial,
                                        initial if has_initial else None)
        level.append((name, "part", i))
    last = tree_reduce(graph, level, name, _merge_by_key, combine or binop, has_cinit,
                       combine_initial if has_cinit else None, split_every=every)
    graph[(name, 0)] = Task(_pairs, Ref(last))
    return Bag(graph, name, 1, (bag,))


__all__ = ["foldby", "groupby", "stable_hash"]

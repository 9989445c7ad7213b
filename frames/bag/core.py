"""The Bag: a lazy list of Python objects in partitions, each partition a list made by one task.

A ``Bag`` holds only its own tasks (``layer``: partition key ``(name, i)`` -> task) and the
collections it was made from (``deps``), as ``frames.array.core.Array`` does, so a chain of n
operations is O(n) to build and the full graph is collected once, at compute time. Element-wise
operations (``map``, ``filter``, ``pluck``, ...) add one task per partition; ``exec.fuse`` then
merges each partition's chain into one task, so ``read_text(...).map(json.loads).filter(f)`` is
one task per block. An ``Item`` is one lazy value (what a reduction gives).

**Default scheduler: processes.** Bag functions are pure Python (``json.loads``, dict lookups, user
lambdas) that hold the GIL, so threads take turns instead of running in parallel. Measured on the
project's 2-core machine (8 files of 50k JSON lines, ``json.loads`` + filter + count per name, one
task per file): sync 2.9-3.1 s, threads 3.3-4.7 s, processes 2.4-2.8 s. Like ``dask.bag``, a bag
is therefore computed on worker processes unless a scheduler is named (``compute(scheduler=...)``)
or configured (``exec.config.set(scheduler=...)``); every scheduler gives the same answers (the
tests run them all), and partitions travel between processes pickled (cloudpickle for lambdas).
"""

from __future__ import annotations

import functools
import gc
import itertools
import uuid
from typing import Any, Callable, Hashable, Iterable, Sequence

from exec import Ref, Task
from frames.bag.errors import BagError
from frames.base import Layered, Lazy, Remote, layered_graph

_counter = itertools.count()
_session = uuid.uuid4().hex[:8]


class _NoDefault:
    def __repr__(self) -> str:
        return "<no default>"


NO_DEFAULT = _NoDefault()
"""An argument not passed (``pluck``'s default, ``fold``'s initial); only the caller's process
compares with it: tasks receive a flag instead."""


def new_name(label: str) -> str:
    """A key prefix unique in this process and apart from other collections' (``bag-`` prefix and a
    session token): partition keys are ``(name, i)``."""
    return f"bag-{label}-{_session}-{next(_counter)}"


class Item(Layered):
    """One lazy value: the result of a reduction (``bag.sum()``), usable as an argument of ``map``."""

    _default_scheduler = "processes"

    def __init__(self, layer: dict, key: Hashable, deps: Sequence[Lazy] = ()):
        self.layer = layer
        self.key = key
        self.deps = tuple(deps)

    def _build_graph(self) -> tuple[dict, list[Hashable]]:
        return layered_graph(self), [self.key]

    def _finalize(self, results: Sequence[Any]) -> Any:
        return results[0]

    def _rebuild(self, results: Sequence[Any]) -> "Item":
        return Item({self.key: results[0]}, self.key)

    def apply(self, func: Callable) -> "Item":
        """``func`` of the value, lazily."""
        name = new_name("apply")
        return Item({name: Task(func, Ref(self.key))}, name, (self,))

    def to_delayed(self, optimize_graph: bool = True):
        """The value as a ``frames.Delayed``."""
        return _delayed_over(self, optimize_graph)[0]

    def __repr__(self) -> str:
        return f"frames.bag.Item<{self.key}>"

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a lazy Item is not known until it is computed; use .compute()")

    __hash__ = object.__hash__


class Bag(Layered):
    """A lazy, partitioned list of Python objects, mirroring ``dask.bag.Bag``. ``compute()`` gives a
    list (partitions concatenated in order)."""

    _default_scheduler = "processes"  # pure-Python tasks hold the GIL: see the module docstring

    def __init__(self, layer: dict, name: str, npartitions: int, deps: Sequence[Lazy] = ()):
        self.layer = layer
        self.name = name
        self.npartitions = npartitions
        self.deps = tuple(deps)
        self.str = StringAccessor(self)

    # -- the collection protocol -------------------------------------------------------------
    def keys(self) -> list[tuple]:
        return [(self.name, i) for i in range(self.npartitions)]

    def _build_graph(self) -> tuple[dict, list[Hashable]]:
        return layered_graph(self), self.keys()

    def _finalize(self, results: Sequence[Any]) -> list:
        return [x for part in results for x in part]

    def _rebuild(self, results: Sequence[Any]) -> "Bag":
        parts = [r if isinstance(r, Remote) else list(r) for r in results]  # a Client's Futures stay as they are
        return Bag(dict(zip(self.keys(), parts)), self.name, self.npartitions)

    def __repr__(self) -> str:
        label = self.name[len("bag-"):].rsplit("-", 2)[0] if self.name.startswith("bag-") else self.name
        return f"frames.bag.Bag<{label}, npartitions={self.npartitions}>"

    def _repr_html_(self) -> str:
        from frames.display import bag_html

        return bag_html(self)

    def __iter__(self):
        return iter(self.compute())

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a lazy Bag is not known until it is computed; use .compute()")

    __hash__ = object.__hash__

    def to_delayed(self, optimize_graph: bool = True) -> list:
        """One ``frames.Delayed`` per partition (each a list), for custom code over the partitions."""
        return _delayed_over(self, optimize_graph)

    # -- element-wise ------------------------------------------------------------------------
    def map(self, func: Callable, *args: Any, **kwargs: Any) -> "Bag":
        """``func(x, *args, **kwargs)`` for every element ``x``. Arguments that are bags (with as
        many partitions) are zipped element by element; Items and other values go whole to every call."""
        return map_elements(func, self, *args, **kwargs)

    def starmap(self, func: Callable, **kwargs: Any) -> "Bag":
        """``func(*x, **kwargs)`` for every element ``x`` (a tuple of arguments)."""
        return _partitionwise(_starmap_partition, self, func, kwargs, label=_label(func, "starmap"))

    def filter(self, predicate: Callable) -> "Bag":
        """The elements for which ``predicate`` is true."""
        return _partitionwise(_filter_partition, self, predicate, True, label="filter")

    def remove(self, predicate: Callable) -> "Bag":
        """The elements for which ``predicate`` is false."""
        return _partitionwise(_filter_partition, self, predicate, False, label="remove")

    def pluck(self, key: Any, default: Any = NO_DEFAULT) -> "Bag":
        """``x[key]`` of every element (``key`` a list: a tuple of those); elements without it give
        ``default`` when one is passed (``pluck("a", None)``), else a ``BagError`` naming the element."""
        has_default = default is not NO_DEFAULT
        return _partitionwise(_pluck_partition, self, key, has_default, default if has_default else None, label="pluck")

    def flatten(self) -> "Bag":
        """Every element of every element (a bag of lists becomes a bag of their items)."""
        return _partitionwise(_flatten_partition, self, label="flatten")

    def map_partitions(self, func: Callable, *args: Any, **kwargs: Any) -> "Bag":
        """``func(partition, *args, **kwargs)`` per partition (a list in, an iterable out). Bag
        arguments (with as many partitions) give their partition of the same number."""
        return map_partitions(func, self, *args, **kwargs)

    def product(self, other: "Bag") -> "Bag":
        """Every pair ``(x, y)`` of an element of this bag and one of ``other`` (a cartesian
        product: ``npartitions`` is the product of both)."""
        _check_bag(other, "product")
        name = new_name("product")
        layer = {}
        for i, j in itertools.product(range(self.npartitions), range(other.npartitions)):
            layer[(name, len(layer))] = Task(_product_partition, Ref((self.name, i)), Ref((other.name, j)))
        return Bag(layer, name, len(layer), (self, other))

    def repartition(self, npartitions: int) -> "Bag":
        """The same elements in the same order in ``npartitions`` partitions: neighbours
        concatenated to make fewer, each split into near-equal pieces to make more."""
        n = _check_npartitions(npartitions)
        name = new_name("repartition")
        m = self.npartitions
        layer: dict = {}
        if n <= m:
            bounds = [round(j * m / n) for j in range(n + 1)]
            for j in range(n):
                layer[(name, j)] = Task(_concat_partitions, [Ref((self.name, i)) for i in range(bounds[j], bounds[j + 1])])
        else:
            out = 0
            for i in range(m):
                pieces = (i + 1) * n // m - i * n // m  # each input makes its share of the outputs
                for p in range(pieces):
                    layer[(name, out)] = Task(_piece_of, Ref((self.name, i)), p, pieces)
                    out += 1
        return Bag(layer, name, n, (self,))

    def take(self, k: int, npartitions: int = 1, compute: bool = True, warn: bool = True) -> Any:
        """The first ``k`` elements from the first ``npartitions`` partitions (-1: all), as a tuple
        (``compute=False``: a one-partition Bag). Fewer than ``k`` found warns, as dask.bag does."""
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise BagError(f"take needs a non-negative integer count, not {k!r}")
        if npartitions == -1:
            npartitions = self.npartitions
        if not isinstance(npartitions, int) or isinstance(npartitions, bool) or not 1 <= npartitions <= self.npartitions:
            raise BagError(f"take(npartitions={npartitions!r}): this bag has {self.npartitions} partitions "
                           "(pass a number from 1 to that, or -1 for all)")
        name = new_name("take")
        layer = {(name, 0): Task(_take_first, [Ref((self.name, i)) for i in range(npartitions)], k)}
        out = Bag(layer, name, 1, (self,))
        if not compute:
            return out
        result = tuple(out.compute())
        if warn and len(result) < k:
            import warnings

            warnings.warn(f"take({k}) found only {len(result)} elements in the first {npartitions} partition(s); "
                          "pass npartitions=-1 to look in all of them", stacklevel=2)
        return result

    # -- reductions (frames/bag/reductions.py) -----------------------------------------------
    def reduction(self, perpartition: Callable, aggregate: Callable, split_every: int | None = None,
                  out_type: type = Item, name: str | None = None) -> Any:
        from frames.bag.reductions import reduction

        return reduction(self, perpartition, aggregate, split_every, out_type, name)

    def fold(self, binop: Callable, combine: Callable | None = None, initial: Any = NO_DEFAULT,
             split_every: int | None = None, out_type: type = Item) -> Any:
        from frames.bag.reductions import fold

        return fold(self, binop, combine, initial, split_every, out_type)

    def count(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import count

        return count(self, split_every)

    def sum(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import sum_

        return sum_(self, split_every)

    def min(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import min_

        return min_(self, split_every)

    def max(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import max_

        return max_(self, split_every)

    def any(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import any_

        return any_(self, split_every)

    def all(self, split_every: int | None = None) -> Item:
        from frames.bag.reductions import all_

        return all_(self, split_every)

    def mean(self) -> Item:
        from frames.bag.reductions import mean

        return mean(self)

    def var(self, ddof: int = 0) -> Item:
        from frames.bag.reductions import var

        return var(self, ddof)

    def std(self, ddof: int = 0) -> Item:
        from frames.bag.reductions import std

        return std(self, ddof)

    def frequencies(self, split_every: int | None = None, sort: bool = False) -> "Bag":
        from frames.bag.reductions import frequencies

        return frequencies(self, split_every, sort)

    def distinct(self, key: Callable | None = None) -> "Bag":
        from frames.bag.reductions import distinct

        return distinct(self, key)

    def topk(self, k: int, key: Any = None, split_every: int | None = None) -> "Bag":
        from frames.bag.reductions import topk

        return topk(self, k, key, split_every)

    # -- grouping (frames/bag/groupby.py) ----------------------------------------------------
    def foldby(self, key: Any, binop: Callable, initial: Any = NO_DEFAULT, combine: Callable | None = None,
               combine_initial: Any = NO_DEFAULT, split_every: int | None = None) -> "Bag":
        from frames.bag.groupby import foldby

        return foldby(self, key, binop, initial, combine, combine_initial, split_every)

    def groupby(self, grouper: Any, npartitions: int | None = None, **kwargs: Any) -> "Bag":
        from frames.bag.groupby import groupby

        return groupby(self, grouper, npartitions, **kwargs)

    # -- out (frames/bag/convert.py, text.py) ------------------------------------------------
    def to_dataframe(self, meta: Any = None, columns: Sequence[str] | None = None):
        from frames.bag.convert import to_dataframe

        return to_dataframe(self, meta, columns)

    def to_textfiles(self, path: Any, name_function: Callable[[int], str] | None = None, compression: str = "infer",
                     encoding: str = "utf-8", compute: bool = True, storage_options: dict | None = None,
                     last_endline: bool = False, overwrite: bool = False, scheduler: Any = None) -> Any:
        from frames.bag.text import to_textfiles

        return to_textfiles(self, path, name_function, compression, encoding, compute, storage_options,
                            last_endline, overwrite, scheduler)


# -- making bags --------------------------------------------------------------------------------

def _check_npartitions(npartitions: Any, what: str = "npartitions") -> int:
    if not isinstance(npartitions, int) or isinstance(npartitions, bool) or npartitions < 1:
        raise BagError(f"{what} must be a positive integer, not {npartitions!r}")
    return npartitions


def _check_bag(obj: Any, what: str) -> None:
    if not isinstance(obj, Bag):
        raise BagError(f"{what} takes frames.bag.Bag objects, not {type(obj).__name__}")


def from_sequence(seq: Iterable, partition_size: int | None = None, npartitions: int | None = None) -> Bag:
    """A bag of the elements of ``seq`` (in memory), in ``npartitions`` near-equal partitions or
    partitions of ``partition_size`` elements (default: about 100 partitions, as dask.bag). Unlike
    dask.bag, ``npartitions`` is kept when it exceeds the number of elements: the extra partitions
    are empty (every operation handles empty partitions)."""
    items = list(seq)
    if partition_size is not None and npartitions is not None:
        raise BagError("from_sequence takes partition_size or npartitions, not both")
    if partition_size is not None:
        size = _check_npartitions(partition_size, "partition_size")
        npartitions = max(1, -(-len(items) // size))
    elif npartitions is None:
        npartitions = max(1, min(100, len(items)))
    n = _check_npartitions(npartitions)
    if partition_size is not None:
        bounds = [min(i * size, len(items)) for i in range(n + 1)]
    else:
        bounds = [round(i * len(items) / n) for i in range(n + 1)]
    name = new_name("from-sequence")
    layer = {(name, i): items[lo:hi] for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))}
    return Bag(layer, name, n)


def range_(n: int, npartitions: int) -> Bag:
    """The integers ``0 .. n-1`` in ``npartitions`` near-equal partitions (made by the tasks, not
    held in the graph)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise BagError(f"range needs a non-negative integer, not {n!r}")
    p = _check_npartitions(npartitions)
    name = new_name("range")
    bounds = [round(i * n / p) for i in range(p + 1)]
    layer = {(name, i): Task(_range_list, lo, hi) for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))}
    return Bag(layer, name, p)


def from_delayed(values: Any) -> Bag:
    """A bag with one partition per ``frames.Delayed`` in ``values`` (each computing an iterable)."""
    from frames.delayed import Delayed

    values = [values] if isinstance(values, Delayed) else list(values)
    if not values:
        raise BagError("from_delayed needs at least one Delayed value")
    for v in values:
        if not isinstance(v, Delayed):
            raise BagError(f"from_delayed takes frames.Delayed objects, not {type(v).__name__}")
    name = new_name("from-delayed")
    layer = {(name, i): Task(_as_list, Ref(v.key), "from_delayed") for i, v in enumerate(values)}
    return Bag(layer, name, len(values), values)


def concat(bags: Sequence[Bag]) -> Bag:
    """The partitions of all ``bags``, one bag after the other."""
    bags = list(bags)
    if not bags:
        raise BagError("concat needs at least one bag")
    for b in bags:
        _check_bag(b, "concat")
    name = new_name("concat")
    refs = [Ref((b.name, i)) for b in bags for i in range(b.npartitions)]
    layer = {(name, i): Task(_identity, r) for i, r in enumerate(refs)}
    return Bag(layer, name, len(refs), bags)


def zip_(*bags: Bag) -> Bag:
    """Tuples of the elements at the same position in each bag. The bags must have as many
    partitions, and partitions of the same number as many elements (a ``BagError`` says which one
    differs: nothing is cut short silently)."""
    if not bags:
        raise BagError("zip needs at least one bag")
    for b in bags:
        _check_bag(b, "zip")
    _same_partitions(bags, "zip")
    name = new_name("zip")
    layer = {(name, i): Task(_zip_partition, [Ref((b.name, i)) for b in bags], i) for i in range(bags[0].npartitions)}
    return Bag(layer, name, bags[0].npartitions, bags)


def _same_partitions(bags: Sequence[Bag], what: str) -> None:
    counts = [b.npartitions for b in bags]
    if len(set(counts)) > 1:
        raise BagError(f"{what} needs bags with the same number of partitions, got {counts}; "
                       "repartition one of them first")


# -- building partition-wise layers ------------------------------------------------------------

def _label(func: Any, default: str) -> str:
    name = getattr(func, "__name__", None) or default
    return name if name.isidentifier() and name != "<lambda>" else default


def _partitionwise(func: Callable, bag: Bag, *args: Any, label: str) -> Bag:
    """One task per partition: ``func(partition, *args)``."""
    name = new_name(label)
    layer = {(name, i): Task(func, Ref((bag.name, i)), *args) for i in range(bag.npartitions)}
    return Bag(layer, name, bag.npartitions, (bag,))


def _arguments(args: tuple, kwargs: dict, npartitions: int, what: str):
    """Per-partition argument builders: bags give their partition ``i``, items their value, other
    values themselves. Returns (deps, arg(i) -> list, kwarg(i) -> dict, bag positions, bag names)."""
    deps: list[Lazy] = []
    bag_pos = tuple(j for j, a in enumerate(args) if isinstance(a, Bag))
    bag_kw = tuple(k for k, v in kwargs.items() if isinstance(v, Bag))
    bags = [args[j] for j in bag_pos] + [kwargs[k] for k in bag_kw]
    for b in bags:
        if b.npartitions != npartitions:
            raise BagError(f"{what}: a bag argument has {b.npartitions} partitions and this bag {npartitions}; "
                           "repartition one of them first")
    for v in itertools.chain(args, kwargs.values()):
        if isinstance(v, (Bag, Item)):
            deps.append(v)
        elif isinstance(v, Lazy):
            raise BagError(f"{what}: pass a {type(v).__name__} as .to_delayed() or compute it first")

    def one(v: Any, i: int) -> Any:
        if isinstance(v, Bag):
            return Ref((v.name, i))
        if isinstance(v, Item):
            return Ref(v.key)
        return v

    def arg(i: int) -> list:
        return [one(a, i) for a in args]

    def kwarg(i: int) -> dict:
        return {k: one(v, i) for k, v in kwargs.items()}

    return deps, arg, kwarg, bag_pos, bag_kw


def map_elements(func: Callable, *args: Any, **kwargs: Any) -> Bag:
    """``func`` over the elements of the bags among ``args`` / ``kwargs`` zipped, with the other
    arguments passed whole (``dask.bag.map``)."""
    if not callable(func):
        raise BagError(f"map needs a function, not {type(func).__name__}")
    first = next((a for a in itertools.chain(args, kwargs.values()) if isinstance(a, Bag)), None)
    if first is None:
        raise BagError("map needs at least one Bag among its arguments")
    deps, arg, kwarg, bag_pos, bag_kw = _arguments(args, kwargs, first.npartitions, "map")
    name = new_name(_label(func, "map"))
    layer = {(name, i): Task(_map_partition, func, arg(i), kwarg(i), bag_pos, bag_kw, i) for i in range(first.npartitions)}
    return Bag(layer, name, first.npartitions, deps)


def map_partitions(func: Callable, *args: Any, **kwargs: Any) -> Bag:
    """``func`` over partitions: bags among the arguments give their partition of the same number."""
    if not callable(func):
        raise BagError(f"map_partitions needs a function, not {type(func).__name__}")
    first = next((a for a in itertools.chain(args, kwargs.values()) if isinstance(a, Bag)), None)
    if first is None:
        raise BagError("map_partitions needs at least one Bag among its arguments")
    deps, arg, kwarg, _, _ = _arguments(args, kwargs, first.npartitions, "map_partitions")
    name = new_name(_label(func, "map-partitions"))
    fname = getattr(func, "__name__", type(func).__name__)
    layer = {(name, i): Task(_call_partition, func, arg(i), kwarg(i), fname) for i in range(first.npartitions)}
    return Bag(layer, name, first.npartitions, deps)


# -- per-partition functions (module level: they pickle by reference) --------------------------

def _identity(x: Any) -> Any:
    return x


def _range_list(lo: int, hi: int) -> list:
    return list(range(lo, hi))


def _as_list(value: Any, what: str) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise BagError(f"{what}: a partition must be a list or another iterable of elements, not {type(value).__name__}")
    return list(value)


def gc_paused(kernel: Callable) -> Callable:
    """``kernel`` run with Python's cyclic garbage collector paused. A partition kernel makes
    hundreds of thousands of containers at once (``map(json.loads)`` over a block of lines), and
    each few hundred allocations woke the collector to walk every one made so far: 250k JSON
    records took 1.42 s to load with it running and 0.87 s without (dask.bag's lazy iterators keep
    few alive, so it never paid this). The collector is resumed when the kernel returns, and cycles
    made meanwhile are collected then; a thread that finds it paused by another leaves it alone."""

    @functools.wraps(kernel)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return kernel(*args, **kwargs)
        gc.disable()
        try:
            return kernel(*args, **kwargs)
        finally:
            gc.enable()

    return run


@gc_paused
def _map_partition(func: Callable, args: list, kwargs: dict, bag_pos: tuple, bag_kw: tuple, number: int) -> list:
    if len(bag_pos) == 1 and not bag_kw and len(args) == 1 and not kwargs:
        return list(map(func, args[0]))
    columns = [args[j] for j in bag_pos] + [kwargs[k] for k in bag_kw]
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        raise BagError(f"map: partition {number} of the bags zipped has {sorted(lengths)} elements in different "
                       "bags; bags mapped together must line up element by element")
    out = []
    args = list(args)
    kw = dict(kwargs)
    for values in zip(*columns):
        for j, v in zip(bag_pos, values):
            args[j] = v
        for k, v in zip(bag_kw, values[len(bag_pos):]):
            kw[k] = v
        out.append(func(*args, **kw))
    return out


@gc_paused
def _call_partition(func: Callable, args: list, kwargs: dict, fname: str) -> list:
    out = func(*args, **kwargs)
    if isinstance(out, list):
        return out
    return _as_list(out, f"map_partitions({fname})")


@gc_paused
def _starmap_partition(part: list, func: Callable, kwargs: dict) -> list:
    if kwargs:
        return [func(*x, **kwargs) for x in part]
    return list(itertools.starmap(func, part))


@gc_paused
def _filter_partition(part: list, predicate: Callable, keep: bool) -> list:
    if keep:
        return [x for x in part if predicate(x)]
    return [x for x in part if not predicate(x)]


@gc_paused
def _pluck_partition(part: list, key: Any, has_default: bool, default: Any) -> list:
    if isinstance(key, list):
        keys = key
        if has_default:
            return [tuple(_get(x, k, default) for k in keys) for x in part]
        try:
            return [tuple(x[k] for k in keys) for x in part]
        except (KeyError, IndexError, TypeError):
            _pluck_culprit(part, keys)
            raise
    if has_default:
        return [_get(x, key, default) for x in part]
    try:
        return [x[key] for x in part]
    except (KeyError, IndexError, TypeError):
        _pluck_culprit(part, [key])
        raise


def _get(x: Any, key: Any, default: Any) -> Any:
    try:
        return x[key]
    except (KeyError, IndexError):
        return default


def _pluck_culprit(part: list, keys: list) -> None:
    for x in part:
        for k in keys:
            try:
                x[k]
            except (KeyError, IndexError) as exc:
                raise BagError(f"pluck({k!r}): element {_short(x)} has no {k!r} "
                               f"({type(exc).__name__}); pass a default to pluck to fill it") from None
            except TypeError:
                raise BagError(f"pluck({k!r}): element {_short(x)} is a {type(x).__name__}, which cannot be "
                               f"indexed by {k!r}") from None


def _short(x: Any, width: int = 80) -> str:
    text = repr(x)
    return text if len(text) <= width else text[: width - 3] + "..."


@gc_paused
def _flatten_partition(part: list) -> list:
    try:
        return [y for x in part for y in x]
    except TypeError:
        for x in part:
            if not isinstance(x, Iterable):
                raise BagError(f"flatten: element {_short(x)} is a {type(x).__name__}, not an iterable") from None
        raise


@gc_paused
def _product_partition(a: list, b: list) -> list:
    return [(x, y) for x in a for y in b]


def _concat_partitions(parts: list) -> list:
    return parts[0] if len(parts) == 1 else [x for p in parts for x in p]


def _piece_of(part: list, p: int, pieces: int) -> list:
    n = len(part)
    return part[round(p * n / pieces):round((p + 1) * n / pieces)]


def _take_first(parts: list, k: int) -> list:
    out: list = []
    for p in parts:
        if len(out) >= k:
            break
        out.extend(p[: k - len(out)])
    return out


@gc_paused
def _zip_partition(parts: list, number: int) -> list:
    lengths = [len(p) for p in parts]
    if len(set(lengths)) > 1:
        raise BagError(f"zip: partition {number} has {lengths} elements in the bags zipped; zip needs partitions "
                       "of equal length (nothing is cut short silently)")
    return list(zip(*parts))


# -- conversions ---------------------------------------------------------------------------------

def _delayed_over(obj: Lazy, optimize_graph: bool) -> list:
    from frames.delayed import delayed_partitions

    return delayed_partitions(obj, optimize_graph)


# -- the .str namespace ------------------------------------------------------------------------------

class StringAccessor:
    """``bag.str.method(...)``: the ``str`` method of that name on every element
    (``bag.str.lower()``, ``bag.str.split(",")``), and ``match(pattern)``: the elements matching a
    shell-style wildcard pattern (``fnmatch``), as dask.bag's ``.str``."""

    def __init__(self, bag: Bag):
        self._bag = bag

    def __dir__(self):
        return sorted(set(dir(str)) | {"match"})

    def __getattr__(self, name: str) -> Callable[..., Bag]:
        if name.startswith("_") or not callable(getattr(str, name, None)):
            raise AttributeError(f"str has no method {name!r}")

        def method(*args: Any, **kwargs: Any) -> Bag:
            return _partitionwise(_str_method, self._bag, name, args, kwargs, label=f"str-{name}")

        method.__name__ = name
        return method

    def match(self, pattern: str) -> Bag:
        """The elements matching ``pattern`` (``*``, ``?``, ``[...]`` as in ``fnmatch``)."""
        if not isinstance(pattern, str):
            raise BagError(f"str.match needs a string pattern, not {type(pattern).__name__}")
        return _partitionwise(_str_match, self._bag, pattern, label="str-match")


def _str_method(part: list, name: str, args: tuple, kwargs: dict) -> list:
    method = getattr(str, name)
    try:
        return [method(x, *args, **kwargs) for x in part]
    except TypeError:
        for x in part:
            if not isinstance(x, str):
                raise BagError(f"str.{name}: element {_short(x)} is a {type(x).__name__}, not a string") from None
        raise


def _str_match(part: list, pattern: str) -> list:
    import fnmatch
    import re

    regex = re.compile(fnmatch.translate(pattern))
    for x in part:
        if not isinstance(x, str):
            raise BagError(f"str.match: element {_short(x)} is a {type(x).__name__}, not a string")
    return [x for x in part if regex.match(x)]


__all__ = ["Bag", "Item", "concat", "from_delayed", "from_sequence", "map_elements", "map_partitions", "range_", "zip_"]

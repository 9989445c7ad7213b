"""The protocol every lazy collection follows, and the one path by which collections are computed.

A collection (DataFrame, Series, Scalar, Array, Bag, Delayed) describes a result without computing
it. Each one answers four questions, as Dask's ``__dask_graph__`` / ``__dask_keys__`` /
``__dask_postcompute__`` / ``__dask_postpersist__`` do:

- ``_build_graph() -> (graph, keys)``: a task graph (``dict`` of key to ``exec.Task`` or value) and
  the output keys whose results make the collection's value;
- ``_finalize(results) -> value``: the user-facing value from those keys' results, in order;
- ``_rebuild(results) -> collection``: the same collection over results already computed
  (``persist``);
- ``_graph_group``: a function ``(objects) -> (graph, [keys, ...])`` that builds the graphs of
  several collections of one kind *together*. DataFrames use it to optimize their expression trees
  as one, so a scan two of them read is pruned for the union of their columns and read once; the
  default merges each object's own graph.

``compute``, ``persist``, ``visualize`` and every method that materializes a collection (``to_arrow``,
``head``, the writers) go through ``run``: the one place where a graph is culled to the keys asked
for, linear chains are fused and the scheduler is called.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, Sequence

import exec as _exec

_deferred = threading.local()  # callbacks for this thread's next ``run`` (``defer_callback``)


def defer_callback(callback: Any) -> None:
    """Have this thread's next ``run`` call ``callback`` too: a collection whose graph was just
    built hands over what should watch it (a SQL frame's query-log tracker)."""
    pending = getattr(_deferred, "callbacks", None)
    if pending is None:
        pending = _deferred.callbacks = []
    pending.append(callback)


def discard_deferred() -> None:
    """Drop what graphs just built handed to a ``run`` that will not come (the graph is only drawn,
    or submitted to a Client's workers): a query-log record opened for it is dropped."""
    for cb in _take_deferred():
        getattr(cb, "abandon", lambda: None)()


def _take_deferred() -> list:
    pending = getattr(_deferred, "callbacks", None)
    if not pending:
        return []
    _deferred.callbacks = []
    return pending


def merge_graphs(objs: Sequence["Lazy"]) -> tuple[dict, list[list[Hashable]]]:
    """The default ``_graph_group``: each object's own graph, merged (equal keys are equal tasks)."""
    graph: dict = {}
    key_lists = []
    for obj in objs:
        g, keys = obj._build_graph()
        graph.update(g)
        key_lists.append(list(keys))
    return graph, key_lists


class Lazy:
    """Base of lazy collections: ``compute``, ``persist`` and ``visualize`` for one object, over
    the module functions of the same names. Subclasses implement ``_build_graph`` and ``_finalize``
    (and ``_rebuild`` to support ``persist``)."""

    _graph_group: Callable[[Sequence["Lazy"]], tuple[dict, list[list[Hashable]]]] = staticmethod(merge_graphs)
    _default_scheduler: str | None = None  # the scheduler that suits this kind's tasks (None: the configured one)

    def _build_graph(self) -> tuple[dict, list[Hashable]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _finalize(self, results: Sequence[Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _rebuild(self, results: Sequence[Any]) -> "Lazy":
        raise NotImplementedError(f"{type(self).__name__} cannot be persisted")

    def compute(self, scheduler: str | None = None, **kwargs: Any) -> Any:
        """Run the graph on ``scheduler`` (default: the configured one) and return the result."""
        (value,) = compute(self, scheduler=scheduler, **kwargs)
        return value

    def persist(self, scheduler: str | None = None, **kwargs: Any) -> "Lazy":
        """Compute now and return the same collection over the results, kept in memory."""
        (value,) = persist(self, scheduler=scheduler, **kwargs)
        return value

    def visualize(self, filename: str | None = None, **kwargs: Any) -> str:
        """Render the optimized task graph (Graphviz DOT text; an image when Graphviz is installed)."""
        return visualize(self, filename=filename, **kwargs)


class Layered(Lazy):
    """A collection that holds only its own tasks (``layer``: key -> task) and the collections it
    reads (``deps``), as Dask's HighLevelGraph layers: building an expression of n operations costs
    O(n), and the whole graph is collected once, iteratively, by ``layered_graph`` (Array, Bag)."""

    layer: dict
    deps: tuple


class Remote(Lazy):
    """A value a scheduler already holds (a Client's ``Future``): its graph is ``{key: itself}``.
    A scheduler that knows it (``takes_futures``) hands its value to the tasks that read it on its
    workers; for any other ``run`` fetches the value first."""

    __slots__ = ()

    def _value(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _fetch_remote(graph: dict) -> dict:
    if not any(isinstance(v, Remote) for v in graph.values()):
        return graph
    return {k: v._value() if isinstance(v, Remote) else v for k, v in graph.items()}


def layered_graph(root: Lazy) -> dict:
    """Every task ``root`` needs: the layers of the layered collections it was made from, walked
    without recursion (long chains are fine), and the graphs of other collections it reads."""
    graph: dict = {}
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Layered):
            graph.update(obj.layer)
            stack.extend(obj.deps)
        else:
            g, _ = obj._build_graph()
            graph.update(g)
    return graph


def run(graph: dict, keys: list[Hashable], scheduler: str | None = None, optimize_graph: bool = True,
        **kwargs: Any) -> list:
    """The results of ``keys`` in ``graph``: culled to what they need, linear chains fused, run on
    ``scheduler``. Every way of computing a collection ends here."""
    deferred = _take_deferred()
    if deferred:
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + deferred
    if not keys:
        for cb in deferred:  # nothing runs: still close what watches it
            getattr(cb, "finish", lambda g, e: None)({}, False)
        return []
    if optimize_graph:
        graph = _exec.fuse(_exec.cull(graph, keys), keys)
    scheduler = _exec.get_scheduler(scheduler)
    if not getattr(scheduler, "takes_futures", False):
        graph = _fetch_remote(graph)
    return list(_exec.get(graph, keys, scheduler=scheduler, **kwargs))


def collections_graph(objs: Sequence[Lazy], optimize_graph: bool = True) -> tuple[dict, list[list[Hashable]]]:
    """One graph for several collections and each one's output keys. Objects that share a
    ``_graph_group`` are built together (DataFrames optimized as one tree), so shared work has one
    set of keys and runs once."""
    _take_deferred()  # left by a graph built but never run (visualize)
    groups: dict[Any, list[int]] = {}
    for i, obj in enumerate(objs):
        group = obj._graph_group if optimize_graph else merge_graphs
        groups.setdefault(group, []).append(i)
    graph: dict = {}
    key_lists: list[list[Hashable]] = [[] for _ in objs]
    for group, members in groups.items():
        g, keys = group([objs[i] for i in members])
        graph.update(g)
        for i, k in zip(members, keys):
            key_lists[i] = list(k)
    return graph, key_lists


def _collect(obj: Any, found: list[Lazy], traverse: bool) -> Any:
    """``obj`` with every collection in it (inside lists, tuples, sets and dicts when ``traverse``)
    replaced by its position in ``found``: a template ``_fill`` turns back into values."""
    if isinstance(obj, Lazy):
        found.append(obj)
        return _Slot(len(found) - 1)
    if traverse:
        t = type(obj)
        if t in (list, tuple, set, frozenset):
            return t(_collect(x, found, traverse) for x in obj)
        if t is dict:
            return {k: _collect(v, found, traverse) for k, v in obj.items()}
    return obj


class _Slot:
    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i


def _fill(template: Any, values: list) -> Any:
    if isinstance(template, _Slot):
        return values[template.i]
    t = type(template)
    if t in (list, tuple, set, frozenset):
        return t(_fill(x, values) for x in template)
    if t is dict:
        return {k: _fill(v, values) for k, v in template.items()}
    return template


def choose_scheduler(objs: Sequence[Lazy], scheduler: Any = None) -> Any:
    """``scheduler`` when given; else the configured one when a caller set it
    (``exec.config.set(scheduler=...)``); else the one the collections prefer when they all agree
    (bags: processes, for GIL-bound Python code); else None, the configured default."""
    if scheduler is not None or _exec.config.chosen("scheduler"):
        return scheduler
    preferred = {obj._default_scheduler for obj in objs}
    return preferred.pop() if len(preferred) == 1 else None


def _run_collections(objs: Sequence[Lazy], scheduler: str | None, optimize_graph: bool,
                     **kwargs: Any) -> list[list]:
    scheduler = choose_scheduler(objs, scheduler)
    graph, key_lists = collections_graph(objs, optimize_graph)
    all_keys = list(dict.fromkeys(k for keys in key_lists for k in keys))
    results = dict(zip(all_keys, run(graph, all_keys, scheduler=scheduler, optimize_graph=optimize_graph, **kwargs)))
    return [[results[k] for k in keys] for keys in key_lists]


def compute(*args: Any, scheduler: str | None = None, optimize_graph: bool = True, traverse: bool = True,
            **kwargs: Any) -> tuple:
    """Compute several lazy objects in one pass over one merged graph, as ``dask.compute`` does:
    collections of one kind are optimized together, so work they share (a scan, a CTE) runs once.

    Collections inside lists, tuples, sets and dicts are computed too (``traverse=False`` leaves
    them alone); anything else is passed through unchanged.
    """
    found: list[Lazy] = []
    templates = [_collect(a, found, traverse) for a in args]
    per_object = _run_collections(found, scheduler, optimize_graph, **kwargs)
    values = [obj._finalize(results) for obj, results in zip(found, per_object)]
    return tuple(_fill(t, values) for t in templates)


def persist(*args: Any, scheduler: str | None = None, optimize_graph: bool = True, traverse: bool = True,
            **kwargs: Any) -> tuple:
    """Compute several collections in one pass and return each as a collection over its results,
    held in memory (``dask.persist``)."""
    found: list[Lazy] = []
    templates = [_collect(a, found, traverse) for a in args]
    per_object = _run_collections(found, scheduler, optimize_graph, **kwargs)
    values = [obj._rebuild(results) for obj, results in zip(found, per_object)]
    return tuple(_fill(t, values) for t in templates)


def visualize(*args: Any, filename: str | None = None, optimize_graph: bool = True, **kwargs: Any) -> str:
    """Render the graph that ``compute(*args)`` would run (DOT text; an image file when Graphviz
    is installed and ``filename`` has an image extension)."""
    found: list[Lazy] = []
    for a in args:
        _collect(a, found, True)
    graph, key_lists = collections_graph(found, optimize_graph)
    discard_deferred()  # drawn, not run
    keys = list(dict.fromkeys(k for ks in key_lists for k in ks))
    if optimize_graph and keys:
        graph = _exec.fuse(_exec.cull(graph, keys), keys)
    return _exec.visualize(graph, keys, filename=filename, **kwargs)


__all__ = ["Lazy", "Layered", "Remote", "layered_graph", "compute", "persist", "visualize", "run", "collections_graph", "merge_graphs", "choose_scheduler"]

"""The protocol every lazy collection follows, and the functions that compute several at once.

A collection (DataFrame, Series, Array, Bag, Delayed) describes a result without computing it. Each
one can produce a task graph for itself (``_build_graph``) and turn the computed values of its output
keys into the user-facing value (``_finalize``). ``compute(*objs)`` merges the graphs so shared work
(a common scan, say) runs once.
"""

from __future__ import annotations

from typing import Any, Hashable, Sequence

import exec as _exec


class Lazy:
    """Mixin for lazy collections.

    Subclasses implement:

    - ``_build_graph() -> (graph, keys)``: a task graph (``dict`` of key to ``exec.Task`` or value)
      and the output keys (a list, possibly empty) whose results ``_finalize`` receives;
    - ``_finalize(results: list) -> Any``: the computed value from those keys' results, in order.
    """

    def _build_graph(self) -> tuple[dict, list[Hashable]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _finalize(self, results: Sequence[Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute(self, scheduler: str | None = None, **kwargs: Any) -> Any:
        """Run the graph on ``scheduler`` (default: the configured one) and return the result."""
        (value,) = compute(self, scheduler=scheduler, **kwargs)
        return value

    def visualize(self, filename: str | None = None, **kwargs: Any) -> str:
        """Render the optimized task graph (Graphviz DOT text; an image when Graphviz is installed)."""
        graph, keys = self._build_graph()
        return _exec.visualize(graph, keys, filename=filename, **kwargs)


def compute(*objs: Any, scheduler: str | None = None, optimize_graph: bool = True, **kwargs: Any) -> tuple:
    """Compute several lazy objects in one pass over one merged graph.

    Non-lazy arguments are passed through unchanged, as ``dask.compute`` does.
    """
    graph: dict = {}
    key_lists: list[list[Hashable] | None] = []
    for obj in objs:
        if isinstance(obj, Lazy):
            g, keys = obj._build_graph()
            graph.update(g)
            key_lists.append(list(keys))
        else:
            key_lists.append(None)
    all_keys = [k for keys in key_lists if keys for k in keys]
    if optimize_graph and all_keys:
        graph = _exec.fuse(_exec.cull(graph, all_keys), all_keys)
    results = _exec.get(graph, all_keys, scheduler=scheduler, **kwargs) if all_keys else []
    out, pos = [], 0
    for obj, keys in zip(objs, key_lists):
        if keys is None:
            out.append(obj)
            continue
        out.append(obj._finalize(results[pos : pos + len(keys)]))
        pos += len(keys)
    return tuple(out)

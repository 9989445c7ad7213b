"""Graph shapes several nodes share: a tree reduction (and one of whole partitions) and an all-to-all exchange."""

from __future__ import annotations

from typing import Any, Callable, Hashable

from exec import Ref, Task

SPLIT_EVERY = 8


def tree_reduce(graph: dict, level: list[Hashable], name: str, func: Callable, *args: Any,
                split_every: int = SPLIT_EVERY) -> Hashable:
    """Merge ``level`` keys ``split_every`` at a time with ``func(list_of_results, *args)`` until
    one remains; returns its key. A single input still goes through ``func`` once."""
    depth = 0
    while True:
        nxt = []
        for j in range(0, len(level), split_every):
            key = (name, depth, j // split_every)
            graph[key] = Task(func, [Ref(k) for k in level[j : j + split_every]], *args)
            nxt.append(key)
        level, depth = nxt, depth + 1
        if len(level) == 1:
            return level[0]


def reduce_partitions(graph: dict, name: str, inputs: list[Hashable], chunk: Callable, chunk_args: tuple,
                      combine: Callable, combine_args: tuple, finish: Callable, finish_args: tuple) -> Hashable:
    """``chunk(partition, *chunk_args)`` of every input, merged by ``combine(list, *combine_args)``
    in a tree, the last merge's result through ``finish(result, *finish_args)``: key ``(name, 0)``."""
    level = []
    for i, k in enumerate(inputs):
        key = (name + "-chunk", i)
        graph[key] = Task(chunk, Ref(k), *chunk_args)
        level.append(key)
    top = tree_reduce(graph, level, name + "-combine", combine, *combine_args)
    graph[(name, 0)] = Task(finish, Ref(top), *finish_args)
    return (name, 0)


def _piece(pieces: list, j: int) -> Any:
    return pieces[j]


def exchange(graph: dict, name: str, splits: list[Hashable], n: int, gather: Callable, *args: Any) -> list[Hashable]:
    """Output ``j`` of ``n`` gathers piece ``j`` of every split (each split's result is a list of
    ``n`` tables) with ``gather(pieces, *args)``. Returns the output keys ``(name, j)``."""
    out = []
    for j in range(n):
        pieces = []
        for i, s in enumerate(splits):
            pk = (name + "-piece", i, j)
            graph[pk] = Task(_piece, Ref(s), j)
            pieces.append(Ref(pk))
        key = (name, j)
        graph[key] = Task(gather, pieces, *args)
        out.append(key)
    return out

"""The order ready tasks run in, chosen to keep memory low (``dask.order`` is the model).

``priorities(graph, keys)`` numbers every task by a depth-first walk from the requested keys that
finishes one branch before starting the next: a task's number comes right after those of its
inputs, so the scheduler (lowest number first among the ready tasks) runs a consumer as soon as its
inputs exist and frees them, instead of producing every partition first. Of a task's inputs the
lighter branch (fewer tasks under it) goes first, so a join's small side is built and the big side
streams into it; otherwise partitions go in their natural order (``("scan", 2)`` before ``("scan", 10)``).
The walk is iterative: a deep graph cannot raise ``RecursionError``.
"""

from __future__ import annotations

from typing import Hashable, Iterable, Mapping

from exec.graph import Task

Key = Hashable
_EAGER_USERS = 4  # see ``_postorder``'s ``eager``
_CAP = 1 << 40  # weights add up along shared branches: cap them, they only rank siblings


def _natural(key: Key) -> tuple:
    """A sort key for graph keys of mixed types: numbers by value, the rest as text."""
    parts = key if type(key) is tuple else (key,)
    return tuple((0, p, "") if isinstance(p, (int, float)) and not isinstance(p, bool) else (1, 0, str(p)) for p in parts)


def _postorder(graph: Mapping, starts: Iterable[Key], visit_order, eager: bool = False) -> list[Key]:
    """Tasks of ``graph`` in depth-first post-order from ``starts``; ``visit_order(deps)`` sorts
    a task's task dependencies. ``eager``: a task comes right after the last of its inputs when
    nothing else is missing, before the walk goes on: a partition read for two consumers (a scan
    shared by a join and an aggregation, TPC-H q17's lineitem) is taken by the one that can run now
    instead of waiting, held, for the branch that reaches the other consumer after all partitions.
    A task many wait on releases only those of its users that also read another input (a probe
    whose partition is already read, when the broadcast side it needs comes last): a runtime
    filter's keys gating every scan of a table would otherwise release all the scans at once,
    before any consumer (TPC-H q5 at SF10: 2.3 GB spilled)."""
    seen: set = set()
    out: list[Key] = []
    waiting: dict[Key, int] = {}  # per task, how many of its inputs are not yet in ``out``
    inputs: dict[Key, int] = {}
    users: dict[Key, list[Key]] = {}
    if eager:
        for key, task in graph.items():
            if type(task) is Task:
                deps = [d for d in task.dependencies if type(graph.get(d)) is Task]
                waiting[key] = inputs[key] = len(deps)
                for d in deps:
                    users.setdefault(d, []).append(key)
    for start in starts:
        if start in seen or type(graph.get(start)) is not Task:
            continue
        seen.add(start)
        stack = [(start, iter(visit_order(graph[start].dependencies)))]
        while stack:
            key, deps = stack[-1]
            for d in deps:
                if d not in seen and type(graph.get(d)) is Task:
                    seen.add(d)
                    stack.append((d, iter(visit_order(graph[d].dependencies))))
                    break
            else:
                stack.pop()
                out.append(key)
                mine = users.get(key, ())
                for user in mine:
                    waiting[user] -= 1
                    if not waiting[user] and user not in seen and (len(mine) <= _EAGER_USERS or inputs[user] > 1):
                        seen.add(user)
                        stack.append((user, iter(())))
    return out


def priorities(graph: Mapping, keys: Iterable[Key]) -> dict[Key, int]:
    """Per task of ``graph``, its place in the run order (0 first); see the module docstring."""
    starts = [*keys, *graph]  # tasks nothing requested still run (after the requested ones' branches)
    natural = {}

    def by_key(deps) -> list:
        return sorted(deps, key=lambda d: natural.setdefault(d, _natural(d)))

    weight: dict[Key, int] = {}
    for key in _postorder(graph, starts, by_key):
        weight[key] = min(_CAP, 1 + sum(weight.get(d, 0) for d in graph[key].dependencies))

    def lightest_first(deps) -> list:
        return sorted(deps, key=lambda d: (weight.get(d, 0), natural.setdefault(d, _natural(d))))

    return {key: i for i, key in enumerate(_postorder(graph, starts, lightest_first, eager=True))}

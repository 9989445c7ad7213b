"""SQL results in the query log, and the measured plan behind ``EXPLAIN ANALYZE``.

A frame made by a SQL query carries its text (``_query_text``, set by ``sqlengine``). When such a
frame's graph is built, its optimized expression tree (the one lowered: optimizing again would make
new nodes with new task names) opens a record in ``exec.diagnostics.QUERY_LOG`` and the record's
tracker is handed to the run that follows (``frames.base.defer_callback``), which finishes it.
"""

from __future__ import annotations

from typing import Any, Sequence

from exec.diagnostics.queries import QUERY_LOG, QueryRecord, QueryTracker
from frames.base import defer_callback, run
from frames.dataframe.expr.node import Node, build_graph


def plan_tree(node: Node) -> dict:
    """The expression tree as the query log's plain dicts; a node's ``key`` is the name its tasks
    carry. A subtree used twice (a CTE) appears twice with the same id, sharing its counters."""
    return {"id": node.token, "name": node.label, "detail": _detail(node), "key": node.name,
            "children": [plan_tree(child) for child in node.inputs()]}


def _detail(node: Node) -> str:
    """The node's one-line description. Expressions render recursively, so one nested deeper than
    the interpreter's stack allows (SQL such as ``abs(abs(... x))`` 190 deep, which the engine
    answers) is shown by its label: the log must never be why a query fails."""
    try:
        return node.describe()
    except RecursionError:
        return f"{node.label} (expression too deeply nested to show)"


def track(frames: Sequence[Any], nodes: Sequence[Node]) -> None:
    """Open a record for each SQL frame among ``frames`` (lowered as ``nodes``) and hand its
    tracker to this thread's next run."""
    for frame, node in zip(frames, nodes):
        text = getattr(frame, "_query_text", None)
        if text is not None:
            record = QUERY_LOG.start(text, plan_tree(node))
            defer_callback(QueryTracker(record, finish_record=True))


def analyze(node: Node, text: str, scheduler: Any = None) -> tuple[QueryRecord, list]:
    """Run ``node`` with every operator measured: the graph is not fused, so each operator's
    tasks (and their result tables) are its own. Returns the finished record and the results."""
    graph, keys = build_graph(node)
    record = QUERY_LOG.start(text, plan_tree(node))
    try:
        results = run(graph, keys, scheduler=scheduler, optimize_graph=False, callbacks=[record.tracker()])
    except BaseException as exc:
        QUERY_LOG.finish(record, exc)
        raise
    QUERY_LOG.finish(record)
    return record, results

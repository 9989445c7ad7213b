"""The Queries panel's data: every SQL query the process runs, from ``exec.diagnostics.queries``'s
process-wide ``QUERY_LOG`` (text, optimized plan as a tree of ``{"id", "name", "detail",
"children"}`` and per operator rows, seconds, peak bytes, spilled bytes, tasks done of total),
kept for finished queries too (the newest ``keep``)."""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

COUNTERS = ("rows", "seconds", "peak_bytes", "spilled_bytes", "tasks_done", "tasks_total")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class QueryFeed:
    """Subscribes to the query log and turns its records into JSON for the page."""

    def __init__(self, keep: int = 50):
        self._records: collections.OrderedDict = collections.OrderedDict()  # id(record) -> record
        self._lock = threading.Lock()
        self.keep = keep
        self.log = None
        try:
            from exec.diagnostics.queries import QUERY_LOG
        except ImportError:  # a build without the query log: the panel says so
            return
        self.log = QUERY_LOG
        for record in list(_get(QUERY_LOG, "records", None) or ()):  # what ran before the dashboard started
            self._seen(record)
        QUERY_LOG.subscribe(self._seen)

    def _seen(self, record: Any, *_: Any) -> None:
        with self._lock:
            self._records[id(record)] = record
            self._records.move_to_end(id(record))
            while len(self._records) > self.keep:
                self._records.popitem(last=False)

    def close(self) -> None:
        unsubscribe = getattr(self.log, "unsubscribe", None)
        if unsubscribe is not None:
            try:
                unsubscribe(self._seen)
            except Exception:
                pass

    def view(self) -> dict:
        with self._lock:
            records = list(self._records.values())
        return {"available": self.log is not None, "queries": [query_json(r) for r in reversed(records)]}


def query_json(record: Any) -> dict:
    """One query: text, status, seconds so far, and the plan with each operator's counters."""
    counters = _get(record, "operators", None) or _get(record, "counters", None) or {}
    started = _get(record, "started", None) or _get(record, "start", None)
    ended = _get(record, "ended", None) or _get(record, "end", None)
    seconds = _get(record, "seconds", None) or _get(record, "elapsed", None)
    if seconds is None and isinstance(started, (int, float)):
        seconds = (ended if isinstance(ended, (int, float)) else time.time()) - started
    status = _get(record, "status", None) or ("finished" if ended else "running")
    error = _get(record, "error", None)
    return {"id": str(_get(record, "id", id(record))), "text": str(_get(record, "text", "")), "status": str(status),
            "error": None if error is None else str(error), "seconds": seconds,
            "plan": _node_json(_get(record, "plan_tree", None), counters)}


def _node_json(node: Any, counters: Any) -> dict | None:
    if node is None:
        return None
    own = _get(counters, _get(node, "id"), None) if counters else None
    out = {"id": str(_get(node, "id", "")), "name": str(_get(node, "name", "")), "detail": str(_get(node, "detail", "") or "")}
    for c in COUNTERS:
        value = _get(own, c, None) if own is not None else None
        out[c] = _get(node, c, None) if value is None else value
    out["children"] = [_node_json(child, counters) for child in (_get(node, "children", None) or [])]
    return out

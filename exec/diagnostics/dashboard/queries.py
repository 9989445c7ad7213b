"""The Queries panel's data: every SQL query the process runs, from ``exec.diagnostics.queries``'s
process-wide ``QUERY_LOG``: text, state, optimized plan as a tree, and per operator rows, seconds,
peak bytes, spilled bytes, tasks done of total (or, for an operator run inside another's fused
tasks, ``fused_into`` that one's ``number``), live while it runs (the log updates a record's
counters as its tasks finish) and kept once it has finished (the newest ``keep``)."""

from __future__ import annotations

import collections
import threading
from typing import Any

COUNTERS = ("rows", "seconds", "peak_bytes", "spilled_bytes", "tasks_done", "tasks_total", "number", "fused_into")
_STATUS = {"done": "finished"}  # the log's state -> the page's word


class QueryFeed:
    """Keeps the log's records (also those the log's own bounded history lets go) for the page."""

    def __init__(self, keep: int = 50):
        from exec.diagnostics.queries import QUERY_LOG

        self._records: collections.OrderedDict = collections.OrderedDict()  # record id -> record
        self._lock = threading.Lock()
        self.keep = keep
        for record in QUERY_LOG.records():  # what ran before the dashboard started
            self._seen("start", record)
        self._unsubscribe = QUERY_LOG.subscribe(self._seen)

    def _seen(self, event: str, record: Any) -> None:
        """A subscriber: called in the computing thread, so it only files the record."""
        with self._lock:
            if record.id not in self._records:
                self._records[record.id] = record
                while len(self._records) > self.keep:
                    self._records.popitem(last=False)

    def close(self) -> None:
        self._unsubscribe()

    def view(self) -> dict:
        with self._lock:
            records = list(self._records.values())
        return {"available": True, "queries": [query_json(r.snapshot()) for r in reversed(records)]}


def query_json(snapshot: dict) -> dict:
    """A record's ``snapshot()`` for the page: text, status, seconds, error and the plan with each
    operator's counters beside its name."""
    state = snapshot.get("state", "running")
    return {"id": str(snapshot.get("id", "")), "text": snapshot.get("text", ""), "status": _STATUS.get(state, state),
            "error": snapshot.get("error"), "seconds": snapshot.get("seconds"),
            "plan": _node_json(snapshot.get("plan"))}


def _node_json(node: dict | None) -> dict | None:
    if node is None:
        return None
    stats = node.get("stats") or {}
    out = {"id": str(node.get("id", "")), "name": node.get("name", ""), "detail": node.get("detail", "") or ""}
    for c in COUNTERS:
        out[c] = stats.get(c)
    out["children"] = [_node_json(child) for child in node.get("children", ())]
    return out

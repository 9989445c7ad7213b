"""A process-wide log of queries and what each operator of their plans did, updated as tasks finish.

The exec layer knows plans only as trees of plain dicts: ``{"id": int, "name": str, "detail": str,
"key": str, "children": [...]}``. ``key`` is the prefix of the task keys the operator lowers to
(``frames`` names an expression node's tasks ``(f"{label}-{token}", i)``, and its internal steps
``(f"{label}-{token}-chunk", i)`` and the like); a tree node without ``key`` gets no tasks.

``QUERY_LOG.start(text, plan_tree)`` opens a ``QueryRecord``; ``record.tracker()`` is a scheduler
callback (``exec.callbacks``) that maps every task of the graph it sees to its operator and adds
each finished task's time, and its result's rows and bytes, to that operator's counters:
``record.operators[id]`` (``rows``, ``seconds``, ``peak_bytes``, ``output_bytes``,
``spilled_bytes``, ``tasks_done``, ``tasks_total``). The results are measured in the parent from
the result table (``num_rows``, ``nbytes``; a process worker's result left in shared memory carries
both in its ``Stored`` handle), so the counters are the same on every local scheduler. ``finish``
closes the record and moves it to a bounded history.

Subscribers (``QUERY_LOG.subscribe(callback)``) are called with ``(event, record)``, ``event`` one
of ``"start"``, ``"update"`` and ``"finish"``; updates are sent at most every ``UPDATE_INTERVAL``
seconds per query, so a subscriber costs little however many tasks run. Callbacks run in the thread
that computes and must be quick (a dashboard copies ``record.snapshot()`` and returns).

A fused chain of tasks (``exec.graph.fuse``) runs as one task: each member's operator counts it as
done, rows go to the operator whose output it returns, and its time to that operator too; an
operator none of whose output tasks ran on their own is marked ``fused_into`` (the ``number`` of
the operator that returned it). ``EXPLAIN ANALYZE`` runs its graph unfused so that every operator is
timed on its own. ``spilled_bytes``: what the operator's tasks wrote to disk
(``exec.memory.spilled_by_operator``, by task name, over the run; on a cluster, from each task's
report; from a process worker, in the done message of each job: ``exec._worker.SpillReport``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Hashable, Iterator

from exec.callbacks import Callback
from exec.memory import spilled_by_operator

UPDATE_INTERVAL = 0.1  # seconds between "update" events of one query
HISTORY = 100  # finished queries kept


@dataclass
class OperatorStats:
    """What one operator did so far. ``peak_bytes``: the largest result one of its tasks returned
    (what it held at once per partition); ``output_bytes``: all its output partitions together."""

    id: int
    name: str
    detail: str = ""
    rows: int = 0
    seconds: float = 0.0
    peak_bytes: int = 0
    output_bytes: int = 0
    spilled_bytes: int = 0
    tasks_done: int = 0
    tasks_total: int = 0
    number: int = 0  # its place in the plan (1 for the root, parents before children), as views show it
    fused_into: int | None = None  # the number of the operator whose fused tasks ran this one's

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class QueryRecord:
    """One query: its text, plan tree, state (``"running"``, ``"done"``, ``"error"``) and counters."""

    id: int
    text: str
    plan_tree: dict
    started: float = field(default_factory=time.time)  # wall clock (time.time)
    ended: float | None = None
    state: str = "running"
    error: str | None = None
    operators: dict[int, OperatorStats] = field(default_factory=dict)
    peak_bytes: int = 0  # the most result bytes a local scheduler held at once for it
    spilled_bytes: int = 0  # bytes of results the scheduler spilled to disk
    _log: "QueryLog | None" = field(default=None, repr=False, compare=False)
    _last_update: float = field(default=0.0, repr=False, compare=False)

    def __post_init__(self) -> None:
        for node in walk(self.plan_tree):
            if node["id"] not in self.operators:  # a subtree used twice keeps its first number
                self.operators[node["id"]] = OperatorStats(node["id"], node.get("name", ""), node.get("detail", ""),
                                                           number=len(self.operators) + 1)

    @property
    def seconds(self) -> float:
        """Wall time from start to finish (to now while running)."""
        return (self.ended if self.ended is not None else time.time()) - self.started

    def tracker(self) -> "QueryTracker":
        """A scheduler callback feeding this record (pass it in ``callbacks=`` or use ``with``)."""
        return QueryTracker(self)

    def snapshot(self) -> dict:
        """A JSON-ready copy: id, text, state, error, started, seconds, plan (the tree with each
        node's counters under ``"stats"``)."""
        def node(n: dict) -> dict:
            stats = self.operators[n["id"]].as_dict()
            return {"id": n["id"], "name": n.get("name", ""), "detail": n.get("detail", ""), "stats": stats,
                    "children": [node(c) for c in n.get("children", ())]}

        log = self._log
        with log._lock if log is not None else _nolock:
            return {"id": self.id, "text": self.text, "state": self.state, "error": self.error,
                    "started": self.started, "seconds": self.seconds, "peak_bytes": self.peak_bytes,
                    "spilled_bytes": self.spilled_bytes, "plan": node(self.plan_tree)}


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


_nolock = _NoLock()


def walk(tree: dict) -> Iterator[dict]:
    """The nodes of a plan tree, parents before children (without recursion)."""
    stack = [tree]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.get("children", ())))


class QueryLog:
    """Queries running now and the last ``history`` finished ones, with subscribers told of changes."""

    def __init__(self, history: int = HISTORY):
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.running: dict[int, QueryRecord] = {}
        self.finished: deque[QueryRecord] = deque(maxlen=history)
        self._subscribers: list[Callable[[str, QueryRecord], Any]] = []

    def start(self, text: str, plan_tree: dict) -> QueryRecord:
        with self._lock:
            record = QueryRecord(next(self._ids), text, plan_tree, _log=self)
            self.running[record.id] = record
        self._notify("start", record)
        return record

    def finish(self, record: QueryRecord, error: BaseException | str | None = None) -> None:
        with self._lock:
            if record.ended is not None:
                return
            record.ended = time.time()
            record.state = "done" if error is None else "error"
            record.error = None if error is None else (error if isinstance(error, str) else f"{type(error).__name__}: {error}")
            self.running.pop(record.id, None)
            self.finished.append(record)
        self._notify("finish", record)

    def discard(self, record: QueryRecord) -> None:
        """Forget a query that will not run after all (its graph was only drawn)."""
        with self._lock:
            self.running.pop(record.id, None)
        self._notify("finish", record)

    def records(self) -> list[QueryRecord]:
        """Every known query, oldest first (finished ones, then the running ones)."""
        with self._lock:
            return list(self.finished) + list(self.running.values())

    def get(self, query_id: int) -> QueryRecord | None:
        with self._lock:
            if query_id in self.running:
                return self.running[query_id]
            return next((r for r in self.finished if r.id == query_id), None)

    def clear(self) -> None:
        """Forget the finished queries (running ones stay)."""
        with self._lock:
            self.finished.clear()

    def subscribe(self, callback: Callable[[str, QueryRecord], Any]) -> Callable[[], None]:
        """Call ``callback(event, record)`` on every start, update and finish; returns a function
        that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _updated(self, record: QueryRecord) -> None:
        if not self._subscribers:
            return
        now = time.monotonic()
        if now - record._last_update >= UPDATE_INTERVAL:
            record._last_update = now
            self._notify("update", record)

    def _notify(self, event: str, record: QueryRecord) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for cb in subscribers:
            try:
                cb(event, record)
            except Exception:  # a broken subscriber must not break the query
                pass


QUERY_LOG = QueryLog()


class QueryTracker(Callback):
    """Feeds a ``QueryRecord`` from the tasks of the graphs it is called for (see the module doc).

    It does not finish the record: the caller that started the query does, once every graph the
    query needs has run (``finish_record=True`` makes the first graph's end finish it). On a
    ``distributed`` cluster only ``remote_tasks=True`` trackers see tasks (each task then reports
    itself from its worker, ``exec.distributed``)."""

    def __init__(self, record: QueryRecord, finish_record: bool = False, remote_tasks: bool = True):
        self.record = record
        self.finish_record = finish_record
        self.remote_tasks = remote_tasks  # on a distributed cluster, every task reports itself (one event each)
        self._prefixes = {n["key"]: n["id"] for n in walk(record.plan_tree) if n.get("key")}
        self._op_key = {op: k for k, op in self._prefixes.items()}
        self._by_name: dict[Any, int | None] = {}  # task-name -> operator, as resolved
        self._owner: dict[Hashable, tuple[int, tuple[int, ...], bool]] = {}
        self._spilled_before: dict[str, int] = {}

    def _resolve(self, key: Hashable) -> int | None:
        name = _name(key)
        try:
            return self._by_name[name]
        except KeyError:
            pass
        except TypeError:  # an unhashable name
            return None
        found = None
        if isinstance(name, str):
            prefixes = self._prefixes
            found = prefixes.get(name)
            if found is None:
                parts = name.split("-")
                for j in range(len(parts) - 1, 0, -1):
                    found = prefixes.get("-".join(parts[:j]))
                    if found is not None:
                        break
        self._by_name[name] = found
        return found

    def start(self, graph: dict) -> None:
        from exec.graph import Task, _fused_call

        members: dict[Hashable, list[Hashable]] = {}
        literals = []
        for key, task in graph.items():
            if type(task) is Task:
                members[key] = [k for k, _ in task.args[0].members] if task.func is _fused_call else [key]
            elif isinstance(getattr(task, "num_rows", None), int):
                literals.append(key)  # an in-memory source's partition: output rows without a task
        resolved = {k: self._resolve(k) for ms in members.values() for k in ms}
        _inherit_from_users(graph, members, resolved)
        owner = {}
        ops = self.record.operators
        outputs_own: set[int] = set()  # operators some task of which returns one of their output partitions
        fused: dict[int, int] = {}  # operator -> the operator whose fused task made its output
        with self.record._log._lock if self.record._log else _nolock:
            for key, ms in members.items():
                member_ops = tuple(dict.fromkeys(resolved[k] for k in ms if resolved[k] is not None))
                for op in member_ops:
                    ops[op].tasks_total += 1
                last = resolved[ms[-1]]
                is_output = last is not None and _name(key) == self._op_key[last]
                owner[key] = (last, member_ops, is_output)
                if is_output:
                    outputs_own.add(last)
                for k in ms[:-1]:
                    op = resolved[k]
                    if op is not None and op != last and last is not None and _name(k) == self._op_key[op]:
                        fused.setdefault(op, last)
            for op, into in fused.items():
                if op not in outputs_own:
                    ops[op].fused_into = ops[into].number
            for key in literals:
                op = self._resolve(key)
                if op is not None and _name(key) == self._op_key[op]:
                    _count_output(ops[op], graph[key])
        self._owner = owner
        self._spilled_before = spilled_by_operator()

    def posttask(self, key: Hashable, result: Any, elapsed: float) -> None:
        found = self._owner.get(key)
        if found is None:
            return
        last, member_ops, is_output = found
        ops = self.record.operators
        log = self.record._log
        with log._lock if log else _nolock:
            for op in member_ops:
                ops[op].tasks_done += 1
            if last is not None:
                stats = ops[last]
                stats.seconds += elapsed
                if is_output:
                    _count_output(stats, result)
            for name, nbytes in getattr(result, "spilled", {}).items():  # measured on a cluster's worker
                self._add_spill(name, nbytes, last)
        if log is not None:
            log._updated(self.record)

    def memory(self, peak_bytes: int, spilled_bytes: int) -> None:
        record = self.record
        with record._log._lock if record._log else _nolock:
            record.peak_bytes = max(record.peak_bytes, peak_bytes)
            record.spilled_bytes += spilled_bytes

    def abandon(self) -> None:
        """The graph will not run: drop the record from the log."""
        if self.record._log is not None:
            self.record._log.discard(self.record)

    def _add_spill(self, name: str, nbytes: int, default: int | None = None) -> None:
        op = self._resolve(name)
        if op is None:
            op = default
        if op is not None:
            self.record.operators[op].spilled_bytes += nbytes

    def finish(self, graph: dict, errored: bool) -> None:
        """Operators' spills in this process (``exec.memory.spilled_by_operator``, counted by the
        name of the task that spilled) go to the operators named so; then the record may finish."""
        before, self._spilled_before = self._spilled_before, {}
        after = spilled_by_operator()
        with self.record._log._lock if self.record._log else _nolock:
            for name, nbytes in after.items():
                if nbytes != before.get(name, 0):
                    self._add_spill(name, nbytes - before.get(name, 0))
        self._owner = {}
        if self.finish_record and self.record._log is not None:
            self.record._log.finish(self.record, "the computation failed" if errored else None)


def format_bytes(n: float) -> str:
    """``1.5 MB``-style sizes (powers of 1000, as DuckDB's profiler prints them)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def format_analyzed(record: QueryRecord) -> str:
    """EXPLAIN ANALYZE's text (and any record's): the totals, then the plan tree with one line per
    operator (numbered) and its rows out, time in its tasks, peak bytes of one result, and tasks
    (spilled bytes when any); an operator whose tasks ran fused into another's says so instead."""
    ops = record.operators
    op_spilled = sum(o.spilled_bytes for o in ops.values())
    spilled = record.spilled_bytes > 0 or op_spilled > 0
    rows = []

    def visit(n: dict, depth: int) -> None:
        o = ops[n["id"]]
        label = "  " * depth + f"#{o.number} " + (o.detail or o.name)
        fused = o.fused_into is not None  # its output was made inside that operator's tasks
        cells = [label, f"fused into #{o.fused_into}" if fused else f"{o.rows:,}",
                 "" if fused and not o.seconds else f"{o.seconds:.4f} s",
                 "" if fused and not o.peak_bytes else format_bytes(o.peak_bytes), f"{o.tasks_done}/{o.tasks_total}"]
        if spilled:
            cells.append(format_bytes(o.spilled_bytes))
        rows.append(cells)
        for c in n.get("children", ()):
            visit(c, depth + 1)

    visit(record.plan_tree, 0)
    header = ["operator", "rows", "time", "peak", "tasks"] + (["spilled"] if spilled else [])
    width = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    width[0] = min(width[0], 100)

    def line(cells: list[str]) -> str:
        first = cells[0] if len(cells[0]) <= width[0] else cells[0][: width[0] - 3] + "..."
        return "  ".join([first.ljust(width[0])] + [c.rjust(w) for c, w in zip(cells[1:], width[1:])]).rstrip()

    root = ops[record.plan_tree["id"]]
    task_seconds = sum(o.seconds for o in ops.values())
    total = (f"Total: {record.seconds:.4f} s wall, {task_seconds:.4f} s in tasks, {root.rows:,} rows out, "
             f"peak {format_bytes(record.peak_bytes)} held"
             + (f", {format_bytes(record.spilled_bytes + op_spilled)} spilled" if spilled else ""))
    return "\n".join([total, line(header)] + [line(r) for r in rows])


def _name(key: Hashable) -> Any:
    return key[0] if isinstance(key, tuple) and key else key


def _count_output(stats: OperatorStats, result: Any) -> None:
    rows = getattr(result, "num_rows", None)
    if isinstance(rows, int):
        stats.rows += rows
    nbytes = _nbytes(result)
    stats.output_bytes += nbytes
    if nbytes > stats.peak_bytes:
        stats.peak_bytes = nbytes


def _inherit_from_users(graph: dict, members: dict, resolved: dict) -> None:
    """Tasks no operator is named for (made by a node created while lowering another, such as a
    join's internal shuffle) belong to the operator of their first user that has one."""
    missing = [k for k, op in resolved.items() if op is None]
    if not missing:
        return
    fused_key = {m: key for key, ms in members.items() for m in ms}
    users: dict[Hashable, list[Hashable]] = {}
    for key, task in graph.items():
        if key in members:
            for d in task.dependencies:
                users.setdefault(d, []).append(key)
    for k in missing:
        seen = {k}
        frontier = [fused_key.get(k, k)]
        while frontier and resolved.get(k) is None:
            nxt = []
            for f in frontier:
                for u in users.get(f, ()):
                    op = resolved.get(members[u][0])
                    if op is not None:
                        resolved[k] = op
                        break
                    if u not in seen:
                        seen.add(u)
                        nxt.append(u)
                if resolved.get(k) is not None:
                    break
            frontier = nxt


def _nbytes(value: Any) -> int:
    from exec.store import sizeof

    try:
        return int(sizeof(value))
    except Exception:
        return 0


__all__ = ["QUERY_LOG", "QueryLog", "QueryRecord", "OperatorStats", "QueryTracker", "walk", "format_analyzed",
           "format_bytes", "UPDATE_INTERVAL"]

"""The local backend: a scheduler that runs tasks as they are submitted on a ``LocalCluster``.

Every task has a state (``_State``): its ``exec.Task`` (futures among its arguments became
``Ref``\\ s to their keys), the states it depends on and the states depending on it. A task whose
dependencies are all finished is *ready* (a heap by priority, then submission order); ready tasks go
to the cluster's workers in batches of ``exec.core.run_batch``, the job every local worker runs: one
at a time while tasks are slow or few, many per job when they are cheap (as ``exec.core.get_async``
does), so a tiny task costs a few microseconds.

Where results live. With threads, in this process. With worker processes, a result of
``INLINE_BYTES`` or more stays in the heap of the worker that made it: the process pool's
``submit(..., keep=)`` hands back an ``exec.process_pool.WorkerRef`` (its size only). A dependent
gets the refs as inputs; the pool sends it to the worker holding most of their bytes, which uses
them in place, so a chain of futures never moves its values through the caller; an input held by
another worker is written once to a file in this Client's ``/dev/shm`` directory that the other
worker maps (the pool's sharing). ``result()`` / ``gather()`` ``load()`` values here; smaller
results come back with their job (a round trip would cost more than their bytes) and the outputs a
``compute`` or ``.compute()`` needs here are always sent back. A held result is released (dropped on its worker, its file deleted) once
no Future and no unfinished task needs it; a task keeps its lineage (task and dependencies) while
its value is held only by a worker, so a value lost with its worker is computed again when needed,
as in ``distributed``.

Failures: a task that raises is re-run while it has ``retries`` left, else it and every dependent
fail with its exception (type, notes and the worker's traceback). A worker process that dies fails
only the batch it was running: those tasks run again on a fresh worker, one per batch from then on,
so a task that keeps killing workers is found; after ``ALLOWED_DEATHS`` deaths it fails with
``KilledWorkerError``. The results it held are computed again from their lineage where still needed.
``cancel()`` of a running task kills the worker process running it when that worker runs nothing
else (it is replaced; with threads the task runs on and its result is dropped). Ctrl-C while
waiting cancels what was waited for (killing the worker processes running it; their other tasks
run again) and the Client stays usable.
"""

from __future__ import annotations

import collections
import hashlib
import heapq
import itertools
import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import CancelledError
from typing import Any, Callable, Iterable, Sequence

from exec.core import WorkerDiedError, task_exception
from exec.graph import Ref, Task
from exec.process_pool import WorkerRef
from exec.store import Stored
from exec.trampoline import Trampoline
from frames.futures.errors import ClientClosedError, FutureCancelledError, KilledWorkerError
from frames.futures.future import CANCELLED, ERROR, FINISHED, PENDING, Future

ALLOWED_DEATHS = 3  # as distributed's ``scheduler.allowed-failures``
WAITING, READY, PROCESSING, NEW = "waiting", "ready", "processing", "new"
INLINE_BYTES = 1 << 16  # a worker process's result smaller than this comes back with its job
_HERE = "here"  # the target of a task run in this process
_DONE = frozenset({FINISHED, ERROR, CANCELLED})
_BATCH_SECONDS = 1e-3  # the work one batch of cheap tasks should hold
_MAX_BATCH = 256


class _State:
    __slots__ = ("key", "task", "deps", "consts", "priority", "seq", "retries", "deaths", "spared",
                 "status", "value", "error", "tb", "dependents", "waiting", "event", "callbacks",
                 "refs", "job", "here", "has_value", "where", "ref", "nbytes", "pending", "want",
                 "watchers")

    def __init__(self, key: Any, task: Task, deps: dict, consts: dict, priority: int, seq: int, retries: int):
        self.key = key
        self.task = task
        self.deps = deps  # Ref key -> _State
        self.consts = consts  # Ref key -> literal value (a graph's literals)
        self.priority = priority
        self.seq = seq
        self.retries = retries
        self.deaths = 0
        self.spared = False  # its worker was killed on purpose (Ctrl-C of another task)
        self.status = NEW
        self.value = self.error = self.tb = self.event = self.job = None
        self.dependents: list[_State] = []
        self.waiting = 0
        self.callbacks: list[Callable[[], Any]] = []
        self.refs = 0  # Futures of this state alive
        self.here = False  # runs in this process, not on a worker (a collection's _finalize)
        self.has_value = False  # ``value`` is here
        self.where: int | None = None  # the pid of the worker process holding the value
        self.ref: WorkerRef | None = None  # the value on that worker (``load()``, ``delete()``)
        self.nbytes = 0
        self.pending = 0  # unfinished tasks depending on this one
        self.want = False  # its value is wanted here: never left on a worker
        self.watchers: tuple = ()  # scheduler callbacks told as it finishes (``Client.get``'s)


def _swap_args(args: tuple, deps: dict, backend: "LocalBackend") -> tuple:
    """``_swap_futures`` of a call's arguments, with a fast path for plain values."""
    for a in args:
        if type(a) in _SWAPPED:
            return _swap_futures(args, deps, backend)
    return args


def _swap_futures(obj: Any, deps: dict, backend: "LocalBackend") -> Any:
    """``obj`` with each Future (also inside lists, tuples and dicts) replaced by a Ref to its key,
    collected in ``deps``; the same object when it holds none."""
    t = type(obj)
    if t is Future:
        if obj._backend is not backend:
            return obj.result()  # another Client's future: its value, fetched here
        deps[obj.key] = obj._handle
        return Ref(obj.key)
    if t is list or t is tuple:
        new = [_swap_futures(x, deps, backend) for x in obj]
        if any(a is not b for a, b in zip(new, obj)):
            return new if t is list else tuple(new)
        return obj
    if t is dict:
        new = {k: _swap_futures(v, deps, backend) for k, v in obj.items()}
        return new if any(new[k] is not v for k, v in obj.items()) else obj
    return obj


_SWAPPED = frozenset({Future, list, tuple, dict})


def task_key(func: Callable, args: tuple, kwargs: dict, pure: bool) -> str:
    """``name-hash`` of the call when ``pure`` (equal calls share one task, as in Dask), else
    ``name-uuid``."""
    name = getattr(func, "__name__", None) or type(func).__name__
    if pure:
        try:
            data = pickle.dumps((func, args, kwargs), protocol=5)
        except Exception:
            try:
                import cloudpickle

                data = cloudpickle.dumps((func, args, kwargs), protocol=5)
            except Exception:
                data = None
        if data is not None:
            return f"{name}-{hashlib.md5(data, usedforsecurity=False).hexdigest()}"
    return f"{name}-{uuid.uuid4().hex}"


class LocalBackend:
    """Runs tasks on a ``LocalCluster`` as they are submitted; the Client's engine when local."""

    def __init__(self, cluster: Any):
        self.cluster = cluster
        self._lock = threading.RLock()
        self._tasks: dict[Any, _State] = {}  # the tasks Futures refer to, by key
        self._ready: list[tuple[int, int, _State]] = []
        self._seq = itertools.count()
        self._jobs: dict[Any, list[_State]] = {}  # job future -> its batch, while running
        self._queued_jobs = 0  # batches built but not yet handed to the cluster
        self._released: collections.deque[_State] = collections.deque()
        self._kept: set[_State] = set()  # fire_and_forget: run even without a Future
        self._avg: float | None = None  # a task's typical run time; unknown until one has run
        self._closed = False
        self._here: list[_State] = []  # ready tasks that run in this process
        self._here_pool: Any = None
        self.inline_bytes = INLINE_BYTES
        self._held_on: dict[int, set[_State]] = collections.defaultdict(set)  # pid -> states it holds
        self._to_release: list[WorkerRef] = []  # refs nobody needs: deleted outside the lock
        self._share_dir: str | None = None
        # a job already done when its callback is attached runs it at once, in the thread that
        # sent it, which may be inside _job_done already: run such calls in a loop, not nested
        self._on_job_done = Trampoline(self._job_done)
        if cluster.remote:
            cluster.on_worker_lost(self._lost_worker)
        self._log = getattr(cluster, "observer", None)  # a dashboard's TaskLog (exec.diagnostics.dashboard)
        if self._log is not None:
            self._log.held_source = self

    # -- submitting ----------------------------------------------------------------------------
    def submit(self, func: Callable, args: tuple, kwargs: dict, key: Any, pure: bool, retries: int,
               priority: int) -> Future:
        deps: dict = {}
        args = _swap_args(args, deps, self)
        if kwargs:
            kwargs = _swap_futures(kwargs, deps, self)
        if key is None:
            key = task_key(func, args, kwargs, pure)
        task = Task(func, *args, **kwargs)
        with self._lock:
            self._check_open()
            self._drain_released()
            st = self._tasks.get(key)
            if st is None or st.status in (ERROR, CANCELLED):
                st = self._tasks[key] = _State(key, task, deps, {}, priority, next(self._seq), retries)
                self._place(st, [])
            st.refs += 1
            # a new task goes out now only when a worker thread is idle; else it waits for the
            # next job to finish, which sends everything ready by then in a few batches
            batches = self._fill() if len(self._jobs) + self._queued_jobs < self.cluster.nthreads else ()
        if batches or self._to_release:
            self._send(batches)
        return Future(self, st, key)

    def submit_graph(self, graph: dict, keys: Sequence, priority: int = 0, here: Sequence = (),
                     futures: bool = False, watchers: Sequence = ()) -> list:
        """Run a task graph (``exec`` tasks and literals; Futures of this backend among the
        literals stand for their keys). Returns Futures of ``keys`` (``futures=True``: their values
        may stay on the workers) or else their states, whose values are sent here. The other tasks
        have no Futures: each lives while a dependent still needs it. The tasks ``here`` run in
        this process (a collection's ``_finalize``: it needs no pickling, and the results are here)."""
        states: dict[Any, _State] = {}
        with self._lock:
            self._check_open()
            self._drain_released()
            for k, v in graph.items():
                if type(v) is Task:
                    states[k] = _State(k, v, {}, {}, priority, next(self._seq), 0)
            for k, st in states.items():
                for d in st.task.dependencies:
                    v = graph[d]
                    if type(v) is Task:
                        st.deps[d] = states[d]
                    elif type(v) is Future and v._backend is self:
                        st.deps[d] = v._handle
                    else:
                        st.consts[d] = v._value() if type(v) is Future else v
            outputs = []
            for k in keys:  # an output that is a literal gets a task returning it
                if k not in states:
                    v = graph[k]
                    st = states[k] = _State(k, Task(_identity, Ref(k)), {}, {}, priority, next(self._seq), 0)
                    if type(v) is Future and v._backend is self:
                        st.deps[k] = v._handle
                    else:
                        st.consts[k] = v._value() if type(v) is Future else v
                outputs.append(states[k])
            for k in here:
                states[k].here = True
                for d in states[k].deps.values():
                    d.want = True  # a finalize's inputs come back with their jobs
            if watchers:  # callbacks with posttask / task_timing (a query's tracker): each task's
                watchers = tuple(watchers)  # result and timing as it finishes, in the thread that got it
                for st in states.values():
                    st.watchers = watchers
            if not futures:
                for st in outputs:
                    st.want = True
            else:  # Futures first: a finished output must not be released before
                outputs = [self.future_of(st) for st in outputs]
            for st in states.values():
                self._place(st, [])
            del states
            batches = self._fill()
        self._send(batches)
        return outputs

    def scatter(self, data: Any, broadcast: bool, hash: bool) -> Any:
        """Values held here as finished tasks (worker processes get them with each task that
        reads them): one Future per element of a list or dict, else one for the value."""
        def one(value: Any) -> Future:
            key = task_key(type(value), (value,), {}, hash) if hash else f"{type(value).__name__}-{uuid.uuid4().hex}"
            with self._lock:
                self._check_open()
                self._drain_released()
                st = self._tasks.get(key)
                if st is None or st.status != FINISHED:
                    st = self._tasks[key] = _State(key, None, {}, {}, 0, next(self._seq), 0)
                    st.status, st.value, st.has_value = FINISHED, value, True
                st.refs += 1
            return Future(self, st, key)

        if type(data) in (list, tuple, set, frozenset):
            return [one(v) for v in data]
        if type(data) is dict:
            return {k: one(v) for k, v in data.items()}
        return one(data)

    def future_of(self, st: _State) -> Future:
        """A Future of a state made by ``submit_graph`` (it is then kept as such tasks are)."""
        with self._lock:
            st.refs += 1
            self._tasks.setdefault(st.key, st)
        return Future(self, st, st.key)

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this Client is closed: create a new one to run more tasks")

    def _place(self, st: _State, callbacks: list, fresh: bool = True) -> None:
        """A new (or retried, or recomputed) task: ready, waiting on its dependencies, or failed
        with one. ``fresh``: it was never placed (it is in no dependents' list yet)."""
        if self._log is not None:
            self._log.added(id(st), st.key)
        for d in st.deps.values():
            d.pending += 1
            if not d.has_value and (fresh or st not in d.dependents):  # a value here is never lost
                d.dependents.append(st)
        self._recount(st, callbacks)

    def _recount(self, st: _State, callbacks: list, todo: list | None = None) -> None:
        """Count the inputs ``st`` still waits for (computing again the ones lost or released, or
        with ``todo``, marking them to be and adding them to it): ready when none."""
        waiting = 0
        for d in st.deps.values():
            if d.status == FINISHED:
                if d.has_value or d.ref is not None:
                    continue
                if todo is None:
                    self._recompute(d, callbacks)
                else:
                    d.status = NEW
                    todo.append(d)
            elif d.status in (ERROR, CANCELLED):
                self._fail(st, d.error, d.tb, callbacks, d.status)
                return
            waiting += 1
        st.waiting = waiting
        if waiting:
            st.status = WAITING
        else:
            self._push(st)

    def _recompute(self, st: _State, callbacks: list) -> None:
        """A finished task whose value is gone (its worker died, or it was released) and is needed
        again: run again from its lineage, with the inputs gone too (a loop, not a recursion:
        a lost chain may be long)."""
        st.status = NEW
        todo = [st]
        while todo:
            s = todo.pop()
            if s.event is not None:
                s.event.clear()
            if self._log is not None:
                self._log.added(id(s), s.key)
            for d in s.deps.values():
                d.pending += 1
                if not d.has_value and s not in d.dependents:
                    d.dependents.append(s)
            self._recount(s, callbacks, todo)

    def _push(self, st: _State) -> None:
        if st.here:
            st.status = PROCESSING
            self._here.append(st)
            return
        st.status = READY
        heapq.heappush(self._ready, (-st.priority, st.seq, st))

    # -- dispatching ---------------------------------------------------------------------------
    def _fill(self) -> list[tuple]:
        """Jobs for free worker slots (two in flight per thread): ``(target, batch, items, hold)``,
        ``target`` _HERE for a task run in this process, else None (the pool places a job by
        where its inputs are), ``hold`` the pool's ``keep`` (None: results sent back)."""
        out: list[tuple] = []
        if self._here:
            for st in self._here:
                out.append((_HERE, [st], self._items([st]), None))
                self._queued_jobs += 1
            self._here = []
        limit = 2 * self.cluster.nthreads
        ready = self._ready
        while ready and len(self._jobs) + self._queued_jobs < limit:
            size = 1
            avg = self._avg
            if avg is not None and avg < _BATCH_SECONDS and len(ready) > 1:
                # cheap tasks: what is ready, shared among the free slots, about a millisecond each
                free = limit - len(self._jobs) - self._queued_jobs
                size = min(-(-len(ready) // free), _MAX_BATCH, max(1, int(_BATCH_SECONDS / max(avg, 1e-7))))
            batch: list[_State] = []
            target = None
            while ready and len(batch) < size:
                st = ready[0][2]
                if st.status != READY:  # cancelled (or waiting again) since it was pushed
                    heapq.heappop(ready)
                    continue
                if st.deaths and batch:  # a suspect of killing workers runs alone
                    break
                where = st.want  # results wanted here travel back: a job of their own
                if batch and where != target:
                    break
                heapq.heappop(ready)
                st.status = PROCESSING
                batch.append(st)
                target = where
                if st.deaths:
                    break
            if batch:
                hold = self.inline_bytes if self.cluster.remote and not target else None
                out.append((None, batch, self._items(batch), hold))
                self._queued_jobs += 1
        if out and self._log is not None:
            self._log.started([(id(st), st.key) for _, batch, _, _ in out for st in batch])
        return out

    def _items(self, batch: list[_State]) -> list:
        """The ``run_batch`` items of ``batch``: each input as the value here or the
        ``WorkerRef`` of the worker holding it (the pool moves it where the job runs)."""
        items = []
        for st in batch:
            if st.deps:
                data = {}
                for k, d in st.deps.items():
                    data[k] = d.value if d.has_value else d.ref
                if st.consts:
                    data.update(st.consts)
            else:
                data = st.consts
            items.append((st.key, st.task, data))
        return items

    def _send(self, jobs: list[tuple]) -> None:
        self._send_controls()
        for target, batch, items, hold in jobs:
            try:
                if target is _HERE:
                    job = self._here_submit(items)
                else:
                    job = self.cluster.submit(items, self._shared_directory(), keep=hold) if self.cluster.remote else self.cluster.submit(items)
            except BaseException as exc:
                with self._lock:
                    self._queued_jobs -= 1
                    callbacks: list = []
                    for st in batch:
                        self._fail(st, exc, exc.__traceback__, callbacks)
                self._run(callbacks)
                continue
            with self._lock:
                self._queued_jobs -= 1
                self._jobs[job] = batch
                for st in batch:
                    st.job = job
            job.add_done_callback(lambda f, batch=batch: self._on_job_done(batch, f))

    def _send_controls(self) -> None:
        """Delete the refs ``_maybe_release`` gathered under the lock (each a write to a pipe)."""
        if not self._to_release:
            return
        with self._lock:
            refs, self._to_release = self._to_release, []
        for ref in refs:
            ref.delete()

    def _shared_directory(self) -> str:
        """This Client's directory for the pool's ``/dev/shm`` files (removed at close)."""
        if self._share_dir is None:
            base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
            self._share_dir = tempfile.mkdtemp(prefix="frames-client-", dir=base)
        return self._share_dir

    def _here_submit(self, items: list) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._here_pool is None:
                self._here_pool = ThreadPoolExecutor(1, thread_name_prefix="frames-client-finalize")
        return self._here_pool.submit(_run_here, items)

    def _job_done(self, batch: list[_State], job: Any) -> None:
        callbacks: list = []
        with self._lock:
            self._jobs.pop(job, None)
            for st in batch:
                st.job = None
            try:
                worker, outcomes = job.result()
            except WorkerDiedError as exc:
                self._worker_died(batch, exc, callbacks)
            except (CancelledError, KeyboardInterrupt):  # its worker was stopped (Ctrl-C, close)
                for st in batch:
                    if st.status == PROCESSING:
                        self._recount(st, callbacks) if not self._closed else self._fail(st, ClientClosedError("the Client was closed"), None, callbacks)
            except BaseException as exc:  # the batch could not be sent (an argument that does not pickle)
                for st in batch:
                    if st.status != PROCESSING:
                        continue
                    if len(batch) > 1:  # find which task it was: each alone
                        st.deaths = max(st.deaths, 1)
                        self._recount(st, callbacks)
                    else:
                        self._fail(st, exc, exc.__traceback__, callbacks)
            else:
                if self._log is not None:
                    self._log.ran(_label(worker), outcomes, [id(st) for st in batch])
                self._outcomes(batch, outcomes, worker, callbacks)
            self._drain_released()
            batches = self._fill()
        self._run(callbacks)  # first: a dependent sent now must not be reported done before this
        self._send(batches)

    def _outcomes(self, batch: list[_State], outcomes: list, worker: Any, callbacks: list) -> None:
        remote = self.cluster.remote
        for st, (key, ok, value, tb, t0, t1) in zip(batch, outcomes):
            if st.status != PROCESSING:  # cancelled while it ran: the result is dropped
                if ok and type(value) is WorkerRef:
                    self._to_release.append(value)
                elif ok and type(value) is Stored:
                    value.delete()
                continue
            if ok:
                elapsed = t1 - t0
                self._avg = elapsed if self._avg is None else 0.9 * self._avg + 0.1 * elapsed
                if st.watchers:
                    _tell(st.watchers, key, value, _label(worker), t0, t1)
                self._finish(st, value, worker, callbacks)
            elif st.retries > 0:
                st.retries -= 1
                self._recount(st, callbacks)
            else:
                exc = task_exception(key, st.task, value, tb, remote)
                self._fail(st, exc, exc.__traceback__, callbacks)
        for st in batch[len(outcomes):]:  # after a failure the batch stopped: the rest run again
            if st.status == PROCESSING:
                self._recount(st, callbacks)

    def _worker_died(self, batch: list[_State], exc: BaseException, callbacks: list) -> None:
        for st in batch:
            if st.status != PROCESSING:
                continue
            if st.spared or any(not d.has_value and d.ref is None for d in st.deps.values()):
                # stopped on purpose, or an input was lost with its holder (the pool's "the result
                # of task X was lost"): not this task's fault; the lost inputs are computed again
                st.spared = False
                self._recount(st, callbacks)
                continue
            st.deaths += 1
            if st.deaths >= ALLOWED_DEATHS:
                err = KilledWorkerError(f"task {st.key!r} ({st.task.name}) was running on worker processes that died "
                                        f"{st.deaths} times; it is not run again (the last: {exc})")
                self._fail(st, err, None, callbacks)
            else:
                self._recount(st, callbacks)

    def _lost_worker(self, pid: int) -> None:
        """A worker process died (any thread): what only it held is computed again where needed."""
        callbacks: list = []
        with self._lock:
            self._to_release = [r for r in self._to_release if r.pid != pid]
            lost = []
            for st in self._held_on.pop(pid, ()):
                if st.where != pid:
                    continue
                st.where = st.ref = None
                if not st.has_value:
                    lost.append(st)
            for st in lost:
                if st.status == FINISHED and (st.refs > 0 or st.pending > 0 or st in self._kept):
                    self._recompute(st, callbacks)
            for st in lost:
                for u in st.dependents:
                    if u.status in (WAITING, READY):
                        self._recount(u, callbacks)
            batches = self._fill() if not self._closed else []
        self._run(callbacks)
        self._send(batches)

    def _finish(self, st: _State, value: Any, worker: Any, callbacks: list) -> None:
        st.status = FINISHED
        if self._log is not None:
            self._log.finished(id(st), st.key, True)
        if type(value) is Stored:  # a large result wanted here, sent through /dev/shm
            stored, value = value, value.load()
            stored.delete()
        if type(value) is WorkerRef:  # kept by the worker: the lineage stays, to recompute it if lost
            st.ref, st.where, st.nbytes = value, value.pid, value.nbytes
            self._held_on[st.where].add(st)
            self._settle(st)
            st.dependents = [d for d in st.dependents if d.status not in _DONE]
        else:
            st.value, st.has_value = value, True
            self._settle(st)
            self._drop_lineage(st)
        for d in st.dependents:
            if d.status == WAITING:
                d.waiting -= 1
                if d.waiting == 0:
                    self._push(d)
        if st.has_value:
            st.dependents = []
        self._notify(st, callbacks)
        self._maybe_release(st)

    @staticmethod
    def _drop_lineage(st: _State) -> None:
        """Its value is here and cannot be lost: what made it is no longer needed."""
        st.deps = {}
        st.consts = {}
        st.task = None

    def _settle(self, st: _State) -> None:
        """``st`` is done (finished, failed or cancelled): its inputs are needed one task less."""
        for d in st.deps.values():
            d.pending -= 1
            if d.pending <= 0:
                self._maybe_release(d)

    def _maybe_release(self, st: _State) -> None:
        """Drop the workers' copies of a value nobody needs any more (no Future, no unfinished
        dependent); a value here is freed with its state."""
        if st.refs > 0 or st.pending > 0 or st.status != FINISHED or st in self._kept:
            return
        if st.ref is not None:
            self._to_release.append(st.ref)
            self._held_on[st.where].discard(st)
            st.where = st.ref = None

    def _fail(self, st: _State, exc: BaseException, tb: Any, callbacks: list, status: str = ERROR) -> None:
        """``st`` and every task depending on it fail with ``exc`` (cancelled ones: ``status``)."""
        if isinstance(exc, FutureCancelledError):
            status = CANCELLED
        stack = [st]
        while stack:
            s = stack.pop()
            if s.status in _DONE:
                continue
            s.status = status
            s.error = exc
            s.tb = tb
            if self._log is not None:
                self._log.finished(id(s), s.key, False)
            self._settle(s)
            stack.extend(s.dependents)
            s.dependents = []
            self._notify(s, callbacks)

    def _notify(self, st: _State, callbacks: list) -> None:
        if st.event is not None:
            st.event.set()
        if st.callbacks:
            callbacks.extend(st.callbacks)
        st.callbacks = []
        self._kept.discard(st)

    @staticmethod
    def _run(callbacks: list) -> None:
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a callback's own failure must not stop the scheduler
                import traceback

                traceback.print_exc()

    # -- releasing -----------------------------------------------------------------------------
    def release(self, st: _State) -> None:
        """A Future was garbage-collected (any thread, any time: only queued here)."""
        self._released.append(st)

    def _drain_released(self) -> None:
        while self._released:
            st = self._released.popleft()
            st.refs -= 1
            if st.refs > 0:
                continue
            if self._tasks.get(st.key) is st:
                del self._tasks[st.key]
            if st.status in (WAITING, READY) and st not in self._kept and not any(d.status not in _DONE for d in st.dependents):
                st.status = CANCELLED  # nobody can ask for it any more: not run
                self._settle(st)
                self._cancel_unneeded(st)
            else:
                self._maybe_release(st)

    def _cancel_unneeded(self, st: _State) -> None:
        """Cancel the unfinished tasks only ``st`` (cancelled) still needed, which have no Future."""
        stack = list(st.deps.values())
        while stack:
            d = stack.pop()
            if d.status in _DONE or d.refs > 0 or d in self._kept:
                continue
            if all(u.status in _DONE for u in d.dependents):
                d.status = CANCELLED
                d.error = FutureCancelledError(f"task {d.key!r} was cancelled")
                self._settle(d)
                self._notify(d, [])
                stack.extend(d.deps.values())

    def keep(self, states: Iterable[_State]) -> None:
        """fire_and_forget: run these even when no Future of them is left."""
        with self._lock:
            self._kept.update(st for st in states if st.status not in _DONE)

    # -- waiting -------------------------------------------------------------------------------
    def wait_done(self, st: _State, timeout: float | None) -> None:
        if st.status in _DONE:
            return
        with self._lock:
            if st.status in _DONE:
                return
            if st.event is None:
                st.event = threading.Event()
            event = st.event
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
                if left <= 0:
                    raise TimeoutError(f"task {st.key!r} did not finish within {timeout} s")
                if event.wait(left) and st.status in _DONE:  # short waits keep Ctrl-C prompt on every platform
                    return
        except KeyboardInterrupt:
            self.interrupt([st])
            raise

    def _values_here(self, states: Sequence[_State], deadline: float | None) -> None:
        """Bring the values of finished ``states`` here: loaded from the workers holding them
        (``WorkerRef.load``, through ``/dev/shm``), or computed again if lost."""
        while True:
            callbacks: list = []
            with self._lock:
                loads = []
                for st in states:
                    if st.status != FINISHED or st.has_value:
                        continue
                    if st.ref is not None:
                        loads.append((st, st.ref))
                    else:  # lost with its worker, or released: computed again
                        self._recompute(st, callbacks)
                batches = self._fill()
            self._run(callbacks)
            self._send(batches)
            for st, ref, value in _loaded(loads):
                with self._lock:
                    if not st.has_value and st.ref is ref:
                        st.value, st.has_value = value, True
                        self._drop_lineage(st)
            pending = [st for st in states if st.status not in _DONE]
            for st in pending:
                self.wait_done(st, None if deadline is None else max(1e-3, deadline - time.monotonic()))
            if all(st.status != FINISHED or st.has_value for st in states):
                return

    def result(self, st: _State, timeout: float | None = None) -> Any:
        self.wait_done(st, timeout)
        if st.status == FINISHED and not st.has_value:
            self._values_here([st], None if timeout is None else time.monotonic() + timeout)
        if st.status == FINISHED:
            return st.value
        raise st.error.with_traceback(st.tb)

    def exception(self, st: _State, timeout: float | None = None) -> BaseException | None:
        self.wait_done(st, timeout)
        return st.error if st.status != FINISHED else None

    def gather(self, states: Sequence[_State], errors: str = "raise") -> list:
        """The values of ``states`` in order; ``errors="skip"`` leaves failed ones out."""
        out = []
        try:
            for st in states:
                self.wait_done(st, None)
            if any(st.status == FINISHED and not st.has_value for st in states):
                self._values_here(states, None)
        except KeyboardInterrupt:
            self.interrupt(states)
            raise
        for st in states:
            if st.status == FINISHED:
                out.append(st.value)
            elif errors == "raise":
                raise st.error.with_traceback(st.tb)
        return out

    @staticmethod
    def done(st: _State) -> bool:
        return st.status in _DONE

    @staticmethod
    def status(st: _State) -> str:
        return st.status if st.status in _DONE else PENDING

    def add_done_callback(self, st: _State, fn: Callable[[], Any]) -> None:
        with self._lock:
            if st.status not in _DONE:
                st.callbacks.append(fn)
                return
        self._run([fn])

    # -- control -------------------------------------------------------------------------------
    def cancel(self, states: Iterable[_State]) -> None:
        """Cancel tasks (and what only they needed). A running one is stopped by killing its
        worker process when that worker runs nothing else still needed (it is replaced); with
        threads, or beside other work, it runs on and its result is dropped."""
        callbacks: list = []
        with self._lock:
            for st in states:
                if st.status not in _DONE:
                    self._fail(st, FutureCancelledError(f"task {st.key!r} was cancelled"), None, callbacks)
                    self._cancel_unneeded(st)
            stopped = {job for job, batch in self._jobs.items() if all(s.status in _DONE for s in batch)}
        self._run(callbacks)
        if stopped and self.cluster.remote:
            for pid, only_these in self.cluster.running_on(stopped).items():
                if only_these:
                    self.cluster.kill_worker(pid)

    def interrupt(self, states: Iterable[_State]) -> None:
        """Ctrl-C: cancel ``states`` and stop the worker processes running them; the other tasks
        of their batches run again without counting the death against them."""
        self.cancel(states)  # with the tasks only they needed
        with self._lock:
            jobs = {job for job, batch in self._jobs.items() if any(st.status == CANCELLED for st in batch)}
            for job in jobs:
                for st in self._jobs[job]:
                    st.spared = True
        if jobs:
            self.cluster.interrupt(jobs)

    def retry(self, states: Iterable[_State]) -> None:
        """Run failed tasks again, with the failed tasks they depend on."""
        with self._lock:
            order: list[_State] = []
            seen: set[int] = set()

            def visit(s: _State) -> None:  # dependencies first
                if id(s) in seen or s.status != ERROR:
                    return
                seen.add(id(s))
                for d in s.deps.values():
                    visit(d)
                order.append(s)

            for st in states:
                visit(st)
            for s in order:
                s.status, s.error, s.tb, s.deaths = NEW, None, None, 0
                if s.event is not None:
                    s.event.clear()
            for s in order:
                self._place(s, [], fresh=False)
            batches = self._fill()
        self._send(batches)

    def pickle_future(self, future: Future):
        raise TypeError(f"a Future ({future.key!r}) can be passed to tasks only as an argument of its own (also "
                        "inside lists, tuples and dicts), not inside other objects: its value is substituted there")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pending = [st for st in self._tasks.values() if st.status not in _DONE]
        callbacks: list = []
        with self._lock:
            for st in pending:
                self._fail(st, ClientClosedError(f"the Client was closed before task {st.key!r} finished"), None, callbacks)
            pool, self._here_pool = self._here_pool, None
            share_dir, self._share_dir = self._share_dir, None
        self._run(callbacks)
        if pool is not None:
            pool.shutdown(wait=False)
        if share_dir is not None:
            shutil.rmtree(share_dir, ignore_errors=True)

    def held_values(self) -> list[tuple[Any, Any]]:
        """``(key, value)`` of the results kept for Futures (for a dashboard's bytes held)."""
        with self._lock:
            return [(st.key, st.value if st.has_value else st.ref) for st in self._tasks.values()
                    if st.status == FINISHED and (st.has_value or st.ref is not None)]

    def processing(self) -> int:
        """Tasks running now (for progress displays)."""
        with self._lock:
            return sum(len(b) for b in self._jobs.values())


def _tell(watchers: tuple, key: Any, value: Any, worker: str, t0: float, t1: float) -> None:
    for cb in watchers:
        try:
            post = getattr(cb, "posttask", None)
            if post is not None:
                post(key, value, t1 - t0)
            timing = getattr(cb, "task_timing", None)
            if timing is not None:
                timing(key, worker, t0, t1)
        except Exception:  # a callback's own failure must not stop the scheduler
            import traceback

            traceback.print_exc()


def _label(worker: Any) -> str:
    """A worker's name as ``exec.core`` gives it: a store job's reply names its process by pid."""
    return f"process-{worker}" if type(worker) is int else worker


def _run_here(items: list) -> tuple:
    """``run_batch`` in this process (a collection's finalize), its inputs held by workers loaded here."""
    from exec.core import run_batch

    items = [(k, t, {d: v.load() if type(v) is WorkerRef else v for d, v in data.items()}) for k, t, data in items]
    return run_batch(items)


def _loaded(loads: list) -> list:
    """``(state, ref, value)`` of the ``(state, ref)`` whose values could be fetched: all in one
    request per worker (``WorkerRef.load_many``); when a worker died meanwhile, each alone, leaving
    out the ones lost with it (``_lost_worker`` has them computed again)."""
    if not loads:
        return []
    try:
        values = WorkerRef.load_many([ref for _, ref in loads])
    except WorkerDiedError:
        out = []
        for st, ref in loads:
            try:
                out.append((st, ref, ref.load()))
            except WorkerDiedError:
                continue
        return out
    return [(st, ref, v) for (st, ref), v in zip(loads, values)]


def _identity(x: Any) -> Any:
    return x

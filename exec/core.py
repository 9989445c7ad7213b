"""The one scheduling loop every local scheduler shares.

``get_async(submit, num_workers, graph, keys)`` walks the graph: it hands ready tasks to
``submit(fn, *args) -> Future`` (inline for "sync", a thread pool, or the process pool), collects
their results, releases every intermediate result as soon as its last user has run, and reports to
callbacks. Ready tasks run in ``exec.order.priorities`` order (a consumer right after its inputs,
so memory stays low). When many tiny tasks are ready at once they go out in batches, so per-task
overhead stays in the microseconds; heavy tasks go out one by one so workers stay balanced.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
import traceback
from concurrent.futures import Future
from typing import Any, Callable, Hashable, Iterable, Sequence

from exec import config
from exec.errors import MemoryLimitError, OperationalError, SqlEngineError
from exec.graph import MissingKeyError, Task
from exec.memory import Held, task_started
from exec.order import priorities
from exec.store import Handle, Pickled, Recompute, Stored, sizeof, store, unstore_all

Key = Hashable
_worker_state = threading.local()


class TaskError(OperationalError):
    """A task failed with an exception that could not be brought back as itself."""


class WorkerDiedError(OperationalError):
    """A worker process exited while running tasks."""


class ResultTransferError(TaskError):
    """A task ran, but its result could not be moved out of the process that made it: it cannot
    be pickled there, or cannot be unpickled where it is needed. The message names the task."""


def in_worker() -> bool:
    """True inside a task run by a pool thread (a nested compute there must not wait on the pool)."""
    return getattr(_worker_state, "active", False)


# Set by ``exec._worker`` in worker processes: how a process worker names itself to the Profiler.
process_label: str | None = None


def run_batch(batch: Sequence[tuple[Key, Task, dict]], share_dir: str | None = None) -> tuple[str, list[tuple]]:
    """Run tasks in order; stop at the first failure.

    Returns ``(worker, outcomes)``: the worker's name and, per task run,
    ``(key, ok, value_or_exception, traceback_text, start, end)`` (``time.perf_counter`` seconds,
    which on the supported platforms is a system-wide clock, so process workers' times line up).
    Inputs that are ``Stored`` (spilled, or left in shared memory by a process worker) are loaded
    here, in the worker, ``Pickled`` ones (a process worker's small result) unpickled, and
    ``Recompute`` ones (let go under a memory limit) made again. With ``share_dir`` (a process worker's batch), results of at least
    ``_SHARE_BYTES`` are written there and come back as ``Stored`` handles instead of through the pipe.
    """
    out = []
    clock = time.perf_counter
    _worker_state.active = True
    try:
        for key, task, data in batch:
            t0 = clock()
            task_started(key)
            try:
                for v in data.values():
                    if type(v) in _LOADED_HERE:
                        data = {d: v.load() if type(v) in _LOADED_HERE else v for d, v in data.items()}
                        break
                value = task.execute(data)
                data = None
                if share_dir is not None and sizeof(value) >= _SHARE_BYTES:
                    try:
                        value = store(value, share_dir)
                    except Exception:  # shared memory full, or a value that does not pickle: the pipe
                        pass  # still works, or reports it as a ResultTransferError naming the task
            except Exception as exc:  # reported to the caller with its original type
                out.append((key, False, exc, traceback.format_exc(), t0, clock()))
                break
            out.append((key, True, value, None, t0, clock()))
    finally:
        _worker_state.active = False
    return process_label or threading.current_thread().name, out


class RemoteFailure:
    """An exception raised in a worker process, carried back as bytes plus a readable fallback.

    The parent may be unable to rebuild the exception (its class lives in a module the parent lacks,
    or its ``__init__`` does not accept its own ``args``); then ``TaskError`` stands in for it.
    """

    __slots__ = ("type_name", "message", "payload")

    def __init__(self, exc: BaseException, dumps: Callable[[Any], bytes]):
        self.type_name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        self.message = str(exc)
        try:
            self.payload: bytes | None = dumps(exc)
        except Exception:
            self.payload = None

    def load(self) -> tuple[BaseException | None, str]:
        if self.payload is None:
            return None, "it could not be pickled in the worker"
        import pickle

        try:
            return pickle.loads(self.payload), ""
        except Exception as exc:
            return None, f"it could not be unpickled here ({type(exc).__name__}: {exc})"


def task_exception(key: Key, task: Any, exc: Any, tb: str | None, remote: bool) -> BaseException:
    """The exception to raise in the caller for a failed task: the original one, with notes (a
    ``MemoryError`` becomes a ``MemoryLimitError`` naming the task)."""
    what = f"task {key!r}" + (f" ({task.name})" if isinstance(task, Task) else "")
    if isinstance(exc, RemoteFailure):
        loaded, why = exc.load()
        if loaded is None:
            err = (MemoryLimitError if exc.type_name == "MemoryError" else TaskError)(f"{what} failed with {exc.type_name}: {exc.message}")
            err.add_note(f"the original {exc.type_name} is not re-raised because {why}")
            if tb:
                err.add_note("remote traceback:\n" + tb.rstrip())
            return err
        exc = loaded
    if isinstance(exc, MemoryError) and not isinstance(exc, SqlEngineError):
        err = MemoryLimitError(f"{what} ran out of memory{' in a worker process' if remote else ''}"
                               f"{': ' + str(exc) if str(exc) else ''}; give it more memory or split its input into more partitions")
        err.__cause__ = exc
        if remote and tb:
            err.add_note("remote traceback:\n" + tb.rstrip())
        return err
    exc.add_note(f"while running {what}")
    if remote and tb:
        exc.add_note("remote traceback:\n" + tb.rstrip())
    return exc


def get_async(
    submit: Callable[..., Future],
    num_workers: int,
    graph: dict,
    keys: Sequence[Key],
    *,
    callbacks: Iterable[Any] = (),
    remote: bool = False,
    on_interrupt: Callable[[set], None] | None = None,
    max_batch: int = 256,
) -> list[Any]:
    """Compute ``keys`` of ``graph``; returns their results in order.

    ``submit(run_batch, batch)`` must return a Future of ``run_batch(batch)``. ``remote`` says the
    workers are other processes (their tracebacks are added to errors, and they are handed a
    directory in ``/dev/shm`` where large results stay for the tasks that need them, the parent
    holding only handles: ``submit(run_batch, batch, share_dir)``; the "processes" scheduler's
    ``submit`` keeps them in the workers' heaps instead, as ``exec.process_pool.WorkerRef``, and
    uses the directory only to move one between processes). ``on_interrupt(futures)``
    is called on Ctrl-C with the futures still running, so a pool can stop them.

    The results held for later tasks stay under ``exec.config`` ``memory_limit`` by spilling to
    disk (``exec.memory.Held``); a task whose inputs alone exceed it fails with ``MemoryLimitError``.
    Every file the computation made is removed when it returns, fails or is interrupted.
    """
    callbacks = list(callbacks)
    num_workers = max(1, num_workers)
    for k in keys:
        if k not in graph:
            raise MissingKeyError(f"requested key {k!r} is not in the graph")

    # Bookkeeping: per task, how many task dependencies are unfinished; per key, who uses it and
    # how many uses are left (results are dropped when that reaches zero, keeping memory bounded).
    results = Held(config.memory_limit(), config.temp_directory())
    remaining: dict[Key, int] = {}
    users: dict[Key, list[Key]] = {}
    ready: list[tuple[int, Key]] = []  # a heap by ``exec.order.priorities``: the run order that keeps memory low
    priority = priorities(graph, keys)
    for key, value in graph.items():
        if type(value) is Task:
            waiting = 0
            for d in value.dependencies:
                if d not in graph:
                    raise MissingKeyError(f"task {key!r} depends on {d!r}, which is not in the graph")
                if d in users:
                    users[d].append(key)
                else:
                    users[d] = [key]
                if type(graph[d]) is Task:  # literal values are available at once
                    waiting += 1
            if waiting:
                remaining[key] = waiting
            else:
                ready.append((priority[key], key))
        else:
            results.keep(key, value)
    need = {k: len(u) for k, u in users.items()}
    for k in keys:
        need[k] = need.get(k, 0) + 1
    heapq.heapify(ready)

    for cb in callbacks:
        getattr(cb, "start", _noop)(graph)
    pretasks = [cb.pretask for cb in callbacks if hasattr(cb, "pretask")]
    posttasks = [cb.posttask for cb in callbacks if hasattr(cb, "posttask")]
    timings = [cb.task_timing for cb in callbacks if hasattr(cb, "task_timing")]
    failures = [cb.task_failed for cb in callbacks if hasattr(cb, "task_failed")]
    done_queue: queue.SimpleQueue = queue.SimpleQueue()
    pending: set[Future] = set()  # submitted, not yet collected (collected ones are dropped)
    max_inflight = 2 * num_workers  # one batch running and one queued per worker
    avg_elapsed: float | None = None  # a task's typical run time; unknown until one has run
    errored = True
    share: tuple = ()
    inputs_of: dict[Future, list] = {}  # the results each batch in flight was handed

    def wait(k: Key) -> tuple[bool, int]:  # (whether one use is left, how many inputs its soonest user still waits for)
        return need.get(k, 0) <= 1, min((remaining.get(u, 0) for u in users.get(k, ())), default=1 << 30)

    try:
        if remote:
            share = (results.share_directory(),)
        while True:
            while ready and len(pending) < max_inflight:
                # Many cheap ready tasks go out in batches (one job per worker, several per
                # worker in flight); expensive or few tasks go one at a time to balance load.
                # A batch holds about a millisecond of work (enough to amortize the ~50 µs a
                # job costs), and until a task has been timed none is assumed cheap: batches of
                # up to n / (4 * workers) tasks let 256 roots that each make a 2 MB block run as
                # 4 batches of 32 before any downstream task, holding 128 blocks (an elementwise
                # chain over 8000x8000 in 500x500 blocks peaked at 274-347 MB, dask at 174).
                n = len(ready)
                size = 1
                if avg_elapsed is not None and n > 4 * num_workers and avg_elapsed < 1e-3:
                    size = min(n // (4 * num_workers), max_batch, max(1, int(_BATCH_SECONDS / max(avg_elapsed, 1e-7))))
                batch = []
                handed = []
                for _ in range(size):
                    if pending and not graph[ready[0][1]].dependencies and results.crowded():
                        break  # a root only adds memory: it waits while results crowd (``Held.crowded``)
                    k = heapq.heappop(ready)[1]
                    task = graph[k]
                    deps = task.dependencies
                    if deps:
                        if len(deps) > 1 and results.size_of(deps) > results.limit:
                            raise _over_limit(k, task, results.size_of(deps), results.limit)
                        batch.append((k, task, {d: results[d] for d in deps}))
                        handed.extend(deps)
                    else:
                        batch.append((k, task, _NO_DATA))
                    for cb in pretasks:
                        cb(k)
                if not batch:
                    break
                fut = submit(run_batch, batch, *share)
                pending.add(fut)
                results.busy.update(handed)
                inputs_of[fut] = handed
                fut.add_done_callback(done_queue.put)
                del batch  # the worker holds it now; it must not keep results alive here
            if not pending:
                break
            while True:
                try:
                    fut = done_queue.get(timeout=0.2)  # wake up now and then: keeps Ctrl-C prompt
                    break
                except queue.Empty:
                    continue
            pending.discard(fut)
            results.busy.subtract(inputs_of.pop(fut))
            worker, outcomes = fut.result()
            del fut
            for i, (key, ok, value, tb, t0, t1) in enumerate(outcomes):
                if not ok:
                    for cb in failures:
                        cb(key, worker, t0, t1)
                    _discard(outcomes[i + 1:])
                    raise task_exception(key, graph[key], value, tb, remote)
                elapsed = t1 - t0
                avg_elapsed = elapsed if avg_elapsed is None else 0.9 * avg_elapsed + 0.1 * elapsed
                for cb in posttasks:
                    cb(key, value, elapsed)
                for cb in timings:
                    cb(key, worker, t0, t1)
                if need.get(key):
                    results[key] = value
                elif isinstance(value, Handle):
                    value.delete()
                for d in graph[key].dependencies:
                    need[d] -= 1
                    if need[d] == 0:
                        del results[d]
                for u in users.get(key, ()):
                    remaining[u] -= 1
                    if remaining[u] == 0:
                        heapq.heappush(ready, (priority[u], u))
            outcomes = value = None  # let go of results the loop no longer needs
            if results.over():
                results.spill(wait, graph)
        errored = False
        return unstore_all([results[k] for k in keys])
    except KeyboardInterrupt:
        _abandon(pending)
        if on_interrupt is not None:
            on_interrupt(pending)
        raise
    except BaseException:
        _abandon(pending)
        raise
    finally:
        for cb in callbacks:  # what the loop held at most, and spilled, for ``memory(peak, spilled)``
            getattr(cb, "memory", _noop)(results.peak, results.spilled_bytes)
        results.close()
        for cb in callbacks:
            getattr(cb, "finish", _noop)(graph, errored)


def _over_limit(key: Key, task: Task, needed: int, limit: int) -> MemoryLimitError:
    return MemoryLimitError(
        f"task {key!r} ({task.name}) needs {needed / 1e6:.1f} MB of inputs at once, more than memory_limit "
        f"({limit / 1e6:.1f} MB); raise it (exec.config.set(memory_limit=...), SET memory_limit) or split the input into more partitions")


def _abandon(pending: set[Future]) -> None:
    """The computation stopped: cancel its jobs, and let go of what the running ones will return
    (results kept in worker processes would otherwise stay there)."""
    def release(fut: Future) -> None:
        if not fut.cancelled() and fut.exception() is None:
            _discard(fut.result()[1])

    for f in pending:
        if not f.cancel():
            f.add_done_callback(release)


def _discard(outcomes: Sequence[tuple]) -> None:
    """Remove the files of results that will not be used (a batch that failed part way)."""
    for outcome in outcomes:
        if outcome[1] and isinstance(outcome[2], Handle):
            outcome[2].delete()


_NO_DATA: dict = {}
_LOADED_HERE = (Stored, Recompute, Pickled)  # inputs a task's worker brings into its own memory before it runs
_SHARE_BYTES = 1 << 20  # a process worker's result this big stays in /dev/shm; smaller ones take the pipe
_BATCH_SECONDS = 1e-3  # the work one batch of cheap tasks should hold


def _noop(*args: Any) -> None:
    pass

"""The worker process of the "processes" scheduler.

Started as ``python -c`` (never through multiprocessing), so it does not re-import the parent's
``__main__``: scripts without an ``if __name__ == "__main__"`` guard work. Frames on stdin/stdout
are 8-byte little-endian lengths followed by cloudpickle payloads; user code's prints go to stderr.
"""

from __future__ import annotations

import os
import signal
import struct
import sys

_HEADER = struct.Struct("<Q")


def read_frame(stream) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def write_frame(stream, payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _encode(worker: str, outcomes: list) -> bytes:
    """Pickle a batch's outcomes; failures travel as ``RemoteFailure`` so the parent can fall back
    to a readable ``TaskError`` when it cannot rebuild the exception, and a result that cannot be
    pickled becomes that task's failure instead of killing the worker."""
    from exec.core import RemoteFailure, ResultTransferError
    from exec.store import dumps

    outcomes = [o if o[1] else (o[0], False, RemoteFailure(o[2], dumps), o[3], o[4], o[5]) for o in outcomes]
    try:
        return dumps((worker, outcomes))
    except Exception:
        pass
    safe = []
    for key, ok, value, tb, t0, t1 in outcomes:
        if ok:
            try:
                dumps(value)
            except Exception as exc:
                import traceback

                kind = MemoryError if isinstance(exc, MemoryError) else ResultTransferError
                err = kind(f"the result of task {key!r} ({type(value).__name__}) cannot be sent back from a worker process: {exc}")
                safe.append((key, False, RemoteFailure(err, dumps), traceback.format_exc(), t0, t1))
                break
        safe.append((key, ok, value, tb, t0, t1))
    return dumps((worker, safe))


class Kept:
    """A result this worker keeps in its heap, as sent to the parent: the token naming it here and
    its size. The parent wraps it in a ``WorkerRef``; ``Local(token)`` in a later batch's inputs
    means "the value you keep under this token"."""

    __slots__ = ("token", "nbytes", "num_rows")

    def __init__(self, token: int, nbytes: int, num_rows: int | None = None):
        self.token = token
        self.nbytes = nbytes
        self.num_rows = num_rows  # a table's rows, for the query log's counters (exec.diagnostics.queries)

    def __reduce__(self):
        return (Kept, (self.token, self.nbytes, self.num_rows))


class Local:
    __slots__ = ("token",)

    def __init__(self, token: int):
        self.token = token

    def __reduce__(self):
        return (Local, (self.token,))


class LostResultError(LookupError):
    """A batch named a kept result this worker no longer has (a protocol error, never expected)."""


class WorkerStore:
    """The results this worker process keeps for later tasks, by token (see ``exec.process_pool``).

    ``keep(value)`` holds a result, ``resolve(data)`` swaps ``Local`` inputs for the values kept,
    ``publish(tokens, directory)`` writes values to files another process maps (the one copy then
    lives in the file: the kept value becomes a view of it), ``free(tokens)`` drops them."""

    def __init__(self) -> None:
        import itertools
        import threading

        self.values: dict[int, object] = {}
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def keep(self, value: object, nbytes: int) -> Kept:
        with self._lock:
            token = next(self._tokens)
            self.values[token] = value
        rows = getattr(value, "num_rows", None)
        return Kept(token, nbytes, rows if isinstance(rows, int) else None)

    def resolve(self, data: dict) -> dict:
        for v in data.values():
            if type(v) is Local:
                break
        else:
            return data
        try:
            return {d: self.values[v.token] if type(v) is Local else v for d, v in data.items()}
        except KeyError as exc:
            raise LostResultError(f"worker process {os.getpid()} holds no result under token {exc.args[0]}") from None

    def publish(self, tokens: list, directory: str, drop: bool) -> dict:
        """Per token, a ``Stored`` file of its value under ``directory``, or the exception that
        prevented it (unpicklable, ``/dev/shm`` full, out of memory)."""
        from exec.store import sizeof, store

        out: dict = {}
        for token in tokens:
            value = self.values.get(token)
            if value is None and token not in self.values:
                out[token] = LostResultError(f"worker process {os.getpid()} holds no result under token {token}")
                continue
            try:
                stored = store(value, directory, sizeof(value))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
                out[token] = exc
                continue
            if drop:
                self.free([token])
            elif stored.in_memory:
                try:
                    view = stored.load()  # a view of the shared file: one copy in RAM, not two
                except BaseException:  # noqa: BLE001 - keeping the heap copy is still correct
                    view = None
                with self._lock:
                    if view is not None and token in self.values:  # not freed meanwhile
                        self.values[token] = view
            out[token] = stored
            value = None
        return out

    def free(self, tokens: list) -> None:
        with self._lock:
            for token in tokens:
                self.values.pop(token, None)


store: WorkerStore | None = None  # this worker process's kept results (None in the parent)


class SpillReport:
    """The bytes this worker's operators spilled (``exec.memory.spilled_by_operator``) that the
    parent has not been told of yet: each job's done message carries them, and the parent adds
    them to its own counters (``exec.memory.note_spill``) before the job's result is seen, so the
    query log's per-operator ``spilled_bytes`` are counted as on the threads scheduler. A delta
    since the last report, not since the job started: jobs running at once in one worker
    (``threads_per_worker``) would otherwise report each other's spills twice."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._reported: dict[str, int] = {}

    def since_last(self) -> dict[str, int]:
        from exec.memory import spilled_by_operator

        with self._lock:
            now = spilled_by_operator()
            delta = {name: n - self._reported.get(name, 0) for name, n in now.items() if n != self._reported.get(name, 0)}
            self._reported = now
        return delta


def run_kept(store: WorkerStore, batch: list, share_dir: str | None, keep: int | None) -> tuple:
    """``exec.core.run_batch`` on a batch whose inputs may be kept here; with ``keep``, results of
    at least that many bytes stay in ``store`` and travel as ``Kept``, smaller tables as
    ``Pickled`` (the parent passes them on without unpickling them)."""
    from exec import core
    from exec.store import Pickled, _is_table, sizeof

    if keep is None:
        return core.run_batch(batch, share_dir)
    batch = [(key, task, store.resolve(data)) for key, task, data in batch]
    worker, outcomes = core.run_batch(batch, None)
    batch = None
    kept = []
    for key, ok, value, tb, t0, t1 in outcomes:
        if ok:
            nbytes = sizeof(value)
            if nbytes >= keep:
                value = store.keep(value, nbytes)
            elif _is_table(value):  # not other objects: a callback's posttask still sees them as they are
                value = Pickled.of(value, nbytes)
        kept.append((key, ok, value, tb, t0, t1))
    return worker, kept


def main() -> None:
    """Read messages from the parent: ``("run", job_id, keys, payload, share_dir)`` jobs go to a thread pool
    (one thread per slot), ``("publish", request_id, tokens, directory, drop)`` to a thread of its
    own, so a transfer never waits behind a long task; ``("free", tokens)`` is done here;
    ``("close",)`` ends it. End of input without ``close`` means the parent died (killed, or
    ``os._exit``): the worker then removes the directories its jobs were handed, which the parent
    would have removed. This
    loop only reads, so the parent's writes to this worker never block for long (a parent thread
    writing here while this worker waited on it could otherwise deadlock)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # user prints must not corrupt frames
    protocol_in = sys.stdin.buffer
    import threading
    import time
    import traceback
    from concurrent.futures import ThreadPoolExecutor

    from exec import core
    from exec.store import dumps, loads

    core.process_label = f"process-{os.getpid()}"
    write_lock = threading.Lock()
    global store
    kept = store = WorkerStore()
    spills = SpillReport()

    def reply(message: tuple) -> None:
        data = dumps(message)
        with write_lock:
            write_frame(protocol_out, data)

    def run(job_id, keys, payload) -> None:
        try:
            batch, share_dir, keep = loads(payload)
            payload = None
            worker, outcomes = run_kept(kept, batch, share_dir, keep)
            batch = None
        except BaseException as exc:  # e.g. the batch cannot be unpickled here (a missing module), or MemoryError
            now = time.perf_counter()
            worker, outcomes = core.process_label, [(keys[0] if keys else None, False, exc, traceback.format_exc(), now, now)]
        try:
            message = ("done", job_id, keys, _encode(worker, outcomes))
        except BaseException as exc:  # out of memory pickling the results: send that failure instead
            _free_kept(kept, outcomes)
            outcomes = None
            now = time.perf_counter()
            message = ("done", job_id, keys, _encode(worker, [(keys[0] if keys else None, False, exc, traceback.format_exc(), now, now)]))
        outcomes = None
        reply(message + (spills.since_last(),))

    def publish(request_id, tokens, directory, drop) -> None:
        published = kept.publish(tokens, directory, drop)
        reply(("published", request_id, {t: v if not isinstance(v, BaseException) else core.RemoteFailure(v, dumps)
                                         for t, v in published.items()}))

    _preload(os.environ.get("SQLENGINE_WORKER_PRELOAD", ""))
    threads = int(os.environ.get("SQLENGINE_WORKER_THREADS") or 1)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="sqlengine-worker")
    service = ThreadPoolExecutor(1, thread_name_prefix="sqlengine-worker-publish")
    directories: set[str] = set()  # where this worker wrote results for the parent's computations
    while True:
        frame = read_frame(protocol_in)
        message = loads(frame) if frame is not None else ("eof",)
        frame = None
        kind = message[0]
        if kind == "eof":  # the parent died without closing the pool: nobody else removes them, and
            _remove(directories)  # what runs here is for nobody: stop now, not after the tasks
            os._exit(0)
        if kind == "close":
            pool.shutdown(wait=True)
            service.shutdown(wait=True)
            return
        if kind == "run":
            pool.submit(run, *message[1:4])  # the parent sends at most ``threads`` jobs at a time
            directories.add(message[4])
        elif kind == "publish":
            service.submit(publish, *message[1:])
            directories.add(message[3])
        elif kind == "free":
            kept.free(message[1])
        message = None


def _remove(directories: set) -> None:
    """Remove the directories (in ``/dev/shm``) this worker was handed, with what is in them."""
    from exec.store import remove_directory

    for d in directories:
        if d:
            remove_directory(d)


def _preload(modules: str) -> None:
    """Import the modules the parent expects the first tasks to need, while it has no job for
    this worker yet (``ProcessPool.start``); one that fails is left to the task that needs it."""
    import importlib

    for name in filter(None, modules.split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the task importing it reports the error
            pass


def _free_kept(store: WorkerStore, outcomes: list) -> None:
    store.free([o[2].token for o in outcomes if o[1] and type(o[2]) is Kept])


if __name__ == "__main__":
    main()

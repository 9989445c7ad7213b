"""A persistent pool of worker processes for the "processes" scheduler.

Workers are plain subprocesses (``python -c``) speaking length-prefixed cloudpickle frames (``exec.store.dumps``: Arrow tables as IPC) over
pipes: they never re-run the parent's ``__main__`` (so spawn-only platforms and scripts without a
main guard work), functions from ``__main__`` and lambdas travel by value, and the pool stays alive
between computations so the second compute pays no start-up. A worker that dies fails its jobs with
``WorkerDiedError`` and is replaced on the next submit. With ``threads_per_worker`` above 1 a
worker runs that many jobs at once, each in a thread of its own (the Client's ``LocalCluster``).

Results can stay where they are made: ``submit(..., keep=nbytes)`` leaves every result of at
least ``nbytes`` in the worker's heap (``exec._worker.WorkerStore``) and hands back a
``WorkerRef``. A later job given that ref as an input goes, when it can, to the worker holding
most of its input bytes, which uses the value in place; another worker gets it through a file in
``/dev/shm`` that the holder writes on request (answered at once, even while it runs a task) and
the reader maps without a copy. Nothing large is pickled through the parent. Failing to move a
result (unpicklable, ``/dev/shm`` full, out of memory) fails the job that needed it, clearly.
"""

from __future__ import annotations

import collections
import errno
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Callable

from exec import PURGE_DELAY_MS as _PARENT_PURGE_DELAY
from exec._worker import Kept, Local, read_frame, write_frame
from exec.core import ResultTransferError, TaskError, WorkerDiedError, run_batch
from exec.errors import MemoryLimitError
from exec.memory import note_spill
from exec.store import Handle, Stored, dumps, loads, remove_directory
from exec.trampoline import Trampoline

_WORKER_PURGE_DELAY = "100"  # ms: memory a worker frees serves no other process (see exec/__init__)
KEEP_BYTES = 64 << 10  # the "processes" scheduler's results this big stay in their worker (smaller: the pipe)
# A job that would have to move this many input bytes to a free worker waits for the busy one
# holding them instead: writing a result to /dev/shm and mapping it in another process costs both
# sides page faults and system time (TPC-H SF1 moved 1.6 GB per 22 queries), and the file counts
# in the peak until the result is freed.
MOVE_BYTES = 4 << 20

_BOOT = (
    "import json, os, sys; sys.path[:0] = json.loads(os.environ['SQLENGINE_WORKER_PATH']); "
    "from exec._worker import main; main()"
)


class WorkerRef(Handle):
    """A result kept in a worker process's heap (``submit(..., keep=)``): pass it in a later
    batch's inputs to use it there, ``load()`` it here, ``delete()`` it when no task needs it.

    ``key`` is the task that made it (named in errors), ``nbytes`` its size, ``worker`` its holder
    (``pid``); ``directory`` is where it is written when another process needs it."""

    __slots__ = ("worker", "token", "nbytes", "num_rows", "key", "directory", "shared", "reads", "_deleted")
    in_memory = True

    def __init__(self, worker: "_Worker", token: int, nbytes: int, key, directory: str | None, num_rows: int | None = None):
        self.worker = worker
        self.token = token
        self.nbytes = nbytes
        self.num_rows = num_rows  # a table's rows (as ``Stored``'s), so results are counted without loading
        self.key = key
        self.directory = directory
        self.shared: Stored | None = None  # its file in /dev/shm once written for another process
        self.reads = 0  # jobs submitted with it as an input (a broadcast join's build side: every probe job)
        self._deleted = False

    @property
    def pid(self) -> int:
        return self.worker.pid

    def load(self):
        """The value, here (written by its worker to ``/dev/shm`` and mapped: no copy, no pipe;
        counted in the pool's ``bytes_received``)."""
        return WorkerRef.load_many([self])[0]

    @classmethod
    def load_many(cls, refs: list) -> list:
        """The values of ``refs``, here, in order: one request to each worker holding any, all
        answered in parallel (a ``load`` each would wait for one round trip after another). A
        value that cannot be rebuilt here is a ``ResultTransferError`` naming its task."""
        unique = list({id(r): r for r in refs}.values())
        values: dict[int, object] = {}
        by_pool: dict[int, list[WorkerRef]] = {}
        for r in unique:
            by_pool.setdefault(id(r.worker.pool), []).append(r)
        for group in by_pool.values():
            pool = group[0].worker.pool
            for r, stored in zip(group, _wait(pool.share(group))):
                try:
                    values[id(r)] = stored.load()
                except Exception as exc:
                    raise ResultTransferError(f"the result of task {r.key!r} came back from worker process {r.pid} but "
                                              f"cannot be unpickled here: {type(exc).__name__}: {exc}") from exc
            pool.bytes_received += sum(r.nbytes for r in group)
        return [values[id(r)] for r in refs]

    def moved_to(self, directory: str) -> Stored:
        """Spill: the worker writes the value to a file under ``directory`` and lets it go."""
        (stored,) = _wait(self.worker.pool.share([self], directory, drop=True))
        self._deleted = True
        if self.shared is not None:
            self.shared.delete()
        return stored

    def delete(self) -> None:
        if self._deleted:
            return
        self._deleted = True
        if self.shared is not None:
            self.shared.delete()
        self.worker.free([self.token])

    def __reduce__(self):
        raise TypeError(f"the result of task {self.key!r} is held by worker process {self.pid}: pass it to a task "
                        "submitted to the same pool (or load() it) instead of pickling it")

    def __repr__(self) -> str:
        return f"WorkerRef({self.key!r} on process {self.pid}, {self.nbytes} bytes)"


def _wait(future: Future) -> list:
    """The Future's result, waking now and then so Ctrl-C is not blocked."""
    while True:
        try:
            return future.result(timeout=0.2)
        except TimeoutError:
            continue


class _Worker:
    def __init__(self, pool: "ProcessPool"):
        env = dict(os.environ)
        env["SQLENGINE_WORKER_PATH"] = json.dumps([p if p else os.getcwd() for p in sys.path])
        env["SQLENGINE_WORKER_THREADS"] = str(pool.threads_per_worker)
        env["SQLENGINE_WORKER_PRELOAD"] = ",".join(pool.preload)
        if env.get("MIMALLOC_PURGE_DELAY") == _PARENT_PURGE_DELAY:  # exec's default, not the user's choice
            env["MIMALLOC_PURGE_DELAY"] = _WORKER_PURGE_DELAY
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches the parent only
        )
        self.pool = pool
        self.alive = True
        self.jobs: dict[int, Future] = {}  # running here (or waiting for inputs from others), by job id
        self.requests: dict[int, Callable[[dict | BaseException], None]] = {}  # publish requests, by id
        self._write_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True, name=f"sqlengine-worker-{self.proc.pid}")
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _write(self, message: tuple) -> bool:
        try:
            data = dumps(message)
            with self._write_lock:
                write_frame(self.proc.stdin, data)
            return True
        except (BrokenPipeError, OSError, ValueError):  # ValueError: its stdin was closed
            return False

    def publish(self, request_id: int, tokens: list, directory: str, drop: bool, done: Callable) -> None:
        self.requests[request_id] = done
        if not self.alive or not self._write(("publish", request_id, tokens, directory, drop)):
            if self.requests.pop(request_id, None) is not None:
                done(WorkerDiedError(f"worker process {self.pid} died before handing over its results"))

    def free(self, tokens: list) -> None:
        if self.alive:
            self._write(("free", tokens))

    def _read(self) -> None:
        try:
            while True:
                frame = read_frame(self.proc.stdout)
                if frame is None:
                    self._died()
                    return
                self.pool.bytes_received += len(frame)
                message = loads(frame)
                frame = None
                if message[0] == "published":
                    done = self.requests.pop(message[1], None)
                    if done is not None:
                        done(message[2])
                    continue
                _, job_id, keys, outcomes, spilled = message
                message = None
                for name, nbytes in spilled.items():  # counted here before the job's result is seen
                    note_spill(nbytes, name)
                job = self.jobs.pop(job_id, None)
                if job is not None and not job.done():
                    try:
                        job.set_result(self._refs(loads(outcomes), getattr(job, "share_dir", None)))
                    except Exception as exc:  # e.g. a result whose class the parent cannot import
                        err = ResultTransferError(f"the results of tasks {keys!r} came back from a worker process but cannot be unpickled here: {type(exc).__name__}: {exc}")
                        job.set_exception(err)
                else:  # its computation is gone (cancelled, failed): remove what the worker stored
                    self._discard(outcomes)
                outcomes = None
                self.pool._worker_free(self)
        except BaseException as exc:  # e.g. MemoryError reading a large frame: fail the jobs, never hang
            self._failed(exc)

    def _refs(self, result: tuple, directory: str | None) -> tuple:
        """Outcomes with each ``Kept`` result wrapped in a ``WorkerRef`` to this worker."""
        worker, outcomes = result
        if not any(o[1] and type(o[2]) is Kept for o in outcomes):
            return result
        return worker, [(key, ok, WorkerRef(self, value.token, value.nbytes, key, directory, value.num_rows) if ok and type(value) is Kept else value, tb, t0, t1)
                        for key, ok, value, tb, t0, t1 in outcomes]

    def _discard(self, outcomes: bytes) -> None:
        try:
            _, items = loads(outcomes)
        except Exception:
            return
        for item in items:
            if item[1] and type(item[2]) is Stored:
                item[2].delete()
        self.free([item[2].token for item in items if item[1] and type(item[2]) is Kept])

    def _fail_all(self, make_error: Callable[[], BaseException]) -> None:
        self.alive = False
        jobs, self.jobs = self.jobs, {}
        requests, self.requests = self.requests, {}
        self.pool._worker_lost(self)
        for done in requests.values():
            done(make_error())
        for job in jobs.values():
            if not job.done():
                job.set_exception(make_error())

    def _failed(self, exc: BaseException) -> None:
        """This reader cannot go on (the stream is in an unknown state): the jobs fail with a
        ``WorkerDiedError`` saying why, and the worker is killed and replaced."""
        self.kill()

        def error() -> BaseException:
            if isinstance(exc, MemoryError):
                err: BaseException = MemoryLimitError(f"the parent process ran out of memory receiving the results of worker process {self.proc.pid}")
            else:
                err = WorkerDiedError(f"the results of worker process {self.proc.pid} could not be received: {type(exc).__name__}: {exc}")
            err.__cause__ = exc
            return err

        self._fail_all(error)

    def _died(self) -> None:
        self.alive = False
        try:
            code = self.proc.wait(timeout=2)  # its pipe closed: it is exiting
        except subprocess.TimeoutExpired:
            code = None
        self._fail_all(lambda: WorkerDiedError(f"worker process {self.proc.pid} died (exit code {code}) while running tasks or holding their results"))

    def close(self) -> None:
        """Ask the worker to exit once its current job is done: a ``close`` message, then end of
        input (end of input alone means this process died, and the worker removes what it wrote)."""
        if self.alive:
            self._write(("close",))
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass


class _Job:
    """A submitted batch waiting for a worker slot (and, once placed, for inputs from other workers)."""

    __slots__ = ("job_id", "future", "batch", "args", "keep", "refs")

    def __init__(self, job_id: int, future: Future, batch: list, args: tuple, keep: int | None):
        self.job_id = job_id
        self.future = future
        self.batch = batch
        self.args = args
        self.keep = keep
        self.refs = [v for _, _, data in batch for v in data.values() if type(v) is WorkerRef]
        for r in self.refs:
            r.reads += 1

    def bytes_on(self, worker: _Worker) -> int:
        return sum(r.nbytes for r in self.refs if r.worker is worker)

    def bytes_to_move(self, worker: _Worker) -> int:
        """Input bytes other workers would have to write out for ``worker`` to run this job, an
        input read by several jobs counted as its share: written once, it serves every later one
        (moving a broadcast join's build side once beats moving every probe partition to it)."""
        return sum(r.nbytes // r.reads for r in self.refs if r.worker is not worker and r.shared is None)


class ProcessPool:
    """``submit(fn, *args) -> Future`` over persistent worker processes."""

    def __init__(self, num_workers: int, threads_per_worker: int = 1):
        self.num_workers = num_workers
        self.threads_per_worker = threads_per_worker
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._idle: collections.deque[_Worker] = collections.deque()  # one entry per free thread
        self._queue: collections.deque[_Job] = collections.deque()
        self._ids = 0
        self._share_dir: str | None = None  # for refs of jobs submitted without a directory of their own
        self._share_dirs: set[str] = set()  # the computations' directories its jobs were handed (``shutdown``)
        self.lost_callbacks: list[Callable[[int], None]] = []  # called with the pid of a worker that died
        self.preload: tuple[str, ...] = ()  # modules a new worker imports as it starts (``start``)
        self.bytes_received = 0  # frames read from the workers and refs loaded here (a test's measure of what moved)
        # a job that fails as it is sent frees its slot, which dispatches again: in a loop, not
        # nested (a queue of such jobs, or a Client's callback submitting more, would recurse)
        self._dispatch = Trampoline(self._dispatch_queued)

    def submit(self, fn: Callable, batch: list, *args, keep: int | None = None) -> Future:
        """Run ``exec.core.run_batch(batch, *args)`` in a worker; the only job workers do.

        With ``keep``, results of at least that many bytes stay in the worker and come back as
        ``WorkerRef``; ``args[0]``, when given, is the directory (in ``/dev/shm``) where they are
        written for other processes, else one of the pool's own. Inputs may be ``WorkerRef`` of
        this pool: the job then prefers the worker holding most of their bytes."""
        if fn is not run_batch:
            raise TypeError("the process pool runs exec.core.run_batch jobs only")
        future: Future = Future()
        with self._lock:
            self._ids += 1
            job_id = self._ids
        future.share_dir = args[0] if args else None
        future.set_running_or_notify_cancel()
        with self._lock:
            if future.share_dir is not None and future.share_dir not in self._share_dirs:
                self._share_dirs = {d for d in self._share_dirs if os.path.isdir(d)}  # the closed ones are gone
                self._share_dirs.add(future.share_dir)
            self._queue.append(_Job(job_id, future, batch, args, keep))
            self._grow_locked()
        self._dispatch()
        return future

    def start(self, preload: tuple[str, ...] = ()) -> None:
        """Start every worker now rather than at the first jobs: each boots in its own process
        while this one goes on, importing ``preload`` (the modules its first tasks will unpickle,
        a second or more of imports) before it reads its first job."""
        with self._lock:
            self.preload = tuple(dict.fromkeys(self.preload + tuple(preload)))
            while len(self._workers) < self.num_workers:
                self._spawn_locked()
        self._dispatch()

    def _grow_locked(self) -> None:
        """Start a worker when jobs wait, none is idle and the pool is below its size (lazy start)."""
        while self._queue and not self._idle and len(self._workers) < self.num_workers:
            self._spawn_locked()

    def _spawn_locked(self) -> None:
        worker = _Worker(self)
        self._workers.append(worker)
        self._idle.extend([worker] * self.threads_per_worker)

    def _dispatch_queued(self) -> None:
        """Send queued jobs to free slots while there are both (``_dispatch`` calls it)."""
        while True:
            with self._lock:
                if not self._queue or not self._idle:
                    return
                picked = self._pick_locked()
                if picked is None:  # every queued job waits for the busy worker holding its inputs
                    return
                job, worker = picked
            if job.future.cancelled():
                with self._lock:
                    self._idle.append(worker)
                continue
            self._place(job, worker)

    def _pick_locked(self) -> tuple[_Job, _Worker] | None:
        """The next job and the free slot for it, or None when every queued job waits for a busy
        worker. A job goes where the fewest of its input bytes must be written out by other
        workers (``bytes_to_move``: an input already in ``/dev/shm`` costs nothing more, so a
        broadcast join's build side moves once to each worker and the probe partitions stay where
        they are); among equals, where most of them are, then the oldest job. A job that would move
        ``MOVE_BYTES`` more to a free worker than to a busy one waits for that one instead. Queues
        are short (two jobs a slot), so a job passed over runs when its inputs' worker is free."""
        free = list(dict.fromkeys(self._idle))
        busy = [w for w in self._workers if w not in free]
        best, best_worker, best_score = 0, free[0], None
        for i, job in enumerate(self._queue):
            wait_for = min((job.bytes_to_move(w) for w in busy), default=None) if job.refs else None
            for worker in free:
                score = (job.bytes_to_move(worker), -job.bytes_on(worker), i) if job.refs else (0, 0, i)
                if wait_for is not None and score[0] - wait_for >= MOVE_BYTES:
                    continue  # a busy worker has most of its inputs: it runs there next rather than move them here
                if best_score is None or score < best_score:
                    best, best_worker, best_score = i, worker, score
        if best_score is None:
            return None
        job = self._queue[best]
        del self._queue[best]
        self._idle.remove(best_worker)
        return job, best_worker

    def _place(self, job: _Job, worker: _Worker) -> None:
        """Send ``job`` to ``worker`` once every input held elsewhere is in ``/dev/shm``."""
        worker.jobs[job.job_id] = job.future  # its slot is taken while transfers run
        elsewhere = [r for r in job.refs if r.worker is not worker and r.shared is None]
        if not elsewhere:
            self._send(job, worker)
            return
        def ready(shared: list | BaseException) -> None:
            if isinstance(shared, BaseException):
                if worker.jobs.pop(job.job_id, None) is not None:
                    if not job.future.done():
                        job.future.set_exception(shared)
                    self._worker_free(worker)
                return
            self._send(job, worker)
        chained = self.share(elsewhere)
        chained.add_done_callback(lambda f: ready(f.exception() or f.result()))

    def _send(self, job: _Job, worker: _Worker) -> None:
        if worker.jobs.get(job.job_id) is not job.future:  # the worker died meanwhile: the job failed
            return
        def local(v):
            if type(v) is not WorkerRef:
                return v
            return Local(v.token) if v.worker is worker else v.shared
        batch = [(key, task, {d: local(v) for d, v in data.items()} if data and job.refs else data) for key, task, data in job.batch]
        job.batch = None
        keys = [item[0] for item in batch]
        share_dir = job.args[0] if job.args else None
        try:
            payload = dumps((batch, share_dir, job.keep))
        except Exception as exc:  # an argument that cannot be pickled: that task fails, clearly
            exc.add_note(f"while sending task {keys[0]!r} to a worker process (its arguments must be picklable)" if len(keys) == 1
                         else f"while sending tasks {keys!r} to a worker process (their arguments must be picklable)")
            worker.jobs.pop(job.job_id, None)
            job.future.set_exception(exc)
            self._worker_free(worker)
            return
        del batch
        if not worker._write(("run", job.job_id, keys, payload, share_dir)):
            worker._died()

    def share(self, refs: list, directory: str | None = None, drop: bool = False) -> Future:
        """A Future of ``Stored`` files for ``refs`` (in their order), written by their workers
        under ``directory`` (default: each ref's own, in ``/dev/shm``). Without ``drop`` the
        workers keep the values (as views of the files) and the refs remember the files."""
        out: Future = Future()
        by_worker: dict[_Worker, list[WorkerRef]] = {}
        for r in refs:
            if r.shared is not None and not drop:
                continue
            by_worker.setdefault(r.worker, []).append(r)
        pending = [len(by_worker)]
        lock = threading.Lock()
        failure: list[BaseException] = []

        def finish() -> None:
            if failure:
                out.set_exception(failure[0])
            else:
                out.set_result([r.shared for r in refs] if not drop else [stored[id(r)] for r in refs])

        stored: dict[int, Stored] = {}

        def answered(group: list[WorkerRef], reply) -> None:
            if isinstance(reply, BaseException):  # its worker died: the results it held are gone
                err = WorkerDiedError(f"the result of task {group[0].key!r} was lost: {reply}")
                err.__cause__ = reply
                failure.append(err)
            else:
                for r in group:
                    got = reply.get(r.token)
                    if type(got) is Stored:
                        if drop:
                            stored[id(r)] = got
                        else:
                            r.shared = got
                    else:
                        failure.append(_transfer_error(r, got))
            with lock:
                pending[0] -= 1
                last = pending[0] == 0
            if last:
                finish()

        if not by_worker:
            finish()
            return out
        for worker, group in by_worker.items():
            with self._lock:
                self._ids += 1
                request_id = self._ids
            target = directory or group[0].directory or self._default_share_dir()
            worker.publish(request_id, [r.token for r in group], target, drop, lambda reply, group=group: answered(group, reply))
        return out

    def _default_share_dir(self) -> str:
        with self._lock:
            if self._share_dir is None:
                import tempfile

                root = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
                self._share_dir = tempfile.mkdtemp(prefix="sqlengine-share-pool-", dir=root)
            return self._share_dir

    def _worker_free(self, worker: _Worker) -> None:
        retire = False
        with self._lock:
            if worker in self._workers:
                if len(self._workers) > self.num_workers and not worker.jobs:  # the pool was shrunk
                    self._workers.remove(worker)
                    self._idle = collections.deque(w for w in self._idle if w is not worker)
                    retire = True
                elif len(self._workers) <= self.num_workers:
                    self._idle.append(worker)
        if retire:
            worker.close()
        self._dispatch()

    def resize(self, num_workers: int) -> None:
        """Change the worker count: extra idle workers stop now, busy ones when they finish."""
        with self._lock:
            self.num_workers = num_workers
            retire = []
            for worker in list(self._workers):
                if len(self._workers) - len(retire) <= num_workers:
                    break
                if not worker.jobs:
                    retire.append(worker)
            for worker in retire:
                self._workers.remove(worker)
            self._idle = collections.deque(w for w in self._idle if w not in retire)
            self._grow_locked()
        for worker in retire:
            worker.close()
        self._dispatch()

    def _worker_lost(self, worker: _Worker) -> None:
        for callback in list(self.lost_callbacks):  # a Client forgets the refs it held there
            callback(worker.pid)
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            self._idle = collections.deque(w for w in self._idle if w is not worker)
            self._grow_locked()  # a replacement, if jobs are waiting (else on the next submit)
        self._dispatch()

    def interrupt(self, futures: set | None = None) -> None:
        """Drop queued jobs and kill the workers running them (a running task cannot be stopped
        otherwise); with ``futures``, only those jobs, so other users of the pool are unaffected."""
        with self._lock:
            mine = (lambda f: True) if futures is None else (lambda f: f in futures)
            dropped = [job for job in self._queue if mine(job.future)]
            self._queue = collections.deque(job for job in self._queue if not mine(job.future))
            busy = [w for w in self._workers if any(mine(f) for f in w.jobs.values())]
        for job in dropped:
            if not job.future.done():
                job.future.set_exception(KeyboardInterrupt())
        for w in busy:
            w.kill()

    def running_on(self, futures: set) -> dict[int, bool]:
        """For the workers running any of the jobs ``futures``: pid -> whether they run nothing else
        (a Client's cancel kills such a worker: ``kill_worker``)."""
        with self._lock:
            return {w.pid: all(f in futures for f in w.jobs.values()) for w in self._workers
                    if any(f in futures for f in w.jobs.values())}

    def kill_worker(self, pid: int) -> None:
        """Kill one worker (its jobs fail with ``WorkerDiedError``, its refs are lost; it is
        replaced when jobs wait): how a running task is cancelled."""
        with self._lock:
            target = next((w for w in self._workers if w.pid == pid), None)
        if target is not None:
            target.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers]

    def shutdown(self) -> None:
        """Stop the workers and remove the directories in ``/dev/shm`` they were handed: the pool's
        own, and those of computations that never finished (one running in a daemon thread when
        the interpreter exits never reaches the ``finally`` that would remove its own)."""
        with self._lock:
            workers, self._workers = list(self._workers), []
            self._idle.clear()
            share_dirs = self._share_dirs | ({self._share_dir} if self._share_dir is not None else set())
            self._share_dir, self._share_dirs = None, set()
        for w in workers:
            w.close()
        for w in workers:
            try:
                w.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                w.kill()
        for d in share_dirs:
            remove_directory(d)


def _transfer_error(ref: WorkerRef, failure) -> BaseException:
    """The error for a result its worker could not write out for another process."""
    from exec.core import RemoteFailure

    exc, why = failure.load() if isinstance(failure, RemoteFailure) else (failure, "")
    name = failure.type_name if isinstance(failure, RemoteFailure) else type(failure).__name__
    what = f"the result of task {ref.key!r} ({ref.nbytes / 1e6:.1f} MB, held by worker process {ref.pid})"
    text = str(exc) if exc is not None else getattr(failure, "message", "")
    if name == "MemoryError" or isinstance(exc, MemoryError):
        err: BaseException = MemoryLimitError(f"{what} could not be handed to another process: out of memory ({text})")
    elif isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        err = MemoryLimitError(f"{what} could not be handed to another process: {ref.directory or '/dev/shm'} is full; "
                               "free space there, lower memory_limit so results spill to disk, or use the threads scheduler")
    elif isinstance(exc, OSError) or name.endswith("LostResultError"):
        err = TaskError(f"{what} could not be handed to another process: {name}: {text}")
    else:  # it does not pickle
        err = ResultTransferError(f"{what} could not be handed to another process: {name}: {text}")
    if exc is not None:
        err.__cause__ = exc
    return err

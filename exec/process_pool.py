"""A persistent pool of worker processes for the "processes" scheduler.

Workers are plain subprocesses (``python -c``) speaking length-prefixed cloudpickle frames (``exec.store.dumps``: Arrow tables as IPC) over
pipes: they never re-run the parent's ``__main__`` (so spawn-only platforms and scripts without a
main guard work), functions from ``__main__`` and lambdas travel by value, and the pool stays alive
between computations so the second compute pays no start-up. A worker that dies fails its jobs with
``WorkerDiedError`` and is replaced on the next submit. With ``threads_per_worker`` above 1 a
worker runs that many jobs at once, each in a thread of its own (the Client's ``LocalCluster``).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Callable

from exec._worker import read_frame, write_frame
from exec.core import TaskError, WorkerDiedError, run_batch
from exec.store import Stored, dumps, loads

_BOOT = (
    "import json, os, sys; sys.path[:0] = json.loads(os.environ['SQLENGINE_WORKER_PATH']); "
    "from exec._worker import main; main()"
)


class _Worker:
    def __init__(self, pool: "ProcessPool"):
        env = dict(os.environ)
        env["SQLENGINE_WORKER_PATH"] = json.dumps([p if p else os.getcwd() for p in sys.path])
        env["SQLENGINE_WORKER_THREADS"] = str(pool.threads_per_worker)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches the parent only
        )
        self.pool = pool
        self.jobs: dict[int, Future] = {}  # running here, by job id
        self.controls: dict[int, Future] = {}  # result-store requests awaiting their reply
        self.queue: collections.deque[tuple[int, Future, bytes]] = collections.deque()  # jobs for this worker only
        self.reader = threading.Thread(target=self._read, daemon=True, name=f"sqlengine-worker-{self.proc.pid}")
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, job_id: int, future: Future, payload: bytes) -> None:
        self.jobs[job_id] = future
        try:
            write_frame(self.proc.stdin, payload)
        except (BrokenPipeError, OSError):
            self._died()

    def _read(self) -> None:
        try:
            while True:
                frame = read_frame(self.proc.stdout)
                if frame is None:
                    self._died()
                    return
                self.pool.bytes_received += len(frame)
                job_id, keys, outcomes = loads(frame)
                frame = None
                if keys is None:  # the reply to a result-store control
                    self._control_reply(job_id, outcomes)
                    continue
                job = self.jobs.pop(job_id, None)
                if job is not None and not job.done():
                    try:
                        job.set_result(loads(outcomes))
                    except Exception as exc:  # e.g. a result whose class the parent cannot import
                        err = TaskError(f"the results of tasks {keys!r} came back from a worker process but cannot be unpickled here: {type(exc).__name__}: {exc}")
                        job.set_exception(err)
                else:  # its computation is gone (cancelled, failed): remove what the worker stored
                    _discard_stored(outcomes)
                outcomes = None
                self.pool._worker_free(self)
        except BaseException as exc:  # e.g. MemoryError reading a large frame: fail the jobs, never hang
            self._failed(exc)

    def _control_reply(self, job_id: int, reply: bytes) -> None:
        fut = self.controls.pop(job_id, None)
        if fut is None:
            return
        try:
            ok, value = loads(reply)
        except Exception as exc:
            ok, value = False, TaskError(f"a reply of worker process {self.proc.pid} cannot be unpickled here: {type(exc).__name__}: {exc}")
        fut.set_result(value) if ok else fut.set_exception(value)

    def _fail_pending(self, make_error: Callable[[], BaseException]) -> None:
        """Fail what waits on this worker: its running jobs, its queued ones, its controls."""
        pending = list(self.jobs.values()) + [job[1] for job in self.queue] + list(self.controls.values())
        self.jobs, self.controls = {}, {}
        self.queue.clear()
        for fut in pending:
            if not fut.done():
                fut.set_exception(make_error())

    def _failed(self, exc: BaseException) -> None:
        """This reader cannot go on (the stream is in an unknown state): the jobs fail with a
        ``WorkerDiedError`` saying why, and the worker is killed and replaced."""
        self.kill()
        self.pool._worker_lost(self)

        def error() -> BaseException:
            err = WorkerDiedError(f"the results of worker process {self.proc.pid} could not be received: {type(exc).__name__}: {exc}")
            if isinstance(exc, MemoryError):
                from exec.errors import MemoryLimitError

                err = MemoryLimitError(f"the parent process ran out of memory receiving the results of worker process {self.proc.pid}")
            err.__cause__ = exc
            return err

        self._fail_pending(error)

    def _died(self) -> None:
        try:
            code = self.proc.wait(timeout=2)  # its pipe closed: it is exiting
        except subprocess.TimeoutExpired:
            code = None
        self.pool._worker_lost(self)
        self._fail_pending(lambda: WorkerDiedError(f"worker process {self.proc.pid} died (exit code {code}) while running tasks"))

    def control(self, op: str, arg, reply: bool) -> Future | None:
        fut: Future | None = None
        with self.pool._lock:
            self.pool._ids += 1
            job_id = self.pool._ids
            if reply:
                fut = self.controls[job_id] = Future()
        try:
            write_frame(self.proc.stdin, dumps(("control", job_id if reply else None, op, arg)))
        except (BrokenPipeError, OSError):
            self._died()
        return fut

    def close(self) -> None:
        """Ask the worker to exit once its current job is done (it stops at end of input)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass


def _discard_stored(outcomes: bytes) -> None:
    try:
        _, items = loads(outcomes)
    except Exception:
        return
    for item in items:
        if item[1] and type(item[2]) is Stored:
            item[2].delete()


class ProcessPool:
    """``submit(fn, *args) -> Future`` over persistent worker processes."""

    def __init__(self, num_workers: int, threads_per_worker: int = 1):
        self.num_workers = num_workers
        self.threads_per_worker = threads_per_worker
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._idle: collections.deque[_Worker] = collections.deque()  # one entry per free thread
        self._queue: collections.deque[tuple[int, Future, bytes]] = collections.deque()
        self._ids = 0
        self.lost_callbacks: list[Callable[[int], None]] = []  # called with the pid of a worker that died
        self.bytes_received = 0  # frames read from the workers (a test's measure of what moved)

    def submit(self, fn: Callable, batch: list, *args, worker: int | None = None, hold: tuple | None = None) -> Future:
        """Run ``exec.core.run_batch(batch, *args)`` in a worker; the only job workers do.

        For a Client (``frames.futures.local``): ``worker`` (a pid) runs it on that worker, which
        holds some of its inputs (a gone worker fails it with ``WorkerDiedError``, ``not_started``);
        ``hold=(inline, tokens)`` makes it a job of the worker's result store: ``HeldInput`` values
        among the inputs are read from the store, and results of ``inline`` bytes or more stay there
        under their task's token (the reply carries ``HeldResult`` sizes and the worker's pid)."""
        if fn is not run_batch:
            raise TypeError("the process pool runs exec.core.run_batch jobs only")
        future: Future = Future()
        with self._lock:
            self._ids += 1
            job_id = self._ids
        keys = [item[0] for item in batch]
        try:
            inner = dumps((batch, *args))
            payload = dumps((job_id, keys, inner) if hold is None else (job_id, keys, inner, hold))
        except Exception as exc:  # an argument that cannot be pickled: that task fails, clearly
            exc.add_note(f"while sending task {keys[0]!r} to a worker process (its arguments must be picklable)" if len(keys) == 1
                         else f"while sending tasks {keys!r} to a worker process (their arguments must be picklable)")
            future.set_exception(exc)
            return future
        future.set_running_or_notify_cancel()
        with self._lock:
            if worker is None:
                self._queue.append((job_id, future, payload))
                self._grow_locked()
            else:
                target = next((w for w in self._workers if w.pid == worker), None)
                if target is None:
                    err = WorkerDiedError(f"worker process {worker} is gone")
                    err.not_started = True
                    future.set_exception(err)
                    return future
                target.queue.append((job_id, future, payload))
        self._dispatch()
        return future

    def control(self, worker: int, op: str, arg, reply: bool = True) -> Future | None:
        """Ask worker ``worker``'s result store (``exec._worker.ResultStore.control``) now, beside
        its running jobs: a Future of the answer (``WorkerDiedError`` if the worker is gone)."""
        with self._lock:
            target = next((w for w in self._workers if w.pid == worker), None)
        if target is None:
            if not reply:
                return None
            fut: Future = Future()
            fut.set_exception(WorkerDiedError(f"worker process {worker} is gone"))
            return fut
        return target.control(op, arg, reply)

    def kill_worker(self, pid: int) -> None:
        """Kill one worker (it is replaced when jobs wait): how a running task is cancelled."""
        with self._lock:
            target = next((w for w in self._workers if w.pid == pid), None)
        if target is not None:
            target.kill()

    def running_on(self, futures: set) -> dict[int, bool]:
        """For the workers running any of the jobs ``futures``: pid -> whether they run nothing else."""
        with self._lock:
            return {w.pid: all(f in futures for f in w.jobs.values()) for w in self._workers
                    if any(f in futures for f in w.jobs.values())}

    def _grow_locked(self) -> None:
        """Start a worker when jobs wait, none is idle and the pool is below its size (lazy start)."""
        while self._queue and not self._idle and len(self._workers) < self.num_workers:
            worker = _Worker(self)
            self._workers.append(worker)
            self._idle.extend([worker] * self.threads_per_worker)

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if not self._idle:
                    return
                # a free thread takes its own worker's jobs first, then the shared queue's
                i = next((i for i, w in enumerate(self._idle) if w.queue), None)
                if i is not None:
                    worker = self._idle[i]
                    del self._idle[i]
                    job_id, future, payload = worker.queue.popleft()
                elif self._queue:
                    worker = self._idle.popleft()
                    job_id, future, payload = self._queue.popleft()
                else:
                    return
            if future.cancelled():
                with self._lock:
                    self._idle.append(worker)
                continue
            worker.send(job_id, future, payload)

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
        for callback in list(self.lost_callbacks):  # a Client forgets what the worker held
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
            dropped = [job for job in self._queue if mine(job[1])]
            self._queue = collections.deque(job for job in self._queue if not mine(job[1]))
            busy = [w for w in self._workers if any(mine(f) for f in w.jobs.values())]
        for _, fut, _ in dropped:
            if not fut.done():
                fut.set_exception(KeyboardInterrupt())
        for w in busy:
            w.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers]

    def shutdown(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers), []
            self._idle.clear()
        for w in workers:
            try:
                w.proc.stdin.close()
            except OSError:
                pass
        for w in workers:
            try:
                w.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                w.kill()

"""A persistent pool of worker processes for the "processes" scheduler.

Workers are plain subprocesses (``python -c``) speaking length-prefixed cloudpickle frames over
pipes: they never re-run the parent's ``__main__`` (so spawn-only platforms and scripts without a
main guard work), functions from ``__main__`` and lambdas travel by value, and the pool stays alive
between computations so the second compute pays no start-up. A worker that dies fails its job with
``WorkerDiedError`` and is replaced on the next submit.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any, Callable

import cloudpickle

from exec._worker import read_frame, write_frame
from exec.core import WorkerDiedError

_BOOT = (
    "import json, os, sys; sys.path[:0] = json.loads(os.environ['SQLENGINE_WORKER_PATH']); "
    "from exec._worker import main; main()"
)


class _Worker:
    def __init__(self, pool: "ProcessPool"):
        env = dict(os.environ)
        env["SQLENGINE_WORKER_PATH"] = json.dumps([p if p else os.getcwd() for p in sys.path])
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches the parent only
        )
        self.pool = pool
        self.job: tuple[int, Future] | None = None
        self.reader = threading.Thread(target=self._read, daemon=True, name=f"sqlengine-worker-{self.proc.pid}")
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, job_id: int, future: Future, payload: bytes) -> None:
        self.job = (job_id, future)
        try:
            write_frame(self.proc.stdin, payload)
        except (BrokenPipeError, OSError):
            self._died()

    def _read(self) -> None:
        while True:
            frame = read_frame(self.proc.stdout)
            if frame is None:
                self._died()
                return
            job_id, outcomes = cloudpickle.loads(frame)
            job, self.job = self.job, None
            if job is not None and job[0] == job_id and not job[1].done():
                try:
                    job[1].set_result(cloudpickle.loads(outcomes))
                except Exception as exc:  # an exception type the parent cannot import
                    job[1].set_exception(WorkerDiedError(f"could not read a worker's result: {exc}"))
            self.pool._worker_free(self)

    def _died(self) -> None:
        job, self.job = self.job, None
        try:
            code = self.proc.wait(timeout=2)  # its pipe closed: it is exiting
        except subprocess.TimeoutExpired:
            code = None
        if job is not None and not job[1].done():
            job[1].set_exception(WorkerDiedError(f"worker process {self.proc.pid} died (exit code {code}) while running tasks"))
        self.pool._worker_lost(self)

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass


class ProcessPool:
    """``submit(fn, *args) -> Future`` over persistent worker processes."""

    def __init__(self, num_workers: int):
        self.num_workers = num_workers
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._idle: collections.deque[_Worker] = collections.deque()
        self._queue: collections.deque[tuple[int, Future, bytes]] = collections.deque()
        self._ids = 0

    def submit(self, fn: Callable, *args: Any) -> Future:
        future: Future = Future()
        try:
            payload_obj = args[0] if fn.__name__ == "run_batch" else None
            if payload_obj is None:
                raise TypeError("the process pool runs task batches only")
        except AttributeError:
            raise TypeError("the process pool runs task batches only") from None
        with self._lock:
            self._ids += 1
            job_id = self._ids
        try:
            payload = cloudpickle.dumps((job_id, payload_obj))
        except Exception as exc:
            future.set_exception(exc)
            return future
        future.set_running_or_notify_cancel()
        with self._lock:
            self._queue.append((job_id, future, payload))
            while len(self._workers) < self.num_workers and not self._idle:
                worker = _Worker(self)
                self._workers.append(worker)
                self._idle.append(worker)
        self._dispatch()
        return future

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if not self._queue or not self._idle:
                    return
                worker = self._idle.popleft()
                job_id, future, payload = self._queue.popleft()
            if future.cancelled():
                with self._lock:
                    self._idle.append(worker)
                continue
            worker.send(job_id, future, payload)

    def _worker_free(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._idle.append(worker)
        self._dispatch()

    def _worker_lost(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            need_new = bool(self._queue) and len(self._workers) < self.num_workers
            if need_new:
                replacement = _Worker(self)
                self._workers.append(replacement)
                self._idle.append(replacement)
        if need_new:
            self._dispatch()

    def interrupt(self) -> None:
        """Drop queued jobs and kill busy workers (their tasks cannot be stopped otherwise)."""
        with self._lock:
            queued, self._queue = list(self._queue), collections.deque()
            busy = [w for w in self._workers if w.job is not None]
        for _, fut, _ in queued:
            fut.cancel()
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

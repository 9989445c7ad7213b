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
    from exec.core import RemoteFailure
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

                kind = MemoryError if isinstance(exc, MemoryError) else TypeError
                err = kind(f"the result of task {key!r} ({type(value).__name__}) cannot be sent back from a worker process: {exc}")
                safe.append((key, False, RemoteFailure(err, dumps), traceback.format_exc(), t0, t1))
                break
        safe.append((key, ok, value, tb, t0, t1))
    return dumps((worker, safe))


class HeldInput:
    """A task input a worker holds in its result store (a Client's ``held`` job): ``key`` names it."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __reduce__(self):
        return (HeldInput, (self.key,))


class HeldResult:
    """What a ``held`` job sends back for a result it kept in the worker's store: its size (and
    row count, for a table: what a query's statistics read of it) only."""

    __slots__ = ("nbytes", "num_rows")

    def __init__(self, nbytes: int, num_rows: int | None = None):
        self.nbytes = nbytes
        self.num_rows = num_rows

    def __reduce__(self):
        return (HeldResult, (self.nbytes, self.num_rows))


class ResultStore:
    """The results a worker process keeps for a Client (``frames.futures.local``), by token, until
    the Client fetches, exports or releases them: a chain of futures reads its inputs here, never
    through the parent. Used from the job threads and the control loop (dict operations only)."""

    def __init__(self):
        self.values: dict = {}

    def inputs(self, data: dict) -> dict:
        """``data`` with each ``HeldInput`` replaced by the value held (a ``KeyError`` naming a
        missing one fails the task)."""
        for v in data.values():
            if type(v) is HeldInput:
                return {k: self.values[v.key] if type(v) is HeldInput else v for k, v in data.items()}
        return data

    def keep(self, outcomes: list, inline: int, tokens: list) -> list:
        """Keep each result of at least ``inline`` bytes (``exec.store.sizeof``) here under its
        task's token (None: wanted back) and send its size instead; smaller ones travel back."""
        from exec.store import sizeof

        out = []
        for o, token in zip(outcomes, tokens):
            if o[1] and token is not None:
                n = sizeof(o[2])
                if n >= inline:
                    self.values[token] = o[2]
                    rows = getattr(o[2], "num_rows", None)
                    o = (o[0], True, HeldResult(n, rows if isinstance(rows, int) else None), o[3], o[4], o[5])
            out.append(o)
        return out

    def control(self, op: str, arg):
        """``fetch`` tokens -> {token: value}; ``export`` (tokens, directory) -> {token: Stored} (each
        value written to a file there: other workers load it over a memory map); ``release`` tokens."""
        if op == "fetch":
            return {k: self.values[k] for k in arg if k in self.values}
        if op == "export":
            from exec.store import store

            keys, directory = arg
            return {k: store(self.values[k], directory) for k in keys if k in self.values}
        if op == "release":
            for k in arg:
                self.values.pop(k, None)
            return None
        raise ValueError(f"unknown worker control {op!r}")


def main() -> None:
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

    held = ResultStore()

    def run(message: tuple) -> None:
        job_id, keys, payload, *hold = message
        message = None
        try:
            if hold:  # a Client's job: inputs from the store, large results kept in it
                (inline, tokens), = hold
                batch, *args = loads(payload)
                batch = [(k, t, held.inputs(d)) for k, t, d in batch]
                worker, outcomes = core.run_batch(batch, *args)
                worker, outcomes = os.getpid(), held.keep(outcomes, inline, tokens)
            else:
                worker, outcomes = core.run_batch(*loads(payload))
        except BaseException as exc:  # e.g. the batch cannot be unpickled here (a missing module), or MemoryError
            now = time.perf_counter()
            worker, outcomes = core.process_label, [(keys[0] if keys else None, False, exc, traceback.format_exc(), now, now)]
        payload = None
        try:
            reply = dumps((job_id, keys, _encode(worker, outcomes)))
        except BaseException as exc:  # out of memory pickling the results: send that failure instead
            outcomes = None
            now = time.perf_counter()
            reply = dumps((job_id, keys, _encode(worker, [(keys[0] if keys else None, False, exc, traceback.format_exc(), now, now)])))
        outcomes = None
        with write_lock:
            write_frame(protocol_out, reply)

    def control(message: tuple) -> None:
        _, job_id, op, arg = message
        try:
            reply = dumps((job_id, None, dumps((True, held.control(op, arg)))))
        except BaseException as exc:
            reply = dumps((job_id, None, dumps((False, RuntimeError(f"worker control {op} failed: {type(exc).__name__}: {exc}")))))
        if job_id is not None:
            with write_lock:
                write_frame(protocol_out, reply)

    # jobs run in threads (the parent sends at most ``threads`` at a time), so the loop stays free
    # for controls of the result store (a fetch is answered while a long task runs)
    threads = int(os.environ.get("SQLENGINE_WORKER_THREADS") or 1)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="sqlengine-worker")
    while True:
        frame = read_frame(protocol_in)
        if frame is None:
            pool.shutdown(wait=True)
            return
        message = loads(frame)
        frame = None
        if message[0] == "control":
            control(message)
        else:
            pool.submit(run, message)
        message = None


if __name__ == "__main__":
    main()

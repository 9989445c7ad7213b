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

    def run(frame: bytes) -> None:
        job_id, keys, payload = loads(frame)
        frame = None
        try:
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

    threads = int(os.environ.get("SQLENGINE_WORKER_THREADS") or 1)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="sqlengine-worker") if threads > 1 else None
    while True:
        frame = read_frame(protocol_in)
        if frame is None:
            if pool is not None:
                pool.shutdown(wait=True)
            return
        if pool is None:
            run(frame)
        else:  # the parent sends at most ``threads`` jobs at a time
            pool.submit(run, frame)
        frame = None


if __name__ == "__main__":
    main()

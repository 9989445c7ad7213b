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


def _dumps_outcomes(outcomes: list) -> bytes:
    import cloudpickle

    try:
        return cloudpickle.dumps(outcomes)
    except Exception:
        safe = []
        for key, ok, value, tb, elapsed in outcomes:
            if not ok:
                try:
                    cloudpickle.dumps(value)
                except Exception:
                    value = f"{type(value).__name__}: {value}"
            safe.append((key, ok, value, tb, elapsed))
        return cloudpickle.dumps(safe)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # user prints must not corrupt frames
    protocol_in = sys.stdin.buffer
    import cloudpickle

    from exec.core import run_batch

    while True:
        frame = read_frame(protocol_in)
        if frame is None:
            return
        job_id, batch = cloudpickle.loads(frame)
        try:
            outcomes = run_batch(batch)
        except BaseException as exc:  # e.g. unpicklable arguments
            import traceback

            outcomes = [(batch[0][0] if batch else None, False, exc, traceback.format_exc(), 0.0)]
        write_frame(protocol_out, cloudpickle.dumps((job_id, _dumps_outcomes(outcomes))))


if __name__ == "__main__":
    main()

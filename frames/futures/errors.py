"""Errors of the Client and its futures."""

from __future__ import annotations

from concurrent.futures import CancelledError

from frames.errors import FramesError


class FutureCancelledError(FramesError, CancelledError):
    """The future (or a task it depends on) was cancelled before it finished."""


class KilledWorkerError(FramesError):
    """A task was running on worker processes that died too many times: it is not run again
    (it is most likely what kills them: a segfault, ``os._exit``, running out of memory)."""


class ClientClosedError(FramesError):
    """The Client (or its cluster) was closed: it runs nothing more."""

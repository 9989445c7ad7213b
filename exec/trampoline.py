"""``Trampoline``: run a handler in a loop instead of letting it recurse through callbacks.

A ``concurrent.futures.Future``'s ``add_done_callback`` calls the callback at once, in the calling
thread, when the job is already done. A scheduler whose done-callback submits the next jobs (and
attaches the same callback to them) then nests one level deeper for every job that finishes
before its callback is attached: on a loaded machine, or with a thread pool running cheap tasks,
a long run of them exhausted the thread's recursion limit (a ``RecursionError`` raised in
``ThreadPoolExecutor.submit`` with a short visible traceback, the depth being in the callback
chain above it). A ``Trampoline`` wrapped around the handler queues a call made while the same
thread is already inside it; the outermost call runs the queue in a loop, so the depth stays flat.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable


class Trampoline:
    """``handler(*args)``, never nested within one thread: a call from inside a running handler
    (in the same thread) is queued and run after it returns, by the outermost call's loop. Calls
    from other threads run at once, in their own thread, as before."""

    __slots__ = ("_handler", "_local")

    def __init__(self, handler: Callable[..., Any]):
        self._handler = handler
        self._local = threading.local()

    def __call__(self, *args: Any) -> None:
        local = self._local
        queue = getattr(local, "queue", None)
        if queue is not None:  # inside the handler in this thread: the loop below runs it next
            queue.append(args)
            return
        local.queue = queue = collections.deque([args])
        error: BaseException | None = None
        try:
            while queue:
                try:
                    self._handler(*queue.popleft())
                except BaseException as exc:  # the calls queued behind it still run
                    error = error or exc
        finally:
            local.queue = None
        if error is not None:
            raise error

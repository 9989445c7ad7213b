"""``exec.trampoline.Trampoline``: a handler that calls itself (through callbacks) runs in a loop,
not nested, so no chain of callbacks exhausts the recursion limit."""

from __future__ import annotations

import sys
import threading

import pytest

from exec.trampoline import Trampoline


def test_a_handler_calling_itself_stays_flat():
    depths: list[int] = []
    n = 3 * sys.getrecursionlimit()

    def handler(i: int) -> None:
        depths.append(len(_stack()))
        if i < n:
            again(i + 1)  # as a done-callback run at once would

    again = Trampoline(handler)
    again(0)
    assert len(depths) == n + 1
    assert max(depths) == depths[0]  # every call at the depth of the first


def test_calls_queued_behind_a_failure_still_run_and_the_failure_is_raised():
    seen: list[int] = []

    def handler(i: int) -> None:
        seen.append(i)
        if i == 0:
            again(1)
            again(2)
            raise ValueError("first")

    again = Trampoline(handler)
    with pytest.raises(ValueError, match="first"):
        again(0)
    assert seen == [0, 1, 2]
    again(5)  # the trampoline is usable again
    assert seen[-1] == 5


def test_other_threads_run_their_calls_at_once():
    ran: list[str] = []

    def handler(name: str) -> None:
        ran.append(name)
        if name == "outer":  # while this thread is inside, another thread's call is not queued here
            t = threading.Thread(target=again, args=("other",))
            t.start()
            t.join()
            assert ran == ["outer", "other"]

    again = Trampoline(handler)
    again("outer")
    assert ran == ["outer", "other"]


def _stack() -> list:
    frames, f = [], sys._getframe()
    while f is not None:
        frames.append(f)
        f = f.f_back
    return frames

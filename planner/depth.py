"""Deeply nested SQL: planned on a thread with room for it, refused past DuckDB's limit.

sqlglot's parser and passes, and the planner's own translation, recurse once (or several times) per
level of an expression, so 500 nested parentheses or a 1,000-term sum exhaust Python's default
recursion limit of 1,000 frames. DuckDB answers such queries up to its ``max_expression_depth`` of
1,000 and refuses deeper ones with a clear error. ``planned_deeply`` runs planning on a thread
with a large stack and a recursion limit to match, and ``check_depth`` refuses, as an
``ExpressionTooDeepError``, an expression deeper than execution can take on every scheduler
(``MAX_EXPRESSION_DEPTH``); never a RecursionError.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

from sqlglot import exp

from planner.errors import ExpressionTooDeepError

T = TypeVar("T")
# DuckDB's max_expression_depth is 1,000; the engine's own limit is lower: a task's expressions are
# pickled for worker processes, and pickling recurses several frames per level (a 250-term sum
# fails there under Python's default limit; 195 works on every scheduler). Real queries stay far
# below: the deepest of the 22 TPC-H and 99 TPC-DS queries is 20 levels.
MAX_EXPRESSION_DEPTH = 200
_STACK_BYTES = 512 * 1024 * 1024  # virtual: only the pages a deep query touches are used
_RECURSION_LIMIT = 200_000
_lock = threading.Lock()
_active = 0  # planner threads running: the raised recursion limit is restored when none is
_saved_limit = 1000


def check_depth(statement) -> None:
    """Refuse a statement whose expression tree is deeper than ``MAX_EXPRESSION_DEPTH``."""
    depth = tree_depth(statement)
    if depth > MAX_EXPRESSION_DEPTH:
        raise ExpressionTooDeepError(MAX_EXPRESSION_DEPTH, depth)


def tree_depth(node) -> int:
    """The depth of a sqlglot tree, walked with an explicit stack (the walk must not recurse). A
    chain of ANDs (of ORs, of UNIONs) counts as one level, as parentheses count as none: the
    planner takes the chain as a flat list and drops the parentheses."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in node.iter_expressions():
            same_chain = isinstance(node, (exp.And, exp.Or, exp.SetOperation)) and type(child) is type(node)
            stack.append((child, depth if same_chain or isinstance(child, exp.Paren) else depth + 1))
    return deepest


def planned_deeply(fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` on a thread whose stack and recursion limit fit deeply nested queries."""
    if threading.current_thread().name == "sqlengine-planner":
        return fn(*args)  # already on it (a statement planning another: views, CREATE ... AS)
    outcome: list = []

    def run():
        try:
            outcome.append((True, fn(*args)))
        except RecursionError:
            outcome.append((False, ExpressionTooDeepError(MAX_EXPRESSION_DEPTH)))
        except BaseException as exc:  # handed to the caller's thread as it is
            outcome.append((False, exc))

    global _active, _saved_limit
    with _lock:  # the stack size and the recursion limit are process-wide settings
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, _RECURSION_LIMIT))
        _active += 1
        old_stack = threading.stack_size(_STACK_BYTES)
        try:
            worker = threading.Thread(target=run, name="sqlengine-planner", daemon=True)
            worker.start()
        finally:
            threading.stack_size(old_stack)
    try:
        worker.join()
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                sys.setrecursionlimit(_saved_limit)
    ok, value = outcome[0]
    if not ok:
        raise value.with_traceback(value.__traceback__)
    return value

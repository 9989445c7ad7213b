"""One lock for Python's ``ast`` parser, which is not thread-safe on CPython 3.11.

CPython 3.11 keeps the AST constructor's recursion counter per interpreter, not per thread, so
two threads parsing at once (``ast.parse``, ``ast.literal_eval``, and ``np.load``, which reads a
``.npy`` header with ``literal_eval``) can fail with ``SystemError: AST constructor recursion
depth mismatch`` (python/cpython gh-106905; seen here when the threads scheduler loaded two
blocks of an npy stack together). Every parse the engine makes, in the caller or in a task, holds
``PARSE_LOCK``; parses are short, so the lock costs nothing measurable.
"""

from __future__ import annotations

import threading

PARSE_LOCK = threading.Lock()

"""Running SQL text for the command and the REPL: results, timing and one-line errors."""

from __future__ import annotations

import shutil
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import TextIO

import pandas as pd
from sqlglot.errors import TokenError

from exec.diagnostics import ProgressBar
from exec.errors import SqlEngineError
from repl.format import render, write_output


@dataclass
class Settings:
    format: str = "table"
    scheduler: str | None = None
    timing: bool = True
    debug: bool = False
    output: str | None = None
    progress: bool | None = None  # None: only when stderr is a terminal


def split_statements(text: str, dialect: str = "duckdb") -> list[str]:
    """The statements of ``text``, each padded with the whitespace that preceded it so a syntax
    error's line and column still point into ``text`` (semicolons in strings and comments do not
    split). Text that does not tokenize comes back whole: running it reports the error."""
    try:
        from sqlglot import Dialect
        from sqlglot.tokens import TokenType

        tokens = Dialect.get_or_raise(dialect).tokenize(text)
    except Exception:  # the statement's own run reports it properly
        return [text] if text.strip() else []
    pieces: list[str] = []
    start, has_tokens = 0, False
    for tok in tokens + [None]:
        if tok is not None and tok.token_type != TokenType.SEMICOLON:
            has_tokens = True
            continue
        end = tok.end + 1 if tok is not None else len(text)
        if has_tokens:
            pad = "\n" * text.count("\n", 0, start) + " " * (start - (text.rfind("\n", 0, start) + 1))
            pieces.append(pad + text[start:end])
        start, has_tokens = end, False
    return pieces


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def describe_error(exc: BaseException, debug: bool) -> str:
    """One readable line naming the culprit (plus the offending line and a caret for syntax errors).

    Project errors (``SqlEngineError``) and I/O errors (a missing file, a full disk) are the user's to
    fix; anything else is a bug in sqlengine and says so."""
    if debug:
        return "".join(traceback.format_exception(exc)).rstrip()
    caret = getattr(exc, "caret", None)
    if isinstance(exc, SqlEngineError) and callable(caret):
        text = caret()
        return f"Error: {_first_line(str(exc))}" + (f"\n{text}" if text else "")
    if isinstance(exc, SqlEngineError):
        return f"Error: {_first_line(str(exc))}"
    if isinstance(exc, TokenError):  # not yet turned into a SqlSyntaxError by the planner
        return f"Error: syntax error: {_first_line(str(exc))} (an unclosed quote or comment?)"
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        return f"Error: {what}: {exc.filename!r}" if exc.filename else f"Error: {_first_line(what)}"
    return f"internal error: {type(exc).__name__}: {_first_line(str(exc))} (rerun with --debug for the traceback)"


class _TickingProgressBar(ProgressBar):
    """exec's ProgressBar, redrawn twice a second: a query whose few tasks each run for long still
    shows its bar (and the elapsed time moving) once ``min_time`` has passed."""

    def start(self, graph: dict) -> None:
        super().start(graph)
        try:  # short of the terminal's width: the "^C" a terminal echoes must not wrap the line
            self._bar.ncols = max(20, min(100, shutil.get_terminal_size().columns - 4))
        except Exception:
            pass
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="sqlengine-progress", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        t0 = time.monotonic()
        while not self._stop.wait(0.5):
            if time.monotonic() - t0 < self.min_time:
                continue
            with self._lock:
                if self._bar is None:
                    return
                try:
                    self._bar.refresh()
                    # tqdm clears only a bar it knows it drew (update() notes that, refresh() not)
                    self._bar.last_print_t = self._bar._time()
                except Exception:  # a progress bar never breaks a query
                    return

    def finish(self, graph: dict, errored: bool) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
        super().finish(graph, errored)


def _progress_bar() -> ProgressBar:
    """A bar on stderr after half a second, erased when the query ends (the result replaces it)."""
    try:
        return _TickingProgressBar(min_time=0.5, file=sys.stderr, desc="query", leave=False)
    except TypeError:  # a ProgressBar without ``leave`` erases its bar anyway
        return _TickingProgressBar(min_time=0.5, file=sys.stderr, desc="query")


def _result_schema(result):
    try:
        return result.schema
    except Exception:  # the schema is only a rendering hint
        return None


def execute(ctx, text: str, settings: Settings, out: TextIO | None = None) -> pd.DataFrame | None:
    """Run ``text``; print (or write) the last result. Exceptions (KeyboardInterrupt included)
    propagate to the caller."""
    out = out if out is not None else sys.stdout
    t0 = time.perf_counter()
    result = ctx.sql(text)
    frame = None
    schema = None
    if result is not None:
        schema = _result_schema(result)
        show = settings.progress if settings.progress is not None else sys.stderr.isatty()
        if show:
            with _progress_bar():
                frame = result.compute(scheduler=settings.scheduler)
        else:
            frame = result.compute(scheduler=settings.scheduler)
    elapsed = time.perf_counter() - t0
    if frame is not None:
        if settings.output:
            write_output(frame, settings.output, settings.format, schema)
            print(f"wrote {len(frame):,} row{'s' if len(frame) != 1 else ''} to {settings.output}", file=sys.stderr)
        else:
            print(render(frame, settings.format, schema), file=out, flush=True)
            if settings.timing:
                rows = f"{len(frame):,} row{'s' if len(frame) != 1 else ''}"
                print(f"{rows}, {len(frame.columns)} column{'s' if len(frame.columns) != 1 else ''} ({elapsed:.3f} s)", file=out, flush=True)
    elif settings.timing:
        print(f"OK ({elapsed:.3f} s)", file=out, flush=True)
    return frame

"""Running SQL text for the command and the REPL: results, timing and one-line errors."""

from __future__ import annotations

import shutil
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import TextIO

import pyarrow as pa
from sqlglot import Dialect
from sqlglot.errors import SqlglotError, TokenError
from sqlglot.tokens import TokenType

from exec.diagnostics import ProgressBar
from exec.errors import SqlEngineError
from planner.errors import SqlSyntaxError
from planner.parse import parse, unterminated_at
from repl.format import render, write_output


@dataclass
class Settings:
    format: str = "table"
    scheduler: str | None = None
    timing: bool = True
    debug: bool = False
    output: str | None = None
    progress: bool | None = None  # None: only when stderr is a terminal


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text padded with the whitespace that preceded it (so a
    syntax error's line and column still point into the whole script) and the line it starts on."""

    text: str
    line: int


def split_statements(text: str, dialect: str = "duckdb") -> list[Statement]:
    """The statements of ``text`` in order (semicolons in strings and comments do not split).
    A quote or comment that never closes makes the rest of the text one last statement, as the
    DuckDB shell reads it: the statements before it still run, that one reports the error."""
    tokenize = Dialect.get_or_raise(dialect).tokenize
    at = None  # where a quote or comment that never closes starts
    try:
        tokens = tokenize(text)
    except TokenError:
        at = unterminated_at(text, dialect)
        if at is None:  # nothing better to do than run it whole: that reports the error
            return [Statement(text, 1)] if text.strip() else []
        tokens = tokenize(text[:at])
    pieces: list[Statement] = []
    start, line = 0, None  # line: where the statement's first token is
    for tok in tokens + [None]:
        if tok is not None and tok.token_type != TokenType.SEMICOLON:
            line = line or tok.line
            continue
        end = tok.end + 1 if tok is not None else len(text)
        if tok is None and at is not None and line is None:
            line = text.count("\n", 0, at) + 1  # only the unclosed quote or comment is left
        if line is not None:
            pad = "\n" * text.count("\n", 0, start) + " " * (start - (text.rfind("\n", 0, start) + 1))
            pieces.append(Statement(pad + text[start:end], line))
        start, line = end, None
    return pieces


def read_problem(exc: OSError | UnicodeDecodeError) -> str:
    """Why a SQL file could not be read, in a few words."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    return exc.strerror or str(exc)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def describe_error(exc: BaseException, debug: bool, where: str = "") -> str:
    """One readable line naming the culprit (plus the offending line and a caret for syntax
    errors); ``where`` (``q.sql, line 3``) says which statement of a script failed.

    Project errors (``SqlEngineError``) and I/O errors (a missing file, a full disk) are the user's to
    fix; anything else is a bug in sqlengine and says so."""
    if debug:
        return "".join(traceback.format_exception(exc)).rstrip()
    head = f"Error in {where}: " if where else "Error: "
    caret = getattr(exc, "caret", None)
    if isinstance(exc, SqlEngineError) and callable(caret):
        text = caret()
        return head + _first_line(str(exc)) + (f"\n{text}" if text else "")
    if isinstance(exc, SqlEngineError):
        return head + _first_line(str(exc))
    if isinstance(exc, SqlglotError):  # not turned into a project error by the planner (a bug there)
        return head + f"syntax error: {_first_line(str(exc))}"
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        return head + (f"{what}: {exc.filename!r}" if exc.filename else _first_line(what))
    if isinstance(exc, MemoryError):
        return head + "out of memory (try a smaller query, fewer columns or --scheduler processes)"
    return (f"internal error{' in ' + where if where else ''}: {type(exc).__name__}: {_first_line(str(exc))} "
            "(a bug in sqlengine: please report it; rerun with --debug for the traceback)")


def _where(statement: Statement, exc: BaseException, source: str | None, several: bool) -> str:
    """Which statement failed, in the user's terms: the file and the line it starts on (a syntax
    error's own message already names the line)."""
    line = None if isinstance(exc, SqlSyntaxError) and exc.line is not None else statement.line
    if source:
        return f"{source}, line {line}" if line else source
    return f"line {line}" if several and line else ""


def run_script(ctx, text: str, settings: Settings, source: str | None = None, stop_on_error: bool = True,
               out: TextIO | None = None, err: TextIO | None = None, syntax_first: bool = False) -> bool:
    """Run each statement of ``text`` in turn, printing each query's result (as the DuckDB shell
    does). An error prints one line naming the statement's line (and ``source``, the file), then
    the rest is skipped, or run anyway when ``stop_on_error`` is off. With ``syntax_first`` a
    syntax error anywhere runs nothing (DuckDB's ``-c`` parses the whole text first). Returns
    False when a statement failed. KeyboardInterrupt propagates."""
    err = err if err is not None else sys.stderr
    dialect = getattr(ctx, "dialect", "duckdb")
    if syntax_first:
        try:
            parse(text, dialect)
        except SqlSyntaxError as exc:
            print(describe_error(exc, settings.debug, source or ""), file=err, flush=True)
            return False
    statements = split_statements(text, dialect)
    ok = True
    for statement in statements:
        try:
            execute(ctx, statement.text, settings, out=out)
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:
            ok = False
            print(describe_error(exc, settings.debug, _where(statement, exc, source, len(statements) > 1)), file=err, flush=True)
            if stop_on_error:
                break
    return ok


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


def execute(ctx, text: str, settings: Settings, out: TextIO | None = None) -> pa.Table | None:
    """Run ``text`` (one statement); print (or write) its result, computed as an Arrow table so
    every value is shown exactly. Exceptions (KeyboardInterrupt included) propagate."""
    out = out if out is not None else sys.stdout
    t0 = time.perf_counter()
    result = ctx.sql(text)
    frame = None
    if result is not None:
        # the session's scheduler (``SET scheduler = ...``; it starts as --scheduler)
        scheduler = getattr(ctx, "scheduler", None) or settings.scheduler
        show = settings.progress if settings.progress is not None else sys.stderr.isatty()
        if show:
            with _progress_bar():
                frame = result.to_arrow(scheduler=scheduler)
        else:
            frame = result.to_arrow(scheduler=scheduler)
    elapsed = time.perf_counter() - t0
    if frame is not None:
        if settings.output:
            write_output(frame, settings.output, settings.format)
            print(f"wrote {frame.num_rows:,} row{'s' if frame.num_rows != 1 else ''} to {settings.output}", file=sys.stderr)
        else:
            print(render(frame, settings.format), file=out, flush=True)
            if settings.timing:
                rows = f"{frame.num_rows:,} row{'s' if frame.num_rows != 1 else ''}"
                print(f"{rows}, {frame.num_columns} column{'s' if frame.num_columns != 1 else ''} ({elapsed:.3f} s)", file=out, flush=True)
    elif settings.timing:
        print(f"OK ({elapsed:.3f} s)", file=out, flush=True)
    return frame

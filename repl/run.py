"""Running SQL text for the command and the REPL: results, timing and one-line errors."""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from typing import TextIO

import pandas as pd

from exec.diagnostics import ProgressBar
from exec.errors import SqlEngineError
from planner.errors import SqlSyntaxError
from repl.format import render, write_output


@dataclass
class Settings:
    format: str = "table"
    scheduler: str | None = None
    timing: bool = True
    debug: bool = False
    output: str | None = None


def describe_error(exc: BaseException, debug: bool) -> str:
    """One readable line naming the culprit (plus the caret for syntax errors)."""
    if debug:
        return "".join(traceback.format_exception(exc)).rstrip()
    if isinstance(exc, SqlSyntaxError):
        caret = exc.caret()
        return f"Error: {exc}" + (f"\n{caret}" if caret else "")
    if isinstance(exc, SqlEngineError):
        return f"Error: {exc}"
    if isinstance(exc, (ValueError, TypeError, KeyError, OSError, ArithmeticError)) and type(exc).__module__ == "builtins":
        return f"Error: {type(exc).__name__}: {exc}"
    return f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"


def execute(ctx, text: str, settings: Settings, out: TextIO = sys.stdout) -> pd.DataFrame | None:
    """Run ``text``; print (or write) the last result. Exceptions propagate to the caller."""
    t0 = time.perf_counter()
    result = ctx.sql(text)
    frame = None
    if result is not None:
        show_progress = sys.stderr.isatty()
        if show_progress:
            with ProgressBar(min_time=1.0, file=sys.stderr, desc="query"):
                frame = result.compute(scheduler=settings.scheduler)
        else:
            frame = result.compute(scheduler=settings.scheduler)
    elapsed = time.perf_counter() - t0
    if frame is not None:
        if settings.output:
            write_output(frame, settings.output, settings.format)
            print(f"wrote {len(frame):,} rows to {settings.output}", file=sys.stderr)
        else:
            print(render(frame, settings.format), file=out)
            if settings.format == "table" and settings.timing:
                print(f"{len(frame):,} row{'s' if len(frame) != 1 else ''} in {elapsed:.3f} s", file=out)
    elif settings.timing and settings.format == "table":
        print(f"OK in {elapsed:.3f} s", file=out)
    return frame

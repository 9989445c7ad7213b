"""Errors raised by the collections layer.

Each names the culprit (the column, the file, the argument) so a user can act on the message alone.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from exec.errors import DataError, OperationalError, ProgrammingError, SqlEngineError


class FramesError(SqlEngineError):
    """Base class of errors about collections, their data and their inputs."""


class ColumnNotFoundError(FramesError, ProgrammingError, LookupError):
    """A column that the schema does not have; suggests close matches."""

    def __init__(self, column: str, available: Iterable[str], where: str = ""):
        self.column = column
        # the engine's own helper columns (``__agg0``) mean nothing to the user
        self.available = [a for a in available if not str(a).startswith("__")]
        self.suggestions = [s for s in difflib.get_close_matches(str(column), [str(a) for a in self.available], n=4)
                            if s != str(column)][:3]  # never the very name that failed
        msg = f"column {column!r} not found"
        if where:
            msg += f" in {where}"
        if self.suggestions:
            msg += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        else:
            shown = ", ".join(repr(a) for a in self.available[:12])
            more = "" if len(self.available) <= 12 else f", ... ({len(self.available)} in all)"
            msg += f"; available columns: {shown}{more}"
        super().__init__(msg)

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return self.args[0]


class DataTypeError(FramesError, DataError, TypeError):
    """An operation applied to values of a type it does not accept."""


class InvalidArgumentError(FramesError, ProgrammingError, ValueError):
    """An option or argument with a value that cannot work."""


class DataSourceError(FramesError, OperationalError, OSError):
    """A file or URL that is missing, unreadable or not in the expected format."""


class WriteError(FramesError, OperationalError, OSError):
    """Writing results failed; nothing was left at the destination."""

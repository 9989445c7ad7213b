"""SQL-level errors. All derive from ``SqlEngineError`` and from the PEP 249 class that fits
(``exec.errors``); ``sqlengine.errors`` re-exports them."""

from __future__ import annotations

import difflib
from typing import Iterable

from exec.errors import DataError, IntegrityError, NotSupportedError, ProgrammingError, SqlEngineError


class SqlError(SqlEngineError):
    """Base class of errors about SQL text."""


class SqlSyntaxError(SqlError, ProgrammingError):
    """The text does not parse; ``line`` and ``col`` (1-based) point at the culprit."""

    def __init__(self, message: str, sql: str = "", line: int | None = None, col: int | None = None):
        self.sql, self.line, self.col = sql, line, col
        where = f" at line {line}, column {col}" if line is not None else ""
        super().__init__(f"syntax error{where}: {message}")

    def caret(self) -> str:
        """The offending line with a caret under the column (for terminals)."""
        if self.line is None or not self.sql:
            return ""
        lines = self.sql.splitlines() or [""]
        text = lines[min(self.line, len(lines)) - 1]
        return f"{text}\n{' ' * max((self.col or 1) - 1, 0)}^"


class TableNotFoundError(SqlError, ProgrammingError, LookupError):
    def __init__(self, name: str, available: Iterable[str]):
        self.name = name
        available = sorted(available)
        close = difflib.get_close_matches(name, available, n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else (f"; tables: {', '.join(available)}" if available else "; no tables are registered")
        super().__init__(f"table {name!r} not found{hint}")

    def __str__(self) -> str:
        return self.args[0]


class UnsupportedFeatureError(SqlError, NotSupportedError, NotImplementedError):
    """Valid SQL that sqlengine does not support yet; names the feature."""

    def __init__(self, feature: str):
        self.feature = feature
        super().__init__(f"not supported yet: {feature}")


class SqlColumnCountError(SqlError, ProgrammingError, ValueError):
    """The inputs of a set operation (UNION, INTERSECT, EXCEPT) have different numbers of columns."""

    def __init__(self, left: int, right: int):
        super().__init__(f"set operation inputs have different numbers of columns: {left} and {right}")


class InvalidOptionError(SqlError, ProgrammingError, ValueError):
    """A statement option (COPY's, a table function's) that is unknown or has a value that cannot
    work; names the option and suggests close names."""

    def __init__(self, message: str, option: str = "", known: Iterable[str] = ()):
        self.option = option
        close = difflib.get_close_matches(option, sorted(known), n=2) if option else []
        hint = f"; did you mean {' or '.join(c.upper() for c in close)}?" if close else ""
        super().__init__(message + hint)


class ExpressionTooDeepError(SqlError, ProgrammingError, ValueError):
    """An expression nested deeper than the planner takes (DuckDB's ``max_expression_depth``)."""

    def __init__(self, limit: int, depth: int | None = None):
        self.limit, self.depth = limit, depth
        found = f" ({depth} levels)" if depth is not None else ""
        super().__init__(f"expression nested too deeply{found}: the limit is {limit} levels "
                         "(nested parentheses, operators or subqueries); simplify the query")


class SqlArithmeticError(SqlError, DataError, ArithmeticError):
    """Arithmetic with no answer in the result's type: integer overflow (DuckDB: "Overflow in
    addition of INT64 (9223372036854775807 + 1)!") or an integer division by zero."""


class ScalarSubqueryError(SqlError, DataError, ValueError):
    """A subquery used as a value returned more than one row (DuckDB raises the same)."""

    def __init__(self):
        super().__init__("More than one row returned by a subquery used as an expression: "
                         "a scalar subquery can only return a single row")


class ParameterError(SqlError, ProgrammingError, ValueError):
    """Query parameters that do not fit the text's placeholders: a wrong count, a missing or unused
    name, a value of a type that has no SQL counterpart."""


class ConstraintError(SqlError, IntegrityError, ValueError):
    """A write that would break a table's NOT NULL, PRIMARY KEY or UNIQUE constraint (DuckDB: "Constraint
    Error"); the table is left as it was."""


class ReadOnlyTableError(SqlError, ProgrammingError):
    """A write to a table that cannot take one: registered from files or a DataFrame, or a view."""

    def __init__(self, name: str, what: str):
        self.name = name
        super().__init__(f"table {name!r} is read-only ({what}); CREATE TABLE {name}_copy AS SELECT * FROM {name} "
                         "makes a writable copy")


class TransactionError(SqlError, ProgrammingError):
    """BEGIN inside a transaction, COMMIT or ROLLBACK outside one."""

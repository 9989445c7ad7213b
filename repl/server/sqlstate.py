"""The SQLSTATE a client sees for each of the project's errors (Postgres' codes, appendix A).

Clients act on the class (the first two characters): 42 is the query's fault, 22 the data's,
08 the connection's, 57 an operator intervention such as a cancel. The table is walked in order and
the first matching type wins, so subclasses come before their bases.
"""

from __future__ import annotations

from exec.core import TaskError, WorkerDiedError
from exec.errors import ConfigError, SchedulerError, SqlEngineError
from frames.errors import ColumnNotFoundError, DataSourceError, DataTypeError, InvalidArgumentError, WriteError
from planner.errors import (
    ConstraintError,
    ExpressionTooDeepError,
    InvalidOptionError,
    ReadOnlyTableError,
    ScalarSubqueryError,
    SqlArithmeticError,
    SqlColumnCountError,
    SqlSyntaxError,
    TableNotFoundError,
    TransactionError,
    UnsupportedFeatureError,
)

SYNTAX_ERROR = "42601"
QUERY_CANCELED = "57014"
INVALID_PASSWORD = "28P01"
PROTOCOL_VIOLATION = "08P01"
INTERNAL_ERROR = "XX000"

_CODES: list[tuple[type, str]] = [
    (SqlSyntaxError, SYNTAX_ERROR),
    (TableNotFoundError, "42P01"),  # undefined_table
    (ColumnNotFoundError, "42703"),  # undefined_column
    (SqlColumnCountError, "42601"),  # Postgres reports UNION arity as a syntax error
    (ExpressionTooDeepError, "54001"),  # statement_too_complex
    (ScalarSubqueryError, "21000"),  # cardinality_violation
    (ReadOnlyTableError, "42809"),  # wrong_object_type: files and views take no writes
    (TransactionError, "25000"),  # invalid_transaction_state
    (UnsupportedFeatureError, "0A000"),  # feature_not_supported
    (InvalidOptionError, "42601"),
    (DataTypeError, "42883"),  # undefined_function: no kernel for these argument types
    (DataSourceError, "58030"),  # io_error
    (WriteError, "58030"),
    (SchedulerError, "22023"),  # invalid_parameter_value
    (ConfigError, "22023"),
    (InvalidArgumentError, "22023"),
    (WorkerDiedError, "58000"),  # system_error
    (TaskError, INTERNAL_ERROR),
]


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of ``exc``: by its type, refined by what the message names where one type
    covers several conditions (an arithmetic error is a division by zero or an overflow)."""
    if isinstance(exc, ConstraintError):
        text = str(exc).lower()
        return "23502" if "null" in text else "23505" if ("unique" in text or "key" in text) else "23000"
    if isinstance(exc, SqlArithmeticError):
        return "22012" if "zero" in str(exc).lower() else "22003"  # division_by_zero, numeric_value_out_of_range
    for kind, code in _CODES:
        if isinstance(exc, kind):
            if kind is DataTypeError and "cast" in str(exc).lower():
                return "22P02"  # invalid_text_representation: a value that does not convert
            return code
    if isinstance(exc, ZeroDivisionError):
        return "22012"
    if isinstance(exc, SqlEngineError):
        return "42000"  # syntax_error_or_access_rule_violation: the query's fault, class unknown
    if isinstance(exc, (OSError, MemoryError)):
        return "53000" if isinstance(exc, MemoryError) else "58030"
    return INTERNAL_ERROR


def error_fields(exc: BaseException, code: str | None = None) -> dict[str, str]:
    """ErrorResponse fields for ``exc``: severity, SQLSTATE, the one-line message, and for a syntax
    error the character position the client can point at."""
    code = code or sqlstate(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if code == INTERNAL_ERROR and not isinstance(exc, SqlEngineError):
        text = f"internal error: {type(exc).__name__}: {text} (a bug in sqlengine: please report it)"
    fields = {"S": "ERROR", "V": "ERROR", "C": code, "M": text}
    if isinstance(exc, SqlSyntaxError) and exc.line is not None and exc.sql:
        lines = exc.sql.splitlines(keepends=True)
        fields["P"] = str(sum(len(line) for line in lines[:exc.line - 1]) + (exc.col or 1))
    return fields

"""The whole exception family of sqlengine, in one place (PEP 249's classes among it)."""

from exec.core import TaskError, WorkerDiedError
from exec.errors import (
    ConfigError,
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    MemoryLimitError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    SchedulerError,
    SqlEngineError,
)
from frames.errors import (
    ColumnNotFoundError,
    DataSourceError,
    DataTypeError,
    FramesError,
    InvalidArgumentError,
    WriteError,
)
from planner.errors import (
    ConstraintError,
    ParameterError,
    ReadOnlyTableError,
    SqlColumnCountError,
    SqlError,
    SqlSyntaxError,
    TableNotFoundError,
    TransactionError,
    UnsupportedFeatureError,
)

__all__ = [
    "SqlEngineError", "SchedulerError", "ConfigError", "TaskError", "WorkerDiedError", "MemoryLimitError", "FramesError",
    "ColumnNotFoundError", "DataSourceError", "DataTypeError", "InvalidArgumentError", "WriteError",
    "SqlError", "SqlSyntaxError", "SqlColumnCountError", "TableNotFoundError", "UnsupportedFeatureError", "ParameterError",
    "ConstraintError", "ReadOnlyTableError", "TransactionError",
    # PEP 249's classes, which the ones above also are (``exec.errors``)
    "InterfaceError", "DatabaseError", "DataError", "OperationalError", "IntegrityError", "InternalError",
    "ProgrammingError", "NotSupportedError",
]

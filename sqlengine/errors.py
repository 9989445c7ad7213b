"""The whole exception family of sqlengine, in one place."""

from exec.core import TaskError, WorkerDiedError
from exec.errors import ConfigError, MemoryLimitError, SchedulerError, SqlEngineError
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
    "SqlError", "SqlSyntaxError", "SqlColumnCountError", "TableNotFoundError", "UnsupportedFeatureError",
    "ConstraintError", "ReadOnlyTableError", "TransactionError",
]

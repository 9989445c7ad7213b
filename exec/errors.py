"""The root of the project's exception hierarchy, and PEP 249's classes under it.

It lives in the lowest layer so that every layer above (frames, planner, sqlengine, repl) can raise
and catch the same types; ``sqlengine.errors`` re-exports the whole family for users.

``SqlEngineError`` is the DB-API's ``Error``, and the PEP's subclasses are defined here so every
project error can also be one of them (``TableNotFoundError`` is a ``ProgrammingError``): one
hierarchy, which ``sqlengine.dbapi`` exposes under the PEP's names.
"""


class SqlEngineError(Exception):
    """Base class of every error the project raises on purpose (PEP 249's ``Error``)."""


class InterfaceError(SqlEngineError):
    """PEP 249: a misuse of the database interface itself (a closed cursor or connection)."""


class DatabaseError(SqlEngineError):
    """PEP 249: an error about the database (every error below)."""


class DataError(DatabaseError):
    """PEP 249: a problem with the data processed (a value that does not cast, an overflow)."""


class OperationalError(DatabaseError):
    """PEP 249: the database's operation failed, not necessarily the programmer's doing (a file
    that cannot be read or written, a worker that died)."""


class IntegrityError(DatabaseError):
    """PEP 249: the relational integrity of the data would be broken (a key or constraint)."""


class InternalError(DatabaseError):
    """PEP 249: the engine reached a state it should not (an error that is not one of ours)."""


class ProgrammingError(DatabaseError):
    """PEP 249: a mistake in the SQL or its arguments (syntax, unknown table or column, wrong
    number of parameters)."""


class NotSupportedError(DatabaseError):
    """PEP 249: valid SQL or an API the engine does not support."""


class SchedulerError(ProgrammingError, ValueError):
    """A scheduler name or option that does not exist or does not fit."""


class ConfigError(ProgrammingError, ValueError):
    """An unknown configuration key or a value of the wrong kind."""


class MemoryLimitError(OperationalError, MemoryError):
    """A computation could not run within the memory it may use: a task ran out of memory, or one
    task needs more than ``memory_limit`` at once. Also a ``MemoryError``, so code catching that
    still does."""

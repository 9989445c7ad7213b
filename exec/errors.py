"""The root of the project's exception hierarchy.

It lives in the lowest layer so that every layer above (frames, planner, sqlengine, repl) can raise
and catch the same types; ``sqlengine.errors`` re-exports the whole family for users.
"""


class SqlEngineError(Exception):
    """Base class of every error the project raises on purpose."""


class SchedulerError(SqlEngineError, ValueError):
    """A scheduler name or option that does not exist or does not fit."""


class ConfigError(SqlEngineError, ValueError):
    """An unknown configuration key or a value of the wrong kind."""


class MemoryLimitError(SqlEngineError, MemoryError):
    """A computation could not run within the memory it may use: a task ran out of memory, or one
    task needs more than ``memory_limit`` at once. Also a ``MemoryError``, so code catching that
    still does."""

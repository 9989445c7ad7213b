"""Session options: what ``SET name = value`` / ``RESET name`` change, kept by each ``Context``.

The options are the DuckDB settings that change answers or how queries run, under DuckDB's names and
values; a name this engine does not know is an error naming it (never silently accepted):

- ``default_order``: ``asc`` (default) or ``desc``, the direction of ORDER BY items that give none;
- ``default_null_order``: ``nulls_last`` (default), ``nulls_first``, ``nulls_first_on_asc_last_on_desc``
  or ``nulls_last_on_asc_first_on_desc`` (DuckDB's aliases ``first``/``last``, ``postgres``,
  ``sqlite``, ``mysql`` too), where NULLs go when an ORDER BY item does not say;
- ``threads`` (alias ``worker_threads``): the workers of the threads and processes schedulers.
  The pools are per process, so this is ``exec.config``'s ``num_workers``, set for the whole
  process while the Context holds it; ``RESET`` restores the value it had before;
- ``scheduler``: the scheduler of the statements that compute at once (CREATE TABLE AS, COPY);
- ``memory_limit`` (alias ``max_memory``): ``'2GB'``, ``'512MiB'``: past it the schedulers spill the
  results they hold to disk (``exec.config``'s ``memory_limit``); ``temp_directory``: where the spill
  files go. Like ``threads``, both are set for the whole process while the Context holds them.

Some settings are only recorded: clients send them when they connect (psql, JDBC and BI tools:
``application_name``, ``client_encoding``, ``DateStyle``, ``extra_float_digits``, ``search_path``,
``TimeZone``, ...; DuckDB's ``enable_progress_bar``, ``preserve_insertion_order``). They are kept
as text and shown by ``SHOW`` / ``current_setting``, and change no answer; ``RECORDED`` lists them
with their defaults, and a value other than the one sqlengine works in (a time zone other than
UTC, a search path without ``main``) is refused rather than silently ignored.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable

from frames.errors import InvalidArgumentError

_NULL_ORDER_ALIASES = {
    "nulls_first": "nulls_first", "first": "nulls_first", "nulls first": "nulls_first",
    "nulls_last": "nulls_last", "last": "nulls_last", "nulls last": "nulls_last",
    "nulls_first_on_asc_last_on_desc": "nulls_first_on_asc_last_on_desc", "sqlite": "nulls_first_on_asc_last_on_desc",
    "mysql": "nulls_first_on_asc_last_on_desc",
    "nulls_last_on_asc_first_on_desc": "nulls_last_on_asc_first_on_desc", "postgres": "nulls_last_on_asc_first_on_desc",
}
_ORDER_ALIASES = {"asc": "asc", "ascending": "asc", "desc": "desc", "descending": "desc"}
_ALIASES = {"worker_threads": "threads", "time zone": "timezone", "time_zone": "timezone", "schema": "search_path",
            "max_memory": "memory_limit"}
# options that are exec.config keys (process-wide while a Context holds them): option -> config key
_CONFIG_KEYS = {"threads": "num_workers", "memory_limit": "memory_limit", "temp_directory": "temp_directory"}


def _choice(name: str, aliases: dict[str, str]):
    def check(value: Any) -> str:
        key = str(value).strip().lower()
        if key not in aliases:
            raise InvalidArgumentError(f"invalid value {value!r} for {name}; expected one of {', '.join(sorted(set(aliases.values())))}")
        return aliases[key]
    return check


def _threads(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"threads must be a positive integer, not {value!r}")
    return value


def _scheduler(value: Any) -> str:
    from exec.schedulers import resolve_scheduler

    resolve_scheduler(str(value))  # raises SchedulerError naming the bad value
    return str(value)


def _recorded(name: str, works_with: Callable[[str], bool] | None = None):
    def check(value: Any) -> str:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if works_with is not None and not works_with(text):
            raise InvalidArgumentError(f"SET {name} = {value!r}: sqlengine only works with the default ({RECORDED[name]!r})")
        return text
    return check


RECORDED = {
    "application_name": "", "client_encoding": "UTF8", "datestyle": "ISO, MDY", "extra_float_digits": "1",
    "standard_conforming_strings": "on", "statement_timeout": "0", "client_min_messages": "notice",
    "intervalstyle": "postgres", "search_path": "main", "timezone": "UTC", "enable_progress_bar": "false",
    "preserve_insertion_order": "true", "default_transaction_isolation": "serializable",
    "transaction_isolation": "serializable", "lock_timeout": "0", "idle_in_transaction_session_timeout": "0",
}
"""Settings only recorded (see the module docstring), with their defaults."""
_WORKS_WITH = {
    "timezone": lambda v: v.upper() in ("UTC", "GMT", "ETC/UTC", "Z", "+00", "+00:00"),
    "search_path": lambda v: "main" in [p.strip().strip('"').lower() for p in v.split(",")] or v.strip() in ("", '""'),
    "client_encoding": lambda v: v.upper().replace("-", "") in ("UTF8", "UNICODE"),
}


def _memory_limit(value: Any) -> str:
    from exec.config import ConfigError, parse_bytes

    try:
        parse_bytes(value, "memory_limit")
    except ConfigError as exc:
        raise InvalidArgumentError(str(exc)) from None
    return str(value)


def _directory(value: Any) -> str:
    return str(value)


_OPTIONS = {
    "default_order": ("asc", _choice("default_order", _ORDER_ALIASES)),
    "default_null_order": ("nulls_last", _choice("default_null_order", _NULL_ORDER_ALIASES)),
    "threads": (None, _threads),
    "scheduler": (None, _scheduler),
    **{name: (default, _recorded(name, _WORKS_WITH.get(name))) for name, default in RECORDED.items()},


    "memory_limit": (None, _memory_limit),
    "temp_directory": (None, _directory),
}


class SessionOptions:
    """One Context's option values (``options["default_order"]``); ``set`` and ``reset`` validate."""

    def __init__(self, scheduler: str | None = None):
        self._defaults = {name: default for name, (default, _) in _OPTIONS.items()}
        self._defaults["scheduler"] = scheduler  # the Context's own
        self._values = dict(self._defaults)
        self._config_before: dict[str, Any] = {}  # exec.config values before this session's SET threads / memory_limit ...

    def __getitem__(self, name: str) -> Any:
        return self._values[self._known(name)]

    def items(self) -> list[tuple[str, Any]]:
        return sorted(self._values.items())

    def shown(self, name: str) -> str:
        """The value of ``name`` as SHOW and ``current_setting`` give it: text; ``threads`` and
        ``scheduler`` when unset are what the process uses."""
        key = self._known(name)
        value = self._values[key]
        if value is None and key == "threads":
            import os

            from exec import config

            value = config.get("num_workers") or os.cpu_count()
        elif value is None and key == "scheduler":
            from exec import config

            value = config.get("scheduler")
        return str(value)

    def _known(self, name: str) -> str:
        key = _ALIASES.get(name.lower(), name.lower())
        if key not in _OPTIONS:
            close = difflib.get_close_matches(key, list(_OPTIONS) + list(_ALIASES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close and close[0] != key else ""
            raise InvalidArgumentError(f"unknown setting {name!r}{hint} (settings: {', '.join(sorted(_OPTIONS))})")
        return key

    def set(self, name: str, value: Any) -> None:
        key = self._known(name)
        value = _OPTIONS[key][1](value)
        if key in _CONFIG_KEYS:
            from exec import config

            self._config_before.setdefault(key, config.get(_CONFIG_KEYS[key]))
            config.set(**{_CONFIG_KEYS[key]: value})
        self._values[key] = value

    def reset(self, name: str) -> None:
        """``RESET name`` (``RESET ALL``: every option) to its default."""
        if name.lower() == "all":
            for key in _OPTIONS:
                self.reset(key)
            return
        key = self._known(name)
        if key in self._config_before:
            from exec import config

            config.set(**{_CONFIG_KEYS[key]: self._config_before.pop(key)})
        self._values[key] = self._defaults[key]

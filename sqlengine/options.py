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
- ``scheduler``: the scheduler of the statements that compute at once (CREATE TABLE AS, COPY).
"""

from __future__ import annotations

import difflib
from typing import Any

from frames.errors import InvalidArgumentError

_NULL_ORDER_ALIASES = {
    "nulls_first": "nulls_first", "first": "nulls_first", "nulls first": "nulls_first",
    "nulls_last": "nulls_last", "last": "nulls_last", "nulls last": "nulls_last",
    "nulls_first_on_asc_last_on_desc": "nulls_first_on_asc_last_on_desc", "sqlite": "nulls_first_on_asc_last_on_desc",
    "mysql": "nulls_first_on_asc_last_on_desc",
    "nulls_last_on_asc_first_on_desc": "nulls_last_on_asc_first_on_desc", "postgres": "nulls_last_on_asc_first_on_desc",
}
_ORDER_ALIASES = {"asc": "asc", "ascending": "asc", "desc": "desc", "descending": "desc"}
_ALIASES = {"worker_threads": "threads"}


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


_OPTIONS = {
    "default_order": ("asc", _choice("default_order", _ORDER_ALIASES)),
    "default_null_order": ("nulls_last", _choice("default_null_order", _NULL_ORDER_ALIASES)),
    "threads": (None, _threads),
    "scheduler": (None, _scheduler),
}


class SessionOptions:
    """One Context's option values (``options["default_order"]``); ``set`` and ``reset`` validate."""

    def __init__(self, scheduler: str | None = None):
        self._defaults = {name: default for name, (default, _) in _OPTIONS.items()}
        self._defaults["scheduler"] = scheduler  # the Context's own
        self._values = dict(self._defaults)
        self._threads_before: list = []  # num_workers before this session's SET threads

    def __getitem__(self, name: str) -> Any:
        return self._values[self._known(name)]

    def items(self) -> list[tuple[str, Any]]:
        return sorted(self._values.items())

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
        if key == "threads":
            from exec import config

            if not self._threads_before:
                self._threads_before.append(config.get("num_workers"))
            config.set(num_workers=value)
        self._values[key] = value

    def reset(self, name: str) -> None:
        """``RESET name`` (``RESET ALL``: every option) to its default."""
        if name.lower() == "all":
            for key in _OPTIONS:
                self.reset(key)
            return
        key = self._known(name)
        if key == "threads" and self._threads_before:
            from exec import config

            config.set(num_workers=self._threads_before.pop())
        self._values[key] = self._defaults[key]

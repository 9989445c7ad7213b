"""Configuration: the default scheduler and worker count, set globally or for a block.

``exec.config.set(scheduler="sync")`` applies at once; used as a context manager it restores the
previous values on exit.

``join_strategy`` forces how frames' joins move their inputs: None (the default) chooses by size;
``"broadcast"`` gathers one side for every partition of the other wherever the join type allows it
(a full outer join cannot: it shuffles); ``"shuffle"`` hash-partitions both sides on the keys
(a cross join, which has no keys, still broadcasts). Read when a join is planned, so a query
planned and computed inside ``set(join_strategy=...)`` runs that strategy: the tests force each one.

``array_chunk_size`` is the size an array's ``chunks="auto"`` aims at (``"128MiB"`` by default, as
dask's ``array.chunk-size``).

``memory_limit`` bounds the bytes of results the local schedulers hold between tasks (``"2GB"``,
``"512MiB"`` or a number of bytes, DuckDB's name and units; by default 80% of the machine's memory,
as DuckDB): past it they spill the results needed least soon to files under ``temp_directory``
(default: the system's temporary directory), one directory per computation, removed when it ends.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from exec.errors import ConfigError

_DEFAULTS: dict[str, Any] = {"scheduler": "threads", "num_workers": None, "join_strategy": None,
                             "array_chunk_size": None, "memory_limit": None, "temp_directory": None}
JOIN_STRATEGIES = ("broadcast", "shuffle")
_config: dict[str, Any] = dict(_DEFAULTS)
_chosen: dict[str, bool] = {}  # keys a caller set (even to the default's value)
_lock = threading.RLock()


def _validate(key: str, value: Any) -> None:
    if key not in _DEFAULTS:
        import difflib

        close = difflib.get_close_matches(key, _DEFAULTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {sorted(_DEFAULTS)}"
        raise ConfigError(f"unknown configuration key {key!r}{hint}")
    if key == "num_workers" and value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ConfigError(f"num_workers must be a positive integer or None, not {value!r}")
    if key == "join_strategy" and value is not None and value not in JOIN_STRATEGIES:
        raise ConfigError(f"join_strategy must be None (by size) or one of {', '.join(map(repr, JOIN_STRATEGIES))}, not {value!r}")
    if key == "memory_limit" and value is not None:
        parse_bytes(value, key)
    if key == "temp_directory" and value is not None and not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"temp_directory must be a directory path, not {value!r}")
    if key == "scheduler" and value is not None:
        from exec.schedulers import resolve_scheduler

        resolve_scheduler(value)  # raises SchedulerError naming the bad value


class set:  # noqa: A001 - mirrors dask.config.set
    """Set configuration values now; as a context manager, restore them on exit."""

    def __init__(self, **values: Any):
        for k, v in values.items():
            _validate(k, v)
        with _lock:
            self._previous = {k: _config[k] for k in values}
            self._previous_chosen = {k: _chosen.get(k, False) for k in values}
            _config.update(values)
            _chosen.update({k: v is not None for k, v in values.items()})

    def __enter__(self) -> "set":
        return self

    def __exit__(self, *exc: Any) -> None:
        with _lock:
            _config.update(self._previous)
            _chosen.update(self._previous_chosen)

    def inherit(self, older: "set") -> None:
        """On exit restore what ``older`` (set before this one) would have: ``older`` is being
        undone out of order, while this one stays in force (a Client closed under a newer one)."""
        with _lock:
            for k in self._previous:
                if k in older._previous:
                    self._previous[k] = older._previous[k]
                    self._previous_chosen[k] = older._previous_chosen[k]


def chosen(key: str) -> bool:
    """Whether a caller set ``key`` (to any value but None), rather than it being the built-in
    default: a collection with its own preferred scheduler (bags: processes) uses it only then."""
    with _lock:
        return _chosen.get(key, False)


def get(key: str, default: Any = None) -> Any:
    with _lock:
        if key not in _DEFAULTS:
            _validate(key, None)
        value = _config.get(key)
        return default if value is None else value


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(value: Any, what: str = "size") -> int:
    """``"2GB"``, ``"128MiB"``, ``"64 MB"``, ``1e6`` or ``1000`` as a number of bytes (DuckDB's units:
    KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    text = str(value).strip().replace(" ", "")
    i = len(text)
    while i and text[i - 1].isalpha():
        i -= 1
    number, unit = text[:i], text[i:].lower()
    try:
        n = float(number)
    except ValueError:
        n = -1.0
    if unit not in _UNITS or n < 0 or n != n:
        raise ConfigError(f"cannot read {value!r} as a {what} in bytes (e.g. '2GB', '128MiB', 1000000)")
    return int(n * _UNITS[unit])


def machine_memory() -> int:
    """The memory this process may use: the machine's, or its cgroup's limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            text = f.read().strip()
        if text.isdigit():
            total = min(total, int(text))
    except OSError:
        pass
    return total


def memory_limit() -> int:
    """``memory_limit`` in bytes (80% of ``machine_memory()`` unless set)."""
    value = get("memory_limit")
    return int(0.8 * machine_memory()) if value is None else parse_bytes(value, "memory_limit")


def temp_directory() -> str:
    """Where spill files go (each computation makes and removes its own directory inside)."""
    import tempfile

    value = get("temp_directory")
    return os.fspath(value) if value is not None else tempfile.gettempdir()

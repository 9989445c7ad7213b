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
"""

from __future__ import annotations

import threading
from typing import Any

from exec.errors import ConfigError

_DEFAULTS: dict[str, Any] = {"scheduler": "threads", "num_workers": None, "join_strategy": None,
                             "array_chunk_size": None}
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

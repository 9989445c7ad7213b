"""Diagnostics for every collection and SQL result, as ``dask.diagnostics`` offers them.

>>> from frames.diagnostics import ProgressBar, Profiler, ResourceProfiler, visualize
>>> with Profiler() as prof, ResourceProfiler(dt=0.05) as rprof:  # doctest: +SKIP
...     df.groupby("k").x.sum().compute()
>>> visualize([prof, rprof], filename="profile.html")  # doctest: +SKIP

``ProgressBar`` works on every scheduler, a ``distributed`` cluster included; ``Profiler`` records
each task's worker, start and end; ``ResourceProfiler`` samples CPU and memory of this process and
its worker processes. Each has ``.visualize(filename=...)`` writing a self-contained HTML file
(inline SVG, nothing fetched from elsewhere).
"""

from __future__ import annotations

from typing import Any, Sequence

from exec.diagnostics import QUERY_LOG, Profiler, ProgressBar, ResourceProfiler
from exec.diagnostics.plots import visualize_profiles


def visualize(profilers: Any | Sequence[Any], filename: str = "profile.html") -> str:
    """Several profilers' pictures in one HTML file (one profiler: its own picture)."""
    if not isinstance(profilers, (list, tuple)):
        profilers = [profilers]
    return visualize_profiles(profilers, filename)


__all__ = ["ProgressBar", "Profiler", "ResourceProfiler", "QUERY_LOG", "visualize"]

"""The configurations the SQL-vs-DuckDB tests run in: scheduler x partition count x join strategy.

``VARIANTS`` (the case files over small tables): every scheduler (sync, threads, processes, a
``distributed.LocalCluster`` with worker processes) with the tables as they come; the cheap
in-process scheduler at 1, 3 and 7 partitions, each with a join strategy forced (shuffle at 1 and
7, broadcast at 3), so no partition count and no strategy goes untested; and the processes scheduler
at 3 partitions with shuffle joins forced, where hash splits travel between processes (broadcast
join indexes travel between processes in ``TPCH_VARIANTS``).

The full product (both strategies at every count, and processes at 3 and 7 partitions) took
460 s of the suite's 1075 s on 2 cores, over CI's 15 minutes with the install; a statement costs
~0.1 s per configuration (0.25 s on processes at 7 partitions), so the matrix covers every value of
each axis, not every combination. ``tests/sql/test_subqueries.py`` and
``test_tpch.py`` add the combinations that matter most for their queries.

``TPCH_VARIANTS`` (the 22 TPC-H queries and case files over the TPC-H tables, where a query costs
more): every scheduler with the generated files (one partition each at SF0.01), and each strategy
forced at several partitions on sync and on processes. The distributed cluster is the slowest per
query (a round trip through its scheduler) and runs the tables as they come.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest

import exec


@dataclass(frozen=True)
class Variant:
    scheduler: str  # sync, threads, processes or distributed (the session's LocalCluster)
    npartitions: int | None = None  # None: tables as they come (CREATE TABLE results, Parquet files)
    join_strategy: str | None = None  # None: chosen by size; "broadcast" or "shuffle": forced

    def __str__(self) -> str:
        parts = [self.scheduler]
        if self.npartitions is not None:
            parts.append(f"p{self.npartitions}")
        if self.join_strategy is not None:
            parts.append(self.join_strategy)
        return "-".join(parts)

    def scheduler_for(self, request: pytest.FixtureRequest):
        """The ``scheduler=`` value: a name, or the session's distributed client."""
        if self.scheduler == "distributed":
            return request.getfixturevalue("dask_client")
        return self.scheduler

    def configured(self):
        """A context in which plans are made with this variant's join strategy."""
        if self.join_strategy is None:
            return contextlib.nullcontext()
        return exec.config.set(join_strategy=self.join_strategy)


DEFAULTS = [Variant(s) for s in ("sync", "threads", "processes", "distributed")]
FORCED = [Variant("sync", 1, "shuffle"), Variant("sync", 3, "broadcast"), Variant("sync", 7, "shuffle")]
SPREAD = [Variant("processes", 3, "shuffle")]
VARIANTS = DEFAULTS + FORCED + SPREAD
TPCH_VARIANTS = DEFAULTS + [Variant("sync", 3, "broadcast"), Variant("sync", 7, "shuffle"), Variant("processes", 3, "shuffle"),
                            Variant("processes", 7, "broadcast")]

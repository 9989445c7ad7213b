"""Shared fixtures: partition counts and schedulers every collection test runs across."""

from __future__ import annotations

import pytest

PARTITION_COUNTS = (1, 2, 7)
SCHEDULERS = ("sync", "threads", "processes")


@pytest.fixture(params=PARTITION_COUNTS, ids=lambda n: f"p{n}")
def npartitions(request) -> int:
    return request.param


@pytest.fixture(params=SCHEDULERS)
def scheduler(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def dask_client():
    """A small ``distributed.LocalCluster`` with worker processes (2 workers x 1 thread), started once
    for the session when a test asks for it. Tasks reach its workers pickled, as on a real cluster:
    a task that only works because the parent process imported something fails here."""
    distributed = pytest.importorskip("distributed")
    # dashboard_address ":0": any free port (None still binds 8787, which another cluster may hold)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster, set_as_default=False) as client:
            yield client


@pytest.fixture(params=SCHEDULERS + ("distributed",))
def any_scheduler(request):
    """Every scheduler, the distributed one with worker processes (``dask_client``); a test may pick
    some with ``@pytest.mark.parametrize("any_scheduler", [...], indirect=True)``."""
    if request.param == "distributed":
        return request.getfixturevalue("dask_client")
    return request.param

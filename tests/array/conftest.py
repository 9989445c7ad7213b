"""Fixtures for the frames.array tests.

``dask_client`` (a session-scoped ``distributed.LocalCluster(processes=True, n_workers=2)`` client)
and ``any_scheduler`` come from ``tests/conftest.py``: every array test module uses that one cluster,
so the session starts it once. Ask for it by name::

    def test_sum_on_a_cluster(dask_client):
        assert x.sum().compute(scheduler=dask_client) == ...

``array_scheduler`` below runs a test on the four schedulers an array must work on.
"""

from __future__ import annotations

import numpy as np
import pytest

ARRAY_SCHEDULERS = ("sync", "threads", "processes", "distributed")


@pytest.fixture(params=ARRAY_SCHEDULERS)
def array_scheduler(request):
    """``sync``, ``threads``, ``processes`` or the session's distributed client (``dask_client``)."""
    if request.param == "distributed":
        return request.getfixturevalue("dask_client")
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test sees the same data on every run."""
    return np.random.default_rng(42)

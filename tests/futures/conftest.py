"""Clients on the three backends the futures API runs on, started once per session: local threads,
local worker processes, and Dask's ``distributed.LocalCluster`` with worker processes on 127.0.0.1
(the session's ``dask_client``). None of them is set as the default scheduler: the tests of that
make their own Client."""

from __future__ import annotations

import pytest

import frames
from tests.sql.conftest import tpch_data  # noqa: F401 - the TPC-H tables, for test_tpch_on_dask

BACKENDS = ("threads", "processes", "distributed")


@pytest.fixture(scope="session")
def thread_client():
    with frames.Client(processes=False, n_workers=1, threads_per_worker=4, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="session")
def process_client():
    with frames.Client(processes=True, n_workers=2, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="session")
def dask_backed_client(dask_client):
    with frames.Client(dask_client, set_as_default=False) as c:
        yield c


@pytest.fixture(params=BACKENDS)
def client(request):
    return request.getfixturevalue({"threads": "thread_client", "processes": "process_client",
                                    "distributed": "dask_backed_client"}[request.param])

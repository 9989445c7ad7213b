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

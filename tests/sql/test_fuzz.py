"""Differential fuzzing against DuckDB (``tests/sql/fuzz``): a fixed set of seeds, one generated query
each (joins, aggregates, windows, subqueries, set operations, CTEs over tables with NULLs and
duplicates). No wrong answer and no crash; a refusal (the project's own error) is allowed here and
counted by ``python -m tests.sql.fuzz --n 2000``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")

from tests.sql.fuzz.generator import KNOWN  # noqa: E402
from tests.sql.fuzz.runner import Engines, generate  # noqa: E402

SEEDS = range(1, 61)
AVOID = frozenset(KNOWN)  # constructs with a known, open wrong answer or crash


@pytest.fixture(scope="module", params=[1, 3], ids=lambda n: f"{n}part")
def engines(request):
    return Engines(npartitions=request.param)


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz(engines, seed):
    sql, ordered = generate(seed, AVOID, engines)
    outcome = engines.run(seed, sql, ordered)
    assert outcome.kind in ("same", "refused"), f"seed {seed}: {outcome.kind}\n{outcome.detail}\n-- SQL:\n{sql}"

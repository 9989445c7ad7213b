"""``USING SAMPLE`` and ``TABLESAMPLE`` (DuckDB's sampling clauses) onto a logical ``Sample``.

``FROM t TABLESAMPLE s`` samples ``t`` before any join; ``... FROM a JOIN b USING SAMPLE s`` samples
what the FROM clause produced, before WHERE (DuckDB's order). ``n ROWS`` (or a bare number) and the
``reservoir`` method give exactly ``n`` rows; a percentage keeps each row with that probability
(``reservoir`` with a percentage too: the row count is not known before the rows are read).
``REPEATABLE (seed)`` / ``(method, seed)`` repeat the same rows; without one each run draws anew.
"""

from __future__ import annotations

import secrets

from sqlglot import exp

from planner.errors import SqlError, UnsupportedFeatureError
from planner.logical import LogicalPlan, Sample


def _number(value: exp.Expression | None, what: str) -> float | None:
    if value is None or value is False:  # sqlglot leaves seed=False for a method given without one
        return None
    if isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal):
        raise SqlError(f"the sample {what} must not be negative: {value.sql()}")
    if not isinstance(value, exp.Literal) or value.is_string:
        raise UnsupportedFeatureError(f"a sample {what} that is not a number: {value.sql()}")
    return float(value.this)


def sampled(node: LogicalPlan, sample: exp.TableSample | None) -> LogicalPlan:
    """``node`` under the sampling clause ``sample`` (None: unchanged)."""
    if sample is None:
        return node
    if sample.args.get("bucket_numerator") is not None or sample.args.get("expressions"):
        raise UnsupportedFeatureError(f"this sampling clause: {sample.sql()}")
    percent = _number(sample.args.get("percent"), "percentage")
    size = _number(sample.args.get("size"), "size")
    seed = _number(sample.args.get("seed"), "seed")
    seed = int(seed) if seed is not None else secrets.randbits(62)
    if percent is not None:
        if not 0 <= percent <= 100:
            raise SqlError(f"the sample percentage must be between 0 and 100, not {percent:g}")
        return Sample(node, percent / 100, None, seed)
    if size is None or size < 0 or size != int(size):
        raise SqlError(f"the sample size must be a whole number of rows, not {sample.sql()}")
    return Sample(node, None, int(size), seed)

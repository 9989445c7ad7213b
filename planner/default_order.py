"""ORDER BY items that name no direction or NULL placement, given the session's defaults
(``SET default_order`` / ``SET default_null_order``).

sqlglot fills in the dialect's NULL placement while parsing, so a parsed ``Ordered`` no longer says
whether ``NULLS FIRST/LAST`` was written. Parsing the text again under two dialects that place
NULLs differently by default (small: first ascending, last descending; large: the reverse) tells
it: an item whose placement differs between the two was not written. Only sessions that changed a
default pay for the two extra parses.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

NULL_ORDERS = ("nulls_first", "nulls_last", "nulls_first_on_asc_last_on_desc", "nulls_last_on_asc_first_on_desc")


def _variant(dialect: str, ordering: str) -> type[Dialect]:
    base = type(Dialect.get_or_raise(dialect))
    key = (base, ordering)
    if key not in _VARIANTS:
        _VARIANTS[key] = type(f"{base.__name__}Nulls{ordering.title().replace('_', '')}", (base,), {"NULL_ORDERING": ordering})
    return _VARIANTS[key]


_VARIANTS: dict = {}


class DefaultOrder:
    """Fills in the session's defaults in the statements parsed from ``text`` (``apply``); the
    text is parsed again under the two variant dialects only when a default differs from the
    dialect's own (asc, NULLS LAST)."""

    def __init__(self, text: str, dialect: str):
        self.text, self.dialect = text, dialect
        self._written: list[list[bool]] | None = None

    def _null_order_written(self) -> list[list[bool]]:
        """Per statement, per ORDER BY item (in ``find_all`` order): whether NULLS FIRST/LAST was written."""
        if self._written is None:
            small = [s for s in sqlglot.parse(self.text, read=_variant(self.dialect, "nulls_are_small")) if s is not None]
            large = [s for s in sqlglot.parse(self.text, read=_variant(self.dialect, "nulls_are_large")) if s is not None]
            self._written = [[x.args.get("nulls_first") == y.args.get("nulls_first") for x, y in zip(a.find_all(exp.Ordered), b.find_all(exp.Ordered))]
                             for a, b in zip(small, large)]
        return self._written

    def apply(self, index: int, statement: exp.Expression, order: str, null_order: str) -> exp.Expression:
        """Statement ``index`` of the text with the unwritten directions and NULL placements of every
        ORDER BY item (windows' too) set from ``order`` ("asc"/"desc") and ``null_order`` (one of
        ``NULL_ORDERS``)."""
        if order == "asc" and null_order == "nulls_last":
            return statement  # DuckDB's own defaults: what the parser filled in
        if statement.find(exp.Ordered) is None:
            return statement
        written = self._null_order_written()[index]
        statement = statement.copy()
        for item, explicit in zip(statement.find_all(exp.Ordered), written):
            if item.args.get("desc") is None and order == "desc":
                item.set("desc", True)
            if explicit:
                continue
            desc = bool(item.args.get("desc"))
            first = {"nulls_first": True, "nulls_last": False,
                     "nulls_first_on_asc_last_on_desc": not desc, "nulls_last_on_asc_first_on_desc": desc}[null_order]
            item.set("nulls_first", first)
        return statement

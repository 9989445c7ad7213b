"""Identifiers as DuckDB resolves them: matched without regard to case, spelled in results as the
catalog (or the query's alias) spells them.

sqlglot's DuckDB dialect lowercases every identifier, quoted or not, before it qualifies names;
that is DuckDB's matching rule, and the planner keeps it. So every relation enters a query under
lower-case column names (``internal_names``; a projection renames it where its own names differ),
and the result's columns are spelled back at the end (``Spelling``): ``SELECT amount FROM t`` over a
column ``Amount`` answers a column ``Amount``, ``SELECT amount AS Total`` one named ``Total``.
Columns equal but for case (a pandas frame's ``A`` and ``a``) are told apart as DuckDB does: the
later ones get ``_1``, ``_2``, ... (``A``, ``a_1``), each reachable by that name.
"""

from __future__ import annotations

from sqlglot import exp

from frames.dataframe.expr.scalar import Col
from planner.logical import LogicalPlan, Project


def display_names(names: list[str]) -> list[str]:
    """``names`` with later case-insensitive repeats suffixed ``_1``, ``_2``, ... (DuckDB's rule)."""
    taken: set[str] = set()
    out = []
    for name in names:
        candidate, k = name, 0
        while candidate.lower() in taken:
            k += 1
            candidate = f"{name}_{k}"
        taken.add(candidate.lower())
        out.append(candidate)
    return out


class Spelling:
    """Lower-case name -> the spelling a result shows, gathered while one query is planned."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def relation(self, plan: LogicalPlan) -> LogicalPlan:
        """``plan`` under lower-case column names (a renaming projection only where needed); its
        spellings are remembered for the result."""
        display = display_names(plan.schema.names)
        for name in display:
            self.names.setdefault(name.lower(), name)
        internal = [d.lower() for d in display]
        if internal == plan.schema.names:
            return plan
        return Project(plan, tuple((i, Col(o)) for i, o in zip(internal, plan.schema.names)))

    def column(self, name: str) -> str:
        return self.names.get(name.lower(), name)

    def definitions(self, query: exp.Expression) -> None:
        """The names the query defines, as written: aliases (``AS Total``) and a derived table's or
        CTE's column list (``AS t("Id", ...)``); they win over the catalog's spelling."""
        for alias in query.find_all(exp.Alias):
            self.names[alias.alias.lower()] = alias.alias
        for table_alias in query.find_all(exp.TableAlias):
            for column in table_alias.columns:
                self.names[column.name.lower()] = column.name

    def _spell_output(self, name: str) -> str:
        if name in self.names:
            return self.names[name]
        base, sep, k = name.rpartition("_")  # the builder's ``x_1`` for a second output named x
        return self.names[base] + sep + k if sep and k.isdigit() and base in self.names else name

    def result(self, plan: LogicalPlan) -> LogicalPlan:
        """``plan`` with its output columns spelled back."""
        names = plan.schema.names
        spelled = [self._spell_output(n) for n in names]
        if spelled == names or len({s.lower() for s in spelled}) != len(spelled):
            return plan
        return Project(plan, tuple((s, Col(n)) for s, n in zip(spelled, names)))

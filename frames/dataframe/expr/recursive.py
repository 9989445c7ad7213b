"""A recursive union (SQL's ``WITH RECURSIVE``): the anchor's rows, then the step applied again
and again to the rows the last round added, until a round adds none.

The step is a tree of frames nodes reading a placeholder (``working``, an in-memory node) where
the recursive query names itself. Its task graph is built once; each round fills the
placeholder's key with the rows of the last round and runs that graph on the synchronous
scheduler, inside this node's single task (the rounds depend on each other, so they are serial
whatever the outer scheduler). ``distinct`` (UNION) keeps only rows never seen before, NULLs equal
each other as in UNION; UNION ALL keeps every row. A step that never runs dry is stopped after
``max_iterations`` rounds with an error naming the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables
from frames.errors import InvalidArgumentError
from frames.dataframe.expr.node import Lowering, Node
from frames.dataframe.expr.sources import FromTables

MAX_ITERATIONS = 10_000


class _Subgraph:
    """The step's graph and keys, opaque to the outer graph (its Refs are its own)."""

    def __init__(self, graph: dict, keys: list, working_key: Hashable):
        self.graph, self.keys, self.working_key = graph, keys, working_key


@dataclass(frozen=True, eq=False)
class RecursiveUnion(Node):
    """``anchor UNION [ALL] step(working)`` iterated to a fixed point, as one partition."""

    anchor: Node
    step: Node
    working: FromTables
    distinct: bool
    query_name: str = "recursive query"
    max_iterations: int | None = None  # None: MAX_ITERATIONS when lowered

    label = "recursive-union"

    def inputs(self) -> tuple[Node, ...]:
        return (self.anchor,)

    def with_inputs(self, *inputs: Node) -> Node:
        (anchor,) = inputs
        from dataclasses import replace

        return replace(self, anchor=anchor)

    def _schema(self) -> pa.Schema:
        return self.anchor.schema

    def _npartitions(self) -> int:
        return 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        inner = Lowering()
        keys = inner.keys(self.step)
        (working_key,) = inner.keys(self.working)
        sub = _Subgraph(inner.graph, keys, working_key)
        key = (self.name, 0)
        lowering.graph[key] = Task(_iterate, [Ref(k) for k in lowering.keys(self.anchor)], sub, self.schema,
                                   self.distinct, self.query_name, self.max_iterations or MAX_ITERATIONS)
        return [key]

    def describe(self) -> str:
        return f"RecursiveUnion {self.query_name} {'distinct' if self.distinct else 'all'}"


def _conformed(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    if table.schema.equals(schema):
        return table
    if table.num_columns != len(schema):
        raise InvalidArgumentError(f"the recursive part of {name} gives {table.num_columns} columns, its first part {len(schema)}")
    table = table.rename_columns(schema.names)
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise InvalidArgumentError(f"the recursive part of {name} gives values its first part's types cannot hold: {exc}") from None


def _fresh(new: pa.Table, seen: pa.Table | None) -> pa.Table:
    """The distinct rows of ``new`` not in ``seen`` (NULLs equal each other)."""
    names = new.schema.names
    marker = "__recursive_round"
    parts = [new.append_column(marker, pa.array([1] * new.num_rows, pa.int8()))]
    if seen is not None and seen.num_rows:
        parts.insert(0, seen.append_column(marker, pa.array([0] * seen.num_rows, pa.int8())))
    grouped = concat_tables(parts).group_by(names, use_threads=False).aggregate([(marker, "min")])
    kept = grouped.filter(pc.equal(grouped.column(f"{marker}_min"), 1))
    return kept.select(names)


def _iterate(anchor_parts: list[pa.Table], sub: _Subgraph, schema: pa.Schema, distinct: bool, name: str, limit: int) -> pa.Table:
    from exec import get

    working = _conformed(concat_tables(list(anchor_parts)) if anchor_parts else schema.empty_table(), schema, name)
    if distinct:
        working = _fresh(working, None)
    results = [working]
    seen = working if distinct else None
    rounds = 0
    while working.num_rows:
        rounds += 1
        if rounds > limit:
            raise InvalidArgumentError(f"{name} did not finish within {limit:,} rounds of recursion; does its recursive part ever give no rows?")
        graph = dict(sub.graph)
        graph[sub.working_key] = working
        parts = get(graph, list(sub.keys), scheduler="sync")
        new = _conformed(concat_tables(list(parts)) if parts else schema.empty_table(), schema, name)
        if distinct:
            new = _fresh(new, seen)
            seen = concat_tables([seen, new])
        results.append(new)
        working = new
    return concat_tables(results)

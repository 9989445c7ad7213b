"""Partition-wise nodes: each output partition depends on the same-numbered input partition only.

These are the cheap operations (projection, filtering, user functions) that the exec layer's fusion
collapses into one task per partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Hashable

import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task, repeatable
from frames.dataframe.convert import take_rows
from frames.errors import DataTypeError
from frames.dataframe.expr.node import Lowering, Node, UnaryNode, memoized
from frames.dataframe.expr.kernels import get_kernel
from frames.dataframe.expr.pushdown import FilterRewrites, ProjectRewrites
from frames.dataframe.expr.scalar import (Call, Col, Lit, ScalarExpr, ScalarInput, as_array, conjuncts, fill_slots,
                                         scalar_inputs, slot_scalar_inputs)


def _blockwise(lowering: Lowering, node: Node, child: Node, func: Callable, exprs: Any) -> list[Hashable]:
    """One task per partition: ``func(partition, exprs)``. ``exprs`` (a predicate or (name, expr)
    pairs) reading ``ScalarInput`` values get them bound: each scalar's tree is lowered into the
    same graph once and its result handed to every partition's task."""
    parts = [exprs] if isinstance(exprs, ScalarExpr) else [e for _, e in exprs]
    found: list[ScalarInput] = []
    for e in parts:
        found += [f for f in scalar_inputs(e) if all(f is not g for g in found)]
    scalars = []
    if found:
        for f in found:
            (scalar_key, *more) = lowering.keys(f.node)
            if more:
                raise DataTypeError(f"{f!r} is not a single value (it has {1 + len(more)} partitions)")
            scalars.append(Ref(scalar_key))
        exprs = slot_scalar_inputs(exprs, found) if isinstance(exprs, ScalarExpr) else tuple((n, slot_scalar_inputs(e, found)) for n, e in exprs)
    keys = []
    for i, k in enumerate(lowering.keys(child)):
        key = (node.name, i)
        lowering.graph[key] = Task(_with_scalars, func, Ref(k), exprs, scalars) if scalars else Task(func, Ref(k), exprs)
        keys.append(key)
    return keys


def _with_scalars(func: Callable, table: pa.Table, exprs: Any, scalars: list[pa.Table]) -> pa.Table:
    exprs = fill_slots(exprs, scalars) if isinstance(exprs, ScalarExpr) else tuple((n, fill_slots(e, scalars)) for n, e in exprs)
    return func(table, exprs)


def _renames_only(args: tuple) -> bool:
    """Whether a ``project_table`` task only selects and renames columns (``exec.repeatable``:
    made again from its scan rather than spilled)."""
    return all(type(e) is Col for _, e in args[1])


@repeatable(when=_renames_only)
def project_table(table: pa.Table, exprs: tuple[tuple[str, ScalarExpr], ...]) -> pa.Table:
    """The projection's columns over ``table``; a function call that appears in several of them
    (or twice in one) is computed once: TPC-H q1's ``l_extendedprice * (1 - l_discount)`` is a
    column of its own and a factor of the next one."""
    n = table.num_rows
    shared: dict = {}
    arrays = [as_array(_evaluate_shared(e, table, shared), n) for _, e in exprs]
    return pa.Table.from_arrays(arrays, names=[name for name, _ in exprs])


def _evaluate_shared(expr: ScalarExpr, table: pa.Table, shared: dict):
    if not isinstance(expr, Call):
        return expr.evaluate(table)
    key = _structure(expr)
    if key not in shared:
        kernel = get_kernel(expr.func)
        shared[key] = kernel.impl(*(_evaluate_shared(a, table, shared) for a in expr.args), **dict(expr.options))
    return shared[key]


def _structure(expr: ScalarExpr) -> tuple:
    """A key equal for calls computing the same thing. Literals count with their Python and Arrow
    types (``Lit(1) == Lit(True)`` as dataclasses, yet they compute different values)."""
    if isinstance(expr, Call):
        return ("call", expr.func, repr(expr.options), tuple(_structure(a) for a in expr.args))
    if isinstance(expr, Col):
        return ("col", expr.name)
    if isinstance(expr, Lit):
        return ("lit", type(expr.value).__name__, repr(expr.value), str(expr.type))
    return ("node", id(expr))  # CASE, CAST: computed once each, never matched with another


def filter_table(table: pa.Table, predicate: ScalarExpr, evaluate: Callable | None = None,
                 keep: list[str] | None = None) -> pa.Table:
    """The rows of ``table`` where ``predicate`` is true; ``evaluate(expr, table)`` computes masks
    when given (a scan's dictionary-aware evaluation). ``keep``: only these columns come out (a
    scan's columns that only its filter reads are not cut down with the rest; in TPC-H q19 they
    were two of six columns, chunked dictionaries whose gather is the dearest).

    The conjuncts of an AND go cheapest first (see ``_conjunct_cost``). Once the rows still in are
    at most half of those the last conjunct saw, later conjuncts see only those rows, and only the
    columns they read; the whole table is cut down once, at the end: TPC-H q19's
    ``l_shipinstruct`` and ``l_shipmode`` tests keep 4% of lineitem, so its decimal range tests
    then read 240k rows instead of 6M.
    """
    parts = conjuncts(predicate)
    if len(parts) > 1:
        parts.sort(key=lambda e: _conjunct_cost(e, table.schema))
    rows = None  # indices of the rows still in (None: all of them)...
    pending = None  # ...and a mask over those not applied yet
    for i, part in enumerate(parts):
        names = sorted(part.columns())
        view = table if not names else table.select(names) if rows is None else take_rows(table.select(names), rows)
        mask = part.evaluate(view) if evaluate is None else evaluate(part, view)
        if isinstance(mask, pa.Scalar):
            if not (pa.types.is_boolean(mask.type) or pa.types.is_null(mask.type)):
                raise DataTypeError(f"filter condition {part!r} is {mask.type}, not boolean")
            if not mask.as_py():
                return (table if keep is None else table.select(keep)).slice(0, 0)
            continue
        if not pa.types.is_boolean(mask.type):
            raise DataTypeError(f"filter condition {part!r} is {mask.type}, not boolean")
        pending = mask if pending is None else pc.and_kleene(pending, mask)
        seen = len(pending)
        if i + 1 < len(parts) and seen and (pc.sum(pending).as_py() or 0) <= seen // 2:
            kept = pc.indices_nonzero(pc.fill_null(pending, False))
            rows = kept if rows is None else rows.take(kept)
            pending = None
    if keep is not None:
        table = table.select(keep)
    if rows is not None:
        table = take_rows(table, rows)
    return table if pending is None else filter_columns(table, pending)


def _conjunct_cost(expr: ScalarExpr, schema: pa.Schema) -> int:
    """A rough per-row cost of a filter conjunct, for ordering: tests on dictionary columns are
    nearly free (computed per distinct value), fixed-width comparisons cheap, strings dear."""
    cost = 0
    for c in expr.columns():
        t = schema.field(c).type if c in schema.names else pa.null()
        if pa.types.is_dictionary(t):
            continue
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t):
            cost += 8
        elif pa.types.is_decimal(t):
            cost += 2
        else:
            cost += 1
    return cost


def filter_columns(table: pa.Table, mask) -> pa.Table:
    """``table.filter(mask)`` column by column: NULL counts as false, as in SQL and pandas.

    Measured on SF1 lineitem (7 columns, 6M rows): 0.24 s this way against 1.0-1.4 s for
    ``Table.filter``, which goes through a much slower generic path in pyarrow 26.
    """
    if isinstance(mask, pa.ChunkedArray) and mask.num_chunks == 1:
        mask = mask.chunk(0)
    return pa.Table.from_arrays([c.filter(mask) for c in table.columns], schema=table.schema)


@dataclass(frozen=True, eq=False)
class Project(ProjectRewrites, UnaryNode):
    """Compute named expressions over the input; the output has exactly these columns, in order."""

    child: Node
    exprs: tuple[tuple[str, ScalarExpr], ...]

    label = "project"
    keeps_partitions = True

    def _schema(self) -> pa.Schema:
        # A plain column keeps its input type: typing it on an empty table of the whole input, once
        # per column, made wide renaming projections quadratic in their width to lower (0.1 s of
        # the planner's 0.34 s on the 22 TPC-H queries, which lowers plans for size estimates).
        schema = self.child.schema
        fields = []
        for name, e in self.exprs:
            i = schema.get_field_index(e.name) if isinstance(e, Col) else -1  # -1: missing or ambiguous
            fields.append((name, schema.field(i).type if i >= 0 else e.dtype(schema)))
        return pa.schema(fields)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        return _blockwise(lowering, self, self.child, project_table, self.exprs)

    @memoized
    def estimated_bytes(self) -> float:
        width = max(len(self.child.schema), 1)
        return self.child.estimated_bytes() * len(self.exprs) / width

    def estimated_rows(self) -> float | None:
        return self.child.estimated_rows()

    def distinct_count(self, columns: tuple[str, ...]) -> float | None:
        exprs = dict(self.exprs)
        names = [exprs.get(c) for c in columns]
        if not all(isinstance(e, Col) for e in names):
            return None
        return self.child.distinct_count(tuple(e.name for e in names))

    @cached_property
    def partitioning(self) -> tuple[str, ...] | None:
        """The child's partitioning under the names its key columns are projected to (each key
        must be passed through as a bare column; a computed key may hash differently)."""
        keys = self.child.partitioning
        if keys is None:
            return None
        renamed = {}
        for name, e in self.exprs:
            if isinstance(e, Col) and e.name in keys:
                renamed.setdefault(e.name, name)
        return tuple(renamed[k] for k in keys) if all(k in renamed for k in keys) else None

    def describe(self) -> str:
        parts = [name if repr(e) == name else f"{e!r} AS {name}" for name, e in self.exprs]
        return f"Project {', '.join(parts)}"


@dataclass(frozen=True, eq=False)
class Filter(FilterRewrites, UnaryNode):
    """Keep the rows where ``predicate`` is true (NULL counts as false)."""

    child: Node
    predicate: ScalarExpr

    label = "filter"

    def __post_init__(self) -> None:
        dtype = self.predicate.dtype(self.child.schema)
        if not (pa.types.is_boolean(dtype) or pa.types.is_null(dtype)):
            raise DataTypeError(f"filter condition {self.predicate!r} is {dtype}, not boolean")

    def lower(self, lowering: Lowering) -> list[Hashable]:
        return _blockwise(lowering, self, self.child, filter_table, self.predicate)

    @memoized
    def estimated_bytes(self) -> float:
        return self.child.estimated_bytes() * 0.5 ** len(conjuncts(self.predicate))

    @memoized
    def selectivity(self) -> float:
        return self.child.selectivity() * 0.5 ** len(conjuncts(self.predicate))

    def estimated_rows(self) -> float | None:
        rows = self.child.estimated_rows()
        return None if rows is None else rows * 0.5 ** len(conjuncts(self.predicate))

    def distinct_count(self, columns: tuple[str, ...]) -> float | None:
        found, rows = self.child.distinct_count(columns), self.estimated_rows()
        return found if found is None or rows is None else min(found, rows)

    @cached_property
    def partitioning(self) -> tuple[str, ...] | None:
        return self.child.partitioning

    def describe(self) -> str:
        return f"Filter {self.predicate!r}"


@dataclass(frozen=True, eq=False)
class MapPartitions(UnaryNode):
    """Apply a function to every partition.

    With ``pandas=True`` (the public ``map_partitions``) the function receives and returns pandas
    DataFrames, converted at the boundary; internal users pass Arrow functions with ``pandas=False``.
    ``out_schema`` is the declared output schema (from ``meta`` or from a trial run on an empty frame).
    """

    child: Node
    func: Callable
    out_schema: pa.Schema
    args: tuple = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    pandas: bool = True
    func_name: str = ""
    partition_info: bool = False

    label = "map-partitions"

    @property
    def keeps_partitions(self) -> bool:
        return self.pandas  # a user's function: rows paired by position, a changed count an error (ZipColumns)

    def _schema(self) -> pa.Schema:
        return self.out_schema

    def lower(self, lowering: Lowering) -> list[Hashable]:
        keys = []
        n = self.child.npartitions
        for i, k in enumerate(lowering.keys(self.child)):
            key = (self.name, i)
            info = {"number": i, "npartitions": n} if self.partition_info else None
            lowering.graph[key] = Task(apply_partition, self.func, Ref(k), self.args, self.kwargs, self.out_schema, self.pandas, info)
            keys.append(key)
        return keys

    def describe(self) -> str:
        return f"MapPartitions {self.func_name or getattr(self.func, '__name__', 'function')}"


def apply_partition(func, table, args, kwargs, schema, pandas, info=None):
    kw = dict(kwargs)
    if info is not None:
        kw["partition_info"] = info
    if not pandas:
        return func(table, *args, **kw)
    from frames.dataframe.convert import pandas_to_arrow, arrow_to_pandas

    result = func(arrow_to_pandas(table), *args, **kw)
    return pandas_to_arrow(result, schema, where=getattr(func, "__name__", "map_partitions function"))


@dataclass(frozen=True, eq=False)
class ZipColumns(Node):
    """``left``'s columns then ``right``'s, partition ``i`` beside partition ``i``: a column made
    by ``map_partitions`` over a frame, assigned back to it or combined with its columns
    (``df["b"] = df.a.map_partitions(f)``), as Dask assigns co-aligned collections partition by
    partition. Both come from the same partitions through per-partition steps only
    (``partition_root``); rows pair by position, so a function that changed a partition's row
    count is an error, never a silent shift."""

    left: Node
    right: Node

    label = "zip-columns"
    keeps_partitions = True

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def _schema(self) -> pa.Schema:
        return pa.schema(list(self.left.schema) + list(self.right.schema))

    def input_columns(self, required: set[str]) -> list[set[str]]:
        names = self.left.schema.names
        kept = {c for c in names if c in required} or set(names[:1])  # one column still counts the rows
        return [kept, set(self.right.schema.names)]

    def lower(self, lowering: Lowering) -> list[Hashable]:
        keys = []
        for i, (lk, rk) in enumerate(zip(lowering.keys(self.left), lowering.keys(self.right))):
            key = (self.name, i)
            lowering.graph[key] = Task(zip_partitions, Ref(lk), Ref(rk), i)
            keys.append(key)
        return keys

    def describe(self) -> str:
        return f"ZipColumns {', '.join(self.right.schema.names)}"


def zip_partitions(left: pa.Table, right: pa.Table, i: int) -> pa.Table:
    if left.num_rows != right.num_rows:
        raise DataTypeError(f"partition {i}: a column made by map_partitions has {right.num_rows} rows where its frame has "
                            f"{left.num_rows}; to combine with the frame's columns the function must keep each partition's rows")
    return pa.Table.from_arrays(left.columns + right.columns, names=left.column_names + right.column_names)


def partition_root(node: Node) -> Node:
    """The node below ``node``'s per-partition steps (``Node.keeps_partitions``: projections,
    pandas functions of partitions, zips, prefix scans): two nodes with one root have the same
    partitions, row for row where the functions keep rows."""
    while node.keeps_partitions:
        node = node.inputs()[0]
    return node

"""The planner's logical plan: a closed set of small frozen dataclasses.

Every node lists its children in ``inputs()`` (``with_inputs`` rebuilds it with new ones), knows its
output ``schema`` and prints one line in EXPLAIN (``describe``). The optimizer rules in
``planner/rules/`` rewrite these nodes only; ``planner.lower`` turns the final plan into frames
nodes. Scalar expressions are frames' (``Col``, ``Lit``, ``Call``, ``Cast``, ``Case``): they are the
vocabulary both layers share, so lowering an expression is the identity.

A node's schema is the schema of the frames operation it lowers to, computed on empty inputs of
its children's schemas: types (decimal precision after arithmetic, date parts, window results) are
decided in one place, the frames kernels, and the logical plan can never disagree with what runs.

Identity is object identity (``eq=False``): a subtree used twice (a CTE, a view read twice, a
self-join) is one object, lowered once, computed once. Rules keep such sharing (``transform_up``).

    >>> import pyarrow as pa
    >>> from frames.dataframe.expr.scalar import Col, Lit, call
    >>> t = Values(pa.table({"a": [1, 2, 3]}))
    >>> plan = Filter(Project(t, (("b", call("add", Col("a"), Lit(1))),)), call("gt", Col("b"), Lit(2)))
    >>> print(plan.explain())
    Filter (b > 2)
      Project (a + 1) AS b
        Values rows=3 columns=[a]
    >>> plan.schema.names
    ['b']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import pyarrow as pa

from frames.dataframe.expr.aggregate import AggSpec
from frames.dataframe.expr.node import Node as FramesNode
from frames.dataframe.expr.pushdown import (AggregateRewrites, ConcatRewrites, FilterRewrites, LimitRewrites, ProjectRewrites,
                                  Rewritable, SortRewrites, split_conjuncts, transform_up, walk, remember_schema, remembered_schema)
from frames.dataframe.expr.scalar import Call, Col, ScalarExpr, conjunction, conjuncts
from frames.dataframe.expr.scan import Scan as FramesScan
from frames.dataframe.expr.sort import SortKey
from frames.dataframe.expr.window import WindowFunction

__all__ = [
    "LogicalPlan", "Scan", "Values", "Project", "Filter", "Join", "Aggregate", "Sort", "Limit", "Sample", "Union",
    "Window", "RowId", "Unnest", "WorkingTable", "RecursiveUnion", "transform_up", "walk", "same_explain", "JOIN_TYPES",
]

JOIN_TYPES = ("inner", "left", "right", "outer", "semi", "anti", "cross")


@dataclass(frozen=True, eq=False)
class LogicalPlan(Rewritable):
    """Base of all logical nodes (never instantiated itself)."""

    # The fields holding the child plans, in order (a class attribute, not a field): every rule
    # walks the plan through ``inputs()``, and finding them with ``dataclasses.fields`` on each call
    # was a tenth of the rules' time.
    _input_fields = ()

    def inputs(self) -> tuple["LogicalPlan", ...]:
        return self._inputs

    @cached_property
    def _inputs(self) -> tuple["LogicalPlan", ...]:
        return tuple(getattr(self, name) for name in self._input_fields)

    def with_inputs(self, *inputs: "LogicalPlan") -> "LogicalPlan":
        assert len(self._input_fields) == len(inputs), type(self).__name__
        return self._rebuilt(replace(self, **dict(zip(self._input_fields, inputs))))

    def _rebuilt(self, new: "LogicalPlan") -> "LogicalPlan":
        """``new``, a copy of this node over other inputs, told this node's schema if known
        (``frames.dataframe.expr.pushdown.remember_schema``)."""
        return remember_schema(self, new) if type(new).schema is LogicalPlan.__dict__["schema"] else new

    @cached_property
    def schema(self) -> pa.Schema:
        known = remembered_schema(self)
        return known if known is not None else self._schema()

    def _schema(self) -> pa.Schema:
        """The schema of the frames operation this node lowers to, over empty inputs."""
        placeholders = [_placeholder(c.schema) for c in self.inputs()]
        return self.to_frames(*placeholders).schema

    @cached_property
    def frames(self) -> FramesNode:
        """This plan lowered onto frames nodes (children lowered first, each once)."""
        return self.to_frames(*(c.frames for c in self.inputs()))

    def to_frames(self, *inputs: FramesNode) -> FramesNode:  # pragma: no cover - abstract
        """The frames node computing this node over already lowered ``inputs``."""
        raise NotImplementedError

    def estimated_bytes(self) -> float:
        """Size estimate of the output, from the frames node it lowers to (scans know their files
        and pushed filters; frames owns the estimates)."""
        return self.frames.estimated_bytes()

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def explain(self, indent: int = 0) -> str:
        return "\n".join("  " * indent + line for line in self._explain_lines)

    @cached_property
    def _explain_lines(self) -> tuple[str, ...]:
        lines = [self._line]
        for c in self.inputs():
            lines += ["  " + line for line in c._explain_lines]
        return tuple(lines)

    @cached_property
    def _line(self) -> str:
        """``describe()``, kept per node: the subtrees a rule leaves alone are the same objects,
        and rules compare plans by their EXPLAIN text (``same_explain``)."""
        return self.describe()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


def _placeholder(schema: pa.Schema) -> FramesNode:
    from frames.dataframe.expr.sources import FromTables

    return FromTables((schema.empty_table(),), schema)


@dataclass(frozen=True, eq=False)
class Scan(LogicalPlan):
    """A catalog table (files or in-memory data). ``columns`` are the only ones read (None: all);
    ``filter`` is applied exactly while reading and may use columns not in ``columns``.

    ``source`` is the frames node the catalog holds. A frames file scan receives both through its
    ``with_columns`` / ``with_filter`` contract (row groups, hive partitions, column selection are
    frames' business); any other source gets a Filter and a Project on top."""

    table: str
    source: FramesNode
    read_columns: tuple[str, ...] | None = None
    filter: ScalarExpr | None = None

    @cached_property
    def schema(self) -> pa.Schema:
        if self.read_columns is None:
            return self.source.schema
        full = self.source.full_schema() if isinstance(self.source, FramesScan) else self.source.schema
        return pa.schema([full.field(c) for c in self.read_columns])

    def to_frames(self) -> FramesNode:
        from frames.dataframe.expr.blockwise import Filter as FFilter, Project as FProject
        from frames.dataframe.expr.scalar import Col

        node = self.source
        if isinstance(node, FramesScan):
            if self.filter is not None:
                node = node.with_filter(self.filter)
            if self.read_columns is not None:
                node = node.with_columns(self.read_columns)
            return node
        if self.filter is not None:
            node = FFilter(node, self.filter)
        if self.read_columns is not None and list(self.read_columns) != node.schema.names:
            node = FProject(node, tuple((c, Col(c)) for c in self.read_columns))
        return node

    def pass_filter(self, preds):
        """Every conjunct is applied while reading (lowering hands it to a frames file scan)."""
        parts = (conjuncts(self.filter) if self.filter is not None else []) + preds
        parts = [p for p in dict.fromkeys(parts) if not self._holds_for_every_row(p)]
        return replace(self, filter=conjunction(parts)), [], []

    def _holds_for_every_row(self, pred: ScalarExpr) -> bool:
        """``x IS NOT NULL`` (or ``NOT x IS NULL``) on a column the source declares non-nullable (a
        Parquet ``required`` column): the guard an IN subquery puts on its key. Dropped, it costs
        nothing to evaluate and no longer keeps two scans of one table apart (TPC-H q18 read lineitem
        twice: once with ``NOT l_orderkey IS NULL``, once without). Floats are kept: ``is_null``
        counts NaN as NULL."""
        if not isinstance(pred, Call):
            return False
        if pred.func == "not" and len(pred.args) == 1 and isinstance(pred.args[0], Call) and pred.args[0].func == "is_null":
            target = pred.args[0].args
        elif pred.func == "is_not_null":
            target = pred.args
        else:
            return False
        if len(target) != 1 or not isinstance(target[0], Col):
            return False
        schema = self.source.full_schema() if hasattr(self.source, "full_schema") else self.source.schema
        name = target[0].name
        if name not in schema.names:
            return False
        field = schema.field(name)
        return not field.nullable and not pa.types.is_floating(field.type)

    def pruned(self, want, rewriter):
        cols = tuple(c for c in self.schema.names if c in want) or tuple(self.schema.names[:1])
        return self if list(cols) == self.schema.names else replace(self, read_columns=cols)

    def describe(self) -> str:
        if isinstance(self.source, FramesScan):
            return f"Scan {self.table}: {self.frames.describe()}"
        filt = f" filter={self.filter!r}" if self.filter is not None else ""
        return f"Scan {self.table}: columns=[{', '.join(self.schema.names)}]{filt} over {self.source.describe()}"


@dataclass(frozen=True, eq=False)
class Values(LogicalPlan):
    """A constant table (the one row of ``SELECT 1``, literal rows)."""

    table: pa.Table

    @cached_property
    def schema(self) -> pa.Schema:
        return self.table.schema

    def to_frames(self) -> FramesNode:
        from frames.dataframe.expr.sources import FromTables

        return FromTables((self.table,), self.table.schema)

    def describe(self) -> str:
        return f"Values rows={self.table.num_rows} columns=[{', '.join(self.table.schema.names)}]"


@dataclass(frozen=True, eq=False)
class Project(ProjectRewrites, LogicalPlan):
    """Computes ``exprs`` (name, expression) per row; only those columns come out."""

    child: LogicalPlan
    exprs: tuple[tuple[str, ScalarExpr], ...]

    _input_fields = ("child",)

    def _schema(self) -> pa.Schema:
        # frames' Project types each expression on an empty table; giving it only the columns
        # the expression reads (and none for a plain column) is the same answer, much cheaper
        child = self.child.schema
        names = set(child.names)  # ``Schema.names`` builds a new list on every call
        fields = []
        for name, e in self.exprs:
            if isinstance(e, Col) and e.name in names:
                fields.append(pa.field(name, child.field(e.name).type))
            else:
                columns = e.columns()
                used = [child.field(c) for c in sorted(columns) if c in names]
                fields.append(pa.field(name, e.dtype(pa.schema(used)) if len(used) == len(columns) else e.dtype(child)))
        return pa.schema(fields)

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.blockwise import Project as FProject

        return FProject(child, self.exprs)

    def describe(self) -> str:
        parts = [name if repr(e) == name else f"{e!r} AS {name}" for name, e in self.exprs]
        return f"Project {', '.join(parts)}"


@dataclass(frozen=True, eq=False)
class Filter(FilterRewrites, LogicalPlan):
    """Keeps the rows where ``predicate`` is TRUE (NULL and FALSE drop the row)."""

    child: LogicalPlan
    predicate: ScalarExpr

    _input_fields = ("child",)

    @cached_property
    def schema(self) -> pa.Schema:
        return self.child.schema

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.blockwise import Filter as FFilter

        return FFilter(child, self.predicate)

    def describe(self) -> str:
        return f"Filter {self.predicate!r}"


@dataclass(frozen=True, eq=False)
class Join(LogicalPlan):
    """Equi-join on ``left_on[i] = right_on[i]`` (NULL keys never match); output is the left
    columns then the right ones (semi/anti: left only). Other conditions are Filters above (inner)
    or are rejected by the builder (outer). ``strategy`` None lets frames choose by size."""

    left: LogicalPlan
    right: LogicalPlan
    how: str
    left_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    strategy: str | None = None

    _input_fields = ("left", "right")

    def __post_init__(self) -> None:
        assert self.how in JOIN_TYPES, self.how

    def _schema(self) -> pa.Schema:
        left, right = self.left.schema, self.right.schema
        same_keys = all(left.field(a).type == right.field(b).type for a, b in zip(self.left_on, self.right_on))
        if not same_keys:  # keys are cast to a common type: let frames say which
            return super()._schema()
        if self.how in ("semi", "anti"):
            return left
        return pa.schema(list(left) + list(right))

    def to_frames(self, left: FramesNode, right: FramesNode) -> FramesNode:
        from frames.dataframe.expr.join import Join as FJoin

        return FJoin(left, right, self.how, self.left_on, self.right_on, self.strategy)

    def pass_filter(self, preds):
        """A conjunct reading one side goes to it: either side of an inner or cross join, the
        preserved side of an outer join, the left side of a semi/anti join; an equality between
        the two sides of an inner or cross join becomes a join key."""
        left, right = set(self.left.schema.names), set(self.right.schema.names)
        can_left = self.how in ("inner", "cross", "left", "semi", "anti")
        can_right = self.how in ("inner", "cross", "right")
        to_left, to_right, above = [], [], []
        lkeys, rkeys = list(self.left_on), list(self.right_on)
        for p in preds:
            cols = p.columns()
            if can_left and cols <= left:
                to_left.append(p)
            elif can_right and cols <= right:
                to_right.append(p)
            elif self.how in ("inner", "cross") and _is_key_pair(p, left, right):
                a, b = p.args[0].name, p.args[1].name
                lkeys.append(a if a in left else b)
                rkeys.append(b if a in left else a)
            else:
                above.append(p)
        if len(lkeys) == len(self.left_on):
            return self, [to_left, to_right], above
        how = "inner" if self.how == "cross" else self.how
        return replace(self, how=how, left_on=tuple(lkeys), right_on=tuple(rkeys)), [to_left, to_right], above

    def input_columns(self, required):
        left, right = set(self.left.schema.names), set(self.right.schema.names)
        return [(required & left) | set(self.left_on), (required & right) | set(self.right_on)]

    def describe(self) -> str:
        on = ", ".join(f"{a} = {b}" for a, b in zip(self.left_on, self.right_on))
        strategy = f" strategy={self.strategy}" if self.strategy else ""
        return f"Join {self.how}" + (f" on [{on}]" if on else "") + strategy


@dataclass(frozen=True, eq=False)
class Aggregate(AggregateRewrites, LogicalPlan):
    """GROUP BY ``keys`` (plain column names) computing ``aggs``; output keys then aggregates.
    Without keys exactly one row, also for empty input. No aggs: DISTINCT over the keys."""

    child: LogicalPlan
    keys: tuple[str, ...]
    aggs: tuple[AggSpec, ...]
    partial_in: bool = False  # frames' Aggregate.partial_in / partial_out: grouping sets merged
    partial_out: bool = False  # from a finer set's partial results

    _input_fields = ("child",)

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.aggregate import Aggregate as FAggregate

        return FAggregate(child, self.keys, self.aggs, partial_in=self.partial_in, partial_out=self.partial_out)

    def describe(self) -> str:
        stage = (" merge" if self.partial_in else "") + (" partial" if self.partial_out else "")
        keys = f" keys=[{', '.join(self.keys)}]" if self.keys else ""
        aggs = f" aggs=[{', '.join(map(repr, self.aggs))}]" if self.aggs else ""
        return f"Aggregate{stage}{keys}{aggs}"


@dataclass(frozen=True, eq=False)
class Sort(SortRewrites, LogicalPlan):
    """ORDER BY ``keys``; with ``limit`` a top-k (only the first ``limit`` rows are kept)."""

    child: LogicalPlan
    keys: tuple[SortKey, ...]
    limit: int | None = None

    _input_fields = ("child",)

    @cached_property
    def schema(self) -> pa.Schema:
        return self.child.schema

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.sort import Sort as FSort

        return FSort(child, self.keys, self.limit, gather_small=True)  # the answer is one table anyway

    def describe(self) -> str:
        head = "TopK" if self.limit is not None else "Sort"
        return f"{head} [{', '.join(map(repr, self.keys))}]" + (f" limit={self.limit}" if self.limit is not None else "")


@dataclass(frozen=True, eq=False)
class Limit(LimitRewrites, LogicalPlan):
    """``LIMIT n OFFSET offset`` (n None: OFFSET only), in the child's row order."""

    child: LogicalPlan
    n: int | None
    offset: int = 0

    _input_fields = ("child",)

    @cached_property
    def schema(self) -> pa.Schema:
        return self.child.schema

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.reshape import Limit as FLimit

        return FLimit(child, self.n, self.offset)

    def describe(self) -> str:
        return f"Limit {self.n}" + (f" offset={self.offset}" if self.offset else "")


@dataclass(frozen=True, eq=False)
class Sample(LimitRewrites, LogicalPlan):
    """``USING SAMPLE`` / ``TABLESAMPLE``: each row kept with probability ``fraction``, or exactly
    ``min(rows, total)`` rows (``frames.dataframe.expr.sample``); no filter crosses it."""

    child: LogicalPlan
    fraction: float | None
    rows: int | None
    seed: int

    _input_fields = ("child",)

    @cached_property
    def schema(self) -> pa.Schema:
        return self.child.schema

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.sample import Sample as FSample

        return FSample(child, self.fraction, self.rows, self.seed)

    def describe(self) -> str:
        size = f"{self.rows} rows" if self.rows is not None else f"{self.fraction * 100:g}%"
        return f"Sample {size} seed={self.seed}"


@dataclass(frozen=True, eq=False)
class Union(ConcatRewrites, LogicalPlan):
    """UNION ALL, by position; names (and types, after casting) from the first child."""

    children: tuple[LogicalPlan, ...]

    def inputs(self) -> tuple[LogicalPlan, ...]:
        return self.children

    def with_inputs(self, *inputs: LogicalPlan) -> LogicalPlan:
        return self._rebuilt(Union(tuple(inputs)))

    def to_frames(self, *children: FramesNode) -> FramesNode:
        from frames.dataframe.expr.reshape import Concat

        return Concat(tuple(children))

    def describe(self) -> str:
        return "Union all"


@dataclass(frozen=True, eq=False)
class Window(LogicalPlan):
    """Adds window function columns (sharing PARTITION BY and ORDER BY) to the child's columns."""

    child: LogicalPlan
    functions: tuple[WindowFunction, ...]

    _input_fields = ("child",)

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.window import Window as FWindow

        return FWindow(child, self.functions)

    def pass_filter(self, preds):
        """A conjunct reading only keys every function partitions by keeps or drops whole partitions."""
        return split_conjuncts(self, preds, set.intersection(*(set(f.partition) for f in self.functions)))

    def input_columns(self, required):
        kept = [f for f in self.functions if f.name in required] or list(self.functions[:1])
        cols = set(required) - {f.name for f in self.functions}
        for f in kept:
            cols |= set(f.partition) | {k.column for k in f.order} | ({f.column} if f.column else set())
        return [cols]

    def pruned(self, want, rewriter):
        kept = tuple(f for f in self.functions if f.name in want)
        if not kept:  # no window column is used: the window is not computed at all
            return rewriter.prune(self.child)
        return rewriter.prune_inputs(self if len(kept) == len(self.functions) else replace(self, functions=kept))

    def describe(self) -> str:
        f = self.functions[0]
        funcs = ", ".join(f"{g.func}({g.column or ''}) AS {g.name}" for g in self.functions)
        return f"Window partition=[{', '.join(f.partition)}] order=[{', '.join(map(repr, f.order))}] functions=[{funcs}]"


@dataclass(frozen=True, eq=False)
class RowId(LogicalPlan):
    """Appends ``name``: an int64 unique across all rows (partition number in the high bits), used
    to match rows back after a pairwise join (EXISTS with non-equality correlations)."""

    child: LogicalPlan
    name: str

    _input_fields = ("child",)

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.blockwise import MapPartitions

        out = child.schema.append(pa.field(self.name, pa.int64()))
        return MapPartitions(child, _add_row_id, out, (self.name,), pandas=False, func_name="row_id", partition_info=True)

    def input_columns(self, required):
        return [set(required) - {self.name}]

    def describe(self) -> str:
        return f"RowId {self.name}"


@dataclass(frozen=True, eq=False)
class Unnest(LogicalPlan):
    """Each row repeated for the elements of its list columns ``lists``, which become those elements
    (``frames.dataframe.expr.unnest``: zipped, NULL-padded, no row for NULL or empty lists)."""

    child: LogicalPlan
    lists: tuple[str, ...]

    _input_fields = ("child",)

    @cached_property
    def schema(self) -> pa.Schema:
        from frames.dataframe.expr.unnest import unnest_schema

        return unnest_schema(self.child.schema, self.lists)

    def to_frames(self, child: FramesNode) -> FramesNode:
        from frames.dataframe.expr.blockwise import MapPartitions
        from frames.dataframe.expr.unnest import unnest_lists

        return MapPartitions(child, unnest_lists, self.schema, (self.lists,), pandas=False, func_name="unnest")

    def describe(self) -> str:
        return f"Unnest {', '.join(self.lists)}"


@dataclass(frozen=True, eq=False)
class WorkingTable(LogicalPlan):
    """Where a recursive query names itself inside its recursive part: the rows the last round
    added (see ``RecursiveUnion``). A leaf with a known schema; it lowers to one placeholder
    frames node that each round fills."""

    name: str
    table_schema: pa.Schema

    @cached_property
    def schema(self) -> pa.Schema:
        return self.table_schema

    @cached_property
    def frames(self) -> FramesNode:
        return self.to_frames()

    def to_frames(self) -> FramesNode:
        from frames.dataframe.expr.sources import FromTables

        return FromTables((self.table_schema.empty_table(),), self.table_schema)

    def describe(self) -> str:
        return f"WorkingTable {self.name} columns=[{', '.join(self.table_schema.names)}]"


@dataclass(frozen=True, eq=False)
class RecursiveUnion(LogicalPlan):
    """``WITH RECURSIVE name AS (anchor UNION [ALL] step)``: ``anchor``'s rows, then ``step`` over
    the rows the last round added (``working``) until a round adds none. ``step`` is not an input
    the rules rewrite with the rest of the plan (it runs once per round, over a table that changes):
    it is optimized on its own when lowered, and EXPLAIN prints it under this node."""

    anchor: LogicalPlan
    step: LogicalPlan
    working: WorkingTable
    distinct: bool

    _input_fields = ("anchor",)

    @cached_property
    def schema(self) -> pa.Schema:
        return self.anchor.schema

    @cached_property
    def optimized_step(self) -> LogicalPlan:
        from planner.rules import optimize

        return optimize(self.step)[0]

    def to_frames(self, anchor: FramesNode) -> FramesNode:
        from frames.dataframe.expr.recursive import RecursiveUnion as FRecursive

        return FRecursive(anchor, self.optimized_step.frames, self.working.frames, self.distinct, self.working.name)

    def describe(self) -> str:
        return f"RecursiveUnion {self.working.name} {'distinct' if self.distinct else 'all'}"

    @cached_property
    def _explain_lines(self) -> tuple[str, ...]:
        lines = [self._line] + ["  " + line for line in self.anchor._explain_lines]
        return tuple(lines + ["  recursive part:"] + ["    " + line for line in self.optimized_step._explain_lines])


def _add_row_id(table: pa.Table, name: str, partition_info: dict) -> pa.Table:
    import numpy as np

    base = partition_info["number"] << 40
    return table.append_column(name, pa.array(np.arange(base, base + table.num_rows, dtype=np.int64)))


def _is_key_pair(p: ScalarExpr, left: set[str], right: set[str]) -> bool:
    """``a = b`` between a column of each side."""
    if not (isinstance(p, Call) and p.func == "eq" and all(isinstance(a, Col) for a in p.args)):
        return False
    a, b = p.args[0].name, p.args[1].name
    return (a in left and b in right) or (a in right and b in left)


def same_explain(a: LogicalPlan, b: LogicalPlan) -> bool:
    """Whether ``a`` and ``b`` print the same EXPLAIN text, without printing them.

    Rules that rebuild nodes without moving anything (a filter that stays where it was) compare the
    result with their input this way. The text is every node's line, indented by its depth, in
    pre-order; both pre-orders are walked side by side and stop at the first line that differs.
    A subtree that is the same object at the same depth prints the same lines and is skipped, so
    mostly only what a rule rebuilt is looked at (printing both plans to compare them took 0.07 s
    of the rules' 0.5 s on the 22 TPC-H queries). Lines that differ mean different texts unless one
    holds a line break (a quoted column name can): then the texts themselves are compared."""
    left, right = [(a, 0)], [(b, 0)]
    while left and right:
        (x, dx), (y, dy) = left.pop(), right.pop()
        if x is y and dx == dy:
            continue
        if dx != dy or x._line != y._line:
            if "\n" in x._line or "\n" in y._line:
                return a._explain_lines == b._explain_lines
            return False
        left.extend((c, dx + 1) for c in reversed(x.inputs()))
        right.extend((c, dy + 1) for c in reversed(y.inputs()))
    return not left and not right  # one text has more lines

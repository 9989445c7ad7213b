"""Scalar expressions: the per-row computations that projections and filters evaluate.

Both the DataFrame API (``df.x + 1``) and the SQL planner build these small immutable trees. They are
evaluated per partition with vectorized ``pyarrow.compute`` kernels (never a Python loop over rows),
and a predicate made of comparisons on columns converts to a ``pyarrow.compute.Expression`` so a
Parquet scan can skip row groups with it.

The type of an expression is found by evaluating it on an empty table with the input schema: the
kernels that run on real data decide the type, so inference and execution cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from frames.errors import ColumnNotFoundError, DataTypeError

ArrowValue = pa.Array | pa.ChunkedArray | pa.Scalar


class ScalarExpr:
    """Base class. Subclasses are frozen dataclasses."""

    def columns(self) -> frozenset[str]:
        """Names of the input columns this expression reads."""
        return frozenset().union(*(c.columns() for c in self.children()))

    def children(self) -> tuple["ScalarExpr", ...]:
        return ()

    def evaluate(self, table: pa.Table) -> ArrowValue:  # pragma: no cover - abstract
        raise NotImplementedError

    def substitute(self, mapping: Mapping[str, "ScalarExpr"]) -> "ScalarExpr":
        """Replace column references by the expressions they stand for (to move work below a projection)."""
        return self._rebuild([c.substitute(mapping) for c in self.children()])

    def _rebuild(self, children: list["ScalarExpr"]) -> "ScalarExpr":
        return self

    def dtype(self, schema: pa.Schema) -> pa.DataType:
        """Result type on inputs of ``schema``; raises a clear error for unknown columns or bad types."""
        missing = [c for c in self.columns() if c not in schema.names]
        if missing:
            raise ColumnNotFoundError(missing[0], schema.names)
        try:
            return as_array(self.evaluate(schema.empty_table()), 0).type
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataTypeError(f"cannot compute {self!r}: {exc}") from None

    def to_arrow_expression(self) -> pc.Expression:
        """The same computation as a ``pyarrow.compute.Expression`` (for scan filters).

        Raises ``NotImplementedError`` when there is no equivalent; callers then keep the filter above
        the scan.
        """
        raise NotImplementedError(type(self).__name__)


def as_array(value: ArrowValue, length: int) -> pa.Array | pa.ChunkedArray:
    """Broadcast a scalar result to ``length`` rows; arrays pass through."""
    if isinstance(value, pa.Scalar):
        if not length:  # pa.repeat(list scalar, 0) raises
            return pa.array([], value.type)
        return pa.repeat(value, length) if value.is_valid else pa.nulls(length, value.type)
    return value


@dataclass(frozen=True, slots=True)
class Col(ScalarExpr):
    name: str

    def columns(self) -> frozenset[str]:
        return frozenset((self.name,))

    def evaluate(self, table: pa.Table) -> ArrowValue:
        try:
            return table.column(self.name)
        except KeyError:
            raise ColumnNotFoundError(self.name, table.column_names) from None

    def substitute(self, mapping: Mapping[str, ScalarExpr]) -> ScalarExpr:
        return mapping.get(self.name, self)

    def to_arrow_expression(self) -> pc.Expression:
        return pc.field(self.name)

    def __repr__(self) -> str:
        return self.name if self.name.isidentifier() else f'"{self.name}"'


@dataclass(frozen=True, slots=True)
class Lit(ScalarExpr):
    value: Any
    type: pa.DataType | None = None

    def evaluate(self, table: pa.Table) -> ArrowValue:
        return pa.scalar(self.value, type=self.type)

    def to_arrow_expression(self) -> pc.Expression:
        return pc.scalar(pa.scalar(self.value, type=self.type))

    def __repr__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True, eq=False)
class RowRandom(ScalarExpr):
    """A fresh random value per row (``kind``: "random", a float in [0, 1); "uuid", a version-4
    UUID as text): SQL's ``random()`` / ``gen_random_uuid()``. Never equal to another node (``eq``
    is identity), so two calls are two columns, and never a constant to fold. A recomputed
    partition draws new values, as a re-run query does."""

    kind: str = "random"

    def evaluate(self, table: pa.Table) -> ArrowValue:
        import uuid

        import numpy as np

        n = table.num_rows
        if self.kind == "uuid":
            return pa.array([str(uuid.uuid4()) for _ in range(n)], pa.string())
        return pa.array(np.random.default_rng().random(n), pa.float64())

    def __repr__(self) -> str:
        return "gen_random_uuid()" if self.kind == "uuid" else "random()"


@dataclass(frozen=True, slots=True)
class Call(ScalarExpr):
    """A function from the kernel registry applied to argument expressions.

    ``options`` is a tuple of ``(name, value)`` pairs so the node stays hashable. Pickled, a call
    carries its kernel (a reference to the module that registers it, see ``kernels``), so it
    evaluates in any process, whatever that process imported.
    """

    func: str
    args: tuple[ScalarExpr, ...]
    options: tuple[tuple[str, Any], ...] = ()

    def children(self) -> tuple[ScalarExpr, ...]:
        return self.args

    def _rebuild(self, children: list[ScalarExpr]) -> ScalarExpr:
        return Call(self.func, tuple(children), self.options)

    def evaluate(self, table: pa.Table) -> ArrowValue:
        from frames.dataframe.expr.kernels import get_kernel

        kernel = get_kernel(self.func)
        return kernel.impl(*(a.evaluate(table) for a in self.args), **dict(self.options))

    def to_arrow_expression(self) -> pc.Expression:
        from frames.dataframe.expr.kernels import get_kernel

        kernel = get_kernel(self.func)
        if kernel.arrow_expression is None:
            raise NotImplementedError(self.func)
        return kernel.arrow_expression(*(a.to_arrow_expression() for a in self.args), **dict(self.options))

    def __repr__(self) -> str:
        from frames.dataframe.expr.kernels import get_kernel

        return get_kernel(self.func).render(self.args, dict(self.options))

    def __reduce__(self):
        from frames.dataframe.expr.kernels import KERNELS

        return (_unpickle_call, (self.func, self.args, self.options, KERNELS.get(self.func)))


def _unpickle_call(func: str, args: tuple, options: tuple, kernel) -> Call:
    del kernel  # unpickling it registered it in this process
    return Call(func, args, options)


@dataclass(frozen=True, slots=True)
class Cast(ScalarExpr):
    arg: ScalarExpr
    to: pa.DataType
    safe: bool = True

    def children(self) -> tuple[ScalarExpr, ...]:
        return (self.arg,)

    def _rebuild(self, children: list[ScalarExpr]) -> ScalarExpr:
        return Cast(children[0], self.to, self.safe)

    def evaluate(self, table: pa.Table) -> ArrowValue:
        from frames.dataframe.expr.kernels import cast_value

        return cast_value(self.arg.evaluate(table), self.to, self.safe)

    def to_arrow_expression(self) -> pc.Expression:
        return self.arg.to_arrow_expression().cast(self.to, safe=self.safe)

    def __repr__(self) -> str:
        return f"CAST({self.arg!r} AS {self.to})"


@dataclass(frozen=True, slots=True)
class Case(ScalarExpr):
    """``CASE WHEN c1 THEN v1 ... ELSE d END``; a NULL condition counts as false, as in SQL."""

    whens: tuple[tuple[ScalarExpr, ScalarExpr], ...]
    default: ScalarExpr | None = None

    def children(self) -> tuple[ScalarExpr, ...]:
        flat = [e for pair in self.whens for e in pair]
        return tuple(flat + ([self.default] if self.default is not None else []))

    def _rebuild(self, children: list[ScalarExpr]) -> ScalarExpr:
        n = len(self.whens)
        whens = tuple((children[2 * i], children[2 * i + 1]) for i in range(n))
        return Case(whens, children[2 * n] if self.default is not None else None)

    def evaluate(self, table: pa.Table) -> ArrowValue:
        from frames.dataframe.expr.kernels import common_type, cast_value

        n = table.num_rows
        conds = [pc.fill_null(as_array(c.evaluate(table), n), False) for c, _ in self.whens]
        values = [v.evaluate(table) for _, v in self.whens]
        default = self.default.evaluate(table) if self.default is not None else None
        target = common_type([v.type for v in values] + ([default.type] if default is not None else []))
        values = [as_array(cast_value(v, target), n) for v in values]
        if default is None:
            default = pa.nulls(n, target)
        default = as_array(cast_value(default, target), n)
        result = default
        for cond, value in zip(reversed(conds), reversed(values)):
            result = pc.if_else(cond, value, result)
        return result

    def __repr__(self) -> str:
        parts = " ".join(f"WHEN {c!r} THEN {v!r}" for c, v in self.whens)
        tail = f" ELSE {self.default!r}" if self.default is not None else ""
        return f"CASE {parts}{tail} END"


@dataclass(frozen=True, eq=False)
class ScalarInput(ScalarExpr):
    """The one value of another tree, ``node`` (one row; its first column): a reduction used in a
    row expression (``df.a - df.a.mean()``), computed once and broadcast to every row.

    The nodes that evaluate expressions (``Project``, ``Filter``) bind it when lowered: the task
    gets the node's result as an input and sees the value as a literal (``bind_scalar_inputs``).
    Unbound (typing on an empty table) it is a NULL of the value's type. Filters reading one never
    sink into a scan or join, which would evaluate them unbound (``pushdown.Rewriter.sink``)."""

    node: Any

    def evaluate(self, table: pa.Table) -> ArrowValue:
        return pa.scalar(None, self.node.schema.field(0).type)

    def __repr__(self) -> str:
        return f"scalar({self.node.describe()})"


@dataclass(frozen=True, slots=True)
class _BoundSlot(ScalarExpr):
    """Where a ``ScalarInput`` was, in the expression a task carries: the ``index``-th scalar result."""

    index: int
    type: pa.DataType

    def evaluate(self, table: pa.Table) -> ArrowValue:  # pragma: no cover - replaced before evaluation
        raise RuntimeError("a scalar input was evaluated before its value was bound")


def transform(expr: ScalarExpr, fn: Callable[[ScalarExpr], ScalarExpr | None]) -> ScalarExpr:
    """``expr`` with every subexpression for which ``fn`` returns an expression replaced by it."""
    new = fn(expr)
    if new is not None:
        return new
    kids = expr.children()
    return expr._rebuild([transform(c, fn) for c in kids]) if kids else expr


def scalar_inputs(expr: ScalarExpr) -> list[ScalarInput]:
    found: list[ScalarInput] = []
    walk(expr, lambda e: found.append(e) if isinstance(e, ScalarInput) and all(e is not f for f in found) else None)
    return found


def has_scalar_inputs(expr: ScalarExpr) -> bool:
    return bool(scalar_inputs(expr))


def slot_scalar_inputs(expr: ScalarExpr, order: list[ScalarInput]) -> ScalarExpr:
    """``expr`` with each ``ScalarInput`` replaced by its slot (its position in ``order``)."""
    def slot(e):
        if isinstance(e, ScalarInput):
            i = next(j for j, f in enumerate(order) if f is e)
            return _BoundSlot(i, e.node.schema.field(0).type)
        return None

    return transform(expr, slot)


def fill_slots(expr: ScalarExpr, tables: list[pa.Table]) -> ScalarExpr:
    """``expr`` with every slot replaced by the value in its one-row table (NULL for no row)."""
    def value(e):
        if isinstance(e, _BoundSlot):
            t = tables[e.index]
            return Lit(t.column(0)[0].as_py() if t.num_rows else None, e.type)
        return None

    return transform(expr, value)


def col(name: str) -> Col:
    return Col(name)


def lit(value: Any, type: pa.DataType | None = None) -> Lit:
    return Lit(value, type)


def call(func: str, *args: ScalarExpr, **options: Any) -> Call:
    return Call(func, tuple(args), tuple(sorted(options.items())))


def conjuncts(expr: ScalarExpr) -> list[ScalarExpr]:
    """Split ``a AND b AND c`` into its parts (to push each down on its own)."""
    if isinstance(expr, Call) and expr.func == "and":
        return [p for a in expr.args for p in conjuncts(a)]
    return [expr]


def conjunction(parts: Iterable[ScalarExpr]) -> ScalarExpr | None:
    """The AND of ``parts``; ``None`` when there are none."""
    return balanced("and", list(parts))


def balanced(op: str, parts: list[ScalarExpr]) -> ScalarExpr | None:
    """``parts`` joined by the associative ``op`` (and, or) as a balanced tree: 2,000 ORs nest 11
    calls deep, not 2,000 (evaluating, pickling and walking an expression all recurse)."""
    if not parts:
        return None
    while len(parts) > 1:
        pairs = [Call(op, (parts[i], parts[i + 1])) for i in range(0, len(parts) - 1, 2)]
        parts = pairs + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def walk(expr: ScalarExpr, visit: Callable[[ScalarExpr], None]) -> None:
    visit(expr)
    for c in expr.children():
        walk(c, visit)

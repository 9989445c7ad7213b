"""Categoricals, as Dask has them: a column whose categories are *known* (``categorize()``,
``astype(pd.CategoricalDtype([...]))``) or *unknown* (``astype("category")``: no pass over the data).

Partitions keep the plain values (the engine's kernels, joins and hashes all work on them); what
makes a column categorical is a ``Categorical`` expression in the projection that made it, which
carries the categories. ``categories_of`` follows a column down the expression tree to that
projection through the nodes that pass columns on unchanged, and ``compute()`` turns such columns
into pandas categoricals (known: those categories, in their order; unknown: the sorted values the
result holds, as ``astype("category")`` of it gives). ``.cat.codes`` looks the values up in the
known categories with Arrow's ``index_in``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from frames.errors import InvalidArgumentError
from frames.dataframe.expr.scalar import ArrowValue, Col, ScalarExpr


@dataclass(frozen=True, slots=True)
class Categorical(ScalarExpr):
    """``arg`` as a categorical with ``categories`` (None: unknown). With known categories a
    value outside them is missing, as in pandas' ``astype(CategoricalDtype(categories))``."""

    arg: ScalarExpr
    categories: tuple | None = None

    def children(self) -> tuple[ScalarExpr, ...]:
        return (self.arg,)

    def _rebuild(self, children: list[ScalarExpr]) -> ScalarExpr:
        return Categorical(children[0], self.categories)

    def evaluate(self, table: pa.Table) -> ArrowValue:
        values = self.arg.evaluate(table)
        if self.categories is None or isinstance(values, pa.Scalar):
            return values
        inside = pc.is_in(values, value_set=pa.array(self.categories, values.type))
        return pc.if_else(pc.or_kleene(inside, pc.is_null(values)), values, pa.scalar(None, values.type))

    def to_arrow_expression(self) -> pc.Expression:
        if self.categories is not None:
            raise NotImplementedError("Categorical with known categories")
        return self.arg.to_arrow_expression()

    def __repr__(self) -> str:
        cats = "unknown" if self.categories is None else f"{len(self.categories)} categories"
        return f"CATEGORICAL({self.arg!r}, {cats})"


def is_category_dtype(dtype: Any) -> bool:
    return (isinstance(dtype, str) and dtype == "category") or isinstance(dtype, pd.CategoricalDtype)


def categorical_expr(expr: ScalarExpr, dtype: Any) -> Categorical:
    """The expression for ``astype(dtype)`` with ``dtype`` "category" or a CategoricalDtype."""
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        if dtype.ordered:
            raise InvalidArgumentError("ordered categoricals are not supported")
        return Categorical(_plain(expr), tuple(dtype.categories.tolist()))
    return Categorical(_plain(expr), None)


def _plain(expr: ScalarExpr) -> ScalarExpr:
    return expr.arg if isinstance(expr, Categorical) else expr


_MISSING = object()


def categories_of(node, column: str) -> Any:
    """The known categories of ``column`` of ``node`` (a tuple), None when they are unknown, or
    ``_MISSING`` when the column is not categorical."""
    from frames.dataframe.expr.aggregate import Aggregate
    from frames.dataframe.expr.blockwise import Project
    from frames.dataframe.expr.node import UnaryNode
    from frames.dataframe.expr.blockwise import MapPartitions

    while True:
        if isinstance(node, Project):
            expr = dict(node.exprs).get(column)
            if isinstance(expr, Categorical):
                return expr.categories
            if not isinstance(expr, Col):
                return _MISSING
            node, column = node.child, expr.name
        elif isinstance(node, Aggregate):
            if column not in node.keys:
                return _MISSING
            node = node.child
        elif isinstance(node, UnaryNode) and not isinstance(node, MapPartitions) and column in node.child.schema.names:
            node = node.child  # filters, sorts, limits, repartitions, shuffles pass columns on
        else:
            return _MISSING


def categorical_columns(node, names) -> dict[str, tuple | None]:
    out = {}
    for name in names:
        cats = categories_of(node, name)
        if cats is not _MISSING:
            out[name] = cats
    return out


def to_pandas_categoricals(pdf: pd.DataFrame, columns: dict[str, tuple | None]) -> pd.DataFrame:
    """``pdf`` with ``columns`` (and index levels of those names) as pandas categoricals."""
    if not columns:
        return pdf
    for name, cats in columns.items():
        if name in pdf.columns:
            pdf[name] = _as_category(pdf[name], cats)
    return pdf


def _as_category(values: pd.Series, cats: tuple | None) -> pd.Series:
    if cats is None:
        cats = sorted(values.dropna().unique().tolist())
    return values.astype(pd.CategoricalDtype(list(cats)))


def codes_dtype(n: int) -> pa.DataType:
    """pandas' codes type for ``n`` categories (int8 up to 127, then int16, int32)."""
    return pa.int8() if n < 2 ** 7 else pa.int16() if n < 2 ** 15 else pa.int32()


@dataclass(frozen=True, slots=True)
class CategoryCodes(ScalarExpr):
    """Each value's position in ``categories``; -1 for a missing value (pandas' codes)."""

    arg: ScalarExpr
    categories: tuple

    def children(self) -> tuple[ScalarExpr, ...]:
        return (self.arg,)

    def _rebuild(self, children: list[ScalarExpr]) -> ScalarExpr:
        return CategoryCodes(children[0], self.categories)

    def evaluate(self, table: pa.Table) -> ArrowValue:
        values = self.arg.evaluate(table)
        if isinstance(values, pa.Scalar):
            values = pa.array([values.as_py()], values.type)
        codes = pc.index_in(values, value_set=pa.array(self.categories, values.type))
        return pc.cast(pc.fill_null(codes, -1), codes_dtype(len(self.categories)))

    def __repr__(self) -> str:
        return f"CODES({self.arg!r})"


class CategoricalAccessor:
    """``Series.cat``: ``known``, ``categories``, ``codes``, ``as_known()``, ``as_unknown()``."""

    def __init__(self, series):
        self._series = series
        self._categories = _series_categories(series)
        if self._categories is _MISSING:
            raise InvalidArgumentError(f"the .cat accessor needs a categorical column; {series.name!r} is {series.arrow_type} "
                                       "(astype('category') or categorize() make one)")

    @property
    def known(self) -> bool:
        return self._categories is not None

    @property
    def categories(self) -> pd.Index:
        self._require_known("categories")
        return pd.Index(list(self._categories))

    @property
    def codes(self):
        from frames.dataframe.collection import Series

        self._require_known("codes")
        s = self._series
        return Series(s._node, CategoryCodes(_plain(s._expr), self._categories), None, s._index)  # unnamed, as pandas

    def as_known(self):
        """The same column with its categories computed now (its distinct values, sorted)."""
        from frames.dataframe.collection import Series

        s = self._series
        if self.known:
            return s
        cats = tuple(sorted(s.dropna().unique().compute().tolist()))
        return Series(s._node, Categorical(_plain(s._expr), cats), s._name, s._index)

    def as_unknown(self):
        from frames.dataframe.collection import Series

        s = self._series
        return Series(s._node, Categorical(_plain(s._expr), None), s._name, s._index)

    def _require_known(self, what: str) -> None:
        if not self.known:
            raise InvalidArgumentError(f"{what} of a categorical with unknown categories: call .cat.as_known() "
                                       "or DataFrame.categorize() first (as in Dask)")


def _series_categories(series) -> Any:
    if isinstance(series._expr, Categorical):
        return series._expr.categories
    if isinstance(series._expr, Col):
        return categories_of(series._node, series._expr.name)
    return _MISSING


def categorize(frame, columns=None):
    """``frame`` with ``columns`` (default: every text column) categorical with known categories:
    each column's distinct values, found in one pass over the data, sorted (pandas' order)."""
    import frames

    from frames.dataframe.collection import _is_text

    schema = frame._node.schema
    names = [c for c in frame.columns if _is_text(schema.field(c).type)] if columns is None else (
        [columns] if isinstance(columns, str) else list(columns))
    frame._check_columns(names)
    if not names:
        return frame
    uniques = frames.compute(*[frame[c].dropna().unique() for c in names])
    dtypes = {c: pd.CategoricalDtype(sorted(np.asarray(u).tolist())) for c, u in zip(names, uniques)}
    return frame.astype(dtypes)


def unobserved_groups(keys: list[str], categories: dict[str, tuple | None], schema: pa.Schema) -> pa.Table:
    """Every combination of the keys' categories (``groupby(observed=False)``), in category order."""
    import itertools

    missing = [k for k in keys if categories.get(k, _MISSING) is _MISSING or categories.get(k) is None]
    if missing:
        raise InvalidArgumentError(f"groupby(observed=False) needs known categories for every key; {missing} "
                                   "have none: categorize() them first")
    rows = list(itertools.product(*[categories[k] for k in keys]))
    return pa.table({k: pa.array([r[i] for r in rows], schema.field(k).type) for i, k in enumerate(keys)})


def with_categoricals(node, source):
    """``node`` (persisted partitions of ``source``) with ``source``'s categorical columns marked again."""
    from frames.dataframe.expr.blockwise import Project

    cats = categorical_columns(source, node.schema.names)
    if not cats:
        return node
    return Project(node, tuple((n, Categorical(Col(n), cats[n]) if n in cats else Col(n)) for n in node.schema.names))

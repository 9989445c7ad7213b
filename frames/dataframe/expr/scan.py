"""The contract every file scan follows, so optimizers can push work into it.

A scan applies its ``filter`` exactly (row-level, after any pruning by statistics or directory
partitions), so moving a predicate into a scan never changes results; and it reads only
``read_columns`` when set. Both the DataFrame optimizer (``frames.dataframe.expr.optimize``) and the SQL
planner's lowering use ``with_columns`` / ``with_filter``; the scan owns how it uses them (Parquet
row-group statistics, hive partitions, column selection in the reader).
"""

from __future__ import annotations

from dataclasses import replace

from frames.dataframe.expr.node import Node
from frames.dataframe.expr.scalar import ScalarExpr, conjunction, conjuncts


class Scan(Node):
    """Mixin for file scans. Subclasses are dataclasses with ``read_columns`` and ``filter`` fields."""

    read_columns: tuple[str, ...] | None
    filter: ScalarExpr | None

    def with_columns(self, columns) -> "Scan":
        """Read only ``columns`` (in the scan's schema order); unknown names raise ColumnNotFoundError."""
        wanted = set(columns)
        base = self.full_schema().names
        missing = wanted.difference(base)
        if missing:
            from frames.errors import ColumnNotFoundError

            raise ColumnNotFoundError(sorted(missing)[0], base)
        return replace(self, read_columns=tuple(c for c in base if c in wanted))

    def with_filter(self, predicate: ScalarExpr) -> "Scan":
        """AND ``predicate`` into the scan's filter (it may use columns the scan does not output)."""
        parts = (conjuncts(self.filter) if self.filter is not None else []) + conjuncts(predicate)
        unique = list(dict.fromkeys(parts))
        return replace(self, filter=conjunction(unique))

    def pass_filter(self, preds):
        """Every conjunct goes into the scan (row groups, hive partitions, pushed to the reader)."""
        return self.with_filter(conjunction(preds)), [], []

    def pruned(self, want, rewriter):
        cols = [c for c in self.schema.names if c in want] or self.schema.names[:1]
        return self.with_columns(cols) if len(cols) < len(self.schema.names) else self

    def full_schema(self):  # pragma: no cover - abstract
        """Schema of all columns available in the source (before ``read_columns``)."""
        raise NotImplementedError

    def _schema(self):
        schema = self.full_schema()
        if self.read_columns is None:
            return schema
        return __import__("pyarrow").schema([schema.field(c) for c in self.read_columns])

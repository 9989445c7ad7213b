"""Window functions: each becomes a column ``__w{k}`` computed by a frames Window node over its
partition and order columns, projected first."""

from __future__ import annotations

from sqlglot import exp

from frames.expr.scalar import Col
from frames.expr.sort import SortKey
from frames.expr.window import WindowFunction
from planner.errors import UnsupportedFeatureError
from planner.logical import LogicalPlan as Node, Project, Window

class WindowBuilder:
    """The part of ``QueryBuilder`` that plans window functions."""

    def _windows(self, node: Node, windows: list, replacements: dict, sel: exp.Select):
        """Each window function becomes a column ``__w{k}`` computed by a frames Window node."""
        named = {w.this.name: w for w in sel.args.get("windows") or []}
        replacements = dict(replacements)
        for k, w in enumerate(windows):
            if w in replacements:
                continue
            ref = w.args.get("alias")
            base = named.get(ref.name) if isinstance(ref, exp.Identifier) else None
            partition = w.args.get("partition_by") or (base.args.get("partition_by") if base else None) or []
            order = w.args.get("order") or (base.args.get("order") if base else None)
            spec = w.args.get("spec") or (base.args.get("spec") if base else None)
            tr = self._expr(node, replacements)
            extra = []
            pcols = []
            for i, e in enumerate(partition):
                extra.append((f"__wp{k}_{i}", tr(e)))
                pcols.append(f"__wp{k}_{i}")
            okeys = []
            for i, o in enumerate(order.expressions if order is not None else []):
                extra.append((f"__wo{k}_{i}", tr(o.this)))
                okeys.append(SortKey(f"__wo{k}_{i}", not o.args.get("desc"), bool(o.args.get("nulls_first"))))
            func, column, offset, default = self._window_function(w.this, tr, extra, k)
            base_cols = tuple((n, Col(n)) for n in node.schema.names)
            node = Project(node, base_cols + tuple(extra))
            wf = WindowFunction(f"__w{k}", func, column, tuple(pcols), tuple(okeys), window_frame(spec, bool(okeys)), offset, default)
            node = Window(node, (wf,))
            replacements[w] = Col(f"__w{k}")
        return node, replacements

    def _window_function(self, f: exp.Expression, tr, extra: list, k: int):
        simple = {exp.RowNumber: "row_number", exp.Rank: "rank", exp.DenseRank: "dense_rank"}
        for klass, name in simple.items():
            if isinstance(f, klass):
                return name, None, 1, None
        if isinstance(f, (exp.Lag, exp.Lead)):
            extra.append((f"__wa{k}", tr(f.this)))
            off = f.args.get("offset")
            default = f.args.get("default")
            dv = tr(default).value if default is not None else None
            return ("lag" if isinstance(f, exp.Lag) else "lead"), f"__wa{k}", int(off.this) if off is not None else 1, dv
        if isinstance(f, (exp.FirstValue, exp.LastValue)):
            extra.append((f"__wa{k}", tr(f.this)))
            return ("first_value" if isinstance(f, exp.FirstValue) else "last_value"), f"__wa{k}", 1, None
        if isinstance(f, exp.Count) and (f.this is None or isinstance(f.this, exp.Star)):
            return "count_all", None, 1, None
        for klass, name in {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count"}.items():
            if type(f) is klass:
                extra.append((f"__wa{k}", tr(f.this)))
                return name, f"__wa{k}", 1, None
        raise UnsupportedFeatureError(f"window function {f.sql()}")


def window_frame(spec, ordered: bool):
    """A ROWS frame as (start, end) offsets; None for the default frame."""
    if spec is None:
        return None
    kind = (spec.args.get("kind") or "").upper()

    def bound(value, side):
        text = value if isinstance(value, str) else (value.name if value is not None else "")
        if str(text).upper() == "UNBOUNDED":
            return None
        if str(text).upper() in ("CURRENT ROW", "CURRENT"):
            return 0
        n = int(value.this if isinstance(value, exp.Literal) else text)
        return -n if (side or "").upper() == "PRECEDING" else n

    start = bound(spec.args.get("start"), spec.args.get("start_side"))
    end = bound(spec.args.get("end"), spec.args.get("end_side")) if spec.args.get("end") is not None else 0
    if kind == "RANGE":
        if start is None and end == 0 and ordered:
            return None
        if start is None and end is None:
            return (None, None)
        raise UnsupportedFeatureError("RANGE frames other than the default")
    return (start, end)

"""Window functions: each becomes a column ``__w{k}`` computed by a frames Window node over its
partition and order columns, projected first. The frame clause (ROWS / RANGE / GROUPS with offsets,
EXCLUDE) is handed to frames as offsets (``window_frame``); frames computes every kind of frame
vectorized. A FILTER on a window aggregate was rewritten as CASE before (``filters_as_case``)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlglot import exp

from frames.dataframe.expr.scalar import Cast, Col
from frames.dataframe.expr.sort import SortKey
from frames.dataframe.expr.window import WindowFunction
from planner.errors import UnsupportedFeatureError
from planner.logical import LogicalPlan as Node, Project, Window

class WindowBuilder:
    """The part of ``QueryBuilder`` that plans window functions."""

    def _windows(self, node: Node, windows: list, replacements: dict, sel: exp.Select):
        """Each window function becomes a column ``__w{k}``; functions over the same PARTITION BY
        and ORDER BY share one frames Window node (one shuffle and one sort for all of them)."""
        named = {w.this.name: w for w in sel.args.get("windows") or []}
        replacements = dict(replacements)
        groups: dict[tuple, list] = {}
        for k, w in enumerate(windows):
            if w in replacements or any(w == x for items in groups.values() for _, x, *_ in items):
                continue  # the same window twice is computed once
            ref = w.args.get("alias")
            base = named.get(ref.name) if isinstance(ref, exp.Identifier) else None
            partition = w.args.get("partition_by") or (base.args.get("partition_by") if base else None) or []
            order = w.args.get("order") or (base.args.get("order") if base else None)
            spec = w.args.get("spec") or (base.args.get("spec") if base else None)
            ordered = list(order.expressions) if order is not None else []
            key = (tuple(e.sql() for e in partition), tuple(o.sql() for o in ordered))
            groups.setdefault(key, []).append((k, w, partition, ordered, spec))
        for items in groups.values():
            k0, _, partition, ordered, _ = items[0]
            tr = self._expr(node, replacements)
            extra = []
            pcols = []
            for i, e in enumerate(partition):
                extra.append((f"__wp{k0}_{i}", tr(e)))
                pcols.append(f"__wp{k0}_{i}")
            okeys = []
            for i, o in enumerate(ordered):
                extra.append((f"__wo{k0}_{i}", tr(o.this)))
                okeys.append(SortKey(f"__wo{k0}_{i}", not o.args.get("desc"), bool(o.args.get("nulls_first"))))
            functions = []
            for k, w, _, _, spec in items:
                functions.append(self._window_spec(w, k, spec, tr, extra, tuple(pcols), tuple(okeys), node.schema))
                replacements[w] = Col(f"__w{k}")
            base_cols = tuple((n, Col(n)) for n in node.schema.names)
            node = Window(Project(node, base_cols + tuple(extra)), tuple(functions))
        return node, replacements

    def _window_spec(self, w: exp.Window, k: int, spec, tr, extra: list, pcols: tuple, okeys: tuple, schema) -> WindowFunction:
        function = w.this
        ignore_nulls = isinstance(function, exp.IgnoreNulls)
        if isinstance(function, (exp.IgnoreNulls, exp.RespectNulls)):
            function = function.this
        func, column, offset, default = self._window_function(function, tr, extra, k, schema)
        if ignore_nulls and func not in ("lag", "lead", "first_value", "last_value", "nth_value"):
            raise UnsupportedFeatureError(f"IGNORE NULLS with {func}")
        frame, kind, exclude = window_frame(spec, bool(okeys))
        if func in _DISTINCT_WINDOW.values() and ((okeys and frame != (None, None)) or exclude):
            raise UnsupportedFeatureError(f"a DISTINCT window aggregate over a frame other than the whole partition ({w.sql()})")
        if func not in _FRAMED and (frame is not None or exclude):
            frame, kind, exclude = None, "rows", ""  # ranking and offset functions ignore frames
        return WindowFunction(f"__w{k}", func, column, pcols, okeys, frame, offset, default, kind, exclude, ignore_nulls)

    def _window_function(self, f: exp.Expression, tr, extra: list, k: int, schema):
        """(function, argument column, offset, default) of window function ``f``; its argument is
        put in ``extra`` (columns over a node of ``schema``)."""
        simple = {exp.RowNumber: "row_number", exp.Rank: "rank", exp.DenseRank: "dense_rank",
                  exp.PercentRank: "percent_rank", exp.CumeDist: "cume_dist"}
        for klass, name in simple.items():
            if isinstance(f, klass):
                return name, None, 1, None
        if isinstance(f, exp.Ntile):
            n = f.this
            if not (isinstance(n, exp.Literal) and n.is_int):
                raise UnsupportedFeatureError(f"NTILE with a non-constant bucket count ({f.sql()})")
            return "ntile", None, int(n.this), None
        if isinstance(f, (exp.Lag, exp.Lead)):
            extra.append((f"__wa{k}", tr(f.this)))
            off = f.args.get("offset")
            default = f.args.get("default")
            dv = tr(default).value if default is not None else None
            return ("lag" if isinstance(f, exp.Lag) else "lead"), f"__wa{k}", int(off.this) if off is not None else 1, dv
        if isinstance(f, (exp.FirstValue, exp.LastValue)):
            extra.append((f"__wa{k}", tr(f.this)))
            return ("first_value" if isinstance(f, exp.FirstValue) else "last_value"), f"__wa{k}", 1, None
        if isinstance(f, exp.NthValue):
            n = f.args.get("offset")
            if not (isinstance(n, exp.Literal) and n.is_int):
                raise UnsupportedFeatureError(f"NTH_VALUE with a non-constant n ({f.sql()})")
            extra.append((f"__wa{k}", tr(f.this)))
            return "nth_value", f"__wa{k}", int(n.this), None
        if isinstance(f, exp.Count) and (f.this is None or isinstance(f.this, exp.Star)):
            return "count_all", None, 1, None
        for klass, name in {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count"}.items():
            if type(f) is klass:
                if isinstance(f.this, exp.Distinct):
                    if len(f.this.expressions) != 1:
                        raise UnsupportedFeatureError(f"window aggregate with DISTINCT over several columns ({f.sql()})")
                    extra.append((f"__wa{k}", tr(f.this.expressions[0])))
                    return _DISTINCT_WINDOW.get(name, name), f"__wa{k}", 1, None
                value = tr(f.this)
                if name == "sum" and pa.types.is_integer(value.dtype(schema)):
                    value = Cast(value, pa.decimal128(38, 0))  # SUM of integers never wraps (DuckDB: a HUGEINT)
                extra.append((f"__wa{k}", value))
                return name, f"__wa{k}", 1, None
        for klass, name in _FRAMED_AGGREGATES.items():
            if type(f) is klass and not isinstance(f.this, exp.Distinct):
                extra.append((f"__wa{k}", tr(f.this)))
                return name, f"__wa{k}", 1, None
        raise UnsupportedFeatureError(f"window function {f.sql()}")


def interval_duration(value: exp.Interval) -> dt.timedelta:
    """A RANGE offset INTERVAL as a fixed duration (months and years have none: refused)."""
    amount = value.this.name if isinstance(value.this, exp.Literal) else value.this.sql()
    unit = (value.unit.name if value.unit is not None else "DAY").lower().rstrip("s")
    units = {"microsecond": "microseconds", "millisecond": "milliseconds", "second": "seconds", "minute": "minutes",
             "hour": "hours", "day": "days", "week": "weeks"}
    try:
        n = float(amount)
    except ValueError:
        raise UnsupportedFeatureError(f"a RANGE frame offset {value.sql()}") from None
    if unit not in units or n < 0:
        raise UnsupportedFeatureError(f"a RANGE frame offset of INTERVAL {amount} {unit.upper()} (fixed units up to WEEK are supported)")
    return dt.timedelta(**{units[unit]: n})


_DISTINCT_WINDOW = {"count": "count_distinct", "sum": "sum_distinct", "mean": "mean_distinct"}
# aggregates frames computes over any frame besides sum/count/avg/min/max
_FRAMED_AGGREGATES = {exp.Stddev: "stddev_samp", exp.StddevSamp: "stddev_samp", exp.StddevPop: "stddev_pop",
                      exp.Variance: "var_samp", exp.VariancePop: "var_pop", exp.LogicalAnd: "bool_and",
                      exp.LogicalOr: "bool_or", exp.CountIf: "count_if"}
_FRAMED = {"first_value", "last_value", "nth_value", "sum", "count", "count_all", "mean", "min", "max",
           *_FRAMED_AGGREGATES.values()}


def window_frame(spec, ordered: bool) -> tuple[tuple | None, str, str]:
    """(frame, kind, exclude) for frames' ``WindowFunction``: the frame as (start, end) offsets,
    negative before the current row, None unbounded (None for the default frame), its kind
    (rows / range / groups) and its EXCLUDE clause ("" for none)."""
    if spec is None:
        return None, "rows", ""
    kind = (spec.args.get("kind") or "ROWS").lower()
    exclude = spec.args.get("exclude")
    exclude = exclude.name.lower() if exclude is not None else ""
    exclude = "" if exclude == "no others" else exclude

    def bound(value, side):
        text = value if isinstance(value, str) else (value.name if value is not None else "")
        if str(text).upper() == "UNBOUNDED":
            return None
        if str(text).upper() in ("CURRENT ROW", "CURRENT"):
            return 0
        if isinstance(value, exp.Interval) and kind == "range":
            delta = interval_duration(value)
            return -delta if (side or "").upper() == "PRECEDING" else delta
        if not isinstance(value, exp.Literal) or value.is_string:
            raise UnsupportedFeatureError(f"a {kind.upper()} frame bound other than a number ({value.sql() if isinstance(value, exp.Expression) else value})")
        n = float(value.this) if kind == "range" else int(value.this)
        if n < 0:
            raise UnsupportedFeatureError(f"a negative frame offset ({value.sql()})")
        n = int(n) if float(n).is_integer() else n
        return -n if (side or "").upper() == "PRECEDING" else n

    start = bound(spec.args.get("start"), spec.args.get("start_side"))
    end = bound(spec.args.get("end"), spec.args.get("end_side")) if spec.args.get("end") is not None else 0
    if (spec.args.get("start_side") or "").upper() == "FOLLOWING" and start is None:
        raise UnsupportedFeatureError("a frame starting at UNBOUNDED FOLLOWING")
    if kind in ("range", "groups") and not ordered and (start not in (None, 0) or end not in (None, 0)):
        raise UnsupportedFeatureError(f"a {kind.upper()} frame with offsets but no ORDER BY")
    if kind == "range" and start is None and end == 0 and ordered and not exclude:
        return None, "rows", ""  # the default frame
    if not ordered and kind in ("range", "groups"):
        kind = "rows" if (start, end) == (None, None) else kind  # every row is a peer: the whole partition
    return (start, end), kind, exclude

"""Rendering results: an aligned table that stays readable for long and wide results, CSV, JSON
and Markdown.

The Arrow schema of the lazy result (when given) tells how to show a value: a DECIMAL(p, s) column
arrives in pandas as float64 but is printed with exactly ``s`` digits, as SQL users expect.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import math
import os
import shutil
import tempfile
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from repl import FORMATS

MAX_ROWS = 40
MAX_CELL = 40


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) and pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def _float_text(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0 or 1e-4 <= abs(value) < 1e15:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return f"{value:.6g}"


def _formatter(dtype: pa.DataType | None) -> Callable[[Any], str]:
    """value -> text (never called for NULL)."""
    if dtype is not None and pa.types.is_decimal(dtype):
        scale = dtype.scale

        def fmt_decimal(v: Any) -> str:
            if isinstance(v, decimal.Decimal):
                return str(v.quantize(decimal.Decimal(1).scaleb(-scale))) if scale >= 0 else str(v)
            return f"{float(v):.{max(scale, 0)}f}"

        return fmt_decimal
    return _text


def _text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime() if v.nanosecond == 0 else v
    if isinstance(v, datetime.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


def _formatters(frame: pd.DataFrame, schema: pa.Schema | None) -> list[Callable[[Any], str]]:
    out = []
    for name in frame.columns:
        dtype = None
        if schema is not None:
            idx = schema.get_field_index(str(name))
            dtype = schema.field(idx).type if idx >= 0 else None
        out.append(_formatter(dtype))
    return out


def _numeric(frame: pd.DataFrame, schema: pa.Schema | None) -> list[bool]:
    flags = []
    for i, name in enumerate(frame.columns):
        dt = frame.dtypes.iloc[i]
        flag = pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)
        if schema is not None and schema.get_field_index(str(name)) >= 0:
            t = schema.field(str(name)).type
            flag = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        flags.append(flag)
    return flags


def _clip(text: str, width: int) -> str:
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(frame: pd.DataFrame, schema: pa.Schema | None = None, max_rows: int | None = None, max_width: int | None = None) -> str:
    """Box-drawn table; the middle rows and the columns past the terminal width are left out with
    a note saying how many. At most ``MAX_ROWS`` rows, fewer on a short terminal so the column
    names stay on screen."""
    size = shutil.get_terminal_size((120, 0))
    max_width = max_width or size.columns
    if max_rows is None:
        max_rows = max(10, min(MAX_ROWS, size.lines - 12)) if size.lines else MAX_ROWS
    n = len(frame)
    half = max_rows // 2
    shown = pd.concat([frame.head(half), frame.tail(max_rows - half)]) if n > max_rows else frame
    columns = [str(c) for c in frame.columns]
    fmts = _formatters(frame, schema)
    # no single cell wider than the terminal allows (room for the borders and a "…" column)
    cell_width = max(5, min(MAX_CELL, max_width - 4 - (4 if len(columns) > 1 else 0)))
    cells = [
        [_clip("NULL" if _is_null(v) else fmts[i](v), cell_width) for i, v in enumerate(row)]
        for row in shown.itertuples(index=False, name=None)
    ]
    columns = [_clip(c, cell_width) for c in columns]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = _numeric(frame, schema)
    # keep the columns that fit; when some are left out, keep room for the "…" column
    kept: list[int] = []
    total = 1
    for i, w in enumerate(widths):
        reserve = 4 if i < len(widths) - 1 else 0
        if kept and total + w + 3 + reserve > max_width:
            break
        kept.append(i)
        total += w + 3
    dropped = len(columns) - len(kept)
    ellipsis_col = dropped > 0

    def line(values: list[str]) -> str:
        parts = [(values[i].rjust(widths[i]) if numeric[i] else values[i].ljust(widths[i])) for i in kept]
        if ellipsis_col:
            parts.append("…")
        return "│ " + " │ ".join(parts) + " │"

    def rule(left: str, mid: str, right: str) -> str:
        segs = ["─" * widths[i] for i in kept] + (["─"] if ellipsis_col else [])
        return left + "─" + ("─" + mid + "─").join(segs) + "─" + right

    out = [rule("┌", "┬", "┐"), line(columns), rule("├", "┼", "┤")]
    for j, row in enumerate(cells):
        if n > max_rows and j == half:
            out.append(line(["…"] * len(columns)))
        out.append(line(row))
    out.append(rule("└", "┴", "┘"))
    notes = []
    if n > max_rows:
        notes.append(f"… {n - max_rows:,} more rows ({n:,} in all)")
    if dropped:
        names = ", ".join(columns[i] for i in range(len(columns)) if i not in kept)
        note = f"… {dropped} more column{'s' if dropped != 1 else ''}"
        notes.append(f"{note} ({_clip(names, max(max_width - len(note) - 3, 10))})")
    out.extend(notes)
    return "\n".join(out)


def _records(frame: pd.DataFrame, schema: pa.Schema | None) -> list[dict]:
    fmts = _formatters(frame, schema)
    decimals = [schema is not None and str(c) in schema.names and pa.types.is_decimal(schema.field(str(c)).type) for c in frame.columns]
    cols = [str(c) for c in frame.columns]
    out = []
    for row in frame.itertuples(index=False, name=None):
        rec = {}
        for i, v in enumerate(row):
            rec[cols[i]] = _json_value(v, fmts[i], decimals[i])
        out.append(rec)
    return out


def _json_value(v: Any, fmt: Callable[[Any], str], is_decimal: bool) -> Any:
    if isinstance(v, (list, tuple)) or hasattr(v, "tolist") and not pd.api.types.is_scalar(v):
        return [_json_value(x, _text, False) for x in (v.tolist() if hasattr(v, "tolist") else v)]
    if isinstance(v, dict):
        return {str(k): _json_value(x, _text, False) for k, x in v.items()}
    if _is_null(v):
        return None
    if is_decimal:
        return float(fmt(v))
    if hasattr(v, "item") and not isinstance(v, (pd.Timestamp,)):
        v = v.item()
    if isinstance(v, bool) or isinstance(v, int) or isinstance(v, str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return _text(v)


def render(frame: pd.DataFrame, fmt: str, schema: pa.Schema | None = None) -> str:
    if fmt == "table":
        return render_table(frame, schema)
    if fmt == "csv":
        fmts = _formatters(frame, schema)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            w.writerow(["" if _is_null(v) else fmts[i](v) for i, v in enumerate(row)])
        return buf.getvalue().rstrip("\n")
    if fmt == "json":
        return json.dumps(_records(frame, schema), ensure_ascii=False)
    if fmt == "markdown":
        fmts = _formatters(frame, schema)
        numeric = _numeric(frame, schema)

        def esc(text: str) -> str:
            return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

        header = "| " + " | ".join(esc(str(c)) for c in frame.columns) + " |"
        rule = "|" + "|".join("--:" if num else "---" for num in numeric) + "|"
        rows = [
            "| " + " | ".join("NULL" if _is_null(v) else esc(fmts[i](v)) for i, v in enumerate(row)) + " |"
            for row in frame.itertuples(index=False, name=None)
        ]
        return "\n".join([header, rule, *rows])
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_output(frame: pd.DataFrame, path: str, fmt: str, schema: pa.Schema | None = None) -> None:
    """Write atomically: a temporary file in the target's directory renamed over it when complete.
    ``.parquet`` targets get Parquet (with the result's Arrow types); others the chosen text format
    (``table`` means CSV in a file)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sqlengine-", suffix=".tmp")
    except OSError as exc:  # name the user's target, not our temporary file
        raise OSError(exc.errno, f"cannot write {path!r}: {exc.strerror}") from None
    os.close(fd)
    try:
        if path.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if schema is not None and schema.names == table.schema.names:
                try:
                    table = table.cast(schema)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                    pass
            pq.write_table(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(render(frame, "csv" if fmt == "table" else fmt, schema) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise

"""Rendering results: an aligned table that stays readable for long and wide results, CSV, JSON
and Markdown."""

from __future__ import annotations

import json
import math
import shutil
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "json", "markdown")


def _cell(value: Any, width: int = 40) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "NULL"
    if isinstance(value, float):
        text = f"{value:.6g}" if abs(value) >= 1e15 or (value and abs(value) < 1e-4) else f"{value:,.4f}".rstrip("0").rstrip(".")
    else:
        text = str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(frame: pd.DataFrame, max_rows: int = 40, max_width: int | None = None) -> str:
    """Box-drawn table; the middle rows and the columns past the terminal width are left out with
    a note saying how many."""
    max_width = max_width or shutil.get_terminal_size((120, 40)).columns
    n = len(frame)
    if n > max_rows:
        half = max_rows // 2
        shown = pd.concat([frame.head(half), frame.tail(half)])
    else:
        shown = frame
    columns = [str(c) for c in frame.columns]
    cells = [[_cell(v) for v in row] for row in shown.itertuples(index=False, name=None)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    kept, total = [], 1
    for i, w in enumerate(widths):
        if total + w + 3 > max_width and kept:
            break
        kept.append(i)
        total += w + 3
    numeric = [pd.api.types.is_numeric_dtype(frame.dtypes.iloc[i]) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        parts = [(values[i].rjust(widths[i]) if numeric[i] else values[i].ljust(widths[i])) for i in kept]
        return "│ " + " │ ".join(parts) + " │"

    top = "┌─" + "─┬─".join("─" * widths[i] for i in kept) + "─┐"
    mid = "├─" + "─┼─".join("─" * widths[i] for i in kept) + "─┤"
    bottom = "└─" + "─┴─".join("─" * widths[i] for i in kept) + "─┘"
    out = [top, line(columns), mid]
    for j, row in enumerate(cells):
        if n > max_rows and j == max_rows // 2:
            out.append(line(["…"] * len(columns)))
        out.append(line(row))
    out.append(bottom)
    notes = []
    if n > max_rows:
        notes.append(f"{n - max_rows:,} more rows")
    if len(kept) < len(columns):
        notes.append(f"{len(columns) - len(kept)} more columns ({', '.join(columns[i] for i in range(len(columns)) if i not in kept)[:80]})")
    if notes:
        out.append("… " + ", ".join(notes) + " not shown")
    return "\n".join(out)


def render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "table":
        return render_table(frame)
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=None)
    if fmt == "markdown":
        header = "| " + " | ".join(map(str, frame.columns)) + " |"
        rule = "|" + "|".join("---" for _ in frame.columns) + "|"
        rows = ["| " + " | ".join(_cell(v, 200) for v in row) + " |" for row in frame.itertuples(index=False, name=None)]
        return "\n".join([header, rule, *rows])
    raise ValueError(fmt)


def write_output(frame: pd.DataFrame, path: str, fmt: str) -> None:
    """Write atomically: a temporary file renamed over the target when complete."""
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sqlengine-", suffix=".tmp")
    os.close(fd)
    try:
        if path.endswith(".parquet"):
            frame.to_parquet(tmp, index=False)
        else:
            with open(tmp, "w") as f:
                f.write(render(frame, "csv" if fmt == "table" else fmt) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise

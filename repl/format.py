"""Rendering results: an aligned table that stays readable for long and wide results, CSV, JSON
and Markdown.

Results are rendered from their Arrow table, not from pandas: a DOUBLE is printed as Python's
shortest round-trip ``repr`` (every digit that tells it apart, as DuckDB's shell does), a
DECIMAL(p, s) with exactly its ``s`` digits, a BIGINT with NULLs stays an integer, and NULL is a
missing value everywhere: ``NULL`` in the table and Markdown, an empty field in CSV (an empty
string is ``""`` there, as DuckDB's COPY writes it), ``null`` in JSON. Only the box table ever
shortens a value, and then it ends the cell with ``…`` (its width is capped at ``MAX_CELL``).
"""

from __future__ import annotations

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
import pyarrow as pa

from repl import FORMATS

MAX_ROWS = 40
MAX_CELL = 40

Text = Callable[[Any], str]  # a non-NULL value of one column -> its text


def as_arrow(frame, schema: pa.Schema | None = None) -> pa.Table:
    """``frame`` as an Arrow table: an Arrow table as it is; a pandas DataFrame converted, and
    cast to ``schema`` (the lazy result's types) where that is lossless."""
    if isinstance(frame, pa.Table):
        return frame
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if schema is not None and schema.names == table.schema.names and schema != table.schema:
        try:
            table = table.cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass  # shown as pandas holds it
    return table


# -- one value's text --------------------------------------------------------------------------
def _double(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def _single(v: float) -> str:
    """A REAL as its shortest float32 text (``0.1``, not the double ``0.10000000149011612``)."""
    return _double(v) if not math.isfinite(v) else str(np.float32(v))


def _decimal(v: decimal.Decimal) -> str:
    return format(v, "f")  # every digit at the column's scale, never exponent notation


def _datetime(v) -> str:
    if hasattr(v, "nanosecond") and v.nanosecond:  # a pandas Timestamp keeping nanoseconds
        return str(v)
    text = v.isoformat(sep=" ")
    head, dot, frac = text.partition(".")
    if not dot:
        return text
    digits = frac[:6].rstrip("0")  # DuckDB's 2024-01-02 03:04:05.5, not .500000
    return head + ("." + digits if digits else "") + frac[6:]


def _bytes(v: bytes) -> str:
    """Printable ASCII as it is, any other byte as ``\\xHH`` (DuckDB's BLOB text)."""
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02x}" for b in v)


def _text_for(dtype: pa.DataType, nested: bool = False) -> Text:
    """The function giving a non-NULL value of ``dtype`` its text. Inside lists and structs
    strings are bare and NULL is ``NULL``, as DuckDB prints ``[x, NULL]``."""
    if pa.types.is_floating(dtype):
        return _double if dtype.bit_width == 64 else _single
    if pa.types.is_decimal(dtype):
        return _decimal
    if pa.types.is_boolean(dtype):
        return lambda v: "true" if v else "false"
    if pa.types.is_timestamp(dtype) or pa.types.is_date64(dtype):
        return lambda v: _datetime(v) if isinstance(v, datetime.datetime) else v.isoformat()
    if pa.types.is_date(dtype) or pa.types.is_time(dtype):
        return lambda v: v.isoformat()
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or pa.types.is_fixed_size_binary(dtype):
        return _bytes
    if pa.types.is_map(dtype):
        key, item = _text_for(dtype.key_type, True), _text_for(dtype.item_type, True)
        return lambda v: "{" + ", ".join(f"{_or_null(key, k)}={_or_null(item, x)}" for k, x in v) + "}"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        item = _text_for(dtype.value_type, True)
        return lambda v: "[" + ", ".join(_or_null(item, x) for x in v) + "]"
    if pa.types.is_struct(dtype):
        fields = [(f.name, _text_for(f.type, True)) for f in dtype]
        return lambda v: "{" + ", ".join(f"'{name}': {_or_null(fn, v.get(name))}" for name, fn in fields) + "}"
    return str


def _or_null(fn: Text, v: Any) -> str:
    return "NULL" if v is None else fn(v)


def column_texts(table: pa.Table, null: str | None = "NULL") -> list[list[str | None]]:
    """Every column of ``table`` as a list of texts (``null`` for NULL)."""
    out = []
    for column, field in zip(table.columns, table.schema):
        fn = _text_for(field.type)
        out.append([null if v is None else fn(v) for v in column.to_pylist()])
    return out


def _rows(table: pa.Table, null: str | None = "NULL") -> list[list[str | None]]:
    return [list(r) for r in zip(*column_texts(table, null))] if table.num_columns else [[] for _ in range(table.num_rows)]


def _numeric(table: pa.Table) -> list[bool]:
    return [pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) for t in table.schema.types]


# -- the box table -----------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")


def _clip(text: str, width: int) -> str:
    text = _one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(frame, schema: pa.Schema | None = None, max_rows: int | None = None, max_width: int | None = None) -> str:
    """Box-drawn table; the middle rows and the columns past the terminal width are left out with
    a note saying how many. At most ``MAX_ROWS`` rows, fewer on a short terminal so the column
    names stay on screen. A value too wide for its cell ends in ``…``; every other value is shown
    with all its digits."""
    table = as_arrow(frame, schema)
    size = shutil.get_terminal_size((120, 0))
    max_width = max_width or size.columns
    if max_rows is None:
        max_rows = max(10, min(MAX_ROWS, size.lines - 12)) if size.lines else MAX_ROWS
    n = table.num_rows
    half = max_rows // 2
    shown = pa.concat_tables([table.slice(0, half), table.slice(n - (max_rows - half))]) if n > max_rows else table
    columns = [str(c) for c in table.column_names]
    # no single cell wider than the terminal allows (room for the borders and a "…" column)
    cell_width = max(5, min(MAX_CELL, max_width - 4 - (4 if len(columns) > 1 else 0)))
    texts = _rows(shown)
    cut = any(len(_one_line(v)) > cell_width for row in texts for v in row)
    cells = [[_clip(v, cell_width) for v in row] for row in texts]
    columns = [_clip(c, cell_width) for c in columns]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = _numeric(table)
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
    if cut:
        notes.append(f"… values over {cell_width} characters cut short (--format csv or json shows them whole)")
    out.extend(_clip(note, max_width) for note in notes)
    return "\n".join(out)


# -- CSV, JSON, Markdown -----------------------------------------------------------------------
def _csv_field(text: str | None) -> str:
    """NULL is an empty field and an empty string ``""`` (DuckDB's COPY; its reader and pandas'
    read them back apart); a field holding the delimiter, a quote or a line break is quoted."""
    if text is None:
        return ""
    if text == "" or any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def render_csv(table: pa.Table) -> str:
    lines = [",".join(_csv_field(str(c)) for c in table.column_names)]
    lines.extend(",".join(_csv_field(v) for v in row) for row in _rows(table, null=None))
    return "\n".join(lines)


def _json_for(dtype: pa.DataType) -> Callable[[Any], str]:
    """A value of ``dtype`` (None included) -> its JSON text. Numbers keep every digit: a DOUBLE
    is its shortest round-trip text, a DECIMAL its exact digits as a JSON number; non-finite
    doubles are ``NaN`` / ``Infinity`` as DuckDB and Python's ``json`` write them."""
    if pa.types.is_floating(dtype):
        text = _text_for(dtype)

        def number(v):
            if math.isnan(v):
                return "NaN"
            if math.isinf(v):
                return "Infinity" if v > 0 else "-Infinity"
            return text(v)

        inner = number
    elif pa.types.is_decimal(dtype):
        inner = _decimal
    elif pa.types.is_integer(dtype):
        inner = str
    elif pa.types.is_boolean(dtype):
        inner = lambda v: "true" if v else "false"  # noqa: E731
    elif pa.types.is_map(dtype):
        key, item = _text_for(dtype.key_type), _json_for(dtype.item_type)
        inner = lambda v: "{" + ",".join(f"{json.dumps(key(k), ensure_ascii=False)}:{item(x)}" for k, x in v) + "}"  # noqa: E731
    elif pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        item = _json_for(dtype.value_type)
        inner = lambda v: "[" + ",".join(item(x) for x in v) + "]"  # noqa: E731
    elif pa.types.is_struct(dtype):
        fields = [(json.dumps(f.name, ensure_ascii=False), f.name, _json_for(f.type)) for f in dtype]
        inner = lambda v: "{" + ",".join(f"{key}:{fn(v.get(name))}" for key, name, fn in fields) + "}"  # noqa: E731
    else:
        text = _text_for(dtype)
        inner = lambda v: json.dumps(text(v), ensure_ascii=False)  # noqa: E731
    return lambda v: "null" if v is None else inner(v)


def render_json(table: pa.Table) -> str:
    keys = [json.dumps(str(c), ensure_ascii=False) for c in table.column_names]
    columns = [[_json_for(f.type)(v) for v in col.to_pylist()] for col, f in zip(table.columns, table.schema)]
    records = ["{" + ",".join(f"{k}:{v}" for k, v in zip(keys, row)) + "}" for row in zip(*columns)] if keys else ["{}"] * table.num_rows
    return "[" + ",".join(records) + "]"


def render_markdown(table: pa.Table) -> str:
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")

    header = "| " + " | ".join(esc(str(c)) for c in table.column_names) + " |"
    rule = "|" + "|".join("--:" if num else "---" for num in _numeric(table)) + "|"
    rows = ["| " + " | ".join(esc(v) for v in row) + " |" for row in _rows(table)]
    return "\n".join([header, rule, *rows])


def render_plan(table: pa.Table) -> str:
    """EXPLAIN's one ``plan`` column as the lines it holds (a tree, aligned, never cut short)."""
    return "\n".join(v or "" for v in table.column("plan").to_pylist())


def render(frame, fmt: str, schema: pa.Schema | None = None) -> str:
    """``frame`` (an Arrow table, or a pandas DataFrame with the result's Arrow ``schema``) as text."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    table = as_arrow(frame, schema)
    if fmt == "table" and table.column_names == ["plan"] and pa.types.is_string(table.schema.field(0).type):
        return render_plan(table)
    if fmt == "table":
        return render_table(table)
    return {"csv": render_csv, "json": render_json, "markdown": render_markdown}[fmt](table)


def _new_file_mode(path: str) -> int:
    """The mode of the file being replaced, or for a new file what ``open(path, "w")`` would give
    under the umask (read from /proc where it can be: setting the umask to read it is racy)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        pass
    try:
        with open("/proc/self/status") as f:
            mask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o22)
        os.umask(mask)
    return 0o666 & ~mask


def write_output(frame, path: str, fmt: str, schema: pa.Schema | None = None) -> None:
    """Write atomically: a temporary file in the target's directory, given the mode the target
    has or a plain new file would get under the umask (``mkstemp`` makes it 0600), renamed over
    the target when complete and removed when anything fails. Only a regular file is ever
    replaced. ``.parquet`` targets get Parquet with the result's Arrow types; others the chosen
    text format (``table`` means CSV in a file)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if os.path.islink(path):  # write the file the link names, as ``>`` would; the link stays
        path = os.path.realpath(path)
    if os.path.lexists(path) and not os.path.isfile(path):
        kind = "a directory" if os.path.isdir(path) else "not a regular file"
        raise IsADirectoryError(f"cannot write {path!r}: it is {kind}; name a file to write the result to")
    table = as_arrow(frame, schema)
    directory = os.path.dirname(os.path.abspath(path))
    mode = _new_file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sqlengine-", suffix=".tmp")
    except OSError as exc:  # name the user's target, not our temporary file
        raise OSError(exc.errno, f"cannot write {path!r}: {exc.strerror}") from None
    try:
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        if path.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(render(table, "csv" if fmt == "table" else fmt) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise

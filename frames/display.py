"""How collections, SQL results, futures and the Client show themselves in a notebook (``_repr_html_``).

Every view reads metadata only (schemas, partition counts, layer sizes, task states): showing a
lazy object never computes it. One layout for all: a title and a two-column table of facts, in the
style of the array view (``frames.array.display``, which adds its chunk drawing beside it).
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable, Sequence

MAX_COLUMNS = 20  # columns listed in a DataFrame's view; the rest are counted


def format_bytes(n: float) -> str:
    """``1.23 GiB`` style, as dask's ``format_bytes``; ``unknown`` for a NaN size."""
    if isinstance(n, float) and math.isnan(n):
        return "unknown"
    for unit, factor in (("PiB", 2 ** 50), ("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("kiB", 2 ** 10)):
        if n >= factor * 0.9:
            return f"{n / factor:.2f} {unit}"
    return f"{int(n)} B"


def facts_table(title: str, facts: Iterable[tuple[str, Any]], extra: str = "") -> str:
    """``<strong>title</strong>`` over a table of (name, value) rows (values escaped), then
    ``extra`` HTML (already safe)."""
    body = "\n".join(f"    <tr><th style=\"text-align:left\"> {html.escape(str(k))} </th><td> {html.escape(str(v))} </td></tr>"
                     for k, v in facts)
    return (f"<div>\n  <strong>{html.escape(title)}</strong>\n"
            f'  <table style="border-collapse: collapse;">\n{body}\n  </table>\n{extra}</div>')


def columns_table(names: Sequence[str], types: Sequence[Any], index: Sequence[str] = ()) -> str:
    """The column names and types as a one-row-per-column table (the first ``MAX_COLUMNS``)."""
    rows = []
    for name, typ in list(zip(names, types))[:MAX_COLUMNS]:
        mark = " (index)" if name in index else ""
        rows.append(f"    <tr><td> {html.escape(str(name))}{mark} </td><td> {html.escape(str(typ))} </td></tr>")
    if len(names) > MAX_COLUMNS:
        rows.append(f"    <tr><td colspan=\"2\"> ... {len(names) - MAX_COLUMNS} more columns </td></tr>")
    return ('  <table style="border-collapse: collapse;">\n    <thead><tr><th> Column </th><th> Type </th></tr></thead>\n'
            + "\n".join(rows) + "\n  </table>\n")


def frame_html(frame: Any) -> str:
    """A DataFrame or SQL result: partitions, columns and their Arrow types (and the query's text)."""
    schema = frame._node.schema
    facts = [("Partitions", frame.npartitions), ("Columns", len(schema.names))]
    if frame._index:
        facts.append(("Index", ", ".join(frame._index)))
    text = getattr(frame, "_query_text", None)
    title = "frames.DataFrame" if text is None else "SQL result (lazy)"
    if text is not None:
        facts.append(("Query", text if len(text) <= 300 else text[:297] + "..."))
    return facts_table(title, facts, columns_table(schema.names, schema.types, frame._index))


def series_html(series: Any) -> str:
    return facts_table("frames.Series", [("Name", series._name), ("Type", series.arrow_type), ("Partitions", series.npartitions)])


def bag_html(bag: Any) -> str:
    return facts_table("frames.bag.Bag", [("Partitions", bag.npartitions), ("Tasks in its own layer", len(bag.layer)),
                                          ("Collections it reads", len(bag.deps))])


def future_html(future: Any) -> str:
    return facts_table("Future", [("Key", repr(future.key)), ("Status", future.status)])


def client_html(client: Any, workers: Sequence[tuple[str, int, int | None]]) -> str:
    """``workers``: (name, threads, resident bytes or None) per worker."""
    link = client.dashboard_link
    facts = [("Status", client.status), ("Workers", len(workers)), ("Threads", sum(w[1] for w in workers))]
    memory = [w[2] for w in workers if w[2] is not None]
    if memory:
        facts.append(("Memory in use", format_bytes(sum(memory))))
    rows = "\n".join(f"    <tr><td> {html.escape(str(n))} </td><td> {t} </td><td> {'' if m is None else format_bytes(m)} </td></tr>"
                     for n, t, m in workers)
    table = ('  <table style="border-collapse: collapse;">\n    <thead><tr><th> Worker </th><th> Threads </th>'
             f"<th> Memory </th></tr></thead>\n{rows}\n  </table>\n")
    dash = (f'  <p>Dashboard: <a href="{html.escape(link, quote=True)}" target="_blank">{html.escape(link)}</a></p>\n'
            if link else "  <p>Dashboard: not running</p>\n")
    return facts_table("frames.Client", facts, table + dash)


__all__ = ["facts_table", "columns_table", "format_bytes", "frame_html", "series_html", "bag_html", "future_html", "client_html"]

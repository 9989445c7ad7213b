"""Task graphs as Graphviz DOT text, and pictures of them drawn by Graphviz.

Tasks are boxes filled with their task group's colour (``exec.diagnostics.groups``: ``filter``,
``aggregate-chunk``...), literal values ellipses, requested keys outlined thick. A big graph is
collapsed (``collapse=True``, or by default past ``COLLAPSE_OVER`` nodes): one node per task group
labelled with how many tasks it holds, one edge per pair of connected groups labelled with how many
task edges it stands for, so a 10k-task graph is still a picture of a dozen boxes.

Pictures are drawn with the ``graphviz`` package over Graphviz's ``dot`` program (Debian:
``apt-get install graphviz``); without them a ``.dot`` file can still be written.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from typing import Any, Iterable

from exec.diagnostics.groups import group_color, task_group
from exec.errors import SqlEngineError
from exec.graph import Task

COLLAPSE_OVER = 300  # nodes: past this, graphs are drawn collapsed unless collapse=False
_FORMATS = ("png", "svg", "pdf")
_INSTALL = ("Graphviz's 'dot' program is not installed; install it (Debian/Ubuntu: apt-get install graphviz, "
            "macOS: brew install graphviz, conda: conda install graphviz) or write a .dot file instead")


def _label(key: Any) -> str:
    text = key if isinstance(key, str) else repr(key)
    return text.replace("\\", "\\\\").replace('"', "'")


def to_dot(graph: dict, keys: Iterable[Any] | None = None, collapse: bool | None = None) -> str:
    """DOT text of ``graph``; ``collapse`` as described in the module docstring."""
    if collapse is None:
        collapse = len(graph) > COLLAPSE_OVER
    if collapse:
        return _collapsed_dot(graph, set(keys or []))
    requested = set(keys or [])
    ids = {k: f"n{i}" for i, k in enumerate(graph)}
    lines = ["digraph tasks {", "  rankdir=BT;", '  node [fontsize=10, fontname="sans-serif"];']
    for key, value in graph.items():
        if type(value) is Task:
            color = group_color(task_group(key))
            outline = ", penwidth=3" if key in requested else ""
            lines.append(f'  {ids[key]} [label="{_label(key)}\\n{_label(value.name)}", shape=box, style=filled, '
                         f'fillcolor="{color}"{outline}];')
            for d in sorted(value.dependencies, key=repr):
                lines.append(f"  {ids[d]} -> {ids[key]};")
        else:
            lines.append(f'  {ids[key]} [label="{_label(key)}", shape=ellipse];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _collapsed_dot(graph: dict, requested: set) -> str:
    group_of = {k: task_group(k) if type(v) is Task else "data" for k, v in graph.items()}
    sizes = Counter(group_of.values())
    edges: Counter = Counter()
    for key, value in graph.items():
        if type(value) is Task:
            for d in value.dependencies:
                if group_of[d] != group_of[key] or d == key:
                    edges[(group_of[d], group_of[key])] += 1
    ids = {g: f"g{i}" for i, g in enumerate(sorted(sizes))}
    outlined = {group_of[k] for k in requested if k in group_of}
    lines = ["digraph tasks {", "  rankdir=BT;", '  node [fontsize=11, fontname="sans-serif"];',
             '  edge [fontsize=9, fontname="sans-serif"];']
    for g in sorted(sizes):
        shape = "ellipse" if g == "data" else "box"
        fill = "" if g == "data" else f', style=filled, fillcolor="{group_color(g)}"'
        outline = ", penwidth=3" if g in outlined else ""
        n = sizes[g]
        lines.append(f'  {ids[g]} [label="{_label(g)}\\n{n} {"value" if g == "data" else "task"}{"s" * (n != 1)}", '
                     f'shape={shape}{fill}{outline}];')
    for (a, b), n in sorted(edges.items()):
        lines.append(f'  {ids[a]} -> {ids[b]} [label="{n}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, filename: str) -> None:
    """Draw ``dot`` into ``filename`` (``.png``, ``.svg`` or ``.pdf``, by its extension), atomically."""
    ext = os.path.splitext(filename)[1].lstrip(".").lower()
    if ext not in _FORMATS:
        raise SqlEngineError(f"cannot draw a task graph as .{ext}; use .dot, .png, .svg or .pdf")
    if shutil.which("dot") is None:
        raise SqlEngineError(f"drawing {filename} needs Graphviz: {_INSTALL}")
    try:
        import graphviz
    except ImportError:
        raise SqlEngineError(f"drawing {filename} needs the graphviz package: pip install graphviz") from None
    try:
        data = graphviz.Source(dot).pipe(format=ext)
    except graphviz.ExecutableNotFound:
        raise SqlEngineError(f"drawing {filename} needs Graphviz: {_INSTALL}") from None
    except graphviz.CalledProcessError as exc:
        raise SqlEngineError(f"Graphviz could not draw {filename}: {exc.stderr.decode(errors='replace').strip()}") from None
    _write(filename, data)


def _write(filename: str, data: bytes) -> None:
    tmp = f"{filename}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, filename)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def visualize(graph: dict, keys: Iterable[Any] | None = None, filename: str | None = None,
              collapse: bool | None = None, **kwargs: Any) -> str:
    """Return DOT text; with ``filename`` also write it (``.dot``) or draw it (``.png``/``.svg``/``.pdf``)."""
    if kwargs:
        raise SqlEngineError(f"visualize() got unknown options: {', '.join(sorted(kwargs))}")
    dot = to_dot(graph, keys, collapse)
    if filename is None:
        return dot
    ext = os.path.splitext(filename)[1].lstrip(".").lower()
    if ext in ("", "dot", "gv"):
        _write(filename if ext else filename + ".dot", dot.encode())
        return dot
    render(dot, filename)
    return dot

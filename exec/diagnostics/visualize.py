"""Task graphs as Graphviz DOT text (and images when the ``dot`` program is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any, Iterable

from exec.errors import SqlEngineError
from exec.graph import Task


def _label(key: Any) -> str:
    text = key if isinstance(key, str) else repr(key)
    return text.replace('"', "'")


def to_dot(graph: dict, keys: Iterable[Any] | None = None) -> str:
    requested = set(keys or [])
    ids = {k: f"n{i}" for i, k in enumerate(graph)}
    lines = ["digraph tasks {", "  rankdir=BT;", "  node [fontsize=10];"]
    for key, value in graph.items():
        if type(value) is Task:
            style = ', style=filled, fillcolor="#d0e4ff"' if key in requested else ""
            lines.append(f'  {ids[key]} [label="{_label(key)}\\n{value.name}", shape=box{style}];')
            for d in sorted(value.dependencies, key=repr):
                lines.append(f"  {ids[d]} -> {ids[key]};")
        else:
            lines.append(f'  {ids[key]} [label="{_label(key)}", shape=ellipse];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def visualize(graph: dict, keys: Iterable[Any] | None = None, filename: str | None = None, **kwargs: Any) -> str:
    """Return DOT text; with ``filename`` also write it (``.dot``) or render it (``.png``/``.svg``/``.pdf``)."""
    dot = to_dot(graph, keys)
    if filename is None:
        return dot
    ext = os.path.splitext(filename)[1].lstrip(".").lower()
    if ext in ("", "dot", "gv"):
        with open(filename if ext else filename + ".dot", "w") as f:
            f.write(dot)
        return dot
    if ext not in ("png", "svg", "pdf"):
        raise SqlEngineError(f"cannot render a task graph as .{ext}; use .dot, .png, .svg or .pdf")
    exe = shutil.which("dot")
    if exe is None:
        raise SqlEngineError(f"rendering {filename} needs Graphviz's 'dot' program (apt-get install graphviz); write a .dot file instead")
    subprocess.run([exe, f"-T{ext}", "-o", filename], input=dot.encode(), check=True)
    return dot

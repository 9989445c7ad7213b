"""Imports flow one way: repl -> sqlengine -> planner -> frames -> exec. A lower layer never
imports a higher one (not even inside a function), checked on the source of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["exec", "frames", "planner", "sqlengine", "repl"]


@pytest.mark.parametrize("layer", LAYERS[:-1])
def test_a_layer_imports_no_layer_above_it(layer):
    above = set(LAYERS[LAYERS.index(layer) + 1:])
    offenders = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in above]
    assert not offenders, "\n".join(offenders)


SHARED_CORE = ["frames/base.py", "frames/delayed.py", "frames/patterns.py", "frames/errors.py",
               *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "frames" / "futures").glob("*.py"))]
COLLECTIONS = ["frames.dataframe", "frames.array", "frames.bag"]


@pytest.mark.parametrize("module", SHARED_CORE)
def test_the_shared_core_imports_no_collection(module):
    """frames/ stands as Dask's dask/{dataframe,array,bag} over dask/base.py: what every collection
    uses (the protocol, compute/persist, delayed, graph patterns) never depends on one of them."""
    path = ROOT / module
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        offenders += [f"{module}:{node.lineno} imports {n}" for n in names if any(n == c or n.startswith(c + ".") for c in COLLECTIONS)]
    assert not offenders, "\n".join(offenders)

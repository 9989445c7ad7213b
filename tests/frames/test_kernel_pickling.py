"""Kernels resolve in any process: a pickled ``Call`` refers to the module that registers its
kernel, so a process that never imported that module (a "processes" or ``distributed`` worker)
imports it on unpickling; a kernel registered from ``__main__`` travels by value."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import frames
from frames.dataframe.expr.blockwise import Project
from frames.dataframe.expr.kernels import KERNELS
from frames.dataframe.expr.scalar import call, col, lit
from tests.frames import kernel_module  # noqa: F401 - registers test_plus_one here only

ROOT = Path(__file__).resolve().parents[2]


def _fresh_python(code: str, stdin: bytes = b"") -> str:
    """Run ``code`` in a new interpreter that has imported nothing of ours."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], input=stdin, capture_output=True, env=env, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode()


def test_a_call_unpickled_in_a_fresh_process_imports_its_kernels_module():
    import planner.functions  # noqa: F401 - registers the sql_* kernels in this process

    expr = call("sql_subtract", col("a"), call("test_plus_one", col("b")))
    assert KERNELS["sql_subtract"].module == "planner.functions"
    out = _fresh_python("""
        import pickle, sys
        import pyarrow as pa
        expr = pickle.loads(sys.stdin.buffer.read())
        print("planner.functions" in sys.modules, "tests.frames.kernel_module" in sys.modules)
        print(expr.evaluate(pa.table({"a": [10, 20], "b": [1, 2]})).to_pylist())
    """, pickle.dumps(expr))
    assert out.split("\n")[:2] == ["True True", "[8, 17]"]


def test_pickled_kernels_are_references_not_code():
    """A call ships its kernel's name and module, not the function: tasks stay small."""
    payload = pickle.dumps(call("test_plus_one", col("x")))
    assert b"tests.frames.kernel_module" in payload and len(payload) < 400


@pytest.mark.parametrize("scheduler", ["processes", "distributed"])
def test_kernel_from_a_module_the_workers_never_imported(scheduler, request):
    sched = request.getfixturevalue("dask_client") if scheduler == "distributed" else scheduler
    pdf = pd.DataFrame({"x": range(20)})
    df = frames.from_pandas(pdf, npartitions=4)
    node = Project(df._node, (("x", col("x")), ("y", call("test_plus_one", col("x")))))
    got = frames.DataFrame(node).compute(scheduler=sched)
    assert got["y"].tolist() == [x + 1 for x in range(20)]


def test_kernel_registered_in_a_script_runs_on_worker_processes(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import pandas as pd
        import pyarrow.compute as pc
        import frames
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.kernels import register
        from frames.dataframe.expr.scalar import call, col

        register("script_double", lambda a: pc.multiply(a, 2))
        df = frames.from_pandas(pd.DataFrame({"x": range(8)}), npartitions=4)
        node = Project(df._node, (("y", call("script_double", col("x"))),))
        print(frames.DataFrame(node).compute(scheduler="processes")["y"].tolist())
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str([2 * x for x in range(8)])


def test_an_unknown_function_still_fails_clearly_after_pickling():
    from frames.errors import InvalidArgumentError

    expr = pickle.loads(pickle.dumps(call("no_such_kernel", lit(1))))
    with pytest.raises(InvalidArgumentError, match="unknown function 'no_such_kernel'"):
        expr.evaluate(pa.table({"a": [1]}))

"""``sqlengine serve`` from the command line: refused beyond loopback without a password, and a
real server process answering psql-protocol clients over --table files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from repl.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_non_loopback_without_password_is_refused(capsys, monkeypatch):
    monkeypatch.delenv("SQLENGINE_PASSWORD", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "--password" in err and "Traceback" not in err


def test_serve_process_answers(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    pq.write_table(pa.table({"k": [1, 2, 3], "v": ["a", "b", "c"]}), tmp_path / "t.parquet")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "repl", "serve", "--port", "0", "--table", f"t={tmp_path / 't.parquet'}"],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        port = int(re.search(r"postgresql://127\.0\.0\.1:(\d+)/", line).group(1))
        with psycopg.connect(f"host=127.0.0.1 port={port} user=u dbname=sqlengine", connect_timeout=10) as c:
            assert c.execute("SELECT v FROM t WHERE k > %s ORDER BY k", (1,)).fetchall() == [("b",), ("c",)]
    finally:
        proc.terminate()
        proc.wait(30)

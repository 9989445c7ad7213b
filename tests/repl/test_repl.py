"""The REPL driven through prompt_toolkit's pipe input, its completer, and the command as a subprocess."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

import sqlengine
from repl.completion import SqlCompleter
from repl.run import Settings
from repl.shell import Shell
from sqlengine.demo_data import paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ctx():
    c = sqlengine.Context()
    for name, path in paths().items():
        c.register(name, path)
    return c


def drive(ctx, keys: str) -> str:
    out = io.StringIO()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        shell = Shell(ctx, Settings(timing=True), input=inp, output=DummyOutput(), history=False)
        shell.out = out
        code = shell.run()
    assert code == 0
    return out.getvalue()


def test_multiline_query_meta_commands_and_errors(ctx):
    text = drive(ctx, "SELECT count(*) AS n\r FROM orders;\r.tables\r.describe customers\rSELECT nme FROM customers;\rSELECT max(order_id) AS m FROM orders;\r.mode csv\rSELECT 1 AS one;\r.quit\r")
    assert "2,000" in text or "2000" in text
    assert "order_items" in text and "customer_id" in text
    assert "column 'nme' not found; did you mean 'name'?" in text
    assert "Traceback" not in text
    assert "one\n1" in text  # csv mode after the error: the session went on


def test_ctrl_d_quits(ctx):
    assert "sqlengine" in drive(ctx, "\x04")


def test_completer_offers_keywords_tables_and_columns(ctx):
    comp = SqlCompleter(ctx)

    def complete(text):
        return {c.text for c in comp.get_completions(Document(text), None)}

    assert "SELECT" in complete("SEL")
    assert "orders" in complete("SELECT * FROM ord")
    assert "order_date" in complete("SELECT * FROM orders WHERE order_d")
    assert "country" in complete("SELECT coun")


def run_cli(*args, input=None, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sqlengine", *args], capture_output=True, text=True, input=input, timeout=timeout, env=env)


def test_command_formats_pipe_and_script(tmp_path):
    r = run_cli("--demo", "--format", "csv", "-c", "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "status,n"
    r = run_cli("--demo", "--format", "json", "-c", "SELECT 1 AS a; SELECT 2 AS b")
    assert r.returncode == 0 and r.stdout.strip() == '[{"b": 2}]'
    r = run_cli("--demo", "--format", "markdown", input="SELECT 3 AS c;")
    assert r.stdout.splitlines()[:2] == ["| c |", "|--:|"]
    script = tmp_path / "q.sql"
    script.write_text("CREATE VIEW big AS SELECT * FROM orders WHERE total > 100;\nSELECT count(*) AS n FROM big;")
    out = tmp_path / "out.csv"
    r = run_cli("--demo", str(script), "--format", "csv", "--output", str(out))
    assert r.returncode == 0 and out.read_text().startswith("n\n")
    data = tmp_path / "t.csv"
    data.write_text("x,y\n1,2\n3,4\n")
    r = run_cli("--table", f"t={data}", "--format", "csv", "-c", "SELECT sum(x) AS s FROM t")
    assert r.stdout.strip() == "s\n4"


def test_command_errors_are_one_line_without_traceback():
    r = run_cli("--demo", "-c", "SELECT * FROM customers WHERE")
    assert r.returncode != 0 and "syntax error at line 1" in r.stderr and "^" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("--demo", "-c", "SELECT * FROM custmers")
    assert r.returncode != 0 and "did you mean 'customers'" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("--table", "t=/nope/missing.parquet", "-c", "SELECT 1")
    assert r.returncode != 0 and "missing.parquet" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("--debug", "--demo", "-c", "SELECT * FROM custmers")
    assert "Traceback" in r.stderr


def test_ctrl_c_cancels_a_long_query(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # 25M pairs, each cast and concatenated: several seconds of work
    slow = "SELECT count(*) FROM order_items a, order_items b WHERE CAST(a.unit_price AS VARCHAR) || CAST(b.unit_price AS VARCHAR) LIKE '%99%'"
    proc = subprocess.Popen([sys.executable, "-m", "sqlengine", "--demo", "-c", slow], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert "cancelled" in err and "Traceback" not in err
    assert proc.returncode == 130


def test_repl_under_a_terminal_cancels_with_ctrl_c_and_goes_on():
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # child: the REPL on a real terminal
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "sqlengine", "--demo"])
    out = b""

    def read_until(marker: bytes, timeout: float) -> bytes:
        nonlocal out
        end = time.time() + timeout
        while marker not in out and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        return out

    try:
        read_until(b"sql>", 30)
        slow = "SELECT count(*) FROM order_items a, order_items b WHERE CAST(a.unit_price AS VARCHAR) || CAST(b.unit_price AS VARCHAR) LIKE '%99%';"
        os.write(fd, slow.encode() + b"\r")
        time.sleep(2.5)
        os.write(fd, b"\x03")
        assert b"cancelled" in read_until(b"cancelled", 30)
        os.write(fd, b"SELECT 40 + 2 AS answer;\r")
        assert b"42" in read_until(b"42", 30)
        os.write(fd, b"\x04")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    assert b"Traceback" not in out

"""The ``sqlengine`` command as a subprocess (``python -m sqlengine``), Ctrl-C as a real SIGINT, and
the REPL on a real terminal (a pty)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pyarrow.parquet as pq
import pytest

from tests.repl.conftest import ROOT, SLOW

README_QUERY = ("SELECT c.country, count(*) AS orders, sum(o.total) AS revenue FROM orders o JOIN customers c "
                "USING (customer_id) GROUP BY c.country ORDER BY revenue DESC LIMIT 5")


def test_readme_first_command_on_the_embedded_demo(run_cli):
    readme = (ROOT / "README.md").read_text()
    assert f'sqlengine --demo -c "{README_QUERY}"' in readme  # the README runs exactly this
    r = run_cli("--demo", "-c", README_QUERY)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.match(r"│ country +│ +orders │ +revenue │", lines[1])
    assert len([l for l in lines if l.startswith("│")]) == 6
    assert re.search(r"│ \w+ +│ +\d+ │ +\d+\.\d\d │", lines[3])  # DECIMAL revenue with its 2 digits
    assert r.stderr == ""


def test_formats(run_cli):
    r = run_cli("--demo", "--format", "csv", "-c", "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "status,n" and r.stdout.splitlines()[1].startswith("delivered,")
    r = run_cli("--demo", "--format", "json", "-c", "SELECT 1 AS a; SELECT order_id, order_date, total FROM orders ORDER BY order_id LIMIT 2")
    first, second = r.stdout.splitlines()  # each result its own JSON array, as in the DuckDB shell
    assert json.loads(first) == [{"a": 1}]
    rows = json.loads(second)
    assert [sorted(x) for x in rows] == [["order_date", "order_id", "total"]] * 2 and re.fullmatch(r"\d{4}-\d\d-\d\d", rows[0]["order_date"])
    r = run_cli("--demo", "--format", "markdown", "-c", "SELECT name, country FROM customers ORDER BY customer_id LIMIT 2")
    assert r.stdout.splitlines()[:2] == ["| name | country |", "|---|---|"] and len(r.stdout.splitlines()) == 4


def test_tables_from_files_script_and_stdin(run_cli, tmp_path):
    (tmp_path / "t.csv").write_text("x,y\n1,2\n3,4\n")
    (tmp_path / "u.csv").write_text("x,z\n1,a\n3,b\n")
    r = run_cli("--table", f"t={tmp_path / 't.csv'}", "--table", f"u={tmp_path / 'u.csv'}", "--format", "csv",
                "-c", "SELECT sum(y) AS s, max(z) AS m FROM t JOIN u USING (x)")
    assert r.returncode == 0 and r.stdout.strip() == "s,m\n6,b"
    script = tmp_path / "q.sql"
    script.write_text("-- a script\nCREATE VIEW big AS SELECT * FROM orders WHERE total > 100;\n\nSELECT count(*) > 0 AS ok FROM big;\n")
    r = run_cli("--demo", str(script), "--format", "csv")
    assert r.returncode == 0 and r.stdout.strip() == "ok\ntrue"
    r = run_cli("--demo", "--format", "csv", input="SELECT 3 AS c;\nSELECT 4 AS d;\n")  # a pipe: every result
    assert r.returncode == 0 and r.stdout.strip() == "c\n3\nd\n4"
    r = run_cli("--format", "csv", "-", input="SELECT 5 AS e")
    assert r.stdout.strip() == "e\n5"


def test_scheduler_and_output(run_cli, tmp_path):
    for scheduler in ("sync", "processes"):
        r = run_cli("--demo", "--scheduler", scheduler, "--format", "csv", "-c", "SELECT count(*) AS n FROM order_items")
        assert r.returncode == 0, r.stderr
        assert int(r.stdout.splitlines()[1]) > 2000
    r = run_cli("--demo", "--output", str(tmp_path / "top.parquet"), "-c", "SELECT * FROM orders ORDER BY total DESC LIMIT 10")
    assert r.returncode == 0 and r.stdout == "" and "wrote 10 rows" in r.stderr
    assert pq.read_table(tmp_path / "top.parquet").num_rows == 10
    r = run_cli("--demo", "--format", "json", "--output", str(tmp_path / "o.json"), "-c", "SELECT 1 AS a")
    assert json.loads((tmp_path / "o.json").read_text()) == [{"a": 1}]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sqlengine-")]
    r = run_cli("--output", str(tmp_path / "no" / "such" / "dir.csv"), "-c", "SELECT 1 AS a")
    assert r.returncode == 1 and r.stderr == f"Error: cannot write '{tmp_path / 'no' / 'such' / 'dir.csv'}': No such file or directory\n"


def one_line_error(r, *needles):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and r.stdout == ""
    for n in needles:
        assert n in r.stderr, r.stderr
    return r.stderr.splitlines()


def test_syntax_error_shows_the_line_and_a_caret(run_cli):
    lines = one_line_error(run_cli("--demo", "-c", "SELECT *\nFROM customers WHERE country = 'x' AND"), "syntax error at line 2")
    assert len(lines) == 3 and lines[0].startswith("Error: ")
    assert lines[1] == "FROM customers WHERE country = 'x' AND" and lines[2].strip() == "^"


def test_errors_name_the_culprit_in_one_line(run_cli, tmp_path):
    lines = one_line_error(run_cli("--demo", "-c", "SELECT * FROM custmers"), "table 'custmers' not found; did you mean 'customers'?")
    assert len(lines) == 1
    lines = one_line_error(run_cli("--demo", "-c", "SELECT nme FROM customers"), "column 'nme' not found; did you mean 'name'?")
    assert len(lines) == 1
    assert len(one_line_error(run_cli("--table", "t=/nope/missing.parquet", "-c", "SELECT 1"), "missing.parquet")) == 1
    assert one_line_error(run_cli(str(tmp_path / "nope.sql")), "cannot read", "nope.sql")
    r = run_cli("--table", "no_equals_sign", "-c", "SELECT 1")
    assert r.returncode == 2 and "NAME=PATH" in r.stderr


def test_debug_shows_the_traceback(run_cli):
    r = run_cli("--debug", "--demo", "-c", "SELECT * FROM custmers")
    assert r.returncode != 0 and "Traceback" in r.stderr and "TableNotFoundError" in r.stderr


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_sigint_cancels_a_long_query_cleanly(cli_env, tmp_path, scheduler):
    """SIGINT once the query runs (its progress bar is up on a terminal stderr): the command says
    "cancelled" and exits 130, with no traceback and no result."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "sqlengine", "--demo", "--scheduler", scheduler, "-c", SLOW],
                            stdout=subprocess.PIPE, stderr=slave, env=cli_env, cwd=tmp_path)
    os.close(slave)
    err = b""
    try:
        deadline = time.time() + 60
        while b"query:" not in err and time.time() < deadline and proc.poll() is None:
            if select.select([master], [], [], 0.2)[0]:
                err += os.read(master, 65536)
        assert b"query:" in err, f"the query's progress bar never showed: {err!r}"
        assert proc.poll() is None, "the slow query finished before it could be cancelled"
        proc.send_signal(signal.SIGINT)
        out = proc.stdout.read()  # until the command exits (no timing assertion: CI can be slow)
        assert proc.wait(timeout=60) == 130
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            err += chunk
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    assert out == b""
    assert err.rstrip().endswith(b"cancelled") and b"Traceback" not in err


def test_ctrl_c_while_starting_up_is_one_word(cli_env, tmp_path):
    """What the installed ``sqlengine`` script runs, interrupted while it loads pandas and the engine
    (the command itself imports them: once they are being mapped, ``main`` is running)."""
    code = "import sys; from repl.cli import main; sys.exit(main(['--demo', '-c', sys.argv[1]]))"
    proc = subprocess.Popen([sys.executable, "-c", code, SLOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=cli_env, cwd=tmp_path, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        with open(f"/proc/{proc.pid}/maps") as f:
            if re.search(r"/(pyarrow|pandas|numpy)/", f.read()):
                break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.strip(), out) == (130, "cancelled", "")


class Terminal:
    """The REPL on a pseudo-terminal: what a user at a real terminal sees."""

    def __init__(self, env, cwd):
        self.pid, self.fd = os.forkpty()
        if self.pid == 0:  # child
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a real size
                os.chdir(cwd)
                os.execve(sys.executable, [sys.executable, "-m", "sqlengine", "--demo"], env)
            finally:
                os._exit(127)
        self.out = b""
        self.seen = 0  # how far read_until has matched

    def read_until(self, marker: bytes, timeout: float = 30) -> bytes:
        """Output from the end of the previous match through ``marker`` (or all there is)."""
        start = self.seen
        end = time.time() + timeout
        while marker not in self.out[start:] and time.time() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        found = self.out.find(marker, start)
        self.seen = found + len(marker) if found >= 0 else len(self.out)
        return self.out[start:self.seen]

    def wait_prompt(self) -> None:
        """Until the next prompt is up: keys typed while a query runs meet the terminal's cooked
        mode (where Ctrl-D is the line discipline's EOF, not a key for the REPL)."""
        assert b"sql>" in self.read_until(b"sql>")
        time.sleep(0.3)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> int:
        end = time.time() + 10
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                self.read_until(b"\0", 0.2)
            except OSError:
                pass
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return -9


def test_repl_on_a_terminal_ctrl_c_cancels_and_the_session_goes_on(cli_env, tmp_path):
    term = Terminal(dict(cli_env, PROMPT_TOOLKIT_NO_CPR="1"), tmp_path)
    try:
        assert b"sql>" in term.read_until(b"sql>")
        term.send(b"SELECT count(*) AS n\r FROM orders;\r")  # multi-line, ended by ';'
        assert b"2000" in term.read_until(b"2000")
        term.send(b"CREATE VIEW mine AS SELECT 40 AS x;\r")
        assert b"OK (" in term.read_until(b"OK (")
        term.send(SLOW.encode() + b";\r")
        time.sleep(2.5)
        term.send(b"\x03")  # Ctrl-C
        running = term.read_until(b"cancelled")
        assert b"cancelled" in running
        assert b"query:" in running and b"task" in running  # the progress bar was up
        term.send(b"SELECT x + 2 AS answer FROM mine;\r")  # the session and its tables are intact
        assert b"42" in term.read_until(b"42")
        term.send(b"SELECT * FROM nowhere;\r")
        assert b"table 'nowhere' not found" in term.read_until(b"not found")
        term.wait_prompt()
        term.send(b"\x04")  # Ctrl-D
        assert term.close() == 0
    finally:
        if term.pid:
            try:
                os.kill(term.pid, signal.SIGKILL)
                os.waitpid(term.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    assert b"Traceback" not in term.out
    assert "SELECT x + 2" in (tmp_path / "xdg" / "sqlengine" / "history").read_text()  # persistent history


def test_demo_data_is_regenerated_identically():
    from sqlengine.demo_data import TABLES, build, paths

    built = build()
    for name in TABLES:
        assert pq.read_table(paths()[name]).equals(built[name]), name
    assert sum(os.path.getsize(p) for p in paths().values()) < 300_000
    customers, orders = built["customers"], built["orders"]
    assert {"customer_id", "name", "country"} <= set(customers.column_names)
    assert {"order_id", "customer_id", "order_date", "total", "status"} <= set(orders.column_names)

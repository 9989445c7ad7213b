"""What the command prints, checked exactly: every digit of every value in each format (against
DuckDB's COPY and, where it is installed, the DuckDB shell on the same file), each statement's
result of scripts, ``-c`` and pipes with the failing statement's line, files written with the
umask's mode, and one line (never a traceback) for every kind of failure."""

from __future__ import annotations

import decimal
import json
import math
import os
import shutil
import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sqlengine
from planner.errors import SqlSyntaxError
from repl.format import render, render_table, write_output
from repl.run import Settings, run_script, split_statements
from sqlengine.errors import SqlEngineError

NAN, INF = float("nan"), float("inf")
DOUBLES = [1234567890123456.8, 0.9989182084813495, 0.1 + 0.2, 1e-7, 1e20, 100.0, NAN, INF, None]


def sample() -> pa.Table:
    """Values whose text is easy to get wrong: doubles needing 17 digits, an integer beyond a
    double's 53 bits next to a NULL (pandas would make the column float), a DECIMAL(38, 1) with
    25 digits, strings that need quoting or look like NULL, REALs."""
    dec = [decimal.Decimal("123456789012345678901234.5"), decimal.Decimal("-0.1"), None] + [decimal.Decimal("1.0")] * 6
    return pa.table({
        "d": pa.array(DOUBLES, pa.float64()),
        "i": pa.array([9007199254740993, -1, 0, None, 1, 2, 3, 4, 5], pa.int64()),
        "dec": pa.array(dec, pa.decimal128(38, 1)),
        "s": pa.array(["", None, "a,b", 'q"x', "x|y", "NULL", "é", " sp ", "line\nbreak"]),
        "r": pa.array([0.1, 2.5, None, 1e-3, 3.4028234663852886e38, 0, 1, 2, 3], pa.float32()),
    })


EXPECTED_CSV = """d,i,dec,s,r
1234567890123456.8,9007199254740993,123456789012345678901234.5,"",0.1
0.9989182084813495,-1,-0.1,,2.5
0.30000000000000004,0,,"a,b",
1e-07,,1.0,"q""x",0.001
1e+20,1,1.0,x|y,3.4028235e+38
100.0,2,1.0,NULL,0.0
nan,3,1.0,é,1.0
inf,4,1.0, sp ,2.0
,5,1.0,"line
break",3.0"""

EXPECTED_MARKDOWN = """| d | i | dec | s | r |
|--:|--:|--:|---|--:|
| 1234567890123456.8 | 9007199254740993 | 123456789012345678901234.5 |  | 0.1 |
| 0.9989182084813495 | -1 | -0.1 | NULL | 2.5 |
| 0.30000000000000004 | 0 | NULL | a,b | NULL |
| 1e-07 | NULL | 1.0 | q"x | 0.001 |
| 1e+20 | 1 | 1.0 | x\\|y | 3.4028235e+38 |
| 100.0 | 2 | 1.0 | NULL | 0.0 |
| nan | 3 | 1.0 | é | 1.0 |
| inf | 4 | 1.0 |  sp  | 2.0 |
| NULL | 5 | 1.0 | line break | 3.0 |"""

EXPECTED_TABLE = """┌─────────────────────┬──────────────────┬────────────────────────────┬─────────────┬───────────────┐
│                   d │                i │                        dec │ s           │             r │
├─────────────────────┼──────────────────┼────────────────────────────┼─────────────┼───────────────┤
│  1234567890123456.8 │ 9007199254740993 │ 123456789012345678901234.5 │             │           0.1 │
│  0.9989182084813495 │               -1 │                       -0.1 │ NULL        │           2.5 │
│ 0.30000000000000004 │                0 │                       NULL │ a,b         │          NULL │
│               1e-07 │             NULL │                        1.0 │ q"x         │         0.001 │
│               1e+20 │                1 │                        1.0 │ x|y         │ 3.4028235e+38 │
│               100.0 │                2 │                        1.0 │ NULL        │           0.0 │
│                 nan │                3 │                        1.0 │ é           │           1.0 │
│                 inf │                4 │                        1.0 │  sp         │           2.0 │
│                NULL │                5 │                        1.0 │ line\\nbreak │           3.0 │
└─────────────────────┴──────────────────┴────────────────────────────┴─────────────┴───────────────┘"""


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("exact") / "sample.parquet"
    pq.write_table(sample(), path)
    return str(path)


@pytest.fixture(scope="module")
def result(sample_file) -> pa.Table:
    """The sample as the engine answers ``SELECT *`` over its file (what the command renders)."""
    ctx = sqlengine.Context()
    ctx.register("t", sample_file)
    return ctx.sql("SELECT * FROM t").to_arrow()


def duckdb_shell() -> str | None:
    """The DuckDB command-line shell (PyPI ``duckdb-cli``), or None where it is not installed."""
    path = shutil.which("duckdb")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=30).stdout.startswith("v")
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if ok else None


needs_duckdb_shell = pytest.mark.skipif(duckdb_shell() is None, reason="the DuckDB shell (pip install duckdb-cli) is not installed")


# -- every digit, in each format ----------------------------------------------------------------
def test_csv_keeps_every_digit_and_is_what_duckdb_copy_writes(result, sample_file, tmp_path):
    ours = render(result, "csv")
    assert ours == EXPECTED_CSV
    theirs = tmp_path / "duck.csv"
    duckdb.sql(f"COPY (FROM '{sample_file}') TO '{theirs}' (HEADER)")
    assert ours + "\n" == theirs.read_text(encoding="utf-8")  # byte for byte, NULL and "" told apart


def test_json_keeps_every_digit_and_agrees_with_duckdb(result, sample_file):
    text = render(result, "json")
    ours = json.loads(text, parse_float=decimal.Decimal)  # the digits exactly as written
    rows = duckdb.sql(f"FROM '{sample_file}'").fetchall()
    assert len(ours) == len(rows) == 9
    for mine, theirs in zip(ours, rows):
        d, i, dec, s, r = theirs
        if d is None or mine["d"] is None:
            assert mine["d"] is d is None
        elif math.isnan(d):
            assert math.isnan(mine["d"])
        else:
            assert float(mine["d"]) == d and (math.isinf(d) or decimal.Decimal(repr(d)) == mine["d"])
        assert mine["i"] == i and mine["s"] == s
        assert mine["dec"] == dec  # exact: 25 digits survive (DuckDB writes them as a string)
        assert (mine["r"] is r is None) or np.float32(mine["r"]) == np.float32(r)  # REAL's shortest text
    assert '"d":1234567890123456.8' in text and '"dec":123456789012345678901234.5' in text and '"i":9007199254740993' in text
    assert '"i":null' in text and '"s":""' in text and '"s":null' in text


def test_markdown_and_table_keep_every_digit(result):
    assert render(result, "markdown") == EXPECTED_MARKDOWN
    assert render_table(result, max_width=200) == EXPECTED_TABLE  # nothing cut: no note


@needs_duckdb_shell
def test_markdown_cells_are_the_duckdb_shell_s(result, sample_file):
    out = subprocess.run([duckdb_shell(), "-markdown", "-c", f"FROM '{sample_file}' WHERE s IS DISTINCT FROM 'line\nbreak'"],
                         capture_output=True, text=True, timeout=60, check=True).stdout

    def cells(text):
        return [[c.strip() for c in line.strip().strip("|").replace("\\|", "\0").split("|")] for line in text.splitlines()[2:]]

    ours = cells(render(result.slice(0, 8), "markdown"))
    assert cells(out) == ours and len(ours) == 8


def test_the_box_table_says_when_it_cuts_a_value():
    table = pa.table({"s": ["x" * 100, "short"], "n": [1.5, None]})
    text = render_table(table, max_width=80)
    assert "xxx…" in text and "values over 40 characters cut short" in text and "--format csv or json shows them whole" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "cut short" not in render_table(pa.table({"s": ["x" * 30]}), max_width=80)


def test_pandas_frames_still_render_with_the_result_types():
    import pandas as pd

    frame = pd.DataFrame({"total": [1.5, None], "n": [1, 2]})
    schema = pa.schema([("total", pa.decimal128(10, 2)), ("n", pa.int64())])
    assert render(frame, "csv", schema) == "total,n\n1.50,1\n,2"


# -- scripts, -c and pipes: every result, the failing line ---------------------------------------
SCRIPT = "-- totals\nSELECT 1 AS a;\n\n  SELECT *\n  FROM nope;\nSELECT 3 AS c;\n"


def test_statements_know_their_lines():
    st = split_statements(SCRIPT)
    assert [s.line for s in st] == [2, 4, 6]
    assert st[1].text.splitlines()[3:] == ["  SELECT *", "  FROM nope;"]  # padded: positions point into the script
    tail = split_statements("SELECT 1;\nSELECT 'it;s\n;\nSELECT 2;")  # an unclosed quote takes the rest
    assert [s.line for s in tail] == [1, 2] and tail[1].text.endswith("SELECT 2;")


def _run(ctx, text, stop_on_error=True, source=None):
    import io

    out, err = io.StringIO(), io.StringIO()
    ok = run_script(ctx, text, Settings(format="csv", timing=False, progress=False), source=source,
                    stop_on_error=stop_on_error, out=out, err=err)
    return ok, out.getvalue(), err.getvalue()


def test_a_script_stops_at_its_first_error_naming_file_and_line():
    ok, out, err = _run(sqlengine.Context(), SCRIPT, source="q.sql")
    assert (ok, out) == (False, "a\n1\n")
    assert err == "Error in q.sql, line 4: table 'nope' not found; no tables are registered\n"


def test_piped_input_goes_on_after_an_error():
    ok, out, err = _run(sqlengine.Context(), SCRIPT, stop_on_error=False)
    assert (ok, out) == (False, "a\n1\nc\n3\n")
    assert err == "Error in line 4: table 'nope' not found; no tables are registered\n"


def test_an_unclosed_quote_in_a_script_is_a_syntax_error_at_its_line():
    ok, out, err = _run(sqlengine.Context(), "SELECT 1 AS a;\n\nSELECT 'x AS b;\n", source="q.sql")
    assert (ok, out) == (False, "a\n1\n")
    assert err.splitlines() == ["Error in q.sql: syntax error at line 3, column 8: unterminated string starting at \"'x AS b;\"",
                                "SELECT 'x AS b;", "       ^"]


@pytest.mark.parametrize("how", ["script", "pipe", "pipe --bail", "-c"])
def test_the_command_prints_every_result_and_follows_the_duckdb_shell(run_cli, tmp_path, how):
    """Same stdout and exit status as DuckDB's shell: ``-f FILE`` and ``-c`` stop at the first
    error, piped input goes on (unless -bail); our error line names the statement's line."""
    script = tmp_path / "s.sql"
    script.write_text(SCRIPT)
    args, duck, stdin = {
        "script": ([str(script)], ["-f", str(script)], None),
        "pipe": ([], [], SCRIPT),
        "pipe --bail": (["--bail"], ["-bail"], SCRIPT),
        "-c": (["-c", SCRIPT], ["-c", SCRIPT], None),
    }[how]
    r = run_cli("--format", "csv", *args, input=stdin)
    expected = "a\n1\nc\n3\n" if how == "pipe" else "a\n1\n"
    assert (r.returncode, r.stdout) == (1, expected)
    where = {"script": f"{script}, line 4", "-c": "line 4"}.get(how, "line 4")
    assert r.stderr == f"Error in {where}: table 'nope' not found; no tables are registered\n"
    if duckdb_shell() is not None:
        d = subprocess.run([duckdb_shell(), "-csv", *duck], input=stdin, capture_output=True, text=True, timeout=60)
        assert (d.returncode, d.stdout) == (r.returncode, r.stdout)


@pytest.mark.parametrize("how", ["script", "-c"])
def test_a_syntax_error_runs_nothing_after_it_and_with_c_nothing_at_all(run_cli, tmp_path, how):
    """DuckDB's shell: ``-f`` runs the statements before a syntax error, ``-c`` parses its whole
    text first and runs none."""
    text = "SELECT 1 AS a;\nSELEC 2;\nSELECT 3 AS c;\n"
    script = tmp_path / "p.sql"
    script.write_text(text)
    args, duck = ([str(script)], ["-f", str(script)]) if how == "script" else (["-c", text], ["-c", text])
    r = run_cli("--format", "csv", *args)
    assert (r.returncode, r.stdout) == (1, "a\n1\n" if how == "script" else "")
    where = f"Error in {script}: " if how == "script" else "Error: "
    # (sqlglot points at the token after SELEC: the column is the planner's, the line is what matters here)
    assert r.stderr.splitlines() == [where + "syntax error at line 2, column 7: Invalid expression / Unexpected token", "SELEC 2;", "      ^"]
    if duckdb_shell() is not None:
        d = subprocess.run([duckdb_shell(), "-csv", *duck], capture_output=True, text=True, timeout=60)
        assert (d.returncode, d.stdout) == (r.returncode, r.stdout)


# -- files written with the umask's mode, atomically ---------------------------------------------
@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002, 0o077])
def test_output_files_get_the_umask_s_mode(tmp_path, umask, mask):
    umask(mask)
    for name in ("o.csv", "o.parquet"):
        write_output(pa.table({"a": [1]}), str(tmp_path / name), "csv")
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o666 & ~mask
        with open(tmp_path / f"plain-{name}", "w"):
            pass
        assert os.stat(tmp_path / name).st_mode == os.stat(tmp_path / f"plain-{name}").st_mode  # as open() makes them


def test_replacing_a_file_keeps_its_mode_and_a_failure_leaves_it_whole(tmp_path, monkeypatch):
    target = tmp_path / "keep.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    write_output(pa.table({"a": [1]}), str(target), "csv")
    assert target.read_text() == "a\n1\n" and os.stat(target).st_mode & 0o777 == 0o640
    import repl.format

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(repl.format, "render", broken)
    with pytest.raises(RuntimeError):
        write_output(pa.table({"a": [2]}), str(target), "csv")
    assert target.read_text() == "a\n1\n" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_output_never_replaces_a_directory(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "mine.txt").write_text("precious")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        write_output(pa.table({"a": [1]}), str(folder), "csv")
    assert (folder / "mine.txt").read_text() == "precious" and sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_the_command_s_output_file_has_mode_0644_under_umask_022(cli_env, tmp_path):
    code = "import os, sys; os.umask(0o022); from repl.cli import main; sys.exit(main(sys.argv[1:]))"
    r = subprocess.run([sys.executable, "-c", code, "--format", "csv", "--output", str(tmp_path / "o.csv"), "-c", "SELECT 1 AS a"],
                       capture_output=True, text=True, env=cli_env, cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o.csv").read_text() == "a\n1\n" and os.stat(tmp_path / "o.csv").st_mode & 0o777 == 0o644


# -- one line for every failure, never a traceback -----------------------------------------------
def one_line(r, code=1):
    assert r.returncode == code and "Traceback" not in r.stderr, r.stderr
    return r.stderr.splitlines()


def test_an_unclosed_quote_on_the_command_line(run_cli):
    lines = one_line(run_cli("-c", "SELECT 'oops"))
    assert lines == ["Error: syntax error at line 1, column 8: unterminated string starting at \"'oops\"", "SELECT 'oops", "       ^"]
    lines = one_line(run_cli("-c", 'SELECT 1 AS a; SELECT "b'))
    assert lines[0] == "Error: syntax error at line 1, column 23: unterminated quoted identifier starting at '\"b'"


def test_unreadable_scripts_and_input(run_cli, cli_env, tmp_path):
    (tmp_path / "bad.sql").write_bytes(b"SELECT '\xff';")
    assert one_line(run_cli(str(tmp_path / "bad.sql")), 2) == [
        f"Error: cannot read '{tmp_path / 'bad.sql'}': not UTF-8 text (byte 0xff at offset 8)"]
    assert one_line(run_cli(str(tmp_path)), 2) == [f"Error: cannot read '{tmp_path}': Is a directory"]
    r = subprocess.run([sys.executable, "-m", "sqlengine"], input=b"SELECT '\xfe';", capture_output=True,
                       env=cli_env, cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and r.stderr.decode() == "Error: standard input is not UTF-8 text (byte 0xfe at offset 8)\n"


def test_an_internal_error_is_one_line_asking_for_a_bug_report(cli_env, tmp_path):
    code = ("import sys, sqlengine\n"
            "def boom(self, text): raise KeyError('k')\n"
            "sqlengine.Context.sql = boom\n"
            "from repl.cli import main\n"
            "sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "-c", "SELECT 1"], capture_output=True, text=True, env=cli_env,
                       cwd=tmp_path, timeout=60)
    assert one_line(r) == ["internal error: KeyError: 'k' (a bug in sqlengine: please report it; rerun with --debug for the traceback)"]
    r = subprocess.run([sys.executable, "-c", code, "--debug", "-c", "SELECT 1"], capture_output=True, text=True, env=cli_env,
                       cwd=tmp_path, timeout=60)
    assert "Traceback" in r.stderr and "KeyError" in r.stderr


# -- the library: sqlglot's errors are the project's own ------------------------------------------
@pytest.mark.parametrize("sql, line, col, what", [
    ("SELECT 'abc", 1, 8, "unterminated string"),
    ("SELECT 1;\nSELECT  \"ab", 2, 9, "unterminated quoted identifier"),
    ("SELECT 1 /* note", 1, 10, "unterminated comment"),
    ("SELECT 'a' || 'b", 1, 15, "unterminated string"),
    ("-- it's\nSELECT 'x", 2, 8, "unterminated string"),
])
def test_context_sql_raises_a_syntax_error_for_an_unclosed_quote(sql, line, col, what):
    with pytest.raises(duckdb.ParserException):  # DuckDB refuses the same text
        duckdb.sql(sql)
    with pytest.raises(SqlSyntaxError) as info:
        sqlengine.Context().sql(sql)
    err = info.value
    assert isinstance(err, SqlEngineError) and (err.line, err.col) == (line, col) and what in str(err)
    assert err.caret().splitlines()[1] == " " * (col - 1) + "^"


def test_output_through_a_symlink_writes_the_file_it_names(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_output(pa.table({"a": [1]}), str(link), "csv")
    assert link.is_symlink() and real.read_text() == "a\n1\n"

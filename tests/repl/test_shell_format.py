"""The REPL driven for real through prompt_toolkit's pipe input, its completer, and the renderers."""

from __future__ import annotations

import io
import json
import threading
import time

import pandas as pd
import pyarrow as pa
import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from repl.completion import SqlCompleter
from repl.format import render, render_table, write_output
from repl.run import Settings, describe_error
from repl.shell import Shell


def drive(ctx, keys: str, **settings) -> str:
    """Type ``keys`` into a real PromptSession (Enter is "\\r", Ctrl-D "\\x04"); returns what the
    session printed. The session must end by itself (quit or Ctrl-D)."""
    out = io.StringIO()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        shell = Shell(ctx, Settings(timing=True, **settings), input=inp, output=DummyOutput(), history=False, out=out)
        code = shell.run()
    assert code == 0
    return out.getvalue()


# -- the REPL ---------------------------------------------------------------------------------
def test_multiline_statement_ends_at_semicolon(ctx):
    text = drive(ctx, "SELECT count(*) AS n\r  FROM orders\r WHERE status = 'returned';\r\x04")
    n = ctx.sql("SELECT count(*) AS n FROM orders WHERE status = 'returned'").compute()["n"][0]
    assert f"│ {n} │" in text and "1 row, 1 column (" in text


def test_tab_completes_in_the_running_prompt(ctx):
    """Tab in the live session: a table name, then one of its columns (keys go in only once the
    previous completion is in the buffer, as a person waits to see it)."""
    out = io.StringIO()
    steps = [("SELECT count(*) AS n FROM order_i\t", "FROM order_items"), (" WHERE quan\t", "WHERE quantity"),
             (" = 5;\r", None)]
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        shell = Shell(ctx, Settings(), input=inp, output=DummyOutput(), history=False, out=out)

        def typist():
            for keys, expect in steps:
                inp.send_text(keys)
                deadline = time.time() + 10
                while expect and expect not in shell.session.default_buffer.text and time.time() < deadline:
                    time.sleep(0.01)
            while "row" not in out.getvalue() and time.time() < deadline:
                time.sleep(0.01)
            inp.send_text("\x04")

        threading.Thread(target=typist, daemon=True).start()
        assert shell.run() == 0
    n = ctx.sql("SELECT count(*) AS n FROM order_items WHERE quantity = 5").compute()["n"][0]
    assert f"│ {n} │" in out.getvalue(), out.getvalue()


def test_meta_commands(ctx, tmp_path):
    script = tmp_path / "q.sql"
    script.write_text("SELECT 7 * 6 AS answer;\n")
    text = drive(ctx, ".help\r.tables\r\\d customers\r.timer off\r.mode csv\rSELECT 1 AS one;\r.mode\r.mode nope\r"
                      f".read {script}\r\\i /nonexistent.sql\r.bogus\r.quit\r")
    assert ".describe" in text and "Ctrl-C" in text                       # help
    assert "order_items" in text and "products" in text                   # tables
    assert "customer_id" in text and "BIGINT" in text.upper()             # describe
    assert "timing off" in text
    assert "one\n1\n" in text and "1 row" not in text                     # csv, no timing
    assert "mode csv" in text and "unknown mode 'nope'" in text
    assert "answer\n42" in text                                           # .read
    assert "cannot read '/nonexistent.sql'" in text
    assert "unknown command '.bogus'" in text


def test_errors_never_end_the_session(ctx):
    text = drive(ctx, "SELECT nme FROM customers;\rSELECT *\rFROM custmers;\rSELECT * FROM orders WHERE;\r"
                      "SELECT max(order_id) AS m FROM orders;\r\x04")
    assert "column 'nme' not found; did you mean 'name'?" in text
    assert "table 'custmers' not found; did you mean 'customers'?" in text
    assert "syntax error at line 1" in text and "^" in text
    assert "2000" in text  # the query after the errors answered
    assert "Traceback" not in text


def test_each_statement_of_a_line_shows_its_result(ctx, tmp_path):
    text = drive(ctx, "SELECT 1 AS first; SELECT 'a;b' AS second; -- done;\r"
                      "CREATE VIEW w AS SELECT 6 AS x; SELECT x * 7 AS third FROM w;\r\x04")
    assert text.index("first") < text.index("a;b") < text.index("OK (") < text.index("│    42 │")
    script = tmp_path / "two.sql"
    script.write_text("SELECT 10 AS ten;\nSELECT 20 AS twenty;\n")
    assert "ten" in drive(ctx, f".read {script}\r\x04") and "twenty" in drive(ctx, f".read {script}\r\x04")


def test_an_error_stops_the_rest_of_the_line_and_points_into_it(ctx):
    text = drive(ctx, "SELECT 1 AS ok; SELECT * FROM orders WHERE; SELECT 2 AS never;\r\x04")
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if "syntax error at line 1" in line)
    assert lines[i + 1].strip() == "SELECT * FROM orders WHERE;"
    assert lines[i + 2].index("^") > lines[i + 1].index("WHERE")  # the caret under the original text
    assert "ok" in text and "never" not in text


def test_unterminated_string_is_a_syntax_error_not_a_bug(ctx):
    text = drive(ctx, "SELECT 'oops;\r\x04")
    assert "Error: syntax error" in text and "internal error" not in text


def test_syntax_error_caret_points_into_a_multiline_statement(ctx):
    text = drive(ctx, "SELECT *\rFROM customers\rWHERE country = 'Japan' AND;\r\x04")
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if "syntax error at line 3" in l)
    assert lines[i + 1].startswith("WHERE country = 'Japan' AND")
    assert lines[i + 2].strip() == "^" and len(lines[i + 2]) > 20


def test_internal_error_is_one_line_and_the_session_goes_on(ctx):
    real_sql = ctx.sql

    def sql(text):
        if "boom" in text:
            raise RuntimeError("something broke\nsecond line")
        return real_sql(text)

    ctx.sql = sql
    text = drive(ctx, "SELECT 'boom';\rSELECT 5 AS five;\r\x04")
    assert ("internal error: RuntimeError: something broke (a bug in sqlengine: please report it; "
            "rerun with --debug for the traceback)") in text
    assert "second line" not in text and "Traceback" not in text and "five" in text


def test_ctrl_c_during_a_query_cancels_it_and_keeps_tables(ctx):
    """KeyboardInterrupt out of to_arrow() (what Ctrl-C raises) prints "cancelled"; the next query
    runs on the same catalog (the real signal is tested under a pty in test_cli.py)."""
    real_sql = ctx.sql

    class Interrupted:
        schema = None

        def to_arrow(self, **kw):
            raise KeyboardInterrupt

    ctx.sql = lambda text: Interrupted() if "slow" in text else real_sql(text)
    text = drive(ctx, "CREATE VIEW v AS SELECT 3 AS x;\rSELECT 'slow';\rSELECT x FROM v;\r\x04")
    assert "cancelled" in text and "│ 3 │" in text


def test_ctrl_d_quits_and_ctrl_c_at_the_prompt_clears_the_line(ctx):
    text = drive(ctx, "SELECT nonsense\x03SELECT 2 AS two;\r\x04")
    assert "sqlengine" in text and "two" in text and "nonsense" not in text


def test_history_goes_to_the_user_data_directory(ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    out = io.StringIO()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text("SELECT 1 AS a;\r\x04")
        Shell(ctx, Settings(), input=inp, output=DummyOutput(), out=out).run()
    assert "SELECT 1 AS a;" in (tmp_path / "sqlengine" / "history").read_text()


# -- completion -------------------------------------------------------------------------------
def complete(ctx, text: str, cursor: int | None = None) -> list[str]:
    return [c.text for c in SqlCompleter(ctx).get_completions(Document(text, cursor), None)]


def test_completes_keywords_in_the_case_typed(ctx):
    assert "SELECT" in complete(ctx, "SEL")
    assert "select" in complete(ctx, "sel")
    assert "GROUP" in complete(ctx, "SELECT * FROM orders GR")


def test_completes_table_names_from_the_live_catalog(ctx):
    assert complete(ctx, "SELECT * FROM ord")[:2] == ["order_items", "orders"]
    assert set(complete(ctx, "SELECT * FROM orders o JOIN ")) >= {"customers", "products"}
    ctx.register("zebra_sightings", pd.DataFrame({"stripes": [1]}))
    assert "zebra_sightings" in complete(ctx, "SELECT * FROM zeb")
    assert "stripes" in complete(ctx, "SELECT * FROM zebra_sightings WHERE str")


def test_completes_column_names(ctx):
    after_where = complete(ctx, "SELECT * FROM orders WHERE ")
    assert after_where[:5] == ["order_id", "customer_id", "order_date", "status", "total"]
    assert "name" not in after_where  # only the columns of the tables the statement names
    assert complete(ctx, "SELECT * FROM orders WHERE order_d") == ["order_date"]
    assert "country" in complete(ctx, "SELECT coun")
    # alias.column, and columns of a FROM that comes after the cursor
    assert complete(ctx, "SELECT c. FROM customers c", cursor=9) == ["customer_id", "name", "country", "signup_date", "email"]
    assert complete(ctx, "SELECT o.st FROM orders o JOIN customers c USING (customer_id)", cursor=11) == ["status"]
    assert complete(ctx, "SELECT na FROM products", cursor=9) == ["name"]


def test_completes_meta_commands_and_their_arguments(ctx):
    assert complete(ctx, ".desc") == [".describe"]
    assert complete(ctx, ".describe prod") == ["products"]
    assert complete(ctx, ".mode ma") == ["markdown"]


# -- rendering --------------------------------------------------------------------------------
def test_table_shows_null_and_decimals_at_their_scale():
    frame = pd.DataFrame({"name": ["a", None], "price": [8.7, None], "n": [1, 2]})
    schema = pa.schema([("name", pa.string()), ("price", pa.decimal128(10, 2)), ("n", pa.int64())])
    text = render_table(frame, schema, max_width=80)
    assert "│ NULL │" in text and "8.70" in text and "│  NULL │" in text


def test_long_results_are_truncated_with_a_note():
    frame = pd.DataFrame({"i": range(1000)})
    text = render_table(frame, max_rows=10, max_width=80)
    assert "│   0 │" in text and "│ 999 │" in text and "│ 500 │" not in text
    assert "… 990 more rows (1,000 in all)" in text
    assert len(text.splitlines()) < 20


def test_a_short_terminal_gets_fewer_rows(monkeypatch):
    frame = pd.DataFrame({"i": range(1000)})
    monkeypatch.setenv("LINES", "30")
    assert "… 982 more rows" in render_table(frame, max_width=80)  # 18 rows: the header stays on screen
    monkeypatch.setenv("LINES", "200")
    assert "… 960 more rows" in render_table(frame, max_width=80)


def test_wide_results_are_truncated_with_a_note():
    frame = pd.DataFrame({f"column_{i}": [i] for i in range(30)})
    text = render_table(frame, max_width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    shown = text.splitlines()[1].count("column_")
    assert 3 <= shown < 30 and f"… {30 - shown} more columns (column_{shown}, column_{shown + 1}" in text
    for width in (80, 20):
        long_text = render_table(pd.DataFrame({"s": ["x" * 500], "t": [1]}), max_width=width)
        assert all(len(line) <= width for line in long_text.splitlines()) and "xxx…" in long_text


def test_csv_json_markdown():
    frame = pd.DataFrame({"a": [1, None], "b": ["x|y", "z,w"], "d": [pd.Timestamp("2024-01-02").date(), None]})
    assert render(frame, "csv") == 'a,b,d\n1.0,x|y,2024-01-02\n,"z,w",'  # a DOUBLE keeps its ".0", as in DuckDB
    assert json.loads(render(frame, "json")) == [{"a": 1.0, "b": "x|y", "d": "2024-01-02"}, {"a": None, "b": "z,w", "d": None}]
    md = render(frame, "markdown").splitlines()
    assert md[0] == "| a | b | d |" and md[1] == "|--:|---|---|" and md[2] == "| 1.0 | x\\|y | 2024-01-02 |"


def test_output_is_written_atomically_including_parquet(tmp_path):
    frame = pd.DataFrame({"total": [1.5, 2.25]})
    schema = pa.schema([("total", pa.decimal128(10, 2))])
    write_output(frame, str(tmp_path / "out.parquet"), "table", schema)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("total").type == pa.decimal128(10, 2)
    write_output(frame, str(tmp_path / "out.json"), "json", schema)
    assert json.loads((tmp_path / "out.json").read_text()) == [{"total": 1.5}, {"total": 2.25}]
    with pytest.raises(ValueError):
        write_output(frame, str(tmp_path / "bad.txt"), "yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "out.parquet"]  # no temp files left


def test_describe_error_is_one_line_unless_debug():
    from planner.errors import TableNotFoundError

    assert describe_error(TableNotFoundError("custmers", ["customers"]), False) == "Error: table 'custmers' not found; did you mean 'customers'?"
    assert describe_error(FileNotFoundError(2, "No such file or directory", "/x.parquet"), False) == "Error: No such file or directory: '/x.parquet'"
    assert describe_error(KeyError("k"), False).startswith("internal error: KeyError")
    try:
        raise ValueError("bug")
    except ValueError as exc:
        assert "Traceback" in describe_error(exc, True)

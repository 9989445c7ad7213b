"""End-to-end SQL case files against DuckDB: ``cases/*.sql``, one fresh Context (and DuckDB
connection) per file, in the spirit of DataFusion's sqllogictest files.

Every statement of a file runs in both engines in order; a query's rows must be equal (in order when
the query has a top-level ORDER BY). Statements are separated by ``;`` at the end of a line; ``--``
comments are ignored. A statement whose text starts with ``-- xfail: reason`` is expected to fail.

Result types are compared too for a statement with a ``-- check types`` comment line, and for every
query of a file whose first line is ``-- check types: every query``: our Arrow result schema, named as
DuckDB names types (``duckdb_type``), must equal DuckDB's column types (``typeof``'s names).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

import sqlengine
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")
CASES = Path(__file__).parent / "cases"


def statements(path: Path) -> list[str]:
    return [s.strip() for s in re.split(r";\s*$", path.read_text(), flags=re.M) if _code(s)]


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--")).strip()


def _is_query(text: str) -> bool:
    return re.match(r"\(*\s*(SELECT|WITH|VALUES|FROM)\b", _code(text), re.I) is not None


def _ordered(text: str) -> bool:
    depth, top = 0, _code(text)
    flat = []
    for ch in top:  # drop everything inside parentheses: ORDER BY in OVER (...) or subqueries
        depth += ch == "("
        if depth == 0:
            flat.append(ch)
        depth -= ch == ")"
    return re.search(r"\bORDER\s+BY\b", "".join(flat), re.I) is not None


class _FileState:
    def __init__(self, path: Path):
        self.items = statements(path)
        self.ctx = sqlengine.Context()
        self.con = duckdb.connect()
        self.done = 0

    def run(self, upto: int) -> None:
        while self.done < upto:
            text = self.items[self.done]
            self.done += 1
            if not _is_query(text):
                try:
                    self.ctx.sql(_code(text))
                except Exception:
                    pass  # reported by that statement's own test
                self.con.execute(_code(text))


_STATES: dict[Path, _FileState] = {}

_DUCKDB_NAMES = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT", "uint8": "UTINYINT",
                 "uint16": "USMALLINT", "uint32": "UINTEGER", "uint64": "UBIGINT", "float": "FLOAT", "double": "DOUBLE",
                 "bool": "BOOLEAN", "string": "VARCHAR", "large_string": "VARCHAR", "string_view": "VARCHAR",
                 "date32[day]": "DATE", "null": '"NULL"'}


def duckdb_type(t: pa.DataType) -> str:
    """How DuckDB names the type our result column has. decimal128(38, 0) stands for HUGEINT (the
    type DuckDB gives SUM of integers: we sum integers as 38-digit decimals)."""
    if pa.types.is_decimal(t):
        return "HUGEINT" if (t.precision, t.scale) == (38, 0) else f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP" if t.tz is None else "TIMESTAMP WITH TIME ZONE"
    if pa.types.is_duration(t):
        return "INTERVAL"
    if pa.types.is_dictionary(t):
        return duckdb_type(t.value_type)
    return _DUCKDB_NAMES.get(str(t), str(t))


def _checks_types(path: Path, text: str) -> bool:
    first = path.read_text().splitlines()[0]
    return first.strip() == "-- check types: every query" or any(line.strip() == "-- check types" for line in text.splitlines())


def _params():
    for path in sorted(CASES.glob("*.sql")):
        for i, text in enumerate(statements(path)):
            first = _code(text).splitlines()[0][:60]
            yield pytest.param(path, i, id=f"{path.stem}-{i}:{first}")


@pytest.mark.parametrize("path,index", list(_params()))
def test_case(path: Path, index: int):
    state = _STATES.get(path)
    if state is None or state.done > index:
        state = _STATES[path] = _FileState(path)
    state.run(index)
    text = state.items[index]
    xfail = re.match(r"\s*-- xfail: (.*)", text)
    state.done = index + 1
    code = _code(text)
    if not _is_query(text):
        state.con.execute(code)
        state.ctx.sql(code)
        return
    if xfail:
        try:
            assert_same(state.ctx.sql(code).compute(), state.con.execute(code).df(), ordered=_ordered(text))
        except Exception:
            pytest.xfail(xfail.group(1))
        pytest.fail(f"expected to fail ({xfail.group(1)}) but passed")
    result = state.ctx.sql(code)
    got = result.compute()
    expected = state.con.execute(code).df()
    assert_same(got, expected, ordered=_ordered(text))
    if _checks_types(path, text):
        ours = [duckdb_type(f.type) for f in result.to_arrow().schema]
        theirs = [str(t) for t in state.con.sql(code).types]
        assert ours == theirs, f"result types {ours} != DuckDB's {theirs}"
        assert [duckdb_type(f.type) for f in result.schema] == ours, "the planned schema differs from the computed one"

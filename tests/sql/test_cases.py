"""End-to-end SQL case files against DuckDB: ``cases/*.sql``, one fresh Context (and DuckDB
connection) per file, in the spirit of DataFusion's sqllogictest files.

Every statement of a file runs in both engines in order; a query's rows must be equal (in order when
the query has a top-level ORDER BY). Statements are separated by ``;`` at the end of a line; ``--``
comments are ignored. A statement whose text starts with ``-- xfail: reason`` is expected to fail; one starting with
``-- error`` must be refused by both engines (a sqlengine error), DuckDB's and ours.
Result types are compared too for a statement with a ``-- check types`` comment line, and for every
query of a file whose first line is ``-- check types: every query``: our Arrow result schema, named as
DuckDB names types (``duckdb_type``), must equal DuckDB's column types (``typeof``'s names).
A file whose first line is ``-- data: tpch`` starts with the TPC-H tables at SF0.01 (skipped where
tpchgen-cli is missing).

Each file runs in every configuration of ``matrix.VARIANTS`` (scheduler, partition count, forced
join strategy; ``TPCH_VARIANTS`` for files over the TPC-H tables), with a Context of its own per configuration; with a partition count, every table a
statement creates (and every TPC-H table) is split into that many partitions before the next
statement reads it. DuckDB answers each statement once, whatever the configuration.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

import frames
import sqlengine
from planner.tables import MemoryTable
from tests.sql.matrix import TPCH_VARIANTS, VARIANTS, Variant
from tests.sql.oracle import assert_same_normalized, normalize

duckdb = pytest.importorskip("duckdb")
CASES = Path(__file__).parent / "cases"


def statements(path: Path) -> list[str]:
    return [s.strip() for s in re.split(r";\s*$", path.read_text(), flags=re.M) if _code(s)]


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--")).strip()


def _is_query(text: str) -> bool:
    return re.match(r"\(*\s*(SELECT|WITH|VALUES|FROM)\b", _code(text), re.I) is not None


def _writes(text: str) -> bool:
    """INSERT, UPDATE, DELETE, TRUNCATE: statements whose row count (DuckDB's ``Count``) is compared."""
    return re.match(r"(INSERT|UPDATE|DELETE|TRUNCATE)\b", _code(text), re.I) is not None


def _ordered(text: str) -> bool:
    depth, top = 0, _code(text)
    flat = []
    for ch in top:  # drop everything inside parentheses: ORDER BY in OVER (...) or subqueries
        depth += ch == "("
        if depth == 0:
            flat.append(ch)
        depth -= ch == ")"
    return re.search(r"\bORDER\s+BY\b", "".join(flat), re.I) is not None


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
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return duckdb_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{f.name} {duckdb_type(f.type)}" for f in t) + ")"
    return _DUCKDB_NAMES.get(str(t), str(t))


def _checks_types(path: Path, text: str) -> bool:
    first = path.read_text().splitlines()[0]
    return first.strip() == "-- check types: every query" or any(line.strip() == "-- check types" for line in text.splitlines())


def _uses_tpch(path: Path) -> bool:
    return path.read_text().startswith("-- data: tpch")


class _Answers:
    """DuckDB's answer to each statement of one file (normalized, or the exception it raised),
    computed once in file order and shared by every configuration."""

    def __init__(self, path: Path, tpch_data):
        self.path = path
        self.items = statements(path)
        self.con = duckdb.connect()
        if tpch_data is not None:
            for t, file in tpch_data.sources(None).items():
                self.con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{file}'")
        self.answers: list = []

    def get(self, index: int):
        while len(self.answers) <= index:
            text = self.items[len(self.answers)]
            try:
                result = self.con.execute(_code(text))
                answer = normalize(result.df(), _ordered(text)) if _is_query(text) else None
                if _writes(text):
                    answer = result.fetchall()[0][0]  # DuckDB's Count
                if answer is not None and _checks_types(self.path, text):
                    answer.attrs["types"] = [str(t) for t in self.con.sql(_code(text)).types]
            except Exception as exc:
                answer = exc
            self.answers.append(answer)
        answer = self.answers[index]
        if isinstance(answer, Exception):
            raise answer
        return answer


class _FileState:
    """One file's statements run in order by sqlengine in one configuration."""

    def __init__(self, path: Path, variant: Variant, scheduler, tpch_data):
        self.items = statements(path)
        self.variant = variant
        self.scheduler = scheduler
        self.ctx = sqlengine.Context(scheduler=scheduler)
        self.split: set = set()  # table nodes already in the configuration's partitions
        if tpch_data is not None:
            for t, source in tpch_data.sources(variant.npartitions).items():
                self.ctx.register(t, source)
                self.split.add(self.ctx.catalog.table(t))
        self.done = 0

    def run(self, upto: int) -> None:
        while self.done < upto:
            text = self.items[self.done]
            self.done += 1
            if not _is_query(text):
                try:
                    self.execute(_code(text))
                except Exception:
                    pass  # reported by that statement's own test

    def execute(self, code: str) -> int:
        """Run a statement; its ``rowcount``."""
        self.ctx.sql(code)
        count = self.ctx.rowcount
        n = self.variant.npartitions
        if n is None:
            return count
        for name, entry in list(self.ctx.catalog.tables.items()):
            if entry not in self.split:  # created or written by this statement
                if isinstance(entry, MemoryTable):  # a writable table stays writable
                    split = entry.rechunked(n)
                else:
                    table = frames.DataFrame(entry).to_arrow(scheduler="sync")
                    split = frames.from_arrow(table, npartitions=n)._node
                self.ctx.catalog.tables[name] = split
                self.split.add(split)
        return count

    def query(self, code: str, ordered: bool):
        return normalize(self.ctx.sql(code).compute(scheduler=self.scheduler), ordered)

    def types(self, code: str) -> tuple[list[str], list[str]]:
        """Our result's types as DuckDB names them: computed, and as planned."""
        result = self.ctx.sql(code)
        computed = [duckdb_type(f.type) for f in result.to_arrow(scheduler=self.scheduler).schema]
        return computed, [duckdb_type(f.type) for f in result.schema]


_ANSWERS: dict[Path, _Answers] = {}
_STATES: dict[tuple[Variant, Path], _FileState] = {}


def _params():
    for path in sorted(CASES.glob("*.sql")):
        for variant in TPCH_VARIANTS if _uses_tpch(path) else VARIANTS:
            for i, text in enumerate(statements(path)):
                first = _code(text).splitlines()[0][:60]
                yield pytest.param(variant, path, i, id=f"{variant}-{path.stem}-{i}:{first}")


@pytest.mark.parametrize("variant,path,index", list(_params()))
def test_case(variant: Variant, path: Path, index: int, request):
    tpch_data = request.getfixturevalue("tpch_data") if _uses_tpch(path) else None
    with variant.configured():
        _check(variant, path, index, request, tpch_data)


def _check(variant: Variant, path: Path, index: int, request, tpch_data) -> None:
    answers = _ANSWERS.get(path) or _ANSWERS.setdefault(path, _Answers(path, tpch_data))
    state = _STATES.get((variant, path))
    if state is None or state.done > index:
        state = _STATES[(variant, path)] = _FileState(path, variant, variant.scheduler_for(request), tpch_data)
    state.run(index)
    text = state.items[index]
    xfail = re.match(r"\s*-- xfail: (.*)", text)
    state.done = index + 1
    code = _code(text)
    if re.match(r"\s*-- error\b", text):  # both engines refuse it (and, as later queries check, change nothing)
        with pytest.raises(Exception):
            answers.get(index)
        with pytest.raises(sqlengine.SqlEngineError):  # a query's error may only come when it runs
            state.query(code, False) if _is_query(code) else state.execute(code)
        return
    if not _is_query(text):
        expected = answers.get(index)
        count = state.execute(code)
        if _writes(text):
            assert count == expected, f"{count} rows written, DuckDB wrote {expected}"
        return
    ordered = _ordered(text)
    if xfail:
        try:
            assert_same_normalized(state.query(code, ordered), answers.get(index))
        except Exception:
            pytest.xfail(xfail.group(1))
        pytest.fail(f"expected to fail ({xfail.group(1)}) but passed")
    expected = answers.get(index)
    assert_same_normalized(state.query(code, ordered), expected)
    if "types" in expected.attrs:
        ours, planned = state.types(code)
        assert ours == expected.attrs["types"], f"result types {ours} != DuckDB's {expected.attrs['types']}"
        assert planned == ours, "the planned schema differs from the computed one"

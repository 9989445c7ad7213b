"""Run generated queries in DuckDB and in sqlengine and classify each outcome.

Classes: ``same`` (equal answers), ``wrong`` (different answers), ``refused`` (sqlengine raised one of
the project's own errors, ``SqlEngineError``), ``crash`` (sqlengine raised anything else) and
``duckdb_refused`` (DuckDB rejected the query: it is regenerated, never counted as a query).
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

import duckdb

import frames
import sqlengine
from exec.errors import SqlEngineError
from tests.sql.fuzz.generator import Generator
from tests.sql.fuzz.tables import create_statements
from tests.sql.oracle import assert_same

CLASSES = ("same", "wrong", "refused", "crash")


@dataclass
class Outcome:
    seed: int
    sql: str
    kind: str  # one of CLASSES
    detail: str = ""


class Engines:
    """One DuckDB connection and one sqlengine Context over the same fuzz tables, split into
    ``npartitions`` partitions on our side."""

    def __init__(self, npartitions: int = 3, scheduler: str | None = None):
        self.connect()
        self.ctx = sqlengine.Context()
        self.scheduler = scheduler
        for name in ("t1", "t2", "t3"):
            table = self.con.sql(f"SELECT * FROM {name}").to_arrow_table()
            self.ctx.register(name, frames.from_arrow(table, npartitions=npartitions))

    def connect(self) -> None:
        self.con = duckdb.connect()
        for statement in create_statements():
            self.con.execute(statement)

    def accepts(self, sql: str) -> bool:
        """Whether DuckDB answers ``sql`` (a DuckDB internal error invalidates its database: reconnect)."""
        try:
            self.con.execute(sql)
            return True
        except (duckdb.InternalException, duckdb.FatalException):
            self.connect()
            return False
        except duckdb.Error:
            return False

    def expected(self, sql: str):
        return self.con.execute(sql).df()

    def run(self, seed: int, sql: str, ordered: bool) -> Outcome | None:
        """The outcome of ``sql``, or None when DuckDB refuses it."""
        try:
            expected = self.expected(sql)
        except duckdb.Error:
            return None
        try:
            result = self.ctx.sql(sql)
            got = result.compute(scheduler=self.scheduler) if self.scheduler else result.compute()
        except SqlEngineError as e:
            return Outcome(seed, sql, "refused", f"{type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001 - a crash is what we are looking for
            return Outcome(seed, sql, "crash", f"{type(e).__name__}: {e}")
        try:
            assert_same(got, expected, ordered=ordered)
        except AssertionError as e:
            return Outcome(seed, sql, "wrong", f"{e}\n-- ours:\n{got.head(20)}\n-- DuckDB:\n{expected.head(20)}")
        return Outcome(seed, sql, "same")


def generate(seed: int, avoid: frozenset[str] = frozenset(), engines: Engines | None = None, tries: int = 50):
    """The first query DuckDB accepts from the generator seeded ``seed`` (and its DuckDB check): (sql,
    ordered). Each retry draws again from the same random stream, so a seed always names one query."""
    gen = Generator(seed, avoid)
    for _ in range(tries):
        gen.aliases, gen.ctes = 0, []
        sql = gen.query()
        if engines is None:
            return sql, gen.ordered
        if engines.accepts(sql):
            return sql, gen.ordered
    raise RuntimeError(f"seed {seed}: no query DuckDB accepts in {tries} tries")


def run_seeds(seeds, avoid: frozenset[str] = frozenset(), engines: Engines | None = None):
    engines = engines or Engines()
    outcomes = []
    for seed in seeds:
        sql, ordered = generate(seed, avoid, engines)
        outcomes.append(engines.run(seed, sql, ordered))
    return outcomes


def _cause(detail: str) -> str:
    """An error message with its quoted specifics blanked, so that one cause counts once."""
    first = detail.splitlines()[0] if detail else ""
    return re.sub(r"'[^']*'", "'…'", first)[:110]


def summary(outcomes: list[Outcome], examples: int = 3) -> str:
    counts = collections.Counter(o.kind for o in outcomes)
    lines = [f"{len(outcomes)} queries: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in CLASSES)]
    for kind in CLASSES[1:]:
        chosen = [o for o in outcomes if o.kind == kind]
        if not chosen:
            continue
        causes = collections.Counter(_cause(o.detail) for o in chosen)
        lines.append(f"\n== {kind}: top causes")
        lines += [f"  {n:4d}  {cause}" for cause, n in causes.most_common(12)]
        for o in chosen[:examples if kind != "wrong" else max(examples, 10)]:
            lines.append(f"\n-- seed {o.seed} ({kind}): {o.detail[:1500]}\n{o.sql}")
    return "\n".join(lines)

"""One client connection: its Context (own settings, the server's shared catalog), its prepared
statements and portals, and the statements it runs.

Statements run in a worker thread (``Session.run``); everything here that touches the engine is
synchronous. The protocol state machine that calls it is ``repl.server.connection``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlglot import exp

import sqlengine
from frames.errors import InvalidArgumentError
from planner.errors import SqlSyntaxError, UnsupportedFeatureError
from planner import params as engine_params
from planner.parse import parse
from planner.tables import MemoryTable
from repl.run import split_statements
from repl.server import params as parameters
from repl.server import pgcatalog
from repl.server.pgcatalog import CatalogView, Oids, SessionInfo
from repl.server.types import pg_type

DEFAULT_SETTINGS = {
    "server_version": pgcatalog.SERVER_VERSION, "server_version_num": "150000", "server_encoding": "UTF8",
    "client_encoding": "UTF8", "DateStyle": "ISO, MDY", "TimeZone": "UTC", "IntervalStyle": "postgres",
    "integer_datetimes": "on", "standard_conforming_strings": "on", "search_path": '"$user", public',
    "transaction_isolation": "read committed", "default_transaction_isolation": "read committed",
    "transaction_read_only": "off", "default_transaction_read_only": "off", "extra_float_digits": "1",
    "application_name": "", "is_superuser": "on", "max_identifier_length": "63", "max_index_keys": "32",
    "lc_collate": "C", "lc_ctype": "C", "lc_messages": "C", "statement_timeout": "0", "lock_timeout": "0",
    "idle_in_transaction_session_timeout": "0", "bytea_output": "hex", "default_transaction_deferrable": "off",
    "in_hot_standby": "off", "default_table_access_method": "heap", "block_size": "8192", "max_connections": "100", "datestyle": "ISO, MDY",
}
REPORTED = ("server_version", "server_encoding", "client_encoding", "application_name", "DateStyle", "TimeZone",
            "integer_datetimes", "standard_conforming_strings", "IntervalStyle", "is_superuser",
            "session_authorization", "default_transaction_read_only", "in_hot_standby")
"""The settings Postgres reports to the client (ParameterStatus) at startup and when they change."""


class QueryCanceled(Exception):
    """The client cancelled the statement (SQLSTATE 57014)."""


class UnknownSetting(Exception):
    """SHOW of a name that no setting has (SQLSTATE 42704)."""


class FileAccessRefused(Exception):
    """A client asked to read or write files on the server's machine (SQLSTATE 42501)."""


class FailedTransaction(Exception):
    """A statement in a transaction that already failed (SQLSTATE 25P02)."""


class _Canceller:
    """A scheduler callback that stops a computation at its next task once the client cancelled."""

    def __init__(self, event: threading.Event):
        self.event = event

    def _check(self, *args: Any) -> None:
        if self.event.is_set():
            raise QueryCanceled("canceling statement due to user request")

    pretask = posttask = _check


@dataclass
class Outcome:
    """A statement's answer: its rows (None for a statement without any) and command tag."""

    table: pa.Table | None
    tag: str


@dataclass
class Prepared:
    """A parsed statement (Parse): its text, syntax tree (None: a session command or empty) and the
    parameter types the client declared (0: let the server choose)."""

    text: str
    tree: exp.Expression | None
    param_oids: list[int]
    inferred: dict[int, int] | None = None  # parameter oids worked out from the query (parameter_types)


@dataclass
class Portal:
    """A bound statement (Bind): parameters decoded, result formats chosen; once run, the rows left."""

    prepared: Prepared
    values: list[Any]
    result_formats: list[int]
    outcome: Outcome | None = None
    lazy: Any = None  # a planned query not computed yet (after Describe)
    offset: int = 0


_SESSION_COMMAND = re.compile(r"^\s*(set|show|reset|begin|start|commit|end|rollback|abort|discard|deallocate|"
                              r"listen|unlisten|notify|close|checkpoint|savepoint|release)\b", re.IGNORECASE)
_SET = re.compile(r"^\s*set\s+(?:(session|local)\s+)?(?!session\s+characteristics)(\w+|\"[^\"]+\")\s*(?:=|\bto\b)\s*(.*?)\s*;?\s*$",
                  re.IGNORECASE | re.DOTALL)
_SAVEPOINT = re.compile(r"^\s*savepoint\s+(\w+|\"[^\"]+\")\s*;?\s*$", re.IGNORECASE)
_RELEASE = re.compile(r"^\s*release\s+(?:savepoint\s+)?(\w+|\"[^\"]+\")\s*;?\s*$", re.IGNORECASE)
_ROLLBACK_TO = re.compile(r"^\s*rollback\s+(?:work\s+|transaction\s+)?to\s+(?:savepoint\s+)?(\w+|\"[^\"]+\")\s*;?\s*$",
                          re.IGNORECASE)
_SET_TIME_ZONE = re.compile(r"^\s*set\s+(?:(?:session|local)\s+)?time\s+zone\s+(.*?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace(value[0] * 2, value[0])
    return value


def _text_table(column: str, values: list[str | None]) -> pa.Table:
    return pa.table({column: pa.array(values, pa.string())})


class Shared:
    """What every session of one server shares: the catalog (through a root Context), oids, the
    password, and the sessions by backend key for cancel requests."""

    def __init__(self, root: sqlengine.Context, password: str | None = None, auth: str = "scram-sha-256",
                 allow_files: bool = False):
        self.root, self.password, self.auth, self.allow_files = root, password, auth, allow_files
        self.oids = Oids()
        self.sessions: dict[int, tuple[int, "Session"]] = {}
        self.lock = threading.Lock()


class Session:
    """One connection's state (see the module doc)."""

    def __init__(self, shared: Shared, user: str, startup: dict[str, str]):
        self.shared, self.user = shared, user
        self.ctx = sqlengine.Context(dialect=shared.root.dialect, scheduler=shared.root.scheduler,
                                     storage_options=shared.root.storage_options,
                                     catalog=shared.root.catalog)  # one catalog, each session its own settings
        self.ctx._lookup = self._catalog_table  # pg_catalog relations, when a query names one
        self.settings = dict(DEFAULT_SETTINGS, session_authorization=user)
        for name in ("application_name", "client_encoding", "DateStyle", "TimeZone", "search_path"):
            if startup.get(name):
                self.settings[name] = startup[name]
        self.statements: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.transaction = "I"  # ReadyForQuery status: I idle, T in a transaction, E failed transaction
        self.cancelled = threading.Event()
        self.changed: list[str] = []  # reported settings a SET changed, for ParameterStatus

    # -- the catalog the client sees ----------------------------------------------------------------
    def _relations(self) -> list[tuple[str, str, pa.Schema]]:
        out = []
        catalog = self.ctx.catalog
        for name in catalog.names():
            if catalog.view(name) is not None:
                try:
                    schema = self.ctx.sql(f'SELECT * FROM "{name}"').schema
                except Exception:  # a view broken by a dropped table still shows, without columns
                    schema = pa.schema([])
                out.append((name, "v", schema))
            else:
                out.append((name, "r", _declared_schema(catalog.tables[catalog.key(name)])))
        return out

    def _catalog_view(self) -> CatalogView:
        return CatalogView(self._relations, self.shared.oids, self.user, lambda: self.settings)

    def _catalog_table(self, name: str):
        return pgcatalog.catalog_table(name, self._catalog_view())

    def _info(self) -> SessionInfo:
        def oid_of(name: str) -> int | None:
            if name.lower() in pgcatalog.CATALOG_RELATION_OIDS:
                return pgcatalog.CATALOG_RELATION_OIDS[name.lower()]
            return self.shared.oids(name.lower()) if name in self.ctx.catalog else None

        return SessionInfo(self.user, self.setting, oid_of)

    def setting(self, name: str) -> str | None:
        """A setting's value as SHOW and current_setting() give it: the Context's own options
        first (SET default_order, threads...), then the Postgres settings the session keeps."""
        if self._is_option(name):
            value = self.ctx.options[name]
            return "" if value is None else str(value)
        for key, value in self.settings.items():
            if key.lower() == name.lower():
                return value
        return None

    # -- statements ---------------------------------------------------------------------------------
    def prepare(self, text: str, param_oids: list[int]) -> Prepared:
        """Parse one statement (the extended protocol's Parse)."""
        if not text.strip() or _SESSION_COMMAND.match(text):
            return Prepared(text, None, param_oids)
        try:
            trees = parse(text, self.ctx.dialect)
        except SqlSyntaxError:
            quoted = quote_keyword_aliases(text, self.ctx.dialect)
            if quoted == text:
                raise
            trees = parse(quoted, self.ctx.dialect)
        if len(trees) > 1:
            raise InvalidArgumentError("cannot insert multiple commands into a prepared statement")
        return Prepared(text, trees[0] if trees else None, param_oids)

    def parameter_types(self, prepared: Prepared) -> list[int]:
        """The parameter oids: the client's, else inferred from what each is compared with
        (``params.infer_types``), else text (25)."""
        needed = len(engine_params.parameter_names([prepared.tree])) if prepared.tree is not None else 0
        n = max(len(prepared.param_oids), needed)
        if prepared.inferred is None:
            inferred = {}
            if n and not all(prepared.param_oids[i] if i < len(prepared.param_oids) else 0 for i in range(n)):
                inferred = parameters.infer_types(prepared.tree, self._schema_of)
            prepared.inferred = {i: pg_type(t).oid for i, t in inferred.items()}
        return [prepared.param_oids[i] if i < len(prepared.param_oids) and prepared.param_oids[i]
                else prepared.inferred.get(i, 25) for i in range(n)]

    def _schema_of(self, name: str) -> pa.Schema | None:
        catalog = self.ctx.catalog
        if name in catalog and catalog.view(name) is None:
            return catalog.table(name).schema
        return None

    def simple(self, text: str) -> list[tuple[str, Any]]:
        """The statements of a simple Query, in order, as (text, Prepared or the error parsing it)."""
        out = []
        for statement in split_statements(text, self.ctx.dialect):
            try:
                out.append((statement.text, self.prepare(statement.text, [])))
            except Exception as exc:  # reported when its turn comes, after the ones before it ran
                out.append((statement.text, exc))
        return out

    def returns_rows(self, prepared: Prepared) -> bool:
        """Whether a statement answers rows and may be planned before it runs (Describe)."""
        if prepared.tree is None:
            return bool(re.match(r"^\s*show\b", prepared.text, re.IGNORECASE))
        tree = prepared.tree
        if isinstance(tree, (exp.Select, exp.SetOperation, exp.Subquery, exp.Describe, exp.Show)):
            return True
        return isinstance(tree, exp.Command) and tree.name.upper() in ("SHOW", "EXPLAIN")

    def plan(self, portal: Portal) -> Any:
        """The portal's answer before computing: a lazy frames result or an Outcome (session
        commands, catalog queries that read nothing)."""
        prepared = portal.prepared
        if prepared.tree is None:
            return self._session_command(prepared.text)
        if self.transaction == "E":
            raise FailedTransaction("current transaction is aborted, commands ignored until end of transaction block")
        if not self.shared.allow_files:
            self._refuse_files(prepared.tree)
        values = portal.values or None
        if not pgcatalog.rewrites(prepared.tree):  # an ordinary query: the engine binds its parameters
            return self.ctx.sql(prepared.tree.sql(dialect=self.ctx.dialect), params=values)
        # the Postgres-only constructs are replaced by their values (``$1::regclass`` is the oid of the
        # relation $1 names), so the parameters are bound first, as the engine's typed constants
        tree = engine_params.bind([prepared.tree.copy()], values)[0]
        tree = pgcatalog.rewrite(tree, self._info())
        if pgcatalog.reads_catalog(prepared.tree) and pgcatalog.reads_nothing(tree):
            names = pgcatalog.output_names(tree)
            return Outcome(pa.table({n: pa.array([], pa.string()) for n in dict.fromkeys(names)}), "SELECT 0")
        return self.ctx.sql(tree.sql(dialect=self.ctx.dialect))

    def describe(self, portal: Portal) -> pa.Schema | None:
        """The portal's result columns without running it (None: it answers no rows)."""
        if not self.returns_rows(portal.prepared):
            return None
        if portal.outcome is None and portal.lazy is None:
            planned = self.plan(portal)
            if isinstance(planned, Outcome):
                portal.outcome = planned
            else:
                portal.lazy = planned
        if portal.outcome is not None:
            return portal.outcome.table.schema if portal.outcome.table is not None else None
        return portal.lazy.schema if portal.lazy is not None else None

    def run(self, portal: Portal) -> Outcome:
        """Run the portal's statement to completion (rows are sent from ``outcome`` by the caller)."""
        if portal.outcome is not None:
            return portal.outcome
        self.cancelled.clear()
        self.ctx.rowcount = -1
        planned = portal.lazy if portal.lazy is not None else self.plan(portal)
        if isinstance(planned, Outcome):
            portal.outcome = planned
            return planned
        if planned is None or (self.ctx.rowcount >= 0 and not self.returns_rows(portal.prepared)):
            # a statement without rows, or one that wrote rows (its result is DuckDB's one-row Count)
            portal.outcome = Outcome(None, _tag(portal.prepared.tree, max(self.ctx.rowcount, 0)))
            return portal.outcome
        table = planned.to_arrow(scheduler=self.ctx.scheduler, callbacks=[_Canceller(self.cancelled)])
        if self.cancelled.is_set():
            raise QueryCanceled("canceling statement due to user request")
        portal.outcome = Outcome(table, _tag(portal.prepared.tree, table.num_rows))
        return portal.outcome

    def _refuse_files(self, tree: exp.Expression) -> None:
        """Clients see the catalog, not the server's disk: COPY, table functions over files and
        paths in FROM are refused unless the server was started with ``--allow-files`` (as
        Postgres keeps server-side files to superusers)."""
        from planner.table_functions import function_name

        for node in tree.walk():
            what = None
            if isinstance(node, exp.Copy):
                what = "COPY"
            elif isinstance(node, exp.Table) and function_name(node.this) is not None:
                what = f"{function_name(node.this)}()"
            elif isinstance(node, exp.Table) and node.name not in self.ctx.catalog and any(c in node.name for c in "/\\*.:"):
                what = f"the file {node.name!r}"
            if what is not None:
                raise FileAccessRefused(f"{what}: clients of this server cannot read or write the server's files "
                                        "(start it with --allow-files to let them)")

    # -- session commands -----------------------------------------------------------------------------
    def _session_command(self, text: str) -> Outcome:
        word = (_SESSION_COMMAND.match(text).group(1) if text.strip() else "").lower()
        if not word:
            return Outcome(None, "")
        if word in ("begin", "start"):
            return self._transaction("BEGIN", text)
        if word in ("commit", "end"):
            return self._transaction("COMMIT", text)
        target = _ROLLBACK_TO.match(text)
        if word in ("rollback", "abort") and target:
            self.ctx.rollback_to(_unquote(target.group(1)))  # the tables as they were at the savepoint
            if self.transaction == "E":  # back to a savepoint: the failed statement is forgotten
                self.transaction = "T"
            return Outcome(None, "ROLLBACK")
        if word in ("rollback", "abort"):
            return self._transaction("ROLLBACK", text)
        if self.transaction == "E":
            raise FailedTransaction("current transaction is aborted, commands ignored until end of transaction block")
        if word == "set":
            return self._set(text)
        if word == "show":
            return self._show(text)
        if word == "reset":
            name = re.sub(r"^\s*reset\s+", "", text, flags=re.IGNORECASE).strip().rstrip(";").strip()
            if name.lower() == "all":
                self.settings = dict(DEFAULT_SETTINGS, session_authorization=self.user)
                self.ctx.options.reset("all")
            elif self._is_option(name):
                self.ctx.options.reset(name)
            else:
                self.settings.pop(name, None)
                for key in DEFAULT_SETTINGS:
                    if key.lower() == name.lower():
                        self.settings[key] = DEFAULT_SETTINGS[key]
            return Outcome(None, "RESET")
        if word == "discard":
            self.statements.clear()
            self.portals.clear()
            return Outcome(None, "DISCARD ALL")
        if word == "deallocate":
            name = re.sub(r"^\s*deallocate\s+(prepare\s+)?", "", text, flags=re.IGNORECASE).strip().rstrip(";").strip()
            if name.lower() == "all":
                self.statements.clear()
            else:
                self.statements.pop(_unquote(name), None)
            return Outcome(None, "DEALLOCATE")
        named = _SAVEPOINT.match(text)
        if word == "savepoint" and named:
            self.ctx.savepoint(_unquote(named.group(1)))
            return Outcome(None, "SAVEPOINT")
        named = _RELEASE.match(text)
        if word == "release" and named:
            self.ctx.release(_unquote(named.group(1)))
            return Outcome(None, "RELEASE")
        return Outcome(None, word.upper())  # LISTEN, CHECKPOINT...: accepted, nothing to do

    def _transaction(self, kind: str, text: str) -> Outcome:
        """BEGIN / COMMIT / ROLLBACK: the Context's transaction (ROLLBACK puts back every table the
        session changed since BEGIN) and the status ReadyForQuery reports. As Postgres does, BEGIN
        inside a transaction and COMMIT or ROLLBACK outside one only warn, and COMMIT of a failed
        transaction rolls it back."""
        ctx = self.ctx
        if kind == "BEGIN" and not ctx.in_transaction:
            ctx.begin()
        elif kind == "COMMIT" and ctx.in_transaction:
            ctx.rollback() if self.transaction == "E" else ctx.commit()
            kind = "ROLLBACK" if self.transaction == "E" else kind
        elif kind == "ROLLBACK" and ctx.in_transaction:
            ctx.rollback()
        self.transaction = "T" if ctx.in_transaction else "I"
        return Outcome(None, kind)

    def _is_option(self, name: str) -> bool:
        try:
            self.ctx.options[name]
        except (InvalidArgumentError, KeyError):
            return False
        return True

    def _set(self, text: str) -> Outcome:
        zone = _SET_TIME_ZONE.match(text)
        if zone:
            self.settings["TimeZone"] = _unquote(zone.group(1))
            self.changed.append("TimeZone")
            return Outcome(None, "SET")
        match = _SET.match(text)
        if not match:  # SET SESSION CHARACTERISTICS, SET TRANSACTION ...: nothing this engine varies
            return Outcome(None, "SET")
        name, value = _unquote(match.group(2)), match.group(3)
        if self._is_option(name):
            self.ctx.sql(text)
            return Outcome(None, "SET")
        parts = [_unquote(v) for v in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", value)] if value else [""]
        value = ", ".join(parts) if name.lower() != "search_path" else ", ".join(p if p else '""' for p in parts)
        key = next((k for k in self.settings if k.lower() == name.lower()), name)
        if value.upper() == "DEFAULT":
            value = DEFAULT_SETTINGS.get(key, "")
        self.settings[key] = value
        if key in REPORTED:
            self.changed.append(key)
        return Outcome(None, "SET")

    def _show(self, text: str) -> Outcome:
        name = re.sub(r"^\s*show\s+", "", text, flags=re.IGNORECASE).strip().rstrip(";").strip()
        low = " ".join(name.lower().split())
        if low == "all":
            names = sorted(self.settings)
            return Outcome(pa.table({"name": names, "setting": [self.settings[n] for n in names],
                                     "description": [""] * len(names)}), "SHOW")
        if low == "transaction isolation level":
            return Outcome(_text_table("transaction_isolation", [self.settings["transaction_isolation"]]), "SHOW")
        if low in ("tables",):  # the engine's own SHOW TABLES
            result = self.ctx.sql(text)
            return Outcome(result.to_arrow() if result is not None else None, "SHOW")
        value = self.setting(_unquote(name))
        if value is None:
            raise UnknownSetting(f'unrecognized configuration parameter "{_unquote(name)}"')
        return Outcome(_text_table(_unquote(name).lower(), [value]), "SHOW")


def _declared_schema(table) -> pa.Schema:
    """A table's columns as the catalog shows them: a CREATE TABLE's NOT NULL as non-nullable
    fields and its DEFAULT in the field's ``default`` metadata (SQL text)."""
    if not isinstance(table, MemoryTable):  # a registered file or DataFrame
        return table.schema
    return pa.schema([pa.field(c.name, c.type, nullable=not c.not_null,
                               metadata={"default": c.default.sql(dialect="postgres")} if c.default is not None else None)
                      for c in table.columns])


def quote_keyword_aliases(text: str, dialect: str) -> str:
    """``... AS select, ...``: Postgres takes any keyword as a column label after AS (Metabase
    names columns ``select``, ``update``), sqlglot does not; such labels are quoted."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(text)
    except TokenError:
        return text
    ends = (TokenType.COMMA, TokenType.FROM, TokenType.R_PAREN, TokenType.SEMICOLON)
    out, last = [], 0
    for before, token, after in zip([None] + tokens, tokens, tokens[1:] + [None]):
        if before is not None and before.token_type == TokenType.ALIAS and token.text.isidentifier() \
                and token.token_type not in (TokenType.VAR, TokenType.IDENTIFIER) and (after is None or after.token_type in ends):
            out.append(text[last:token.start] + f'"{token.text}"')
            last = token.end + 1
    return "".join(out) + text[last:]


def _tag(tree: exp.Expression | None, rows: int) -> str:
    """The CommandComplete tag Postgres sends for a statement."""
    if tree is None:
        return ""
    if isinstance(tree, (exp.Select, exp.SetOperation, exp.Subquery, exp.Describe, exp.Show)):
        return f"SELECT {rows}"
    if isinstance(tree, exp.Insert):
        return f"INSERT 0 {rows}"
    if isinstance(tree, exp.Update):
        return f"UPDATE {rows}"
    if isinstance(tree, exp.Delete):
        return f"DELETE {rows}"
    if isinstance(tree, exp.Copy):
        return f"COPY {rows}"
    if isinstance(tree, exp.Create) and tree.expression is not None and (tree.args.get("kind") or "").upper() == "TABLE":
        return f"SELECT {rows}"  # CREATE TABLE ... AS, as Postgres tags it
    if isinstance(tree, (exp.Create, exp.Drop)):
        kind = (tree.args.get("kind") or "TABLE").upper()
        return f"{'CREATE' if isinstance(tree, exp.Create) else 'DROP'} {kind}"
    if isinstance(tree, exp.TruncateTable):
        return "TRUNCATE TABLE"
    if isinstance(tree, exp.Alter):
        return "ALTER TABLE"
    if isinstance(tree, exp.Command):
        return tree.name.upper()
    return type(tree).__name__.upper()

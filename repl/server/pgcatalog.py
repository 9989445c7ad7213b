"""The ``pg_catalog`` a Postgres client expects, built from sqlengine's catalog, and the rewrite
that lets the catalog queries of psql, DBeaver, Metabase and Grafana run on this engine.

The tables are small Arrow tables made when a query names them (so they always show the catalog as it
is): ``pg_namespace``, ``pg_class``, ``pg_attribute``, ``pg_type``, ``pg_database``, ``pg_settings``,
``pg_tables``, ``pg_views`` and the rest of what those queries read, most of them empty (no indexes,
constraints, policies, publications, inheritance). User tables live in schema ``public``.

``rewrite`` turns a catalog query's Postgres-only pieces into SQL this engine runs:
``OPERATOR(pg_catalog.~)`` into ``~``, ``COLLATE`` dropped, ``'name'::regclass`` into the table's
oid, ``x::regclass`` / ``::regtype`` into ``x``, ``current_schemas()`` into its list, functions
(``version()``, ``format_type``, ``pg_get_userbyid``, ``has_*_privilege``, ``current_setting``...)
into constants or CASE expressions, and a query that reads an empty catalog table through inner
joins answers no rows without being planned.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Callable

import pyarrow as pa
from sqlglot import exp

from repl.server.types import TYPES_BY_OID, _TYPES, format_type, pg_type, type_modifier

SERVER_VERSION = "15.0"
"""The Postgres version the server reports: psql and drivers choose their catalog queries by it."""
DATABASE = "sqlengine"
OWNER = "sqlengine"
PUBLIC_OID, CATALOG_OID, INFO_SCHEMA_OID = 2200, 11, 13_000
DATABASE_OID = 16_384
FIRST_USER_OID = 16_400
CATALOG_RELATION_OIDS = {"pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_class": 1259,
                         "pg_database": 1262, "pg_namespace": 2615, "pg_description": 2609, "pg_constraint": 2606}

I, S, B, F = pa.int64(), pa.string(), pa.bool_(), pa.float64()


@dataclass
class Oids:
    """Stable oids for the catalog's tables and views: a name keeps its oid for the server's life."""

    _by_name: dict[str, int] = field(default_factory=dict)
    _next: itertools.count = field(default_factory=lambda: itertools.count(FIRST_USER_OID))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, name: str) -> int:
        with self._lock:
            if name not in self._by_name:
                self._by_name[name] = next(self._next)
            return self._by_name[name]


@dataclass
class CatalogView:
    """What the catalog tables show: the relations with their Arrow schemas, the session's user and
    settings."""

    relations: Callable[[], list[tuple[str, str, pa.Schema]]]  # (name, 'r' or 'v', schema)
    oids: Oids
    user: str
    settings: Callable[[], dict[str, str]]


def _table(columns: list[tuple[str, pa.DataType]], rows: list[tuple] = ()) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in rows], t) for i, (name, t) in enumerate(columns)})


def _namespaces(view: CatalogView) -> pa.Table:
    rows = [(CATALOG_OID, "pg_catalog", 10, None), (PUBLIC_OID, "public", 10, None), (INFO_SCHEMA_OID, "information_schema", 10, None)]
    return _table([("oid", I), ("nspname", S), ("nspowner", I), ("nspacl", S)], rows)


_CLASS_COLUMNS = [("oid", I), ("relname", S), ("relnamespace", I), ("reltype", I), ("reloftype", I), ("relowner", I),
                  ("relam", I), ("relfilenode", I), ("reltablespace", I), ("relpages", I), ("reltuples", F),
                  ("relallvisible", I), ("reltoastrelid", I), ("relhasindex", B), ("relisshared", B),
                  ("relpersistence", S), ("relkind", S), ("relnatts", I), ("relchecks", I), ("relhasrules", B),
                  ("relhastriggers", B), ("relhassubclass", B), ("relrowsecurity", B), ("relforcerowsecurity", B),
                  ("relispopulated", B), ("relreplident", S), ("relispartition", B), ("relrewrite", I),
                  ("relfrozenxid", I), ("relminmxid", I), ("relacl", S), ("reloptions", S), ("relpartbound", S)]


def _classes(view: CatalogView) -> pa.Table:
    rows = []
    for name, kind, schema in view.relations():
        rows.append((view.oids(name), name, PUBLIC_OID, 0, 0, 10, 2 if kind == "r" else 0, 0, 0, 0, -1.0, 0, 0, False,
                     False, "p", kind, len(schema), 0, kind == "v", False, False, False, False, True, "d", False, 0, 0, 0,
                     None, None, None))
    for name, oid in CATALOG_RELATION_OIDS.items():
        columns = _TABLES[name][0]
        rows.append((oid, name, CATALOG_OID, 0, 0, 10, 2, 0, 0, 0, -1.0, 0, 0, False, False, "p", "r", len(columns), 0,
                     False, False, False, False, False, True, "n", False, 0, 0, 0, None, None, None))
    return _table(_CLASS_COLUMNS, rows)


_ATTRIBUTE_COLUMNS = [("attrelid", I), ("attname", S), ("atttypid", I), ("attstattarget", I), ("attlen", I), ("attnum", I),
                      ("attndims", I), ("attcacheoff", I), ("atttypmod", I), ("attbyval", B), ("attalign", S),
                      ("attstorage", S), ("attcompression", S), ("attnotnull", B), ("atthasdef", B), ("atthasmissing", B),
                      ("attidentity", S), ("attgenerated", S), ("attisdropped", B), ("attislocal", B), ("attinhcount", I),
                      ("attcollation", I), ("attacl", S), ("attoptions", S), ("attfdwoptions", S)]


def _attributes(view: CatalogView) -> pa.Table:
    rows = []
    for name, _, schema in view.relations():
        oid = view.oids(name)
        for i, f in enumerate(schema, start=1):
            t = pg_type(f.type)
            rows.append((oid, f.name, t.oid, -1, t.size, i, 0, -1, type_modifier(f.type), t.size in (1, 2, 4, 8), "i",
                         "x" if t.size < 0 else "p", "", not f.nullable, _default(f) is not None, False, "", "", False, True,
                         0, 0, None, None, None))
    return _table(_ATTRIBUTE_COLUMNS, rows)


def _default(f: pa.Field) -> str | None:
    return f.metadata.get(b"default").decode() if f.metadata and b"default" in f.metadata else None


def _attrdefs(view: CatalogView) -> pa.Table:
    """Column defaults, ``adbin`` holding the expression's SQL (``pg_get_expr`` gives it back)."""
    rows = []
    for name, _, schema in view.relations():
        for i, f in enumerate(schema, start=1):
            if _default(f) is not None:
                rows.append((view.oids(name) * 1000 + i, view.oids(name), i, _default(f)))
    return _table([("oid", I), ("adrelid", I), ("adnum", I), ("adbin", S)], rows)


_TYPE_COLUMNS = [("oid", I), ("typname", S), ("typnamespace", I), ("typowner", I), ("typlen", I), ("typbyval", B),
                 ("typtype", S), ("typcategory", S), ("typispreferred", B), ("typisdefined", B), ("typdelim", S),
                 ("typrelid", I), ("typsubscript", S), ("typelem", I), ("typarray", I), ("typinput", S), ("typoutput", S),
                 ("typreceive", S), ("typsend", S), ("typmodin", S), ("typmodout", S), ("typanalyze", S), ("typalign", S),
                 ("typstorage", S), ("typnotnull", B), ("typbasetype", I), ("typtypmod", I), ("typndims", I),
                 ("typcollation", I), ("typdefaultbin", S), ("typdefault", S), ("typacl", S)]


def _types(view: CatalogView) -> pa.Table:
    rows = [(t.oid, t.typname, CATALOG_OID, 10, t.size, t.size in (1, 2, 4, 8), "b" if t.oid != 705 else "p", t.category,
             False, True, ",", 0, "-", 0, 0, f"{t.typname}in", f"{t.typname}out", f"{t.typname}recv", f"{t.typname}send",
             "-", "-", "-", "i", "x" if t.size < 0 else "p", False, 0, -1, 0, 100 if t.category == "S" else 0, None, None, None)
            for t in _TYPES]
    return _table(_TYPE_COLUMNS, rows)


def _databases(view: CatalogView) -> pa.Table:
    columns = [("oid", I), ("datname", S), ("datdba", I), ("encoding", I), ("datlocprovider", S), ("datistemplate", B),
               ("datallowconn", B), ("datconnlimit", I), ("datfrozenxid", I), ("datminmxid", I), ("dattablespace", I),
               ("datcollate", S), ("datctype", S), ("daticulocale", S), ("datcollversion", S), ("datacl", S)]
    return _table(columns, [(DATABASE_OID, DATABASE, 10, 6, "c", False, True, -1, 0, 0, 1663, "C", "C", None, None, None)])


def _settings(view: CatalogView) -> pa.Table:
    columns = [("name", S), ("setting", S), ("unit", S), ("category", S), ("short_desc", S), ("extra_desc", S),
               ("context", S), ("vartype", S), ("source", S), ("min_val", S), ("max_val", S), ("enumvals", S),
               ("boot_val", S), ("reset_val", S), ("sourcefile", S), ("sourceline", I), ("pending_restart", B)]
    rows = [(name, value, None, "Client Connection Defaults", "", None, "user", "string", "session", None, None, None,
             value, value, None, None, False) for name, value in sorted(view.settings().items())]
    return _table(columns, rows)


def _tables_view(view: CatalogView) -> pa.Table:
    columns = [("schemaname", S), ("tablename", S), ("tableowner", S), ("tablespace", S), ("hasindexes", B),
               ("hasrules", B), ("hastriggers", B), ("rowsecurity", B)]
    return _table(columns, [("public", n, OWNER, None, False, False, False, False) for n, k, _ in view.relations() if k == "r"])


def _views_view(view: CatalogView) -> pa.Table:
    columns = [("schemaname", S), ("viewname", S), ("viewowner", S), ("definition", S)]
    return _table(columns, [("public", n, OWNER, None) for n, k, _ in view.relations() if k == "v"])


def _roles(view: CatalogView) -> pa.Table:
    columns = [("oid", I), ("rolname", S), ("rolsuper", B), ("rolinherit", B), ("rolcreaterole", B), ("rolcreatedb", B),
               ("rolcanlogin", B), ("rolreplication", B), ("rolconnlimit", I), ("rolpassword", S), ("rolvaliduntil", S),
               ("rolbypassrls", B), ("rolconfig", S)]
    return _table(columns, [(10, view.user, True, True, True, True, True, False, -1, "********", None, False, None)])


def _stat_user_tables(view: CatalogView) -> pa.Table:
    columns = [("relid", I), ("schemaname", S), ("relname", S), ("n_live_tup", I)]
    return _table(columns, [(view.oids(n), "public", n, None) for n, k, _ in view.relations() if k == "r"])


def _am(view: CatalogView) -> pa.Table:
    return _table([("oid", I), ("amname", S), ("amhandler", S), ("amtype", S)], [(2, "heap", "heap_tableam_handler", "t")])


def _empty(*columns: tuple[str, pa.DataType]):
    return list(columns), None


_TABLES: dict[str, tuple[list, Callable | None]] = {
    "pg_namespace": ([("oid", I), ("nspname", S), ("nspowner", I), ("nspacl", S)], _namespaces),
    "pg_class": (_CLASS_COLUMNS, _classes),
    "pg_attribute": (_ATTRIBUTE_COLUMNS, _attributes),
    "pg_type": (_TYPE_COLUMNS, _types),
    "pg_database": ([], _databases),
    "pg_settings": ([], _settings),
    "pg_tables": ([], _tables_view),
    "pg_views": ([], _views_view),
    "pg_roles": ([], _roles),
    "pg_user": ([], lambda view: _table([("usename", S), ("usesysid", I), ("usesuper", B)], [(view.user, 10, True)])),
    "pg_stat_user_tables": ([], _stat_user_tables),
    "pg_am": ([], _am),
    "pg_matviews": _empty(("schemaname", S), ("matviewname", S), ("matviewowner", S), ("definition", S)),
    "pg_description": _empty(("objoid", I), ("classoid", I), ("objsubid", I), ("description", S)),
    "pg_shdescription": _empty(("objoid", I), ("classoid", I), ("description", S)),
    "pg_enum": _empty(("oid", I), ("enumtypid", I), ("enumsortorder", F), ("enumlabel", S)),
    "pg_index": _empty(("indexrelid", I), ("indrelid", I), ("indnatts", I), ("indisunique", B), ("indisprimary", B),
                       ("indisclustered", B), ("indisvalid", B), ("indkey", S), ("indexprs", S), ("indpred", S),
                       ("indnkeyatts", I), ("indnullsnotdistinct", B), ("indoption", S), ("indclass", S)),
    "pg_constraint": _empty(("oid", I), ("conname", S), ("connamespace", I), ("contype", S), ("conrelid", I),
                            ("confrelid", I), ("conkey", S), ("confkey", S), ("conindid", I), ("conparentid", I),
                            ("condeferrable", B), ("condeferred", B), ("convalidated", B)),
    "pg_inherits": _empty(("inhrelid", I), ("inhparent", I), ("inhseqno", I), ("inhdetachpending", B)),
    "pg_attrdef": ([("oid", I), ("adrelid", I), ("adnum", I), ("adbin", S)], _attrdefs),
    "pg_collation": _empty(("oid", I), ("collname", S), ("collnamespace", I), ("collprovider", S)),
    "pg_policy": _empty(("oid", I), ("polname", S), ("polrelid", I), ("polcmd", S), ("polpermissive", B),
                        ("polroles", S), ("polqual", S), ("polwithcheck", S)),
    "pg_statistic_ext": _empty(("oid", I), ("stxrelid", I), ("stxname", S), ("stxnamespace", I), ("stxkind", S),
                               ("stxstattarget", I)),
    "pg_publication": _empty(("oid", I), ("pubname", S), ("puballtables", B)),
    "pg_publication_rel": _empty(("oid", I), ("prpubid", I), ("prrelid", I), ("prqual", S), ("prattrs", S)),
    "pg_publication_namespace": _empty(("oid", I), ("pnpubid", I), ("pnnspid", I)),
    "pg_trigger": _empty(("oid", I), ("tgrelid", I), ("tgname", S), ("tgisinternal", B), ("tgenabled", S)),
    "pg_rewrite": _empty(("oid", I), ("rulename", S), ("ev_class", I)),
    "pg_proc": _empty(("oid", I), ("proname", S), ("pronamespace", I), ("prokind", S), ("prorettype", I),
                      ("proargtypes", S), ("prosrc", S)),
    "pg_extension": _empty(("oid", I), ("extname", S), ("extversion", S), ("extnamespace", I)),
    "pg_tablespace": ([], lambda view: _table([("oid", I), ("spcname", S), ("spcowner", I), ("spcacl", S), ("spcoptions", S)],
                                              [(1663, "pg_default", 10, None, None), (1664, "pg_global", 10, None, None)])),
    "pg_range": _empty(("rngtypid", I), ("rngsubtype", I)),
    "pg_foreign_table": _empty(("ftrelid", I), ("ftserver", I)),
    "pg_partitioned_table": _empty(("partrelid", I), ("partstrat", S)),
    "pg_sequence": _empty(("seqrelid", I), ("seqtypid", I)),
    "pg_auth_members": _empty(("oid", I), ("roleid", I), ("member", I), ("grantor", I), ("admin_option", B)),
    "pg_depend": _empty(("classid", I), ("objid", I), ("objsubid", I), ("refclassid", I), ("refobjid", I),
                        ("refobjsubid", I), ("deptype", S)),
    "pg_event_trigger": _empty(("oid", I), ("evtname", S)),
    "pg_cast": _empty(("oid", I), ("castsource", I), ("casttarget", I), ("castfunc", I), ("castcontext", S)),
    "pg_opclass": _empty(("oid", I), ("opcname", S), ("opcmethod", I), ("opcnamespace", I), ("opcdefault", B)),
    "pg_operator": _empty(("oid", I), ("oprname", S), ("oprnamespace", I)),
    "pg_aggregate": _empty(("aggfnoid", I), ("aggkind", S)),
    "pg_locks": _empty(("locktype", S), ("pid", I), ("mode", S), ("granted", B)),
    "pg_stat_activity": _empty(("datid", I), ("datname", S), ("pid", I), ("usename", S), ("application_name", S),
                               ("state", S), ("query", S)),
}


def catalog_table(name: str, view: CatalogView) -> pa.Table | None:
    """The Arrow table of catalog relation ``name`` (``pg_class``, ...), or None."""
    spec = _TABLES.get(name.lower())
    if spec is None:
        return None
    columns, build = spec
    return build(view) if build is not None else _table(columns)


def is_empty(name: str) -> bool:
    spec = _TABLES.get(name.lower())
    return spec is not None and spec[1] is None


# -- the rewrite ---------------------------------------------------------------------------------

def reads_catalog(tree: exp.Expression) -> bool:
    """Whether a statement reads a catalog relation (only then are Postgres-isms rewritten)."""
    for table in tree.find_all(exp.Table):
        if table.name.lower() in _TABLES or (table.db or "").lower() in ("pg_catalog", "information_schema"):
            return True
    return False


_TRUE_FUNCTIONS = {"pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible", "has_table_privilege",
                   "has_schema_privilege", "has_database_privilege", "has_any_column_privilege", "has_column_privilege",
                   "has_function_privilege", "has_sequence_privilege", "pg_relation_is_publishable"}
_NULL_FUNCTIONS = {"obj_description", "col_description", "shobj_description", "pg_get_constraintdef",
                   "pg_get_indexdef", "pg_get_viewdef", "pg_get_triggerdef", "pg_get_statisticsobjdef_columns",
                   "pg_get_partkeydef", "pg_tablespace_location", "pg_get_function_identity_arguments",
                   "pg_get_function_result", "pg_get_serial_sequence"}


_SESSION_FUNCTIONS = {"version", "current_user", "session_user", "user", "current_database", "current_catalog",
                      "current_schema", "current_setting", "set_config", "pg_backend_pid", "inet_server_port"}
_SESSION_NODES = (exp.CurrentVersion, exp.CurrentUser, exp.SessionUser, exp.CurrentDatabase, exp.CurrentSchema, exp.Dot)


@dataclass
class SessionInfo:
    """What the rewrite needs from the session: its user, settings and the catalog's oids."""

    user: str
    setting: Callable[[str], str | None]
    oid_of: Callable[[str], int | None]


def version() -> str:
    from sqlengine import __version__

    return f"PostgreSQL {SERVER_VERSION} (sqlengine {__version__}) on Arrow"


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def _format_type(typid: exp.Expression, typmod: exp.Expression) -> exp.Expression:
    """``format_type(oid, typmod)`` as a CASE over the known types (numeric shows its precision)."""
    modifier = exp.paren(exp.Sub(this=typmod.copy(), expression=exp.Literal.number(4)))
    precision = exp.paren(exp.Div(this=modifier.copy(), expression=exp.Literal.number(65536), typed=True))
    scale = exp.paren(exp.Mod(this=modifier, expression=exp.Literal.number(65536)))
    numeric = exp.func("concat", exp.Literal.string("numeric("), exp.cast(precision, "TEXT"), exp.Literal.string(","),
                       exp.cast(scale, "TEXT"), exp.Literal.string(")"))
    case = exp.Case().when(exp.and_(exp.EQ(this=typid.copy(), expression=exp.Literal.number(1700)),
                                    exp.GTE(this=typmod.copy(), expression=exp.Literal.number(4))), numeric)
    for t in TYPES_BY_OID.values():
        case = case.when(exp.EQ(this=typid.copy(), expression=exp.Literal.number(t.oid)), exp.Literal.string(t.name))
    return case


_ARRAY_COLUMNS = ("acl", "options", "polroles", "stxkind", "indkey", "indclass", "indoption", "conkey", "confkey",
                  "proargtypes", "rolconfig", "prattrs")


def _is_array_column(name: str) -> bool:
    """Catalog columns that are arrays in Postgres and always NULL here."""
    return name.lower().endswith(_ARRAY_COLUMNS)


def _reg_oid(kind: str, name: str, info: SessionInfo) -> int | None:
    """``to_regtype`` / ``to_regclass`` / ``to_regnamespace`` of a name: its oid, or None."""
    name = name.split(".")[-1].strip('"')
    if kind == "regtype":
        by_name = {t.typname: t.oid for t in _TYPES} | {t.name: t.oid for t in _TYPES}
        return by_name.get(name.lower())
    if kind == "regnamespace":
        return {"pg_catalog": CATALOG_OID, "public": PUBLIC_OID, "information_schema": INFO_SCHEMA_OID}.get(name.lower())
    return info.oid_of(name)


_NODE_NAMES = {exp.CurrentVersion: "version", exp.CurrentUser: "current_user", exp.SessionUser: "session_user",
               exp.CurrentDatabase: "current_database", exp.CurrentSchema: "current_schema"}


def _name_function_columns(tree: exp.Expression, catalog: bool) -> exp.Expression:
    """An unaliased function call in a select list is named after the function, as Postgres names
    it (``SELECT version()`` answers a column ``version``), before the call becomes a constant."""
    for select in tree.find_all(exp.Select):
        for item in list(select.expressions):
            call = item.expression if isinstance(item, exp.Dot) else item
            label = _NODE_NAMES.get(type(call)) or (_name(call) if isinstance(call, exp.Func) else "")
            if label and (catalog or label in _SESSION_FUNCTIONS or type(call) in _NODE_NAMES):
                item.replace(exp.alias_(item.copy(), label, quoted=True))
    return tree


def _reads_search_path(subquery: exp.Subquery) -> bool:
    for call in subquery.find_all(exp.StringToArray):
        setting = call.this
        if _name(setting) == "current_setting" and setting.expressions and \
                isinstance(_constant(setting.expressions[0]), exp.Literal) and _constant(setting.expressions[0]).name == "search_path":
            return True
    return False


def _search_path(info: SessionInfo) -> list[str]:
    """The schemas of the session's search_path, ``"$user"`` as the user's name."""
    out = []
    for part in (info.setting("search_path") or "").split(","):
        part = part.strip()
        out.append(info.user if part == '"$user"' else part.strip('"'))
    return [p for p in out if p]


def _parse_ident(text: str) -> list[str]:
    """``parse_ident('public."My Table"')``: the dotted parts, unquoted (unquoted ones lower-cased)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text[i + 1:i + 2] == '"':
                current, i = current + '"', i + 1
            elif ch == '"':
                quoted = False
            else:
                current += ch
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append(current)
            current = ""
        else:
            current += ch.lower()
        i += 1
    return parts + [current]


def _quote_ident(value: exp.Expression) -> exp.Expression:
    """``quote_ident(x)``: x as is when it is a plain lower-case name, else double-quoted."""
    plain = exp.RegexpLike(this=value.copy(), expression=exp.Literal.string("^[a-z_][a-z0-9_$]*$"))
    quoted = exp.DPipe(this=exp.DPipe(this=exp.Literal.string('"'),
                                      expression=exp.func("replace", value.copy(), exp.Literal.string('"'), exp.Literal.string('""'))),
                       expression=exp.Literal.string('"'))
    return exp.Case().when(plain, value.copy()).else_(quoted)


def _constant(node: exp.Expression) -> exp.Expression:
    """A literal under casts (``'x'::VARCHAR``, as SQLAlchemy binds strings) is that literal."""
    while isinstance(node, exp.Cast) and isinstance(node.this, (exp.Literal, exp.Cast)):
        node = node.this
    return node


def _schemas(include_catalog: bool) -> list[str]:
    return (["pg_catalog"] if include_catalog else []) + ["public"]


def _constant_bool(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Boolean) and bool(node.this)


def rewrites(tree: exp.Expression) -> bool:
    """Whether ``rewrite`` has anything to replace in ``tree``: it reads the catalog or calls a
    session function (``version()``, ``current_setting``...)."""
    return reads_catalog(tree) or any(_name(n) in _SESSION_FUNCTIONS or isinstance(n, _SESSION_NODES) for n in tree.walk())


def rewrite(tree: exp.Expression, info: SessionInfo) -> exp.Expression:
    """``tree`` with the Postgres-only constructs of catalog queries replaced (see the module doc).
    Functions any query may call (``version()``, ``current_setting``, ``current_user``...) are
    replaced everywhere; the rest only in queries that read the catalog."""
    if not rewrites(tree):
        return tree  # an ordinary query: nothing to replace
    catalog = reads_catalog(tree)

    def visit(node: exp.Expression) -> exp.Expression:
        # pg_catalog.f(x) is f(x)
        if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and node.this.name.lower() == "pg_catalog" \
                and isinstance(node.expression, exp.Func):
            return visit(node.expression)
        name = _name(node)
        if name == "version" or isinstance(node, exp.CurrentVersion):
            return exp.Literal.string(version())
        if isinstance(node, (exp.CurrentUser, exp.SessionUser)) or name in ("current_user", "session_user", "user"):
            return exp.Literal.string(info.user)
        if isinstance(node, exp.CurrentDatabase) or name in ("current_database", "current_catalog"):
            return exp.Literal.string(DATABASE)
        if isinstance(node, exp.CurrentSchema) or name == "current_schema":
            return exp.Literal.string("public")
        if name in ("current_setting", "set_config"):
            args = [_constant(a) for a in node.expressions]
            if args and isinstance(args[0], exp.Literal):
                value = info.setting(args[0].name) if name != "set_config" else (args[1].name if len(args) > 1 and isinstance(args[1], exp.Literal) else None)
                return exp.Literal.string(value) if value is not None else exp.cast(exp.Null(), "TEXT")
        if name == "pg_backend_pid":
            return exp.Literal.number(0)
        if name in ("inet_server_port",):
            return exp.Literal.number(5432)
        if not catalog:
            return node
        if isinstance(node, exp.In) and isinstance(node.args.get("query"), exp.Subquery) and _reads_search_path(node.args["query"]):
            # Grafana's "schemas on the search path" subquery (string_to_array over generate_series)
            return exp.In(this=node.this, expressions=[exp.Literal.string(v) for v in _search_path(info)])
        if name == "parse_ident" and node.expressions and isinstance(_constant(node.expressions[0]), exp.Literal):
            return exp.Array(expressions=[exp.Literal.string(p) for p in _parse_ident(_constant(node.expressions[0]).name)])
        if isinstance(node, exp.ArraySize) and isinstance(node.this, exp.Array):
            return exp.Literal.number(len(node.this.expressions))
        if name == "quote_ident" and len(node.expressions) == 1:
            return _quote_ident(node.expressions[0])
        if isinstance(node, exp.Column) and not node.table and node.name.lower() == "user" and not node.this.quoted:
            return exp.Literal.string(info.user)  # Postgres' bare USER is current_user
        if isinstance(node, exp.Operator):  # OPERATOR(pg_catalog.~) and friends
            op = str(node.args.get("operator", "")).split(".")[-1].strip()
            make = {"~": exp.RegexpLike, "=": exp.EQ, "<>": exp.NEQ, "~~": exp.Like}.get(op)
            if make is not None:
                left, right = node.this, node.expression
                if make is exp.RegexpLike:
                    return exp.RegexpLike(this=left, expression=right)
                return make(this=left, expression=right)
        if isinstance(node, exp.ArrayToString) or name == "array_to_string":
            array = node.this if isinstance(node, exp.ArrayToString) else node.expressions[0]
            columns = [n for n in array.walk(prune=lambda n: isinstance(n, (exp.Select, exp.Subquery))) if isinstance(n, exp.Column)]
            if columns and all(_is_array_column(c.name) for c in columns):
                return exp.cast(exp.Null(), "TEXT")  # ACLs and options: NULL in this catalog, not arrays
        if name in ("to_regtype", "to_regclass", "to_regnamespace") and node.expressions:
            arg = _constant(node.expressions[0])
            if isinstance(arg, exp.Literal) and arg.is_string:
                found = _reg_oid(name[3:], arg.name, info)
                return exp.Literal.number(found) if found is not None else exp.cast(exp.Null(), "BIGINT")
        if isinstance(node, exp.Cast):
            target = node.to.sql().lower().replace("pg_catalog.", "")
            inner = node.this
            if target in ("text", "varchar") and isinstance(inner, exp.Cast) and \
                    inner.to.sql().lower().replace("pg_catalog.", "") == "regtype":
                return _format_type(inner.this, exp.Literal.number(-1))  # oid::regtype::text is the type's name
            if target in ("regclass", "regtype", "regproc", "regnamespace", "oid", "regprocedure", "regrole"):
                inner = node.this
                if isinstance(inner, exp.Literal) and inner.is_string and target == "regclass":
                    oid = info.oid_of(inner.name.split(".")[-1].strip('"'))
                    return exp.Literal.number(oid if oid is not None else 0)
                if isinstance(inner, exp.Literal) and inner.is_string and target == "regproc":
                    return exp.Literal.string(inner.name.split(".")[-1])
                if isinstance(inner, exp.Literal) and inner.is_string and inner.name.isdigit():
                    return exp.Literal.number(int(inner.name))
                return inner
            if target in ("name", "char", '"char"'):
                return exp.cast(node.this, "TEXT")
            if target.endswith("[]"):
                return node.this
            if node.to.sql().lower().startswith("pg_catalog."):
                return exp.cast(node.this, exp.DataType.build(target, dialect="postgres"))
        if name in _TRUE_FUNCTIONS:
            return exp.true()
        if name in _NULL_FUNCTIONS:
            return exp.cast(exp.Null(), "TEXT")
        if name == "pg_get_expr" and node.expressions:
            return exp.cast(node.expressions[0], "TEXT")  # the catalog keeps expressions as SQL text
        if name in ("pg_table_size", "pg_relation_size", "pg_total_relation_size", "pg_indexes_size", "pg_database_size"):
            return exp.cast(exp.Null(), "BIGINT")  # tables are files or in memory: no Postgres size to report
        if name == "pg_size_pretty":
            return exp.cast(exp.Null(), "TEXT")
        if name == "pg_get_userbyid":
            return exp.Literal.string(OWNER)
        if name == "pg_encoding_to_char":
            return exp.Literal.string("UTF8")
        if name == "format_type" and len(node.expressions) == 2:
            return _format_type(*node.expressions)
        if isinstance(node, exp.CurrentSchemas) or name == "current_schemas":
            schemas = _schemas(_constant_bool(node.this if isinstance(node, exp.CurrentSchemas) else (node.expressions or [None])[0]))
            return exp.Array(expressions=[exp.Literal.string(s) for s in schemas])
        if isinstance(node, exp.Bracket) and isinstance(node.this, exp.Paren) and isinstance(node.this.this, exp.Array):
            items = node.this.this.expressions
            index = node.expressions[0] if node.expressions else None
            if isinstance(index, exp.Literal) and not index.is_string:
                i = int(index.name)  # sqlglot keeps Postgres' 1-based subscripts 0-based
                return items[i].copy() if 0 <= i < len(items) else exp.Null()
        if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any) and isinstance(node.expression.this, (exp.Paren, exp.Array)):
            inner = node.expression.this.this if isinstance(node.expression.this, exp.Paren) else node.expression.this
            if isinstance(inner, exp.Array):
                return exp.In(this=node.this, expressions=[e.copy() for e in inner.expressions])
        if isinstance(node, (exp.EQ, exp.NEQ, exp.In)):
            # '16384' compared with an oid column: an integer, as Postgres' unknown literal would be
            for side in [node.args.get("expression")] + list(node.args.get("expressions") or []):
                if isinstance(side, exp.Literal) and side.is_string and side.name.isdigit() and isinstance(node.this, exp.Column):
                    side.replace(exp.Literal.number(int(side.name)))
        if isinstance(node, exp.Table) and (node.db or "").lower() == "pg_catalog":
            node.set("db", None)
        return node

    tree = _name_function_columns(tree.copy(), catalog)
    if catalog:  # COLLATE pg_catalog.default and the like: this engine compares by code point anyway
        tree = tree.transform(lambda n: n.this if isinstance(n, exp.Collate) else n)
    for _ in range(4):  # a replaced node's own children (nested casts) are visited by the next pass
        before = tree.sql()
        tree = tree.transform(visit)
        if tree.sql() == before:
            break
    if catalog:
        tree = tree.transform(lambda n: _empty_subquery(n) or n)
    return tree


def _inner_sources(select: exp.Select) -> list[exp.Expression]:
    """What a SELECT reads through its FROM and inner (or comma) joins: tables and derived tables."""
    found = []
    source = select.args.get("from_") or select.args.get("from")
    if source is not None:
        found.append(source.this)
    for join in select.args.get("joins") or []:
        if not join.args.get("side"):  # LEFT / RIGHT / FULL joins keep the other side's rows
            found.append(join.this)
    return found


def _aggregates(select: exp.Select) -> bool:
    """Whether the SELECT's own list aggregates (a subquery's aggregate is not its own)."""
    def nested(n: exp.Expression) -> bool:
        return isinstance(n, (exp.Subquery, exp.Select))

    return any(isinstance(n, exp.AggFunc) for e in select.expressions for n in e.walk(prune=nested))


def reads_nothing(tree: exp.Expression) -> bool:
    """Whether a query must answer no rows because every branch reads an empty catalog table
    through inner joins (a derived table that reads nothing counts too). Aggregating without GROUP
    BY answers one row, so such a query is planned as usual."""
    if isinstance(tree, exp.Subquery):
        return reads_nothing(tree.this)
    if isinstance(tree, exp.Union):
        return reads_nothing(tree.this) and reads_nothing(tree.expression)
    if not isinstance(tree, exp.Select) or (_aggregates(tree) and not tree.args.get("group")):
        return False
    where = tree.args.get("where")
    if where is not None and isinstance(where.this, exp.Boolean) and not where.this.this:
        return True
    for source in _inner_sources(tree):
        if isinstance(source, exp.Table) and is_empty(source.name):
            return True
        if isinstance(source, exp.Subquery) and reads_nothing(source.this):
            return True
    return False


def _empty_subquery(node: exp.Expression) -> exp.Expression | None:
    """A scalar subquery (or ARRAY(subquery)) over an empty catalog table is NULL; a derived table
    over one is a constant relation of no rows with the same column names."""
    if isinstance(node, exp.Subquery) and isinstance(node.parent, (exp.From, exp.Join)) and reads_nothing(node.this):
        names = list(dict.fromkeys(output_names(node.this)))
        empty = exp.select(*[exp.alias_(exp.cast(exp.Null(), _column_type(n)), n, quoted=True) for n in names]).where(exp.false())
        return exp.Subquery(this=empty, alias=node.args.get("alias"))
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select) and reads_nothing(node.this) \
            and not isinstance(node.parent, (exp.From, exp.Join, exp.Exists)):
        return exp.cast(exp.Null(), "TEXT")
    if isinstance(node, exp.Array) and len(node.expressions) == 1 and isinstance(node.expressions[0], (exp.Select, exp.Subquery)):
        inner = node.expressions[0].this if isinstance(node.expressions[0], exp.Subquery) else node.expressions[0]
        if reads_nothing(inner):
            return exp.cast(exp.Null(), "TEXT")
    return None


def _column_type(name: str) -> str:
    """The SQL type of a catalog column by its name (``inhrelid``: BIGINT), TEXT if unknown."""
    if not _COLUMN_TYPES:
        for columns, _ in _TABLES.values():
            for column, t in columns:
                _COLUMN_TYPES.setdefault(column, {I: "BIGINT", B: "BOOLEAN", F: "DOUBLE"}.get(t, "TEXT"))
    return _COLUMN_TYPES.get(name.lower(), "TEXT")


_COLUMN_TYPES: dict[str, str] = {}


def output_names(tree: exp.Expression) -> list[str]:
    """The column names a query would answer with (for an empty answer nobody planned)."""
    while isinstance(tree, exp.Union):
        tree = tree.this
    names = []
    for e in tree.expressions if isinstance(tree, exp.Select) else []:
        names.append(e.alias_or_name or "?column?")
    return names

"""The names DuckDB gives unnamed output expressions, so a query answers with DuckDB's column names.

DuckDB names a SELECT item without an alias by printing its parsed expression: every operator in
parentheses (``(a + b)``, ``((a > 1) AND (b < 2))``), comparisons and LIKE by their operator symbols
(``!=``, ``~~``), functions in lower case as written, keyword-named functions quoted
(``"substring"(s, 1, 3)``), CAST / COALESCE / CASE in upper case, a column without its table.
``duckdb_name`` renders a sqlglot expression that way; shapes it does not know fall back to
sqlglot's DuckDB SQL with a lower-case function name.

>>> import sqlglot
>>> duckdb_name(sqlglot.parse_one("round(t.a / b, 2)"))
'round((a / b), 2)'
"""

from __future__ import annotations

from sqlglot import exp

_BINARY = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.IntDiv: "//",
           exp.EQ: "=", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=",
           exp.And: "AND", exp.Or: "OR", exp.DPipe: "||", exp.Like: "~~", exp.ILike: "~~*",
           exp.NullSafeEQ: "IS NOT DISTINCT FROM", exp.NullSafeNEQ: "IS DISTINCT FROM",
           exp.BitwiseAnd: "&", exp.BitwiseOr: "|", exp.Pow: "**"}
_NEGATED = {exp.Like: "!~~", exp.ILike: "!~~*"}
# DuckDB quotes a function whose name is a keyword of its grammar
_KEYWORD_FUNCTIONS = {"substring", "trim", "position", "left", "right", "overlay", "extract"}
# types DuckDB prints as they were written (aliases it resolves later) rather than by their SQL name
_LOWER_TYPES = {"DOUBLE", "DATE", "FLOAT", "REAL", "TIMESTAMP", "TIME", "BOOLEAN", "BOOL", "INTERVAL"}
_TYPE_NAMES = {"INT": "INTEGER", "TEXT": "VARCHAR", "STRING": "VARCHAR"}


def duckdb_name(e: exp.Expression) -> str:
    """DuckDB's name for the unnamed output expression ``e``."""
    handler = _HANDLERS.get(type(e))
    if handler is not None:
        return handler(e)
    if isinstance(e, tuple(_BINARY)):
        op = _NEGATED[type(e)] if e.args.get("negate") and type(e) in _NEGATED else _BINARY[type(e)]
        return f"({duckdb_name(e.this)} {op} {duckdb_name(e.expression)})"
    if isinstance(e, exp.AggFunc) and not isinstance(e, exp.Anonymous) or isinstance(e, exp.Func):
        return _function(e)
    return e.sql(dialect="duckdb")


def _function(e: exp.Expression) -> str:
    """``name(args)``: the name in lower case (quoted when a keyword), arguments rendered in turn.
    Where sqlglot prints the arguments other than one by one in AST order (``date_trunc``'s unit,
    ``position(a IN b)``), its own text is kept with the name in lower case."""
    text = e.sql(dialect="duckdb")
    head, paren, inside = text.partition("(")
    if not paren:
        return text
    name = head.strip().strip('"').lower()
    flat = [a for v in e.args.values() if v is not None for a in (v if isinstance(v, list) else [v])]
    distinct = ""
    if len(flat) == 1 and isinstance(flat[0], exp.Distinct):
        distinct, flat = "DISTINCT ", list(flat[0].expressions)
    if not all(isinstance(a, exp.Expression) for a in flat) or \
            inside != distinct + ", ".join(a.sql(dialect="duckdb") for a in flat) + ")":
        return name + paren + inside
    quoted = f'"{name}"' if name in _KEYWORD_FUNCTIONS else name
    return f"{quoted}({distinct}{', '.join(duckdb_name(a) for a in flat)})"


def _column(e: exp.Column) -> str:
    return e.name


def _literal(e: exp.Literal) -> str:
    if e.is_string:
        return "'" + e.this.replace("'", "''") + "'"
    return e.this


def _neg(e: exp.Neg) -> str:
    if isinstance(e.this, exp.Literal) and not e.this.is_string:
        return "-" + e.this.this
    return f"(-({duckdb_name(e.this)}))"


def _not(e: exp.Not) -> str:
    inner = e.this.unnest() if isinstance(e.this, exp.Paren) else e.this
    if isinstance(inner, exp.Is):
        return f"({duckdb_name(inner.this)} IS NOT {duckdb_name(inner.expression)})"
    return f"(NOT {duckdb_name(inner)})"


def _is(e: exp.Is) -> str:
    return f"({duckdb_name(e.this)} IS {duckdb_name(e.expression)})"


def _between(e: exp.Between) -> str:
    return f"({duckdb_name(e.this)} BETWEEN {duckdb_name(e.args['low'])} AND {duckdb_name(e.args['high'])})"


def _in(e: exp.In) -> str:
    query = e.args.get("query")
    if query is not None:
        return f"({duckdb_name(e.this)} = ANY({query.unnest().sql(dialect='duckdb')}))"
    return f"({duckdb_name(e.this)} IN ({', '.join(duckdb_name(x) for x in e.expressions)}))"


def _type(t: exp.DataType) -> str:
    text = t.sql(dialect="duckdb")
    head, paren, rest = text.partition("(")
    head = _TYPE_NAMES.get(head.upper(), head.upper())
    if head in _LOWER_TYPES and not paren:
        return head.lower()
    return head + paren + rest


def _cast(e: exp.Cast) -> str:
    kind = "TRY_CAST" if isinstance(e, exp.TryCast) else "CAST"
    return f"{kind}({duckdb_name(e.this)} AS {_type(e.to)})"


def _case(e: exp.Case) -> str:
    operand = e.this
    parts = []
    for branch in e.args.get("ifs") or []:
        cond = branch.this if operand is None else exp.EQ(this=operand, expression=branch.this)
        parts.append(f"WHEN ({duckdb_name(cond)}) THEN ({duckdb_name(branch.args['true'])})")
    default = e.args.get("default")
    return f"CASE  {' '.join(parts)} ELSE {duckdb_name(default) if default is not None else 'NULL'} END"


def _coalesce(e: exp.Coalesce) -> str:
    return f"COALESCE({', '.join(duckdb_name(x) for x in [e.this, *e.expressions])})"


def _extract(e: exp.Extract) -> str:
    return f"date_part('{e.this.name.upper()}', {duckdb_name(e.expression)})"


def _count(e: exp.Count) -> str:
    if e.this is None or isinstance(e.this, exp.Star):
        return "count_star()"
    return _function(e)


def _filter(e: exp.Filter) -> str:
    return f"{duckdb_name(e.this)} FILTER (WHERE {duckdb_name(e.expression.this)})"


_HANDLERS = {
    exp.Column: _column, exp.Literal: _literal, exp.Null: lambda e: "NULL",
    exp.Boolean: lambda e: "true" if e.this else "false", exp.Paren: lambda e: duckdb_name(e.this),
    exp.Neg: _neg, exp.Not: _not, exp.Is: _is, exp.Between: _between, exp.In: _in,
    exp.Cast: _cast, exp.TryCast: _cast, exp.Case: _case, exp.Coalesce: _coalesce, exp.Extract: _extract,
    exp.Count: _count, exp.Filter: _filter, exp.Window: lambda e: _window(e),
}


def _window(e: exp.Window) -> str:
    text = e.sql(dialect="duckdb")
    head, paren, rest = text.partition("(")
    return head.lower() + paren + rest

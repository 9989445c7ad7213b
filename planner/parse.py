"""Parsing and sqlglot's semantic passes, with sqlglot's errors turned into ours."""

from __future__ import annotations

import functools
import inspect
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer import RULES
from sqlglot.optimizer.unnest_subqueries import unnest_subqueries
from sqlglot.schema import ensure_schema

from frames.errors import ColumnNotFoundError
from planner.depth import check_depth
from planner.errors import SqlSyntaxError
from planner.types import retype_literals


def parse(sql: str, dialect: str) -> list[exp.Expression]:
    """All statements in ``sql`` (empty ones dropped)."""
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # sqlglot warns when it keeps a statement as a raw Command
    try:
        statements = sqlglot.parse(sql, read=dialect)
    except TokenError:
        raise unterminated_error(sql, dialect) from None
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        message = err.get("description") or str(exc).splitlines()[0]
        raise SqlSyntaxError(message, sql, err.get("line"), err.get("col")) from None
    finally:
        quiet.setLevel(level)
    statements = [s for s in statements if s is not None]
    for statement in statements:
        check_depth(statement)
    return statements


# what may open a token that then runs to the end of the text, and what it is called
_OPENERS = {"'": "string", '"': "quoted identifier", "`": "quoted identifier", "/*": "comment", "$": "dollar-quoted string"}
_OPENER_RE = re.compile(r"'|\"|`|/\*|\$")


def unterminated_at(sql: str, dialect: str) -> int | None:
    """Where the quote or comment that never closes starts in ``sql`` (which sqlglot cannot
    tokenize), or None when no candidate explains the failure. It is the last opener before
    which the text still tokenizes: every opener after an unclosed one is inside it."""
    tokenize = sqlglot.Dialect.get_or_raise(dialect).tokenize
    for m in reversed(list(_OPENER_RE.finditer(sql))[-200:]):  # bounded: a pathological text gets no position
        try:
            tokenize(sql[: m.start()])
        except TokenError:
            continue
        return m.start()
    return None


def unterminated_error(sql: str, dialect: str) -> SqlSyntaxError:
    """sqlglot's TokenError (an unclosed quote or comment) as a syntax error pointing at the opener."""
    at = unterminated_at(sql, dialect)
    if at is None:
        return SqlSyntaxError("the text does not tokenize (an unclosed quote or comment?)", sql)
    what = next(name for opener, name in _OPENERS.items() if sql.startswith(opener, at))
    line = sql.count("\n", 0, at) + 1
    col = at - (sql.rfind("\n", 0, at) + 1) + 1
    return SqlSyntaxError(f"unterminated {what} starting at {sql[at:at + 12].splitlines()[0]!r}", sql, line, col)


# sqlglot passes whose work the planner's own rules do (push_down_filter places predicates,
# the builder and prune_columns cover what eliminate_joins would) or that the builder does not
# need (quoting); each costs planning time
# (sqlglot's optimizer was 1.9 s of the 22 TPC-H queries' planning).
_SKIPPED = frozenset({"pushdown_predicates", "eliminate_joins", "quote_identifiers"})


def semantic(query: exp.Expression, schema: dict, dialect: str) -> exp.Expression:
    """Qualify, expand ``*``, unnest subqueries and simplify (sqlglot's optimizer)."""
    at = RULES.index(unnest_subqueries)
    try:
        # the keyword arguments sqlglot's ``optimize`` offers its rules (``isolate_tables`` and
        # ``quote_identifiers`` are its settings); the schema is built once for the three runs.
        # Its names arrive in lower case already (planner.identifiers); sqlglot's own normalizing
        # would parse each name as SQL and fail on one like ``a;b``
        options = {"schema": ensure_schema(schema, dialect=dialect, normalize=False), "dialect": dialect, "db": None, "catalog": None,
                   "sql": None, "isolate_tables": True, "quote_identifiers": False}
        qualified = _apply(query.copy(), RULES[:at], options)  # the caller's AST is left as it was
        unnested = _apply(qualified.copy(), [unnest_subqueries], options)
        if unnested.find(exp.ArrayAgg) is not None and qualified.find(exp.ArrayAgg) is None:
            # sqlglot decorrelates EXISTS with a non-equality correlation into ARRAY_AGG; keep those
            # subqueries and let the builder turn them into semi/anti joins with a residual filter
            unnested = qualified
        rest = [_with_duckdb_literals(r) if r.__name__ == "annotate_types" else r for r in RULES[at + 1:] if r.__name__ not in _SKIPPED]
        return _apply(unnested, rest, options)
    except OptimizeError as exc:
        text = str(exc)
        m = re.search(r"Column '([^']+)' could not be resolved", text)
        if m:
            available = sorted({c for cols in schema.values() for c in cols})
            raise ColumnNotFoundError(m.group(1), available) from None
        from planner.errors import UnsupportedFeatureError

        raise UnsupportedFeatureError(f"this query shape ({text.splitlines()[0]})") from None


@functools.cache
def _with_duckdb_literals(annotate):
    """sqlglot's ``annotate_types``, then numeric literals retyped as DuckDB types them."""
    def annotate_types(expression, **options):
        return retype_literals(annotate(expression, **options))

    annotate_types.__wrapped__ = annotate  # so _parameters sees annotate's arguments
    return annotate_types


def _apply(expression: exp.Expression, rules, options: dict) -> exp.Expression:
    """What sqlglot's ``optimize(expression, rules=rules, copy=False)`` does: each rule in turn,
    given the options it takes. ``optimize`` looks the parameters up on every call, 0.1 ms a rule
    for the compiled build (0.03 s of planning the 22 TPC-H queries); here once per rule."""
    for rule in rules:
        expression = rule(expression, **{name: options[name] for name in _parameters(rule) if name in options})
    return expression


@functools.cache
def _parameters(rule) -> tuple[str, ...]:
    return tuple(inspect.getfullargspec(getattr(rule, "__wrapped__", rule)).args)

"""Parsing and sqlglot's semantic passes, with sqlglot's errors turned into ours."""

from __future__ import annotations

import copy

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
from sqlglot.tokens import Token, TokenType

from frames.errors import ColumnNotFoundError
from planner.depth import check_depth
from planner.build.pivot import pivot_statements_as_selects
from planner.errors import ParameterError, SqlSyntaxError
from planner.types import retype_literals


def parse(sql: str, dialect: str) -> list[exp.Expression]:
    """All statements in ``sql`` (empty ones dropped)."""
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # sqlglot warns when it keeps a statement as a raw Command
    try:
        reader = sqlglot.Dialect.get_or_raise(dialect)
        statements = _as_written(reader).parser().parse(numbered_placeholders(reader.tokenize(sql)), sql)
    except TokenError:
        raise unterminated_error(sql, dialect) from None
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        message = err.get("description") or str(exc).splitlines()[0]
        raise SqlSyntaxError(message, sql, err.get("line"), err.get("col")) from None
    except IndexError:  # sqlglot runs off the end of some statements (``SHOW ALL``) instead of saying so
        raise SqlSyntaxError("the statement ends too early", sql) from None
    finally:
        quiet.setLevel(level)
    statements = [s for s in statements if s is not None]
    statements = [pivot_statements_as_selects(s, dialect) if s.find(exp.Pivot) is not None else s for s in statements]
    for statement in statements:
        check_depth(statement)
        for bracket in statement.find_all(exp.Bracket):
            if bracket.args.get("offset") is None:
                bracket.set("offset", reader.INDEX_OFFSET)
    return statements


def _as_written(reader: sqlglot.Dialect) -> sqlglot.Dialect:
    """``reader`` parsing subscripts as written. sqlglot rebases ``l[1]`` to 0 only when it can type
    the subscript an integer at parse time (``l[1]`` becomes ``l[0]``, ``l[i]`` stays), so the base
    of a subscript could not be known afterwards; kept as written, each ``Bracket`` records its
    dialect's base in ``offset`` (sqlglot's own convention), read by ``function_calls._bracket``."""
    neutral = copy.copy(reader)
    neutral.INDEX_OFFSET = 0
    return neutral


def numbered_placeholders(tokens: list[Token]) -> list[Token]:
    """``tokens`` with the k-th ``?`` written as ``$k``, so every placeholder node names its
    parameter: a walk of the parsed tree meets them out of text order (a CTE's last, OFFSET before
    LIMIT), and ``planner.params`` binds by name. A text mixing ``?`` with ``$1`` is refused here."""
    marks = [i for i, t in enumerate(tokens) if t.token_type == TokenType.PLACEHOLDER]
    if not marks:
        return tokens
    if any(t.token_type == TokenType.PARAMETER for t in tokens):
        raise ParameterError("the text mixes '?' with $1 or $name parameters; use one kind")
    out = list(tokens)
    for k, i in enumerate(reversed(marks)):
        t = tokens[i]
        out[i:i + 1] = [Token(TokenType.PARAMETER, "$", t.line, t.col, t.start, t.start),
                        Token(TokenType.NUMBER, str(len(marks) - k), t.line, t.col, t.start, t.end)]
    return out


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
        qualified = _apply(_name_subquery_columns(query.copy(), dialect), RULES[:at], options)  # the caller's AST is left as it was
        unnested = _unnest_shielded(qualified.copy(), options)
        if unnested.find(exp.ArrayAgg) is not None and qualified.find(exp.ArrayAgg) is None:
            # sqlglot decorrelates EXISTS with a non-equality correlation into ARRAY_AGG; keep those
            # subqueries and let the builder turn them into semi/anti joins with a residual filter
            unnested = qualified
        skipped = _SKIPPED
        if any(isinstance(s.parent, (exp.From, exp.Join)) and isinstance(s.this, exp.Select) and _correlated(s.this)
               for s in unnested.find_all(exp.Subquery)):
            # a derived table reading an outer query (lateral) must stay where it is: as a CTE it
            # would read a relation it cannot see
            skipped = skipped | {"eliminate_subqueries"}
        if unnested.find(exp.TableSample) is not None:
            # sqlglot merges a derived table into the query around it, or makes it a CTE, without
            # looking at a sampling clause: the sample would move below the derived table's WHERE
            # or be dropped
            skipped = skipped | {"merge_subqueries", "eliminate_subqueries"}
        wrapped = {"annotate_types": _with_duckdb_literals, "canonicalize": _keeping_computed_casts}
        rest = [wrapped[r.__name__](r) if r.__name__ in wrapped else r for r in RULES[at + 1:] if r.__name__ not in skipped]
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

@functools.cache
def _keeping_computed_casts(canonicalize):
    """sqlglot's ``canonicalize``, which drops a cast to the type sqlglot infers its operand has,
    kept from dropping casts of computed values: sqlglot's inferred type is not always the
    engine's (``CAST(sum(y) AS BIGINT)``: sqlglot infers BIGINT for the sum, DuckDB and we a
    HUGEINT, so the answer came back a 38-digit decimal). Casts of columns and literals, whose
    types sqlglot takes from the schema, may still go."""
    def canonicalize_keeping_casts(expression, **options):
        for cast in expression.find_all(exp.Cast):
            if not isinstance(cast.this, (exp.Column, exp.Literal)):
                cast.this.type = None  # unknown to remove_redundant_casts: the cast stays
        return canonicalize(expression, **options)

    canonicalize_keeping_casts.__name__ = "canonicalize"
    canonicalize_keeping_casts.__wrapped__ = canonicalize  # so _parameters sees canonicalize's arguments
    return canonicalize_keeping_casts


def _name_subquery_columns(query: exp.Expression, dialect: str) -> exp.Expression:
    """An unaliased scalar subquery in a SELECT list is named by its text, as DuckDB names it
    (``(SELECT 1)``); sqlglot's qualify would otherwise set the name as the subquery's table alias
    and then fail on ``ORDER BY 1`` (an AssertionError inside sqlglot)."""
    for select in list(query.find_all(exp.Select)):
        for projection in select.expressions:
            if isinstance(projection, exp.Subquery) and not projection.alias:
                projection.replace(exp.Alias(this=projection.copy(), alias=exp.to_identifier(projection.sql(dialect), quoted=True)))
    return query


def _unnest_shielded(query: exp.Expression, options: dict) -> exp.Expression:
    """sqlglot's ``unnest_subqueries``, kept away from the subqueries it would answer wrongly; the
    builder plans those itself (``planner/build/subqueries.py``):

    - a scalar subquery that may return other than one row (no aggregate, or GROUP BY / HAVING):
      sqlglot joins it (several rows multiply the outer row, none drops it) or wraps it in MAX;
      DuckDB raises on several rows and gives NULL for none;
    - ``IN`` / ``= ANY`` used as a value rather than a WHERE condition: sqlglot's LEFT JOIN gives
      FALSE where three-valued logic gives NULL (a NULL operand, a NULL in the subquery);
    - ``ANY`` / ``ALL`` / ``SOME`` other than ``= ANY``: sqlglot's rewrite needs array lambdas;
    - a correlated subquery inside a SELECT without FROM: sqlglot would join onto a FROM-less
      SELECT and produce an invalid query;
    - an uncorrelated EXISTS: sqlglot's ``LEFT JOIN ... ON TRUE`` is a join without keys (the
      builder counts the subquery's rows once instead).
    Each is swapped for a placeholder while sqlglot runs and put back afterwards."""
    kept: dict[str, exp.Expression] = {}
    for node in list(query.find_all(exp.Subquery, exp.In, exp.Any, exp.All, exp.Exists)):
        target = _shielded(node)
        if target is None or any(target is x for k in kept.values() for x in k.find_all(type(target))):  # not inside a kept one
            continue
        name = f"__shield{len(kept)}"
        kept[name] = target
        target.replace(exp.Placeholder(this=name))
    out = _apply(query, [unnest_subqueries], options)
    for placeholder in list(out.find_all(exp.Placeholder)):
        if placeholder.name in kept:
            placeholder.replace(kept[placeholder.name])
    return out


def _shielded(node: exp.Expression) -> exp.Expression | None:
    """The expression to keep from sqlglot's unnesting for ``node`` (see ``_unnest_shielded``)."""
    if _correlated_in_having(node):
        return node.parent if isinstance(node, (exp.Any, exp.All)) else node
    if isinstance(node, exp.Exists):
        select = node.this.this if isinstance(node.this, exp.Subquery) else node.this
        return node if isinstance(select, exp.Select) and not _correlated(select) else None
    if isinstance(node, (exp.Any, exp.All)):
        comparison = node.parent
        if isinstance(node, exp.Any) and isinstance(comparison, exp.EQ) and _in_where_conjunct(comparison):
            return None
        return comparison
    if isinstance(node, exp.In):
        if node.args.get("query") is None or _in_where_conjunct(node):
            return None
        return node
    if isinstance(node.parent, (exp.In, exp.Any, exp.All, exp.Exists)) or not isinstance(node.this, exp.Select):
        return None
    select = node.this
    if node.parent_select is not None and node.parent_select.args.get("from_") is None and _correlated(select):
        return node
    if isinstance(node.parent, (exp.From, exp.Join)) or node.find_ancestor(exp.From, exp.Join, exp.Select) is not node.parent_select:
        return None  # a derived table, not a scalar subquery
    one_row = (not select.args.get("group") and not select.args.get("having")
               and any(p.find(exp.AggFunc) for p in select.expressions))
    return None if one_row and not _windows_only(node.parent_select, node) else node


def _windows_only(outer: exp.Select | None, node: exp.Expression) -> bool:
    """Whether sqlglot would take window functions in ``outer``'s SELECT list for aggregates and
    wrap the unnested ``node`` (a scalar subquery outside WHERE / JOIN) in MAX, aggregating a query
    that has no aggregate."""
    if outer is None or outer.args.get("group") or node.find_ancestor(exp.Where, exp.Join, exp.Having, exp.Select) is not outer:
        return False
    aggs = [a for p in outer.expressions for a in p.find_all(exp.AggFunc) if a.find_ancestor(exp.Select) is outer]
    return bool(aggs) and all(a.find_ancestor(exp.Window, exp.Select) is not outer and isinstance(a.find_ancestor(exp.Window, exp.Select), exp.Window)
                              for a in aggs)


def _correlated_in_having(node: exp.Expression) -> bool:
    """A correlated subquery (EXISTS, IN, ANY / ALL or a scalar one) in a HAVING: sqlglot joins it
    before the grouping, where a correlation on an outer aggregate (``WHERE y = min(t.x)``) cannot
    be evaluated."""
    if isinstance(node, exp.Subquery) and isinstance(node.parent, (exp.In, exp.Any, exp.All, exp.Exists)):
        return False  # its parent is the subquery expression
    query = node.args.get("query") if isinstance(node, exp.In) else node.this
    query = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(query, exp.Select):
        return False
    return isinstance(node.find_ancestor(exp.Having, exp.Select), exp.Having) and _correlated(query)


def _in_where_conjunct(node: exp.Expression) -> bool:
    """Whether ``node`` decides a WHERE only through AND and OR (where NULL and FALSE agree)."""
    parent = node.parent
    while isinstance(parent, (exp.And, exp.Or, exp.Paren)):
        parent = parent.parent
    return isinstance(parent, exp.Where)


def _correlated(select: exp.Select) -> bool:
    inner = {s.alias_or_name for s in select.find_all(exp.Table, exp.Subquery) if s.find_ancestor(exp.From, exp.Join)}
    return any(c.table and c.table not in inner for c in select.find_all(exp.Column))


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

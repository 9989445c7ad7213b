"""Every clause of the user's query is planned or refused: none is silently dropped.

sqlglot parses far more syntax than the builder plans (PIVOT, ASOF and POSITIONAL joins, ``WITH
ORDINALITY``, ``LIMIT 50%``, time travel, MATCH_RECOGNIZE, ...). A clause the builder does not look
at would otherwise vanish from the answer: ``USING SAMPLE 10 ROWS`` returned every row, an ASOF
join returned every match. ``refuse_unplanned`` checks the parsed query, before sqlglot's optimizer
rewrites it, against the parts each node kind's builder reads, and names the first one it does not.
"""

from __future__ import annotations

from sqlglot import exp

from planner.errors import UnsupportedFeatureError

# the arguments the builder reads (or that change nothing in a one-user engine: hints, FOR UPDATE)
_PLANNED: dict[type, frozenset[str]] = {
    exp.Select: frozenset({"expressions", "from_", "joins", "where", "group", "having", "qualify", "order", "limit", "offset",
                           "distinct", "with_", "windows", "sample", "hint", "locks"}),
    exp.Subquery: frozenset({"this", "alias", "order", "limit", "offset", "sample", "with_", "pivots"}),
    exp.Table: frozenset({"this", "db", "catalog", "alias", "sample", "joins", "hints", "only", "pivots"}),
    exp.Join: frozenset({"this", "on", "using", "kind", "side", "method", "hint"}),
    exp.Unnest: frozenset({"expressions", "alias"}),
}
_JOIN_METHODS = {"", "NATURAL"}
_NAMES = {"from_": "FROM", "with_": "WITH", "for_": "FOR", "pivots": "PIVOT / UNPIVOT", "offset": "WITH ORDINALITY",
          "laterals": "LATERAL VIEW", "match": "MATCH_RECOGNIZE", "connect": "CONNECT BY", "into": "SELECT INTO",
          "version": "a time-travel clause", "system_time": "FOR SYSTEM_TIME", "changes": "CHANGES", "ordinality": "WITH ORDINALITY",
          "kind": "SELECT AS STRUCT / VALUE", "prewhere": "PREWHERE", "settings": "SETTINGS", "format": "FORMAT"}


def _present(value) -> bool:
    return value is not None and value is not False and value != []


def refuse_unplanned(query: exp.Expression) -> None:
    """Raise ``UnsupportedFeatureError`` naming the first clause of ``query`` no builder plans."""
    for node in query.walk():
        planned = _PLANNED.get(type(node))
        if planned is not None:
            for arg, value in node.args.items():
                if arg not in planned and _present(value):
                    what = _NAMES.get(arg, arg.upper().replace("_", " "))
                    raise UnsupportedFeatureError(f"{what} in {_clip(node)}")
        if isinstance(node, exp.Join) and (node.method or "").upper() not in _JOIN_METHODS:
            raise UnsupportedFeatureError(f"{node.method.upper()} JOIN ({_clip(node)})")
        if isinstance(node, exp.Limit):
            options = node.args.get("limit_options")
            if options is not None and options.args.get("percent"):
                raise UnsupportedFeatureError(f"LIMIT as a percentage ({node.sql()})")
            if options is not None and options.args.get("with_ties"):
                raise UnsupportedFeatureError(f"FETCH ... WITH TIES ({node.sql()})")


def _clip(node: exp.Expression) -> str:
    text = node.sql()
    return text if len(text) <= 80 else text[:77] + "..."

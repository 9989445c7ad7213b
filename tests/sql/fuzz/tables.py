"""The small tables every fuzzed query reads: NULLs, duplicates and every common type.

Each table has a unique integer ``id`` (never NULL) so that window orderings and LIMITs can be made
deterministic; every other column has NULLs and repeated values.
"""

from __future__ import annotations

# name -> [(column, fuzz type, DuckDB type)]; fuzz types: int, dec, dbl, str, date, bool
SCHEMAS: dict[str, list[tuple[str, str, str]]] = {
    "t1": [("id", "int", "INTEGER"), ("a", "int", "INTEGER"), ("b", "int", "BIGINT"), ("d", "dec", "DECIMAL(8,2)"),
           ("x", "dbl", "DOUBLE"), ("s", "str", "VARCHAR"), ("dt", "date", "DATE"), ("f", "bool", "BOOLEAN")],
    "t2": [("id", "int", "INTEGER"), ("a", "int", "INTEGER"), ("c", "int", "INTEGER"), ("d", "dec", "DECIMAL(6,1)"),
           ("s", "str", "VARCHAR"), ("dt", "date", "DATE"), ("f", "bool", "BOOLEAN")],
    "t3": [("id", "int", "INTEGER"), ("k", "int", "INTEGER"), ("s", "str", "VARCHAR"), ("x", "dbl", "DOUBLE"),
           ("d", "dec", "DECIMAL(10,3)")],
}

_ROWS: dict[str, list[tuple]] = {
    "t1": [
        (1, 1, 10, "1.50", 0.5, "'apple'", "'2024-01-01'", "true"),
        (2, 2, 20, "2.25", -1.25, "'banana'", "'2024-02-15'", "false"),
        (3, 2, None, "-3.00", 2.0, "'apple'", None, "true"),
        (4, None, 40, None, None, None, "'2024-01-01'", None),
        (5, 3, 10, "1.50", 0.5, "'Cherry'", "'2023-12-31'", "false"),
        (6, 1, -5, "0.00", 3.75, "'a_b%'", "'2024-03-10'", "true"),
        (7, None, None, "7.77", -0.0, "''", None, "false"),
        (8, 4, 20, "2.25", 10.0, "'banana'", "'2024-02-15'", None),
        (9, 2, 0, None, 1.5, "'date'", "'2024-01-31'", "true"),
        (10, 5, 30, "-1.10", None, None, "'2023-12-31'", "false"),
    ],
    "t2": [
        (1, 2, 100, "2.5", "'banana'", "'2024-02-15'", "true"),
        (2, 3, 200, None, "'apple'", "'2024-01-01'", None),
        (3, None, 100, "-1.0", "'kiwi'", None, "false"),
        (4, 2, None, "2.5", None, "'2024-03-10'", "true"),
        (5, 6, 300, "0.0", "'Cherry'", "'2023-11-11'", "false"),
        (6, 1, 100, "9.9", "'apple'", "'2024-01-01'", "true"),
        (7, 3, -100, None, "'fig'", None, None),
    ],
    "t3": [
        (1, 1, "'apple'", 0.5, "1.000"),
        (2, 2, None, 2.0, None),
        (3, 2, "'kiwi'", None, "-2.500"),
        (4, None, "'banana'", 1.5, "0.125"),
        (5, 7, "'apple'", -3.0, "1.000"),
        (6, 3, "'zz'", 0.5, "4.750"),
    ],
}


def _literal(value, duck_type: str) -> str:
    if value is None:
        return f"CAST(NULL AS {duck_type})"
    if duck_type == "DATE":
        return f"DATE {value}"
    return f"CAST({value} AS {duck_type})"


def create_statements() -> list[str]:
    """``CREATE TABLE`` statements (DuckDB SQL) that build the fuzz tables with exact types."""
    out = []
    for name, cols in SCHEMAS.items():
        rows = ", ".join("(" + ", ".join(_literal(v, c[2]) for v, c in zip(row, cols)) + ")" for row in _ROWS[name])
        names = ", ".join(c[0] for c in cols)
        out.append(f"CREATE TABLE {name} AS SELECT * FROM (VALUES {rows}) AS v({names})")
    return out

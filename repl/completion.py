"""Completion of SQL keywords, functions, table names and column names from the live catalog.

Context decides what is offered: after FROM / JOIN (and ``.describe``) table names; after
``alias.`` the columns of that table; elsewhere the columns of the tables the statement names (all
tables' columns when it names none yet), then functions, then keywords. Keywords follow the case
the user types in."""

from __future__ import annotations

import re
from typing import Iterable

from prompt_toolkit.completion import Completer, Completion

from repl import FORMATS

KEYWORDS = """SELECT FROM WHERE GROUP BY ORDER HAVING LIMIT OFFSET JOIN LEFT RIGHT FULL OUTER INNER CROSS ON
USING AS AND OR NOT IN EXISTS BETWEEN LIKE ILIKE IS NULL CASE WHEN THEN ELSE END DISTINCT UNION ALL
INTERSECT EXCEPT WITH CREATE TABLE VIEW DROP REPLACE IF DESCRIBE SHOW TABLES EXPLAIN COPY TO ASC DESC
NULLS FIRST LAST CAST INTERVAL DATE TIMESTAMP TRUE FALSE SEMI ANTI FILTER OVER PARTITION""".split()
FUNCTIONS = """count sum avg min max stddev stddev_samp variance var_samp median count_if bool_and bool_or
coalesce nullif greatest least abs round floor ceil sqrt ln log exp power mod sign upper lower length
substring substr trim ltrim rtrim replace concat concat_ws left right lpad rpad starts_with ends_with
contains strpos regexp_matches regexp_replace split_part extract date_part date_trunc year month day
strftime current_date now read_parquet read_csv row_number rank dense_rank lag lead first_value
last_value""".split()
META = [".tables", ".describe", ".schema", ".timer", ".mode", ".read", ".dashboard", ".help", ".quit", ".exit",
        "\\dt", "\\d", "\\timing", "\\i", "\\?", "\\q"]

_TABLE_CONTEXT = {"FROM", "JOIN", "INTO", "TABLE", "UPDATE", "DESCRIBE", "VIEW", "EXISTS"}
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_REF = re.compile(rf"\b(?:FROM|JOIN)\s+({_IDENT})(?:\s+(?:AS\s+)?({_IDENT}))?|,\s*({_IDENT})(?:\s+(?:AS\s+)?({_IDENT}))?", re.IGNORECASE)
_NOT_ALIAS = {k.upper() for k in KEYWORDS} | {"NATURAL"}


def _statement(text: str) -> str:
    """The statement the cursor is in: the text after the last ';'."""
    return text.rsplit(";", 1)[-1]


class SqlCompleter(Completer):
    def __init__(self, ctx):
        self.ctx = ctx

    # -- catalog --------------------------------------------------------------------------------
    def _tables(self) -> list[str]:
        try:
            return list(self.ctx.tables())
        except Exception:
            return []

    def _columns_of(self, table: str) -> list[str]:
        try:
            return list(self.ctx.table(table).schema.names)
        except Exception:  # a broken table must not break typing
            return []

    def _references(self, statement: str) -> dict[str, str]:
        """alias or table name (lower case) -> table name, for the tables the statement names."""
        known = {t.lower(): t for t in self._tables()}
        refs: dict[str, str] = {}
        for m in _REF.finditer(statement):
            table, alias = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if table.lower() not in known:
                continue
            refs[table.lower()] = known[table.lower()]
            if alias and alias.upper() not in _NOT_ALIAS:
                refs[alias.lower()] = known[table.lower()]
        return refs

    def _columns(self, statement: str) -> list[str]:
        tables = list(dict.fromkeys(self._references(statement).values())) or self._tables()
        cols: list[str] = []
        for t in tables:
            cols += [c for c in self._columns_of(t) if c not in cols]
        return cols

    # -- completion -----------------------------------------------------------------------------
    def candidates(self, text_before: str, text_after: str = "") -> tuple[str, list[tuple[str, str]]]:
        """(the partial word being completed, [(candidate, kind)]) for the text around the cursor."""
        stripped = text_before.lstrip()
        if stripped.startswith((".", "\\")):  # meta-commands
            cmd, space, arg = stripped.partition(" ")
            if not space:
                return cmd, [(m, "command") for m in META]
            word = arg.split(" ")[-1]
            if cmd.lower() in (".describe", ".schema", "\\d"):
                return word, [(t, "table") for t in self._tables()]
            if cmd.lower() == ".mode":
                return word, [(f, "format") for f in FORMATS]
            if cmd.lower() in (".timer", "\\timing"):
                return word, [("on", ""), ("off", "")]
            return word, []
        statement = _statement(text_before)
        whole = statement + text_after.split(";", 1)[0]  # FROM often comes after the cursor
        m = re.search(rf"({_IDENT})\.({_IDENT})?$", statement)
        if m:  # alias.column
            table = self._references(whole).get(m.group(1).lower())
            if table is None and m.group(1).lower() in {t.lower() for t in self._tables()}:
                table = m.group(1)
            return m.group(2) or "", [(c, "column") for c in (self._columns_of(table) if table else [])]
        word = re.search(r"[A-Za-z0-9_]*$", statement).group(0)
        before = statement[: len(statement) - len(word)]
        previous = re.findall(r"[A-Za-z_]+|[(),=<>*+-]", before)
        last = previous[-1].upper() if previous else ""
        if last in _TABLE_CONTEXT or (last == "," and self._in_from_list(before)):
            return word, [(t, "table") for t in self._tables()] + ([("read_parquet", "function"), ("read_csv", "function")])
        cols = [(c, "column") for c in self._columns(whole)]
        if not word:
            return word, cols + [(f, "function") for f in FUNCTIONS]
        upper = word.upper() == word and any(ch.isalpha() for ch in word)
        keywords = [(k if upper or word[0].isupper() else k.lower(), "keyword") for k in KEYWORDS]
        return word, cols + [(t, "table") for t in self._tables()] + [(f, "function") for f in FUNCTIONS] + keywords

    @staticmethod
    def _in_from_list(before: str) -> bool:
        tokens = re.findall(r"\b(SELECT|FROM|WHERE|GROUP|ORDER|HAVING|LIMIT|ON|USING|JOIN)\b", before, re.IGNORECASE)
        return bool(tokens) and tokens[-1].upper() in ("FROM", "JOIN")

    def get_completions(self, document, complete_event) -> Iterable[Completion]:
        word, candidates = self.candidates(document.text_before_cursor, document.text_after_cursor)
        low = word.lower()
        seen = set()
        for text, kind in candidates:
            if text.lower().startswith(low) and text.lower() != low and text.lower() not in seen:
                seen.add(text.lower())
                yield Completion(text, start_position=-len(word), display_meta=kind)

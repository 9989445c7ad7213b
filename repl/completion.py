"""Completion of SQL keywords, functions, table names and column names from the live catalog."""

from __future__ import annotations

import re

from prompt_toolkit.completion import Completer, Completion

KEYWORDS = """SELECT FROM WHERE GROUP BY ORDER HAVING LIMIT OFFSET JOIN LEFT RIGHT FULL OUTER INNER CROSS ON
USING AS AND OR NOT IN EXISTS BETWEEN LIKE IS NULL CASE WHEN THEN ELSE END DISTINCT UNION ALL INTERSECT
EXCEPT WITH CREATE TABLE VIEW DROP REPLACE DESCRIBE SHOW TABLES EXPLAIN COPY TO ASC DESC NULLS FIRST LAST
CAST INTERVAL DATE TRUE FALSE""".split()
FUNCTIONS = """count sum avg min max stddev variance coalesce nullif upper lower length substring trim round abs
extract date_trunc""".split()


class SqlCompleter(Completer):
    def __init__(self, ctx):
        self.ctx = ctx

    def _columns(self, text: str) -> list[str]:
        names = self.ctx.tables()
        mentioned = [t for t in names if re.search(rf"\b{re.escape(t)}\b", text, re.IGNORECASE)]
        cols: list[str] = []
        for t in mentioned or names:
            try:
                cols += [c for c in self.ctx.table(t).schema.names if c not in cols]
            except Exception:  # a broken table must not break typing
                continue
        return cols

    def get_completions(self, document, complete_event):
        word = document.get_word_before_cursor(WORD=False)
        if not word or not (word[-1].isalnum() or word[-1] == "_"):
            return
        low = word.lower()
        seen = set()
        candidates = (
            [(c, "column") for c in self._columns(document.text)]
            + [(t, "table") for t in self.ctx.tables()]
            + [(f, "function") for f in FUNCTIONS]
            + [(k, "keyword") for k in KEYWORDS]
        )
        for text, kind in candidates:
            if text.lower().startswith(low) and text.lower() != low and text not in seen:
                seen.add(text)
                yield Completion(text, start_position=-len(word), display_meta=kind)

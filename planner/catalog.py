"""The catalog: table names to what they read, and view names to their query.

A table is either a frames node (files, a registered DataFrame or Arrow table: read-only) or a
``planner.tables.MemoryTable`` (made by CREATE TABLE: writable; its node is what queries read). A
view is a sqlglot AST, planned afresh each time it is read, so it always sees the tables as they
are now and the optimizer can push filters into it. Names are found without regard to case.

Every change goes through ``set_entry`` (or the methods built on it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Union

from sqlglot import exp

from frames.dataframe.expr.node import Node as FramesNode
from planner.errors import ReadOnlyTableError, TableNotFoundError
from planner.tables import MemoryTable

Entry = Union[FramesNode, MemoryTable, exp.Expression, None]
"""What a name holds: a read-only table's node, a writable table, a view's query, or nothing."""


@dataclass
class Catalog:
    tables: dict[str, FramesNode | MemoryTable] = field(default_factory=dict)
    views: dict[str, exp.Expression] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)  # key -> the name as created
    database: str = "memory"  # current_database(), information_schema's table_catalog
    schema: str = "main"  # current_schema()
    storage: object | None = None  # where the catalog is saved (sqlengine.database.Database), if anywhere
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    """Held by a session while a statement changes the catalog: sessions sharing it (a server's
    connections) write one at a time, so none stores a table's next value over another's."""
    writers: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Name -> the session whose open transaction changed it. Until that transaction ends no other
    session may change the name (a conflict error, as DuckDB's): otherwise its ROLLBACK would put
    back the entry it saw first and silently drop the other session's later writes."""

    @staticmethod
    def key(name: str) -> str:
        return name.lower()

    def names(self) -> list[str]:
        return sorted(set(self.tables) | set(self.views))

    def spelling(self, key: str) -> str:
        return self.spelled.get(key, key)

    def __contains__(self, name: str) -> bool:
        return self.key(name) in self.tables or self.key(name) in self.views

    # -- changes ---------------------------------------------------------------------------------
    def entry(self, name: str) -> Entry:
        key = self.key(name)
        return self.tables.get(key, self.views.get(key))

    def set_entry(self, name: str, entry: Entry) -> None:
        """``name`` now holds ``entry`` (None: nothing)."""
        key = self.key(name)
        before = self.entry(name)
        self.tables.pop(key, None)
        self.views.pop(key, None)
        if entry is None:
            self.spelled.pop(key, None)
            return
        if isinstance(entry, exp.Expression):
            self.views[key] = entry
        else:
            self.tables[key] = entry
        if before is None:  # created now: keep how it was spelled
            self.spelled[key] = name

    def add_table(self, name: str, node: FramesNode | MemoryTable) -> None:
        self.set_entry(name, node)

    def add_view(self, name: str, query: exp.Expression) -> None:
        self.set_entry(name, query)

    def drop(self, name: str) -> None:
        if name not in self:
            raise TableNotFoundError(name, self.names())
        self.set_entry(name, None)

    # -- reading ---------------------------------------------------------------------------------
    def table(self, name: str) -> FramesNode | None:
        """The frames node a query reads for table ``name`` (None: no such table)."""
        found = self.tables.get(self.key(name))
        return found.node if isinstance(found, MemoryTable) else found

    def writable(self, name: str) -> MemoryTable:
        """Table ``name`` to write to; an error naming it when it is missing or read-only."""
        found = self.tables.get(self.key(name))
        if isinstance(found, MemoryTable):
            return found
        if found is not None:
            raise ReadOnlyTableError(name, "registered from files or a DataFrame")
        if self.key(name) in self.views:
            raise ReadOnlyTableError(name, "a view")
        raise TableNotFoundError(name, self.names())

    def view(self, name: str) -> exp.Expression | None:
        return self.views.get(self.key(name))

"""The catalog: table names to frames nodes (files, in-memory data, persisted results) and view
names to their query (a sqlglot AST, planned afresh each time it is read, so a view always sees
the tables as they are now and the optimizer can push filters into it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from frames.dataframe.expr.node import Node as FramesNode
from planner.errors import TableNotFoundError


@dataclass
class Catalog:
    tables: dict[str, FramesNode] = field(default_factory=dict)
    views: dict[str, exp.Expression] = field(default_factory=dict)

    @staticmethod
    def key(name: str) -> str:
        return name.lower()

    def names(self) -> list[str]:
        return sorted(set(self.tables) | set(self.views))

    def __contains__(self, name: str) -> bool:
        return self.key(name) in self.tables or self.key(name) in self.views

    def add_table(self, name: str, node: FramesNode) -> None:
        self.views.pop(self.key(name), None)
        self.tables[self.key(name)] = node

    def add_view(self, name: str, query: exp.Expression) -> None:
        self.tables.pop(self.key(name), None)
        self.views[self.key(name)] = query

    def drop(self, name: str) -> None:
        key = self.key(name)
        if key in self.tables:
            del self.tables[key]
        elif key in self.views:
            del self.views[key]
        else:
            raise TableNotFoundError(name, self.names())

    def table(self, name: str) -> FramesNode | None:
        return self.tables.get(self.key(name))

    def view(self, name: str) -> exp.Expression | None:
        return self.views.get(self.key(name))

"""share_scans: read a table once when a query scans it several times with the same filter.

A correlated subquery over the table the outer query reads (TPC-H q17, q21, q2, q11) leaves two
scans of it, which column pruning gives different column lists. Scans of the same source with the
same pushed filter become one scan of the union of their columns, each former scan a projection
of it; the engine then reads and decodes the files once (the lowering runs a shared node once).
Scans with different filters stay apart: sharing them would read rows one of them never needs.

Before:  Join                               After:  Join
           Scan lineitem: [a, b]                      Project a, b
           Aggregate                                    Scan lineitem: [a, b, c]  (one node)
             Scan lineitem: [a, c]                    Aggregate
                                                        Project a, c
                                                          Scan lineitem: [a, b, c]  (the same)
"""

from __future__ import annotations

from dataclasses import replace

from frames.dataframe.expr.scalar import Col
from planner.logical import LogicalPlan, Project, Scan, transform_up, walk


def share_scans(plan: LogicalPlan, ctx) -> LogicalPlan:
    groups: dict[tuple, list[Scan]] = {}
    for node in walk(plan):
        if isinstance(node, Scan):
            groups.setdefault((id(node.source), repr(node.filter)), []).append(node)
    replacement: dict[int, LogicalPlan] = {}
    for scans in groups.values():
        if len(scans) < 2:
            continue
        if any(s.read_columns is None for s in scans):
            columns = None
        else:
            wanted = {c for s in scans for c in s.read_columns}
            source = scans[0].source
            full = source.full_schema() if hasattr(source, "full_schema") else source.schema
            columns = tuple(c for c in full.names if c in wanted)
        shared = replace(scans[0], read_columns=columns)
        for s in scans:
            replacement[id(s)] = Project(shared, tuple((c, Col(c)) for c in s.schema.names))
    if not replacement:
        return plan
    return transform_up(plan, lambda n: replacement.get(id(n), n) if isinstance(n, Scan) else n)

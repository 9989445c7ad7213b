"""Filter push-down and column pruning, written once for every plan made of nodes that answer for
themselves: frames' nodes (``frames.dataframe.expr.optimize``) and the planner's logical nodes (its rules
``push_down_filter`` and ``prune_columns``) both run the one driver here.

Each node type says, through three methods (defaults in ``Rewritable``, shared shapes in the
``*Rewrites`` mixins below, the rest on the node classes themselves, as DataFusion's operators
answer ``filter_pushdown`` and DuckDB keeps ``pushdown_<operator>.cpp``):

- ``pass_filter(preds) -> (node, below, above)``: which conjuncts cross it: ``below[i]`` go to
  input ``i`` (in that input's column names), ``above`` stay over it, and ``node`` is the node to
  keep (a scan that took the filter, a join that made an equality its key). Returning ``self`` and
  no conjunct below means nothing crossed.
- ``input_columns(required) -> [set, ...]``: which columns each input must give for ``required``
  of its output columns.
- ``pruned(want, rewriter) -> node``: the node computing at least ``want`` of its columns, with
  ``rewriter.prune_inputs(node)`` pruning its inputs (a superset may come back, never less).

``Rewriter(filter_cls, project_cls)`` is the driver for one family of nodes: it owns recursion,
merges stacked filters, asks each node, and keeps shared subtrees shared (a node read by several
parents is pruned once, for the union of their needs).
"""

from __future__ import annotations

from dataclasses import replace

from frames.dataframe.expr.scalar import Col, Lit, ScalarExpr, conjunction, conjuncts, has_scalar_inputs


def transform_up(plan, rewrite):
    """Rebuild ``plan`` bottom-up, applying ``rewrite(node) -> node`` to every node once (shared
    subtrees stay shared); unchanged subtrees come back as the same objects. Any node with
    ``inputs()`` / ``with_inputs()`` (frames' and the planner's)."""
    memo: dict[int, object] = {}

    def visit(node):
        done = memo.get(id(node))
        if done is not None:
            return done
        inputs = node.inputs()
        children = [visit(c) for c in inputs]
        new = node if all(a is b for a, b in zip(children, inputs)) else node.with_inputs(*children)
        new = rewrite(new)
        memo[id(node)] = new
        return new

    return visit(plan)


def walk(root):
    """Every distinct node once (a shared subtree once), parents before children."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(reversed(n.inputs()))


def nodes_and_parents(root) -> tuple[list, dict[int, int]]:
    """``walk(root)`` as a list, and how many parents each node has."""
    order = list(walk(root))
    parents: dict[int, int] = {}
    for n in order:
        for c in n.inputs():
            parents[id(c)] = parents.get(id(c), 0) + 1
    return order, parents


class Rewritable:
    """The answers of a node nothing crosses and that needs all of its inputs' columns (a limit,
    a row-id, an opaque function of partitions). Mixed into both node families' base classes."""

    __slots__ = ()

    def pass_filter(self, preds: list[ScalarExpr]):
        return self, [[] for _ in self.inputs()], preds

    def input_columns(self, required: set[str]) -> list[set[str]]:
        return [set(c.schema.names) for c in self.inputs()]

    def pruned(self, want: set[str], rewriter: "Rewriter"):
        return rewriter.prune_inputs(self)


def remember_schema(old, new):
    """``new``, a copy of ``old`` over other inputs, told ``old``'s schema if it is known: when the
    new inputs have the same schemas as the old ones it has the same schema too (a node's schema
    depends on its own fields and its inputs' schemas only). Rewrites rebuild every node above the
    one they change (above a join whose inputs swapped, a filter moved into a scan), and typing each
    again on empty tables was a quarter of planning the 22 TPC-H queries. Both node families call
    it from ``with_inputs`` and read it back with ``remembered_schema``."""
    if "schema" in old.__dict__:
        new.__dict__["_schema_hint"] = (old.schema, tuple(c.schema for c in old.inputs()))
    return new


def remembered_schema(node):
    """The schema ``remember_schema`` left on ``node`` if its inputs' schemas still match (with
    metadata), else None."""
    hint = node.__dict__.pop("_schema_hint", None)
    if hint is None:
        return None
    schema, input_schemas = hint
    inputs = node.inputs()
    if len(inputs) == len(input_schemas) and all(c.schema.equals(s, check_metadata=True) for c, s in zip(inputs, input_schemas)):
        return schema
    return None


class PassThroughRewrites(Rewritable):
    """A row-wise node over one input with the input's columns (a sort without limit, a
    repartition): every conjunct crosses; it reads what is asked plus ``own_columns()``."""

    __slots__ = ()

    def own_columns(self) -> set[str]:
        return set()

    def pass_filter(self, preds):
        return self, [preds], []

    def input_columns(self, required):
        return [required | self.own_columns()]


class SortRewrites(PassThroughRewrites):
    """A sort (``keys``, ``limit``): conjuncts cross it unless it keeps only the first rows."""

    __slots__ = ()

    def own_columns(self):
        return {k.column for k in self.keys}

    def pass_filter(self, preds):
        return super().pass_filter(preds) if self.limit is None else Rewritable.pass_filter(self, preds)


class LimitRewrites(Rewritable):
    """A limit: no conjunct crosses it (it would change which rows are first); it reads only what
    is asked."""

    __slots__ = ()

    def input_columns(self, required):
        return [set(required)]


class FilterRewrites(Rewritable):
    """A filter (``child``, ``predicate``): the driver merges stacked filters; it reads its
    predicate's columns besides what is asked."""

    __slots__ = ()

    def input_columns(self, required):
        return [required | self.predicate.columns()]


class ProjectRewrites(Rewritable):
    """A projection (``child``, ``exprs``: (name, expression) pairs): a conjunct crosses rewritten
    through the projected expressions; unused expressions are dropped (one is kept: row count)."""

    __slots__ = ()

    def kept_exprs(self, want: set[str]):
        return tuple((n, e) for n, e in self.exprs if n in want) or self.exprs[:1]

    def pass_filter(self, preds):
        mapping = dict(self.exprs)
        return self, [[p.substitute(mapping) for p in preds]], []

    def input_columns(self, required):
        return [set().union(*(e.columns() for _, e in self.kept_exprs(required)))]

    def pruned(self, want, rewriter):
        kept = self.kept_exprs(want)
        node = self if len(kept) == len(self.exprs) else replace(self, exprs=kept)
        return rewriter.prune_inputs(node)


class AggregateRewrites(Rewritable):
    """An aggregation (``child``, ``keys``, ``aggs``): a conjunct reading only group keys crosses
    (whole groups are kept or dropped); unused aggregates are dropped (a global aggregate keeps
    one: it still gives its one row). The stages of a grouping-set aggregation (``partial_in``,
    ``partial_out``) keep every aggregate: the partial results are numbered by position."""

    __slots__ = ()

    def kept_aggs(self, want: set[str]):
        if self.partial_in or self.partial_out:
            return self.aggs
        kept = tuple(a for a in self.aggs if a.name in want)
        return kept if kept or self.keys else self.aggs[:1]

    def pass_filter(self, preds):
        if not self.keys:  # one row even for no input: a constant filter (HAVING 1 = 0) must stay above
            return Rewritable.pass_filter(self, preds)
        return split_conjuncts(self, preds, set(self.keys))

    def input_columns(self, required):
        if self.partial_in:  # the partial results, every column
            return [set(self.child.schema.names)]
        return [set(self.keys) | {c for a in self.kept_aggs(required) for c in a.inputs}]

    def pruned(self, want, rewriter):
        kept = self.kept_aggs(want)
        node = self if len(kept) == len(self.aggs) else replace(self, aggs=kept)
        return rewriter.prune_inputs(node)


class ConcatRewrites(Rewritable):
    """UNION ALL / concatenation (``children``), positional: a conjunct crosses to every child in
    that child's names; every pruned child keeps exactly the wanted positions, in order."""

    __slots__ = ()

    def wanted_positions(self, want: set[str]) -> list[int]:
        return [i for i, n in enumerate(self.schema.names) if n in want] or [0]

    def pass_filter(self, preds):
        below = []
        for c in self.children:
            rename = {out: Col(name) for out, name in zip(self.schema.names, c.schema.names)}
            below.append([p.substitute(rename) for p in preds])
        return self, below, []

    def input_columns(self, required):
        positions = self.wanted_positions(required)
        return [{c.schema.names[i] for i in positions} for c in self.children]

    def pruned(self, want, rewriter):
        positions = self.wanted_positions(want)
        aligned = []
        for original in self.children:
            pruned = rewriter.prune(original)
            names = [original.schema.names[i] for i in positions]
            aligned.append(pruned if pruned.schema.names == names else rewriter.identity(pruned, names))
        return self if all(a is b for a, b in zip(aligned, self.children)) else self.with_inputs(*aligned)


def split_conjuncts(node, preds: list[ScalarExpr], allowed: set[str]):
    """``pass_filter`` of a one-input node that lets through the conjuncts reading only ``allowed``."""
    below = [p for p in preds if p.columns() <= allowed]
    return node, [below], [p for p in preds if not p.columns() <= allowed]


class Rewriter:
    """The one driver of filter push-down and column pruning for a family of nodes: its filter and
    projection classes (both built ``cls(child, predicate)`` / ``cls(child, exprs)``)."""

    def __init__(self, filter_cls: type, project_cls: type, fold=None, empty=None) -> None:
        self.filter_cls = filter_cls
        self.project_cls = project_cls
        # the planner folds conjuncts that become constant as they sink (``'w' = 's'`` once
        # substituted through a projection of literals) and replaces a part of the plan under an
        # always-FALSE one by ``empty(node)``; frames passes neither
        self.fold = fold
        self.empty = empty
        self._needs: dict[int, set[str]] = {}
        self._memo: dict[int, object] = {}

    # -- filters ----------------------------------------------------------------------------------

    def push_filters(self, root):
        """Every filter sunk as deep as it can go, bottom-up."""
        return transform_up(root, lambda n: self.sink(n.child, conjuncts(n.predicate)) if isinstance(n, self.filter_cls) else n)

    def sink(self, node, preds: list[ScalarExpr]):
        """``Filter(node, AND(preds))`` with as much as possible moved below ``node``."""
        if self.fold is not None:
            preds = [self.fold(p) for p in preds]
            if any(isinstance(p, Lit) and (p.value is False or p.value is None) for p in preds):
                return self.empty(node)
            preds = [p for p in preds if not (isinstance(p, Lit) and p.value is True)]
        if not preds:
            return node
        if isinstance(node, self.filter_cls):
            return self.sink(node.child, conjuncts(node.predicate) + preds)
        if not isinstance(node, self.project_cls) and any(has_scalar_inputs(p) for p in preds):
            # a conjunct reading another tree's value is bound only by a filter (or projection)
            # node's lowering: it crosses projections, never into a scan or a join
            pinned = [p for p in preds if has_scalar_inputs(p)]
            return self.keep(self.sink(node, [p for p in preds if not has_scalar_inputs(p)]), pinned)
        new, below, above = node.pass_filter(preds)
        if any(below):
            new = new.with_inputs(*(self.sink(c, b) for c, b in zip(new.inputs(), below)))
        return self.keep(new, above)

    def keep(self, node, preds: list[ScalarExpr]):
        return self.filter_cls(node, conjunction(preds)) if preds else node

    # -- columns ----------------------------------------------------------------------------------

    def prune_columns(self, root):
        """``root`` reading and computing only the columns it outputs; exactly its columns."""
        self._needs = self._collect_needs(root)
        self._memo = {}
        new = self.prune(root)
        names = root.schema.names
        return new if new.schema.names == names else self.identity(new, names)  # a superset came back

    def prune(self, node):
        done = self._memo.get(id(node))
        if done is None:
            done = self._memo[id(node)] = node.pruned(self._needs.get(id(node), set(node.schema.names)), self)
        return done

    def prune_inputs(self, node):
        """``node`` over its pruned inputs (the same object when none changed)."""
        inputs = node.inputs()
        children = [self.prune(c) for c in inputs]
        return node if all(a is b for a, b in zip(children, inputs)) else node.with_inputs(*children)

    def identity(self, node, names: list[str]):
        """``node`` projected onto exactly ``names``."""
        return self.project_cls(node, tuple((n, Col(n)) for n in names))

    @staticmethod
    def _collect_needs(root) -> dict[int, set[str]]:
        """For every node, the union of the columns its parents read from it (top-down; a node is
        asked once all its parents have asked)."""
        _, parents = nodes_and_parents(root)
        needs: dict[int, set[str]] = {id(root): set(root.schema.names)}
        ready = [root]
        while ready:
            n = ready.pop()
            for c, cols in zip(n.inputs(), n.input_columns(needs[id(n)])):
                needs.setdefault(id(c), set()).update(cols)
                parents[id(c)] -= 1
                if parents[id(c)] == 0:
                    ready.append(c)
        return needs

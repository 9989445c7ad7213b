"""Equi-joins (and cross joins) of two partitioned tables, on Arrow's hash join.

The strategy follows the sizes: when one side is small (by ``estimated_bytes``) it is gathered into
one table and every partition of the other side joins against it (broadcast: no shuffle of the big
side); otherwise both sides are hash-partitioned on the keys into the same number of partitions and
joined partition by partition. A broadcast side must be the one whose unmatched rows are not kept:
a LEFT join can broadcast only its right side, a RIGHT join only its left.

Columns are renamed to internal positional names around the Arrow call, so user column names never
collide inside the kernel, and the output is always the left columns followed by the right ones.
NULL keys never match, as in SQL and pandas' merge of missing values... pandas matches NaN keys to
each other; we follow SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.convert import concat_tables, take_rows
from frames.errors import DataTypeError, InvalidArgumentError
from frames.expr.kernels import cast_value, common_type
from frames.expr.node import Lowering, Node
from frames.expr.shuffle import Shuffle

BROADCAST_BYTES = 4 * 2**20  # a side estimated below this is gathered and broadcast (tuned on TPC-H SF1: 64 MB 20.1 s, 8 MB 14.2 s, 2 MB 13.6 s)

_ARROW_JOIN_TYPE = {
    "inner": "inner",
    "left": "left outer",
    "right": "right outer",
    "outer": "full outer",
    "semi": "left semi",
    "anti": "left anti",
}
_MIRROR = {"inner": "inner", "left": "right", "right": "left", "outer": "outer"}
JOIN_TYPES = frozenset(_ARROW_JOIN_TYPE) | {"cross"}


@dataclass(frozen=True)
class JoinSpec:
    """Everything a partition-level join needs; small and picklable."""

    how: str
    left_on: tuple[str, ...]
    right_on: tuple[str, ...]
    key_types: tuple[pa.DataType, ...]
    left_names: tuple[str, ...]
    right_names: tuple[str, ...]
    output_names: tuple[str, ...]
    coalesce: tuple[bool, ...]  # per key: output the left key coalesced with the right one
    drop_right: tuple[str, ...]  # right columns not in the output (coalesced keys)


def _cast_keys(table: pa.Table, keys: tuple[str, ...], types: tuple[pa.DataType, ...]) -> pa.Table:
    for k, t in zip(keys, types):
        col = table.column(k)
        if col.type != t:
            table = table.set_column(table.schema.get_field_index(k), k, cast_value(col, t))
    return table


def join_tables(left: pa.Table, right: pa.Table, spec: JoinSpec, swapped: bool = False) -> pa.Table:
    """Join one pair of partitions; ``swapped`` builds the hash table on the left input instead."""
    if spec.how == "cross":
        return _cross(left, right, spec)
    left = _cast_keys(left, spec.left_on, spec.key_types)
    right = _cast_keys(right, spec.right_on, spec.key_types)
    lnames = [f"l{i}" for i in range(left.num_columns)]
    rnames = [f"r{i}" for i in range(right.num_columns)]
    lpos = {n: i for i, n in enumerate(left.column_names)}
    rpos = {n: i for i, n in enumerate(right.column_names)}
    lt, rt = left.rename_columns(lnames), right.rename_columns(rnames)
    lkeys = [f"l{lpos[k]}" for k in spec.left_on]
    rkeys = [f"r{rpos[k]}" for k in spec.right_on]
    if swapped:
        joined = rt.join(lt, rkeys, lkeys, join_type=_ARROW_JOIN_TYPE[_MIRROR[spec.how]], coalesce_keys=False, use_threads=False)
    else:
        joined = lt.join(rt, lkeys, rkeys, join_type=_ARROW_JOIN_TYPE[spec.how], coalesce_keys=False, use_threads=False)
    if spec.how in ("semi", "anti"):
        return joined.select(lnames).rename_columns(list(spec.left_names))
    columns = [joined.column(n) for n in lnames]
    for j, (lk, rk, co) in enumerate(zip(lkeys, rkeys, spec.coalesce)):
        if co:
            i = lnames.index(lk)
            columns[i] = pc.coalesce(joined.column(lk), joined.column(rk))
    drop = {f"r{rpos[n]}" for n in spec.drop_right}
    columns += [joined.column(n) for n in rnames if n not in drop]
    return pa.Table.from_arrays(columns, names=list(spec.output_names))


def _cross(left: pa.Table, right: pa.Table, spec: JoinSpec) -> pa.Table:
    nl, nr = left.num_rows, right.num_rows
    li = np.repeat(np.arange(nl, dtype=np.int64), nr)
    ri = np.tile(np.arange(nr, dtype=np.int64), nl)
    lt, rt = take_rows(left, li), take_rows(right, ri)
    return pa.Table.from_arrays(lt.columns + rt.columns, names=list(spec.output_names))


def _gather(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return concat_tables(tables, schema).combine_chunks()


@dataclass(frozen=True, eq=False)
class Join(Node):
    """``left`` joined with ``right`` on ``left_on[i] == right_on[i]``.

    ``how``: inner, left, right, outer, semi, anti, cross. Output: left columns then right columns
    (semi/anti: left only). With ``suffixes`` colliding names get them (pandas' merge); without,
    names must be unique. ``coalesce_keys`` outputs a key that has the same name on both sides once,
    as pandas' ``merge(on=...)`` does. ``strategy``: None (by size), "broadcast_left",
    "broadcast_right", "shuffle" or "single".
    """

    left: Node
    right: Node
    how: str
    left_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    strategy: str | None = None
    suffixes: tuple[str, str] | None = None
    coalesce_keys: bool = False

    label = "join"

    def __post_init__(self) -> None:
        if self.how not in JOIN_TYPES:
            raise InvalidArgumentError(f"unknown join type {self.how!r}; expected one of {sorted(JOIN_TYPES)}")
        if len(self.left_on) != len(self.right_on):
            raise InvalidArgumentError("left_on and right_on must have the same length")
        if self.how != "cross" and not self.left_on:
            raise InvalidArgumentError(f"a {self.how} join needs key columns")
        from frames.errors import ColumnNotFoundError

        for side, keys in ((self.left, self.left_on), (self.right, self.right_on)):
            for k in keys:
                if k not in side.schema.names:
                    raise ColumnNotFoundError(k, side.schema.names, where="join input")
        self.spec  # validate names and key types now, not at compute time

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def with_inputs(self, *inputs: Node) -> Node:
        from dataclasses import replace

        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def spec(self) -> JoinSpec:
        ls, rs = self.left.schema, self.right.schema
        key_types = []
        for lk, rk in zip(self.left_on, self.right_on):
            lt, rt = ls.field(lk).type, rs.field(rk).type
            try:
                key_types.append(common_type([lt, rt]))
            except DataTypeError:
                raise DataTypeError(f"cannot join {lk} ({lt}) with {rk} ({rt}): incompatible key types") from None
        coalesce = tuple(self.coalesce_keys and lk == rk for lk, rk in zip(self.left_on, self.right_on))
        drop_right = tuple(rk for rk, co in zip(self.right_on, coalesce) if co)
        lnames = list(ls.names)
        rnames = [n for n in rs.names if n not in drop_right]
        if self.how in ("semi", "anti"):
            out = lnames
        else:
            clash = set(lnames) & set(rnames)
            if clash and self.suffixes is None:
                raise InvalidArgumentError(f"join output would have duplicate columns {sorted(clash)}; rename them or pass suffixes")
            if clash:
                lsuf, rsuf = self.suffixes
                lnames = [n + lsuf if n in clash else n for n in lnames]
                rnames = [n + rsuf if n in clash else n for n in rnames]
                if len(set(lnames) | set(rnames)) != len(lnames) + len(rnames):
                    raise InvalidArgumentError(f"suffixes {self.suffixes} do not make the join's column names unique")
            out = lnames + rnames
        return JoinSpec(self.how, self.left_on, self.right_on, tuple(key_types), tuple(ls.names), tuple(rs.names), tuple(out), coalesce, drop_right)

    def _schema(self) -> pa.Schema:
        spec = self.spec
        empty = join_tables(self.left.schema.empty_table(), self.right.schema.empty_table(), spec)
        return empty.schema

    def choose_strategy(self) -> str:
        if self.strategy:
            return self.strategy
        ln, rn = self.left.npartitions, self.right.npartitions
        if ln == 1 and rn == 1:
            return "single"
        lb, rb = self.left.estimated_bytes(), self.right.estimated_bytes()
        if self.how == "cross":
            return "broadcast_right" if rb <= lb else "broadcast_left"
        can_right = self.how in ("inner", "left", "semi", "anti")
        can_left = self.how in ("inner", "right")
        if can_right and (rn == 1 or rb <= BROADCAST_BYTES) and (not can_left or rb <= lb):
            return "broadcast_right"
        if can_left and (ln == 1 or lb <= BROADCAST_BYTES):
            return "broadcast_left"
        if can_right and rn == 1:
            return "broadcast_right"
        return "shuffle"

    def _npartitions(self) -> int:
        strategy = self.choose_strategy()
        if strategy == "single":
            return 1
        if strategy == "broadcast_right":
            return self.left.npartitions
        if strategy == "broadcast_left":
            return self.right.npartitions
        return max(self.left.npartitions, self.right.npartitions)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        strategy = self.choose_strategy()
        spec = self.spec
        graph = lowering.graph
        keys = []
        if strategy == "single":
            (lk,), (rk,) = lowering.keys(self.left), lowering.keys(self.right)
            key = (self.name, 0)
            graph[key] = Task(join_tables, Ref(lk), Ref(rk), spec)
            return [key]
        if strategy in ("broadcast_right", "broadcast_left"):
            small, big = (self.right, self.left) if strategy == "broadcast_right" else (self.left, self.right)
            small_key = (self.name + "-broadcast", 0)
            graph[small_key] = Task(_gather, [Ref(k) for k in lowering.keys(small)], small.schema)
            for i, k in enumerate(lowering.keys(big)):
                key = (self.name, i)
                if strategy == "broadcast_right":
                    graph[key] = Task(join_tables, Ref(k), Ref(small_key), spec)
                else:
                    graph[key] = Task(join_tables, Ref(small_key), Ref(k), spec, True)
                keys.append(key)
            return keys
        if strategy != "shuffle":
            raise InvalidArgumentError(f"unknown join strategy {strategy!r}")
        n = self.npartitions
        lsh = lowering.keys(_shuffled(self.left, self.left_on, spec.key_types, n))
        rsh = lowering.keys(_shuffled(self.right, self.right_on, spec.key_types, n))
        for i, (lk, rk) in enumerate(zip(lsh, rsh)):
            key = (self.name, i)
            graph[key] = Task(join_tables, Ref(lk), Ref(rk), spec)
            keys.append(key)
        return keys

    def estimated_bytes(self) -> float:
        if self.how in ("semi", "anti"):
            return self.left.estimated_bytes() * 0.5
        if self.how == "cross":
            return self.left.estimated_bytes() * self.right.estimated_bytes()
        return max(self.left.estimated_bytes(), self.right.estimated_bytes())

    def describe(self) -> str:
        on = ", ".join(f"{l} = {r}" for l, r in zip(self.left_on, self.right_on))
        return f"Join {self.how} on [{on}] strategy={self.choose_strategy()}"


def _shuffled(node: Node, keys: tuple[str, ...], types: tuple[pa.DataType, ...], n: int) -> Node:
    """Hash-partition ``node``; a single partition needs no shuffle to meet a single partition."""
    del types  # hashing normalizes kinds, so differently typed keys of equal value meet
    return Shuffle(node, keys, n)

"""Stateful operators past their share of the memory limit: state goes to Arrow IPC files.

A task of a join, a sort, an aggregation's merge or a shuffle's gather whose inputs are more than
``exec.memory.operator_budget()`` bytes works in pieces that fit, the pieces waiting in Arrow IPC
files under a directory of the task's own (``exec.memory.operator_spill_directory``, removed when
the task ends however it ends):

- ``grace_join``: both sides hash-split on the keys into buckets (a hash independent of the one
  that made the partitions), each bucket written out; the buckets are joined one pair at a time
  (equal keys always share a bucket, so every join type is answered bucket by bucket).
- ``partitioned_merge``: an aggregation's partials split the same way on the group keys and merged
  bucket by bucket (a group lies in one bucket), as DuckDB's external aggregation.
- ``external_sort``: every input sorted on its own into a run and spilled; the runs are merged by
  sorting their key columns alone and taking the rows in output order batch by batch.

Each piece of output is written out too, and the task's result is those files read back over a
memory map: file-backed pages the kernel can drop, not heap. The bytes written are counted under
the operator (``exec.memory.note_spill``), and the state a piece needs is reported while it is
worked (``exec.memory.operator_state``), so a single bucket that cannot fit fails with a
``MemoryLimitError`` naming the operator.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pyarrow as pa


from exec.memory import note_spill, operator_budget, operator_spill_directory, operator_state
from frames.dataframe.convert import concat_tables, take_rows

_MAX_BUCKETS = 256
_SALT_MODULUS = np.uint64(2_147_483_647)  # a prime: bucket = (hash % p) % k, independent of hash % n


@dataclass(frozen=True)
class Budget:
    """What a stateful task may hold (``nbytes``) and where it spills the rest (``directory``)."""

    nbytes: int
    directory: str


def task_budget() -> Budget | None:
    """The budget a stateful task is lowered with: read in the process that builds the graph, where
    ``exec.config`` holds the limit (process and cluster workers have their own configuration).
    None when no limit was set: the default (80% of the machine) is left to the scheduler."""
    from exec import config

    return Budget(operator_budget(), config.temp_directory()) if config.chosen("memory_limit") else None


def over_budget(budget: Budget | None, *tables: pa.Table | None) -> bool:
    return budget is not None and sum(t.nbytes for t in tables if t is not None) > budget.nbytes


def write_ipc(table: pa.Table, directory: str) -> str:
    """``table`` as an Arrow IPC file under ``directory`` (its bytes counted as spilled)."""
    path = os.path.join(directory, f"{uuid.uuid4().hex}.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    note_spill(table.nbytes)
    return path


def read_ipc(path: str) -> pa.Table:
    """A table over a memory map of ``path`` (no copy; the mapping outlives the file's removal)."""
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def _buckets(table: pa.Table, keys: Sequence[str], k: int) -> list[pa.Table]:
    from frames.dataframe.expr.shuffle import hash_buckets, split_by_buckets

    salted = hash_buckets(table, tuple(keys), int(_SALT_MODULUS)).astype(np.uint64) % np.uint64(k)
    return split_by_buckets(table, salted.astype(np.int64), k)


def _bucket_count(nbytes: int, budget: int) -> int:
    """Enough buckets that one bucket's share (with room to work) fits the budget."""
    return max(2, min(_MAX_BUCKETS, math.ceil(4 * nbytes / max(budget, 1))))


def _split_to_files(tables: Sequence[pa.Table], keys: Sequence[str], k: int, directory: str) -> list[list[str]]:
    """Per bucket, the files holding that bucket of each of ``tables``."""
    files: list[list[str]] = [[] for _ in range(k)]
    for table in tables:
        if table is None or table.num_rows == 0:
            continue
        for j, piece in enumerate(_buckets(table, keys, k)):
            if piece.num_rows:
                files[j].append(write_ipc(piece, directory))
    return files


def _load(paths: Sequence[str], schema: pa.Schema) -> pa.Table:
    return concat_tables([read_ipc(p) for p in paths], schema)


def _result(paths: Sequence[str], schema: pa.Schema) -> pa.Table:
    return _load(paths, schema) if paths else schema.empty_table()


def grace_join(left: pa.Table, right: pa.Table, left_on: Sequence[str], right_on: Sequence[str],
               join: Callable[[pa.Table, pa.Table], pa.Table], budget: Budget) -> pa.Table:
    """``join(left, right)`` answered one bucket pair at a time (see the module's docstring)."""
    k = _bucket_count(left.nbytes + right.nbytes, budget.nbytes)
    with operator_spill_directory(budget.directory) as directory:
        lfiles = _split_to_files([left], left_on, k, directory)
        rfiles = _split_to_files([right], right_on, k, directory)
        out, schema = [], None
        for j in range(k):
            lpart, rpart = _load(lfiles[j], left.schema), _load(rfiles[j], right.schema)
            with operator_state(lpart.nbytes + rpart.nbytes):
                joined = join(lpart, rpart)
            schema = joined.schema
            if joined.num_rows:
                out.append(write_ipc(joined, directory))
            del lpart, rpart, joined
        return _result(out, schema)


def partitioned_merge(tables: Sequence[pa.Table], keys: Sequence[str], merge: Callable[[list[pa.Table]], pa.Table],
                      budget: Budget) -> pa.Table:
    """``merge(tables)`` of partial aggregates grouped by ``keys``, bucket by bucket."""
    total = sum(t.nbytes for t in tables if t is not None)
    k = _bucket_count(total, budget.nbytes)
    schema = next(t.schema for t in tables if t is not None)
    with operator_spill_directory(budget.directory) as directory:
        files = _split_to_files(tables, keys, k, directory)
        del tables
        out, out_schema = [], None
        for j in range(k):
            part = _load(files[j], schema)
            if part.num_rows == 0 and out_schema is not None:
                continue
            with operator_state(part.nbytes):
                merged = merge([part])
            out_schema = merged.schema
            if merged.num_rows:
                out.append(write_ipc(merged, directory))
        return _result(out, out_schema)


def external_sort(tables: Sequence[pa.Table], schema: pa.Schema, sort_table: Callable[[pa.Table], pa.Table],
                  key_indices: Callable[[pa.Table], pa.Array], budget: Budget) -> pa.Table:
    """The rows of ``tables`` in order: sorted runs spilled, merged by their keys (see the module's
    docstring). ``key_indices(table)`` is the stable sort order of a table's rows."""
    root, budget = budget.directory, budget.nbytes
    with operator_spill_directory(root) as directory:
        runs = []
        for table in tables:
            if table is None or table.num_rows == 0:
                continue
            for offset in range(0, table.num_rows, _rows_within(table, budget)):
                piece = table.slice(offset, _rows_within(table, budget))
                with operator_state(2 * piece.nbytes):
                    runs.append(write_ipc(sort_table(piece), directory))
        del tables
        if not runs:
            return schema.empty_table()
        merged = concat_tables([read_ipc(p) for p in runs], schema)  # over the maps: no heap
        order = key_indices(merged)  # stable: rows with equal keys keep their runs' order
        out = []
        step = _rows_within(merged, budget)
        for offset in range(0, merged.num_rows, step):
            batch = take_rows(merged, order.slice(offset, step))
            with operator_state(batch.nbytes):
                out.append(write_ipc(batch, directory))
            del batch
        return _result(out, schema)


def _rows_within(table: pa.Table, budget: int) -> int:
    """Rows of ``table`` that take about a quarter of ``budget`` bytes (at least one)."""
    per_row = max(1, table.nbytes // max(table.num_rows, 1))
    return max(1, budget // (4 * per_row))


def spilled_concat(pieces: Sequence[pa.Table], schema: pa.Schema, budget: Budget) -> pa.Table:
    """A shuffle's output partition from its pieces, written out one by one and read back over a
    memory map, instead of copied into one block of heap."""
    with operator_spill_directory(budget.directory) as directory:
        paths = [write_ipc(p, directory) for p in pieces if p is not None and p.num_rows]
        del pieces
        return _result(paths, schema)


__all__ = ["external_sort", "grace_join", "over_budget", "partitioned_merge", "read_ipc", "spilled_concat", "task_budget", "write_ipc"]


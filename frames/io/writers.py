"""Writers that never leave half a result behind.

Every partition is written under a temporary name next to the target; only when all writes
succeeded is the temporary output renamed onto the target. On any failure the temporary output is
removed and an existing target is left as it was.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

import exec as _exec
from exec import Ref, Task
from frames.convert import concat_tables
from frames.errors import WriteError
from frames.expr.node import Node, build_graph


def _write_parquet(fs, table: pa.Table, path: str, compression: str) -> int:
    with fs.open(path, "wb") as f:
        pq.write_table(table, f, compression=compression)
    return table.num_rows


def _write_csv(fs, table: pa.Table, path: str, header: bool) -> int:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, write_options=pacsv.WriteOptions(include_header=header))
    with fs.open(path, "wb") as f:
        f.write(buf.getvalue())
    return table.num_rows


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return concat_tables(tables, schema)


def _write(node: Node, path: str, writer, suffix: str, writer_args: tuple, overwrite: bool,
           storage_options: dict | None, scheduler: Any, single_file: bool | None) -> None:
    fs, target = fsspec.core.url_to_fs(path, **(storage_options or {}))
    target = target.rstrip("/")
    if fs.exists(target) and not overwrite:
        raise WriteError(f"{path!r} already exists; pass overwrite=True to replace it")
    single = target.endswith(suffix) if single_file is None else single_file
    tmp = f"{target}.tmp-{uuid.uuid4().hex[:8]}"
    graph, keys = build_graph(node)
    if single:
        graph[("write", 0)] = Task(writer, fs, Ref(("concat", 0)), tmp, *writer_args)
        graph[("concat", 0)] = Task(_concat, [Ref(k) for k in keys], node.schema)
        write_keys = [("write", 0)]
    else:
        fs.makedirs(tmp, exist_ok=True)
        write_keys = []
        for i, k in enumerate(keys):
            graph[("write", i)] = Task(writer, fs, Ref(k), f"{tmp}/part.{i}{suffix}", *writer_args)
            write_keys.append(("write", i))
    try:
        _exec.get(_exec.cull(graph, write_keys), write_keys, scheduler=scheduler)
        if fs.exists(target):
            fs.rm(target, recursive=True)
        fs.mv(tmp, target, recursive=not single)
    except BaseException as exc:
        try:
            if fs.exists(tmp):
                fs.rm(tmp, recursive=True)
        except OSError:
            pass
        if isinstance(exc, (KeyboardInterrupt, WriteError)):
            raise
        if isinstance(exc, Exception):
            raise WriteError(f"writing {path!r} failed, nothing was written: {type(exc).__name__}: {exc}") from exc
        raise


def to_parquet(node: Node, path: str, compression: str = "snappy", overwrite: bool = False,
               storage_options: dict | None = None, scheduler: Any = None, single_file: bool | None = None) -> None:
    """Write ``node`` as one Parquet file (``path`` ending in .parquet) or a directory of parts."""
    _write(node, path, _write_parquet, ".parquet", (compression,), overwrite, storage_options, scheduler, single_file)


def to_csv(node: Node, path: str, header: bool = True, overwrite: bool = False, storage_options: dict | None = None,
           scheduler: Any = None, single_file: bool | None = None) -> None:
    """Write ``node`` as one CSV file (``path`` ending in .csv) or a directory of parts."""
    _write(node, path, _write_csv, ".csv", (header,), overwrite, storage_options, scheduler, single_file)

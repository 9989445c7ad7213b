"""Writers that never leave half a result behind.

Every partition is written under a temporary name next to the target; only when all writes
succeeded is the temporary output renamed onto the target. On any failure the temporary output is
removed and an existing target is left as it was.

The final rename is atomic on a local filesystem (``os.rename`` of a file or directory). Object
stores (``s3://``) have no rename: fsspec copies then deletes, so readers may briefly see a partial
target there, but a failed write still leaves nothing behind.
"""

from __future__ import annotations

import io
import time
import uuid
from typing import Any, Callable

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

import exec as _exec
from exec import Ref, Task
from frames.convert import concat_tables
from frames.errors import InvalidArgumentError, WriteError
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


def _sibling(fs, target: str, kind: str) -> str:
    """A hidden name next to ``target`` (readers skip names starting with a dot)."""
    parent, _, base = target.rpartition("/")
    name = f".{base}.{kind}-{uuid.uuid4().hex[:10]}"
    return f"{parent}/{name}" if parent or target.startswith("/") else name


def _remove(fs, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path, recursive=True)
    except OSError:
        pass


MARKER = "_writing"  # in the temporary directory while the write is wanted


def _write_part(writer, fs, table: pa.Table, path: str, marker: str, *args: Any) -> int:
    """Write one part; if the whole write was abandoned meanwhile (another part failed and the
    caller cleaned up without waiting for this task), remove what this task wrote.

    The caller deletes the marker before the temporary directory: a part written before the marker
    went is removed with the directory, a part written after it is removed here.
    """
    rows = writer(fs, table, path, *args)
    if not fs.exists(marker):
        _remove(fs, path)
    return rows


def _abandon(fs, tmp: str, marker: str | None) -> None:
    """Remove a failed write's temporary output. Tasks of the failed computation may still be
    running (the scheduler does not wait for them): retry briefly while one is finishing a part."""
    if marker is not None:
        _remove(fs, marker)
    for _ in range(40):
        _remove(fs, tmp)
        try:
            if not fs.exists(tmp):
                return
        except OSError:
            return
        time.sleep(0.05)


def _part_names(n: int, suffix: str, name_function: Callable[[int], str] | None) -> list[str]:
    """File names of a directory output: ``part.{i}{suffix}`` or ``name_function(i)``, all distinct."""
    if name_function is None:
        return [f"part.{i}{suffix}" for i in range(n)]
    names = [str(name_function(i)) for i in range(n)]
    bad = [x for x in names if not x or "/" in x or x.startswith((".", "_"))]
    if bad:
        raise InvalidArgumentError(f"name_function gave {bad[0]!r}: a file name must be non-empty, without '/', "
                                   "and not start with '.' or '_' (readers skip those)")
    if len(set(names)) != n:
        raise InvalidArgumentError("name_function gave the same name to two partitions")
    return names


def _is_empty_dir(fs, path: str) -> bool:
    try:
        return fs.isdir(path) and not fs.ls(path, detail=False)
    except OSError:
        return False


def _write(node: Node, path: str, writer, suffix: str, writer_args: tuple, overwrite: bool,
           storage_options: dict | None, scheduler: Any, single_file: bool | None,
           name_function: Callable[[int], str] | None = None) -> None:
    try:
        fs, target = fsspec.core.url_to_fs(path, **(storage_options or {}))
    except (ImportError, ValueError) as exc:
        raise WriteError(f"cannot write {path!r}: {exc}") from None
    target = target.rstrip("/") or target
    existed = fs.exists(target)
    if existed and not overwrite and not _is_empty_dir(fs, target):
        raise WriteError(f"{path!r} already exists; pass overwrite=True to replace it")
    single = target.endswith(suffix) if single_file is None else bool(single_file)
    names = [] if single else _part_names(node.npartitions, suffix, name_function)
    tmp = _sibling(fs, target, "tmp")
    marker = f"{tmp}/{MARKER}"
    graph, keys = build_graph(node)
    if len(keys) != len(names) and not single:  # npartitions is a promise lower() must keep
        raise WriteError(f"cannot write {path!r}: {type(node).__name__} lowered to {len(keys)} partitions, "
                         f"not the {len(names)} it declares")
    tag = f"write-{uuid.uuid4().hex[:10]}"
    if single:
        graph[(tag, "concat")] = Task(_concat, [Ref(k) for k in keys], node.schema)
        graph[(tag, 0)] = Task(writer, fs, Ref((tag, "concat")), tmp, *writer_args)
        write_keys = [(tag, 0)]
    else:
        write_keys = []
        for i, k in enumerate(keys):
            graph[(tag, i)] = Task(_write_part, writer, fs, Ref(k), f"{tmp}/{names[i]}", marker, *writer_args)
            write_keys.append((tag, i))
    backup = None
    try:
        parent = target.rpartition("/")[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
        if not single:
            fs.makedirs(tmp, exist_ok=True)
            fs.pipe_file(marker, b"")
        _exec.get(_exec.cull(graph, write_keys), write_keys, scheduler=scheduler)
        if not single:
            fs.rm(marker)
        if existed:  # keep the old output until the new one is in place
            backup = _sibling(fs, target, "old")
            fs.mv(target, backup, recursive=fs.isdir(target))
        try:
            fs.mv(tmp, target, recursive=not single)
        except BaseException:
            if backup is not None:
                _remove(fs, target)
                fs.mv(backup, target, recursive=fs.isdir(backup))
                backup = None
            raise
    except BaseException as exc:
        _abandon(fs, tmp, None if single else marker)
        if isinstance(exc, (KeyboardInterrupt, WriteError)):
            raise
        if isinstance(exc, Exception):
            raise WriteError(f"writing {path!r} failed, nothing was written: {type(exc).__name__}: {exc}") from exc
        raise
    if backup is not None:
        _remove(fs, backup)


def to_parquet(node: Node, path: str, compression: str = "snappy", overwrite: bool = False,
               storage_options: dict | None = None, scheduler: Any = None, single_file: bool | None = None,
               name_function: Callable[[int], str] | None = None) -> None:
    """Write ``node`` as one Parquet file (``path`` ending in .parquet, or ``single_file=True``) or a
    directory of parts named ``part.{i}.parquet`` (or ``name_function(i)``).

    An existing non-empty target is an error unless ``overwrite=True``; an empty directory is reused.
    """
    _write(node, path, _write_parquet, ".parquet", (compression,), overwrite, storage_options, scheduler, single_file,
           name_function)


def to_csv(node: Node, path: str, header: bool = True, overwrite: bool = False, storage_options: dict | None = None,
           scheduler: Any = None, single_file: bool | None = None, name_function: Callable[[int], str] | None = None) -> None:
    """Write ``node`` as one CSV file (``path`` ending in .csv, or ``single_file=True``) or a
    directory of parts named ``part.{i}.csv`` (or ``name_function(i)``); each part has the header."""
    _write(node, path, _write_csv, ".csv", (header,), overwrite, storage_options, scheduler, single_file, name_function)

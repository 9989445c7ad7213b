"""Writers that never leave half a result behind, and never replace what was not named.

``write`` runs every partition's write as a task of the collection's own graph, into a temporary
output next to the target; only when all of them succeeded is that output moved onto the target.
What may be replaced, the temporary names and the final move are ``frames.dataframe.io.targets``' (the one
rule COPY and the DataFrame writers share); how a table becomes bytes is ``frames.dataframe.io.formats``'.

The output is one file (the partitions concatenated in order) or a directory: ``part.{i}<suffix>``
per partition (or ``name_function(i)``), the files a glob names (``out/part-*.csv``: the ``*``
replaced by ``name_function(i)``, default ``i``; written beside the directory's other files), or with ``partition_on`` a hive layout
``key=value/.../part.{i}<suffix>`` (the key columns are in the directory names, not in the files;
NULL is ``__HIVE_DEFAULT_PARTITION__``, other characters URL-encoded, as DuckDB and pyarrow write it).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Sequence
from urllib.parse import quote

import numpy as np
import pyarrow as pa

from exec import Ref, Task
from frames.base import run
from frames.dataframe.convert import concat_tables
from frames.errors import ColumnNotFoundError, InvalidArgumentError, WriteError
from frames.dataframe.expr.node import Node, build_graph
from frames.dataframe.io import targets
from frames.dataframe.io.files import fs_errors, has_buckets, os_error_text
from frames.dataframe.io.formats import CsvFormat, JsonFormat, ParquetFormat, as_text, names_file, parquet_compression, text_compression

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
MARKER = "_writing"  # in the temporary directory while the write is wanted


def _hive_dir(values: Sequence[Any], keys: Sequence[str]) -> str:
    parts = []
    for key, value in zip(keys, values):
        text = HIVE_NULL if value is None else quote(str(value), safe="")
        parts.append(f"{quote(key, safe='')}={text}")
    return "/".join(parts)


def _hive_groups(table: pa.Table, keys: Sequence[str]) -> list[tuple[str, pa.Table]]:
    """``table`` split by the values of ``keys``: (directory, rows without the key columns) per group."""
    if not table.num_rows:
        return []
    rows = table.select(list(keys)).append_column("__row__", pa.array(np.arange(table.num_rows)))
    grouped = rows.group_by(list(keys), use_threads=False).aggregate([("__row__", "list")])
    key_text = [as_text(grouped.column(k)) for k in keys]  # the text DuckDB puts in directory names
    body = table.drop_columns(list(keys))
    out = []
    for g in range(grouped.num_rows):
        values = [col[g].as_py() for col in key_text]
        out.append((_hive_dir(values, keys), body.take(grouped.column("__row___list")[g].values)))
    return out


def _write_part(fmt, fs, table: pa.Table, tmp: str, name: str, marker: str, partition_on: tuple[str, ...]) -> int:
    """Write one partition (under ``tmp``); if the whole write was abandoned meanwhile (another part
    failed and the caller cleaned up without waiting for this task), remove what this task wrote.

    The caller deletes the marker before the temporary directory: a part written before the marker
    went is removed with the directory, a part written after it is removed here.
    """
    if partition_on:
        written = []
        for sub, rows in _hive_groups(table, partition_on):
            fs.makedirs(f"{tmp}/{sub}", exist_ok=True)
            written.append(f"{tmp}/{sub}/{name}")
            fmt.write(fs, rows, written[-1])
    else:
        written = [f"{tmp}/{name}"]
        fmt.write(fs, table, written[0])
    if not fs.exists(marker):
        for path in written:
            targets.remove(fs, path)
    return len(table)


def _abandon(target: targets.Target, tmp: str, marker: str | None) -> None:
    """Remove a failed write's temporary output. Tasks of the failed computation may still be
    running (the scheduler does not wait for them): retry briefly while one is finishing a part."""
    fs = target.fs
    if marker is not None:
        targets.remove(fs, marker)
    for _ in range(40):
        targets.abandon(target, tmp)
        try:
            if not fs.exists(tmp):
                return
        except OSError:
            return
        time.sleep(0.05)


def glob_names(pattern: str, name_function: Callable[[int], str] | None = None) -> Callable[[int], str]:
    """Part ``i``'s file name under a glob ``pattern``: the ``*`` replaced by ``name_function(i)``
    (default ``str(i)``), as Dask names the files of ``to_csv("out/part-*.csv")``."""
    number = name_function if name_function is not None else str
    return lambda i: pattern.replace("*", str(number(i)))


def _part_names(n: int, suffix: str, name_function: Callable[[int], str] | None, stem: str) -> list[str]:
    """File names of a directory output: ``{stem}{i}{suffix}`` or ``name_function(i)``, all distinct."""
    if name_function is None:
        return [f"{stem}{i}{suffix}" for i in range(n)]
    names = [str(name_function(i)) for i in range(n)]
    bad = [x for x in names if not x or "/" in x or x.startswith((".", "_"))]
    if bad:
        raise InvalidArgumentError(f"name_function gave {bad[0]!r}: a file name must be non-empty, without '/', "
                                   "and not start with '.' or '_' (readers skip those)")
    if len(set(names)) != n:
        raise InvalidArgumentError("name_function gave the same name to two partitions")
    return names


def _check_partition_on(node: Node, partition_on: Sequence[str] | str | None) -> tuple[str, ...]:
    if partition_on is None:
        return ()
    keys = (partition_on,) if isinstance(partition_on, str) else tuple(partition_on)
    names = node.schema.names
    for k in keys:
        if k not in names:
            raise ColumnNotFoundError(k, names, "the columns to partition on")
    if len(set(keys)) != len(keys):
        raise InvalidArgumentError(f"partition_on names a column twice: {list(keys)}")
    if set(keys) >= set(names):
        raise InvalidArgumentError("every column is a partition column: the files would hold no column")
    return keys


def write(node: Node, path: str, fmt, overwrite: bool | str = False, single_file: bool | None = None,
          partition_on: Sequence[str] | str | None = None, name_function: Callable[[int], str] | None = None,
          part_stem: str = "part.", storage_options: dict | None = None, scheduler: Any = None) -> None:
    """Write ``node`` to ``path`` in format ``fmt`` (a ``frames.dataframe.io.formats`` value).

    One file when ``single_file`` (default: when ``path`` has one of the format's extensions, e.g.
    ``.csv.gz``), else a directory of parts named ``{part_stem}{i}{suffix}`` (``part.0.csv``; COPY
    uses DuckDB's ``data_0.csv``) or ``name_function(i)``; ``partition_on`` makes a hive-partitioned
    directory. A text file is encoded partition by partition in parallel and written in order by one
    task; a Parquet file is written from the partitions concatenated. ``overwrite`` as in
    ``frames.dataframe.io.targets``: an existing file is replaced, an existing directory only with
    ``overwrite=True`` (or ``"ignore"``: new files added into it).
    """
    keys_on = _check_partition_on(node, partition_on)
    if keys_on and single_file:
        raise InvalidArgumentError("partition_on writes a directory: it cannot be combined with single_file=True")
    write_partitions(lambda: build_graph(node), node.npartitions, node.schema, path, fmt, overwrite, single_file,
                     keys_on, name_function, part_stem, storage_options, scheduler, type(node).__name__)


def write_partitions(make_graph: Callable[[], tuple[dict, list]], npartitions: int, schema: Any, path: str, fmt,
                     overwrite: bool | str = False, single_file: bool | None = None, keys_on: tuple[str, ...] = (),
                     name_function: Callable[[int], str] | None = None, part_stem: str = "part.",
                     storage_options: dict | None = None, scheduler: Any = None, what: str = "collection") -> None:
    """``write`` for any collection's partitions: ``make_graph()`` gives its graph and partition
    keys (built only once the target is checked), ``fmt.write(fs, partition, path)`` writes one
    (a bag's lines as well as a table)."""
    if not isinstance(path, str) or not path:
        raise InvalidArgumentError(f"the path to write must be a non-empty string, not {path!r}")
    glob = targets.split_glob(path)
    if glob is not None:  # 'out/part-*.csv': the parts are the files the glob names, in that directory
        if single_file or keys_on:
            raise InvalidArgumentError(f"{path!r} names a series of files: it cannot be combined with "
                                       + ("single_file=True" if single_file else "partition_on"))
        path, pattern = glob
        name_function = glob_names(pattern, name_function)
        target = targets.prepare(path, "dir", overwrite, storage_options, pattern=pattern)
        single = False
    else:
        single = (not keys_on) and (names_file(fmt, path) if single_file is None else bool(single_file))
        target = targets.prepare(path, "file" if single else "dir", overwrite, storage_options)
    fs = target.fs
    names = [] if single else _part_names(npartitions, fmt.suffix, name_function, part_stem)
    tmp = targets.temp_name(target.path)
    marker = f"{tmp}/{MARKER}"
    graph, keys = make_graph()
    if len(keys) != len(names) and not single:  # npartitions is a promise lower() must keep
        raise WriteError(f"cannot write {path!r}: {what} lowered to {len(keys)} partitions, "
                         f"not the {len(names)} it declares")
    tag = f"write-{uuid.uuid4().hex[:10]}"
    if single and hasattr(fmt, "encode"):  # text: every partition turned into text in parallel, then one file
        for i, k in enumerate(keys):
            graph[(tag, "encode", i)] = Task(fmt.encode, Ref(k))
        graph[(tag, 0)] = Task(fmt.write_encoded, fs, tmp, schema, [Ref((tag, "encode", i)) for i in range(len(keys))])
        write_keys = [(tag, 0)]
    elif single:
        graph[(tag, "concat")] = Task(concat_tables, [Ref(k) for k in keys], schema)
        graph[(tag, 0)] = Task(fmt.write, fs, Ref((tag, "concat")), tmp)
        write_keys = [(tag, 0)]
    else:
        write_keys = []
        for i, k in enumerate(keys):
            graph[(tag, i)] = Task(_write_part, fmt, fs, Ref(k), tmp, names[i], marker, keys_on)
            write_keys.append((tag, i))
    try:
        targets.make_parents(target)
        if not single:
            if not has_buckets(fs):  # object stores have no directories; a missing bucket is an error, not made
                fs.makedirs(tmp, exist_ok=True)
            fs.pipe_file(marker, b"")
        run(graph, write_keys, scheduler=scheduler)
        if not single:
            fs.rm(marker)
        targets.commit(target, tmp)
    except BaseException as exc:
        _abandon(target, tmp, None if single else marker)
        if isinstance(exc, (KeyboardInterrupt, WriteError)):
            raise
        if isinstance(exc, Exception):
            text = os_error_text(exc) if isinstance(exc, fs_errors()) else f"{type(exc).__name__}: {exc}"
            raise WriteError(f"writing {path!r} failed, nothing was written: {text}") from exc
        raise


_SHARED = """``overwrite``: an existing file is replaced atomically; an existing non-empty directory
    only with ``overwrite=True`` (replaced whole) or ``overwrite="ignore"`` (files added into it);
    links, devices and FIFOs never. ``partition_on`` writes a hive-partitioned directory
    (``key=value/part.{i}...``)."""


def to_parquet(node: Node, path: str, compression: str | None = "snappy", overwrite: bool | str = False,
               storage_options: dict | None = None, scheduler: Any = None, single_file: bool | None = None,
               name_function: Callable[[int], str] | None = None, partition_on: Sequence[str] | str | None = None,
               row_group_size: int | None = None, pandas_metadata: bytes | None = None) -> None:
    """Write ``node`` as one Parquet file (``path`` ending in .parquet, or ``single_file=True``) or a
    directory of parts named ``part.{i}.parquet`` (or ``name_function(i)``); ``pandas_metadata``:
    pandas' schema metadata naming the index columns, for pandas and Dask to read them back so."""
    fmt = ParquetFormat(parquet_compression(compression), row_group_size, pandas_metadata if partition_on is None else None)
    write(node, path, fmt, overwrite, single_file, partition_on, name_function, "part.", storage_options, scheduler)


def to_csv(node: Node, path: str, header: bool = True, overwrite: bool | str = False, storage_options: dict | None = None,
           scheduler: Any = None, single_file: bool | None = None, name_function: Callable[[int], str] | None = None,
           sep: str = ",", quotechar: str = '"', escapechar: str | None = None, na_rep: str = "",
           compression: str | None = "infer", partition_on: Sequence[str] | str | None = None,
           date_format: str | None = None) -> None:
    """Write ``node`` as one CSV file (``path`` ending in .csv or .csv.gz/.zst/.bz2, or
    ``single_file=True``) or a directory of parts named ``part.{i}.csv`` (or ``name_function(i)``);
    each part has the header. ``compression="infer"`` follows the extension."""
    fmt = CsvFormat(sep, quotechar, escapechar if escapechar is not None else quotechar, bool(header), na_rep,
                    text_compression(compression, path), date_format)
    write(node, path, fmt, overwrite, single_file, partition_on, name_function, "part.", storage_options, scheduler)


def to_json(node: Node, path: str, orient: str = "records", lines: bool = True, overwrite: bool | str = False,
            storage_options: dict | None = None, scheduler: Any = None, single_file: bool | None = None,
            name_function: Callable[[int], str] | None = None, compression: str | None = "infer",
            partition_on: Sequence[str] | str | None = None) -> None:
    """Write ``node`` as JSON records: one object per line (``lines=True``, what DuckDB's
    ``COPY ... (FORMAT JSON)`` writes) or one JSON array of them (``lines=False``); one file
    (``path`` ending in .json, or ``single_file=True``) or a directory of ``part.{i}.json``."""
    if orient != "records":
        raise InvalidArgumentError(f"to_json writes orient='records' only, not {orient!r}")
    fmt = JsonFormat(not lines, text_compression(compression, path))
    write(node, path, fmt, overwrite, single_file, partition_on, name_function, "part.", storage_options, scheduler)


for _f in (to_parquet, to_csv, to_json):
    _f.__doc__ += "\n\n    " + _SHARED

"""Bags of lines from text files, and bags written back as text files.

``read_text`` expands paths as every reader does (``frames.dataframe.io.files``: a file, a glob, a
directory, a list, any fsspec URL) and reads each file as byte ranges of ``blocksize``
(``files.split_ranges``): a line belongs to the range it starts in (``files.read_range``), so the
ranges read every line exactly once; a compressed file, or one in an encoding whose line breaks are
not single bytes, is one partition. ``blocksize=None`` (the default, as dask.bag): one partition per
file. Lines keep their line ending, read with universal newlines (``\\r\\n`` becomes ``\\n``), as
``open(path).readlines()`` and ``dask.bag.read_text`` give them.

``read_json`` is the direct path for JSON lines: one task per block parses every non-blank line
(orjson when installed, about 3x faster than ``json.loads``, with ``json.loads`` for what orjson
reads differently), and a bad line is named by file and line number.

``to_textfiles`` writes one file per partition through ``frames.dataframe.io.writers``: into a
temporary directory first, then moved onto the target, so a failed write leaves nothing, and an
existing non-empty directory is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyarrow as pa

from exec import Task
from frames.bag.core import Bag, _short, gc_paused, new_name
from frames.bag.errors import BagError
from frames.errors import DataSourceError, WriteError
from frames.dataframe.io.files import (Block, ascii_compatible, compression_of, expand_paths, fs_errors, open_text,
                                       read_range, split_ranges)

_CODECS = ("gzip", "bz2", "zstd", "xz", "lz4")


def _codec(compression: str | None, path: str) -> str | None:
    if compression == "infer":
        return compression_of(path)
    if compression is None or str(compression).lower() in ("none", "uncompressed"):
        return None
    name = {"gz": "gzip", "zst": "zstd"}.get(str(compression).lower(), str(compression).lower())
    if name not in _CODECS:
        raise BagError(f"unknown compression {compression!r}; use 'infer', None or one of {', '.join(_CODECS)}")
    return name


def _blocks(urlpath: Any, blocksize: Any, compression: str | None, encoding: str,
            storage_options: dict | None) -> tuple[Any, list[Block]]:
    from frames.dataframe.io.csv import parse_size

    try:
        "".encode(encoding)
    except LookupError:
        raise BagError(f"unknown encoding {encoding!r}") from None
    size = parse_size(blocksize)
    if size is not None and size <= 0:
        raise BagError(f"blocksize must be a positive size, not {blocksize!r}")
    fs, files, _ = expand_paths(urlpath, storage_options)
    splittable = ascii_compatible(encoding)
    blocks: list[Block] = []
    for file in files:
        codec = _codec(compression, file)
        try:
            total = fs.size(file) if size is not None and codec is None else 0
        except fs_errors() as exc:
            raise DataSourceError(f"cannot read {file!r}: {exc}") from None
        blocks += split_ranges(file, total, size, codec, splittable) if size is not None else [
            Block(file, 0, -1, True, codec)]
    return fs, blocks


def _read_bytes(fs, block: Block) -> bytes:
    try:
        with open_text(fs, block.path, block.codec) as f:
            return read_range(f, block)
    except DataSourceError:
        raise
    except (*fs_errors(), EOFError, pa.ArrowException) as exc:
        raise DataSourceError(f"cannot read {block.path!r}: {type(exc).__name__}: {exc}") from None


def _decode(data: bytes, block: Block, encoding: str, errors: str) -> str:
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"cannot read {block.path!r} as {encoding}: byte {block.start + exc.start if block.start > 0 else exc.start} "
                              f"({data[exc.start:exc.start + 1]!r}) is not valid {encoding}; pass encoding= "
                              "(or errors='replace')") from None


def _read_lines(fs, block: Block, encoding: str, errors: str, include_path: bool) -> list:
    text = _decode(_read_bytes(fs, block), block, encoding, errors)
    lines = io.StringIO(text, newline=None).readlines()  # universal newlines, endings kept
    if include_path:
        return [(line, block.path) for line in lines]
    return lines


def read_text(urlpath: str | Sequence[str], blocksize: int | str | None = None, compression: str | None = "infer",
              encoding: str = "utf-8", errors: str = "strict", include_path: bool = False,
              storage_options: dict | None = None) -> Bag:
    """A bag of the lines of text files (each line with its ``\\n``); ``include_path=True`` makes
    each element ``(line, path)``. See the module docstring for how files become partitions."""
    fs, blocks = _blocks(urlpath, blocksize, compression, encoding, storage_options)
    name = new_name("read-text")
    layer = {(name, i): Task(_read_lines, fs, b, encoding, errors, bool(include_path)) for i, b in enumerate(blocks)}
    return Bag(layer, name, len(layer))


# -- JSON lines, parsed in the reading task --------------------------------------------------------

try:  # optional: ~3x faster than json.loads on small records
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

_LONG_NUMBER = re.compile(rb"\d{19}")  # orjson reads integers beyond 64 bits as floats: json.loads there


@gc_paused
def _parse_json_lines(fs, block: Block, encoding: str, include_path: bool, use_orjson: bool = True) -> list:
    data = _read_bytes(fs, block)
    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8")
    if use_orjson and _orjson is not None and utf8 and not _LONG_NUMBER.search(data):
        loads, fallback = _orjson.loads, json.loads
        lines: list = data.split(b"\n")
    else:
        loads = fallback = json.loads
        lines = _decode(data, block, encoding, "strict").split("\n")
    out = []
    append = out.append
    for number, line in enumerate(lines):
        if not line or line.isspace():
            continue  # blank lines hold no record (as DuckDB's and pandas' JSON-lines readers)
        try:
            append(loads(line))
        except ValueError:
            try:
                append(fallback(line))  # what orjson refuses and json reads: NaN, lone surrogates, 1e400
            except ValueError as exc:
                raise _json_error(fs, block, number, line, exc) from None
    if include_path:
        return [(x, block.path) for x in out]
    return out


def _json_error(fs, block: Block, number: int, line: Any, exc: Exception) -> DataSourceError:
    before = 0
    if block.start > 0 and block.codec is None:
        with fs.open(block.path, "rb") as f:
            head = f.read(block.start)
        before = head.count(b"\n") + (0 if head.endswith(b"\n") else 1)
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    return DataSourceError(f"cannot read {block.path!r}: line {before + number + 1} is not JSON "
                           f"({type(exc).__name__}: {exc}): {_short(text.strip())}")


def read_json(urlpath: str | Sequence[str], blocksize: int | str | None = None, compression: str | None = "infer",
              encoding: str = "utf-8", include_path: bool = False, storage_options: dict | None = None) -> Bag:
    """A bag of the records of JSON-lines files: ``read_text(...).map(json.loads)`` in one step,
    faster, skipping blank lines, and naming the file and line of a line that is not JSON."""
    fs, blocks = _blocks(urlpath, blocksize, compression, encoding, storage_options)
    name = new_name("read-json")
    layer = {(name, i): Task(_parse_json_lines, fs, b, encoding, bool(include_path)) for i, b in enumerate(blocks)}
    return Bag(layer, name, len(layer))


# -- writing ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinesFormat:
    """A partition of strings as one text file: the elements joined by ``\\n`` (and one after the
    last with ``last_endline``), encoded, compressed by ``compression``; the writers' format protocol."""

    compression: str | None
    encoding: str
    last_endline: bool
    suffix: str = ".part"
    extensions: tuple = ()

    def write(self, fs, lines: list, path: str) -> int:
        for x in lines:
            if not isinstance(x, str):
                raise BagError(f"to_textfiles writes strings; element {_short(x)} is a {type(x).__name__} "
                               "(map(json.dumps) or map(str) first)")
        text = "\n".join(lines) + ("\n" if self.last_endline and lines else "")
        data = text.encode(self.encoding)
        raw = fs.open(path, "wb")
        with (pa.output_stream(raw, compression=self.compression) if self.compression else raw) as out:
            out.write(data)
        return len(lines)


def to_textfiles(bag: Bag, path: Any, name_function: Callable[[int], str] | None = None, compression: str | None = "infer",
                 encoding: str = "utf-8", compute: bool = True, storage_options: dict | None = None,
                 last_endline: bool = False, overwrite: bool = False, scheduler: Any = None) -> list[str]:
    """Write one text file per partition, one line per element (strings), and return their paths.

    ``path`` is a directory (files ``0.part``, ``1.part``, ...) or a glob in one (``out/*.json.gz``:
    the ``*`` replaced by ``name_function(i)``, default ``str(i)``; the extension sets the
    compression). The files land together when all are written. A directory is the whole output: an
    existing non-empty one is replaced only with ``overwrite=True`` (``"ignore"``: the new files are
    added into it). A glob names only its files, written beside the directory's others: files it
    already matches are replaced only with ``overwrite=True`` (``frames.dataframe.io.targets``)."""
    from frames.base import choose_scheduler
    from frames.dataframe.io.formats import text_compression
    from frames.dataframe.io.targets import split_glob
    from frames.dataframe.io.writers import glob_names, write_partitions

    if not compute:
        raise BagError("to_textfiles(compute=False) is not supported: the files are written when it is called")
    if not isinstance(path, str) or not path:
        raise BagError(f"to_textfiles needs a directory or a glob such as 'out/*.txt' as a string, not {path!r} "
                       "(a list of file names is not supported)")
    try:
        glob = split_glob(path)
    except WriteError as exc:
        raise BagError(f"to_textfiles: {exc}") from None
    directory, pattern = glob if glob is not None else (path.rstrip("/"), "*.part")
    part_name = glob_names(pattern, name_function)
    fmt = LinesFormat(text_compression(compression, pattern), encoding, bool(last_endline))
    # a glob names only its files (written beside the directory's others); a directory is the whole output
    write_partitions(bag._build_graph, bag.npartitions, None, path if glob is not None else directory, fmt, overwrite,
                     single_file=False, name_function=name_function if glob is not None else part_name,
                     storage_options=storage_options, scheduler=choose_scheduler([bag], scheduler), what="bag")
    return [f"{directory.rstrip('/')}/{part_name(i)}" for i in range(bag.npartitions)]


__all__ = ["read_text", "read_json", "to_textfiles", "LinesFormat"]

"""Turning a user's path argument (file, directory, glob, list, any fsspec URL) into files.

Also the two facts a reader needs about a file before opening it: its format (from its name, so a
folder mixing formats is refused instead of read in part) and its compression codec.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence

import fsspec
import pyarrow as pa

from frames.errors import DataSourceError

FORMAT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "parquet": (".parquet", ".parq", ".pq"),
    "csv": (".csv", ".tsv", ".tab", ".txt"),
    "json": (".json", ".jsonl", ".ndjson"),
}
"""File name endings of each format (before any compression suffix)."""

COMPRESSION_SUFFIXES: dict[str, str] = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd",
                                        ".xz": "xz", ".lz4": "lz4"}
"""Compression codecs by file name ending (as pandas' and DuckDB's ``compression='infer'/'auto'``)."""


def compression_of(path: str) -> str | None:
    """The codec a file's name says it is compressed with, or None."""
    lower = path.lower().split("?")[0]
    for suffix, codec in COMPRESSION_SUFFIXES.items():
        if lower.endswith(suffix):
            return codec
    return None


def format_of(path: str) -> str | None:
    """``"csv"``, ``"parquet"`` (or another key of ``FORMAT_SUFFIXES``) from the name, else None."""
    lower = path.lower().split("?")[0]
    codec = compression_of(lower)
    if codec is not None:
        lower = lower.rsplit(".", 1)[0]
    for fmt, suffixes in FORMAT_SUFFIXES.items():
        if lower.endswith(suffixes):
            return fmt
    return None


def detect_format(path: str | Sequence[str], storage_options: dict | None = None) -> str | None:
    """The format of ``path``'s files: from its name, else from the names of the files a folder or
    glob holds (a mix of formats is an error); None when no name says."""
    named = format_of(path) if isinstance(path, str) else None
    if named is not None:
        return named
    _, files, _ = expand_paths(path, storage_options)
    formats = {f: format_of(f) for f in files}
    known = {fmt for fmt in formats.values() if fmt is not None}
    if len(known) > 1:
        _one_format(files, path if isinstance(path, str) else str(list(path)), ())
    return known.pop() if known else None


def expand_paths(path: str | Sequence[str], storage_options: dict | None = None, suffixes: tuple[str, ...] = ()) -> tuple[object, list[str], str | None]:
    """Return ``(filesystem, files, base_dir)``; files sorted, directories walked recursively.

    ``base_dir`` is the directory given, or the part of a glob before its first wildcard (hive-style
    ``key=value`` names below it become partition columns), else None. A directory's files must all
    be of one format (``suffixes`` names the reader's, compressed or not; a directory of files
    without a known ending is read as given). A path that is not a regular file (a FIFO, a device)
    is refused: opening it could block forever or read something that is not data.
    """
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise DataSourceError("no path given")
    for p in paths:
        if not isinstance(p, str):
            raise DataSourceError(f"a path must be a string, not {type(p).__name__} ({p!r})")
    try:
        fs, _ = fsspec.core.url_to_fs(paths[0], **(storage_options or {}))
    except (ImportError, ValueError) as exc:
        raise DataSourceError(f"cannot open {paths[0]!r}: {exc}") from None
    files: list[str] = []
    base = None
    for p in paths:
        _, stripped = fsspec.core.url_to_fs(p, **(storage_options or {}))
        try:
            if any(ch in stripped for ch in "*?["):
                found = sorted(f for f in fs.glob(stripped) if not fs.isdir(f))
                if not found:
                    raise DataSourceError(f"no files match {p!r}")
                files += [_regular(fs, f, p) for f in found]
                if len(paths) == 1:  # ``key=value`` directories under the glob's fixed prefix
                    base = _glob_base(stripped)
            elif fs.isdir(stripped):
                found = sorted(f for f in fs.find(stripped) if not _hidden(f, stripped))
                _one_format(found, p, suffixes)
                if suffixes:
                    found = [f for f in found if _strip_codec(f).endswith(suffixes)] or found
                if not found:
                    raise DataSourceError(f"directory {p!r} has no data files")
                files += [_regular(fs, f, p) for f in found]
                base = stripped.rstrip("/") if len(paths) == 1 else None
            elif fs.exists(stripped):
                files.append(_regular(fs, stripped, p))
            else:
                raise DataSourceError(f"file not found: {p!r}")
        except DataSourceError:
            raise
        except fs_errors() as exc:
            raise DataSourceError(f"cannot read {p!r}: {os_error_text(exc)}") from None
    return fs, files, base


def _strip_codec(path: str) -> str:
    lower = path.lower()
    return lower.rsplit(".", 1)[0] if compression_of(lower) else lower


def _one_format(found: list[str], given: str, suffixes: tuple[str, ...]) -> None:
    """Refuse a directory whose files are of several known formats (reading one kind would drop the
    others silently); other files (``_SUCCESS``, ``README``) do not count."""
    formats = {}
    for f in found:
        fmt = format_of(f)
        if fmt is not None:
            formats.setdefault(fmt, f)
    if len(formats) > 1:
        shown = ", ".join(f"{fmt} ({f.rsplit('/', 1)[-1]!r})" for fmt, f in sorted(formats.items()))
        raise DataSourceError(f"directory {given!r} mixes file formats: {shown}; read each format with its own reader "
                              f"(a glob such as {given.rstrip('/') + '/*.csv'!r} picks one)")


def _regular(fs, path: str, given: str) -> str:
    """``path`` if it is a regular file (or a remote object); a FIFO, socket or device is refused."""
    if is_local(fs):
        import os
        import stat

        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise DataSourceError(f"cannot read {given!r}: {exc}") from None
        if not stat.S_ISREG(mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
            what = "" if path.rstrip("/").endswith(given.rstrip("/")) else f" ({path!r})"
            raise DataSourceError(f"cannot read {given!r}{what}: it is {kind}, not a regular file")
    return path


def _glob_base(pattern: str) -> str:
    """``/data/year=*/x*.parquet`` -> ``/data``: the directory holding the first wildcard."""
    first = min(i for i, ch in enumerate(pattern) if ch in "*?[")
    return pattern[:first].rpartition("/")[0]


def _hidden(path: str, base: str) -> bool:
    rel = path[len(base):].lstrip("/")
    return any(part.startswith((".", "_")) for part in rel.split("/"))


def hive_partitions(path: str, base: str | None) -> tuple[tuple[str, str], ...]:
    """``key=value`` directory names between ``base`` and the file, in order."""
    if base is None:
        return ()
    rel = path[len(base):].lstrip("/").split("/")[:-1]
    return tuple(tuple(part.split("=", 1)) for part in rel if "=" in part)  # type: ignore[misc]


def _protocols(fs) -> tuple[str, ...]:
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def is_local(fs) -> bool:
    """Whether ``fs`` is fsspec's local filesystem (paths Arrow can open itself)."""
    return bool({"file", "local"} & set(_protocols(fs)))


def has_buckets(fs) -> bool:
    """Whether paths on ``fs`` begin with a bucket (S3, GCS, Azure): there are no folders to make,
    and making one where the bucket is missing would create a bucket."""
    return bool({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl"} & set(_protocols(fs)))


LINE_CHUNK = 1 << 16  # bytes a remote ``readline`` fetches at a time


def open_ranges(fs, path: str, compression: str | None = None):
    """Open a file for reads of byte ranges the reader chooses (Parquet column chunks, a text
    sample, the byte range of a CSV or JSON block).

    fsspec's default caches read ahead by a whole block (50 MB on s3fs) and ``readline`` reads
    block by block: reading 2 of 13 columns of a 48 MB Parquet file fetched 72 MB (150%), and
    reading a 12 MB JSON-lines file in 4 blocks fetched 30 MB, plus the whole file for its 1 MB
    sample. Without a cache each read fetches exactly its range (Arrow's pre-buffering coalesces
    neighbouring column chunks into few requests: the Parquet read fetched its 8 MB in 4), and a
    line is finished in small chunks.
    """
    try:
        return fs.open(path, "rb", cache_type="none", block_size=LINE_CHUNK, compression=compression)
    except TypeError:  # a filesystem whose open() takes no cache options
        return fs.open(path, "rb", compression=compression)


def fs_errors() -> tuple[type[BaseException], ...]:
    """What a filesystem call raises when a store is missing, refuses or cannot be reached:
    OSError, and botocore's own errors, which s3fs lets through for a failed connection
    (``EndpointConnectionError``) or a malformed answer (botocore is only looked at once loaded)."""
    boto = sys.modules.get("botocore.exceptions")
    return (OSError,) if boto is None else (OSError, boto.BotoCoreError)


def os_error_text(exc: BaseException) -> str:
    """An OSError from a filesystem in the user's words: a refusal says which credentials to check
    (s3fs reports a rejected key or signature as a bare ``PermissionError: Forbidden``)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, PermissionError):
        text += " (access denied: check the credentials in storage_options or the AWS_* environment variables)"
    return text


# -- byte ranges of text files ------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A byte range of a text file read as one partition (CSV, JSON lines, a bag's lines)."""

    path: str
    start: int
    end: int  # -1: to the end of the file
    first: bool
    codec: str | None = None  # compressed: the whole file is one block


def split_ranges(path: str, total: int, size: int | None, codec: str | None, splittable: bool = True) -> list[Block]:
    """``path`` (``total`` bytes) as blocks of ``size`` bytes; one block when it is compressed (a
    codec cannot start mid-stream), not splittable (line breaks that are not single bytes), or not
    larger than ``size``."""
    if codec is not None or not splittable:
        return [Block(path, 0, -1, True, codec)]
    if size is None or total <= size:
        return [Block(path, 0, total, True)]  # to its end: read_range finishes the last line
    return [Block(path, start, min(start + size, total), start == 0) for start in range(0, total, size)]


def open_text(fs, path: str, codec: str | None):
    """A binary file object over ``path``'s decompressed bytes (a remote file read by the ranges
    asked for, without fsspec's read-ahead: ``files.open_ranges``)."""
    f = open_ranges(fs, path)
    if codec is None:
        return f
    if codec == "xz":
        import lzma

        return lzma.LZMAFile(f)
    if not pa.Codec.is_available(codec):
        f.close()
        raise DataSourceError(f"cannot read {path!r}: this pyarrow has no {codec} codec")
    return pa.CompressedInputStream(pa.PythonFile(f, mode="r"), codec)


def ascii_compatible(encoding: str) -> bool:
    """Whether line breaks and delimiters are single ASCII bytes in ``encoding`` (so a file can be
    split at byte offsets and its header found by ``b"\\n"``)."""
    try:
        return "\n,;|\t\"'a".encode(encoding) == b"\n,;|\t\"'a"
    except (LookupError, UnicodeError):
        return False


def read_range(f, block: Block) -> bytes:
    """The bytes of the lines that start inside ``block`` (the whole file for a compressed one):
    a line cut by the block's start belongs to the block before, a line cut by its end is
    finished here, so consecutive blocks read every line exactly once."""
    if block.codec is not None or block.end < 0 and block.start == 0:
        return f.read()
    f.seek(block.start)
    if block.start > 0:
        f.seek(block.start - 1)
        if f.read(1) != b"\n":
            f.readline()  # a partial line belongs to the previous block
    start = f.tell()
    if block.end < 0:
        return f.read()
    if start >= block.end:
        return b""
    data = f.read(block.end - start)
    if data and not data.endswith(b"\n"):
        data += f.readline()
    return data

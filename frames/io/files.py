"""Turning a user's path argument (file, directory, glob, list, any fsspec URL) into files."""

from __future__ import annotations

from typing import Sequence

import fsspec

from frames.errors import DataSourceError


def expand_paths(path: str | Sequence[str], storage_options: dict | None = None, suffixes: tuple[str, ...] = ()) -> tuple[object, list[str], str | None]:
    """Return ``(filesystem, files, base_dir)``; files sorted, directories walked recursively.

    ``base_dir`` is the directory given, or the part of a glob before its first wildcard (hive-style
    ``key=value`` names below it become partition columns), else None.
    """
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise DataSourceError("no path given")
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
                found = sorted(f for f in fs.glob(stripped) if fs.isfile(f))
                if not found:
                    raise DataSourceError(f"no files match {p!r}")
                files += found
                if len(paths) == 1:  # ``key=value`` directories under the glob's fixed prefix
                    base = _glob_base(stripped)
            elif fs.isdir(stripped):
                found = sorted(f for f in fs.find(stripped) if not _hidden(f, stripped))
                if suffixes:
                    found = [f for f in found if f.endswith(suffixes)] or found
                if not found:
                    raise DataSourceError(f"directory {p!r} has no data files")
                files += found
                base = stripped.rstrip("/") if len(paths) == 1 else None
            elif fs.exists(stripped):
                files.append(stripped)
            else:
                raise DataSourceError(f"file not found: {p!r}")
        except DataSourceError:
            raise
        except OSError as exc:
            raise DataSourceError(f"cannot read {p!r}: {exc}") from None
    return fs, files, base


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

"""Where a write may land and how it lands there: the one safety rule every writer shares.

COPY ... TO and the DataFrame writers (``to_parquet``, ``to_csv``, ``to_json``) all call ``prepare``
before computing anything and ``commit`` after every part is written, so one rule decides what a
write may replace:

- a missing path is created (with its missing parent directories, removed again if the write fails);
- an existing regular file is replaced atomically by the new one (as DuckDB's COPY and pandas do);
- an existing non-empty directory only when the caller asked: ``overwrite=True`` (``OVERWRITE``)
  replaces it whole, ``overwrite="ignore"`` (``OVERWRITE_OR_IGNORE``) writes the new files into it and
  replaces only same-named ones; a file over an existing directory or a directory over a file needs
  ``overwrite=True`` too;
- never a symbolic link, a device, a FIFO or a socket, nor a directory that holds the working
  directory: those are refused with a ``WriteError`` naming the path;
- a glob (``out/part-*.csv``, Dask's way of naming a series of files) names only the files it
  matches: they are written into the directory (made if missing) beside whatever else is there;
  files it already matches are replaced only with ``overwrite=True`` (then the ones the new write
  does not produce are removed too, so the glob reads the new rows only) or ``"ignore"`` (same names
  replaced, the others kept).

Everything is first written under a temporary name next to the target, ``.sqlengine-tmp-<name>.<host>.
<pid>.<random>``: hidden from readers (leading dot), recognizable, and carrying the writer's host and
process id, so the next write to the same target removes what a killed writer left (``reclaim``)
without touching the output of a writer still running. ``commit`` is the one step that moves the
finished temporary output onto the target (a rename; object stores need a copy there, see its
docstring).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import socket
import stat
import uuid
from dataclasses import dataclass, field

import fsspec
from fsspec.implementations.local import LocalFileSystem

from frames.errors import WriteError
from frames.dataframe.io.files import fs_errors, has_buckets, os_error_text

TEMP_PREFIX = ".sqlengine-tmp-"
"""Prefix of a write's temporary output (a file or a directory) next to its target."""
BACKUP_PREFIX = ".sqlengine-old-"
"""Prefix of an old output moved aside while a directory is replaced (removed once the new one is in)."""
HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
"""This machine in temporary names: a process id is only meaningful on the host that made it."""


@dataclass
class Target:
    """A checked destination: the filesystem, the path on it, what is there now, and how to land."""

    url: str  # the user's words, for messages
    fs: object
    path: str
    output: str  # "file" or "dir": what the writer produces
    existing: str | None  # None, "file" or "dir": what is there now
    merge: bool  # write into the existing directory (OVERWRITE_OR_IGNORE) instead of replacing it
    created: list[str] = field(default_factory=list)  # parent directories this write made
    stale: list[str] = field(default_factory=list)  # files a glob write replaces: removed unless rewritten


def split_glob(url: str) -> tuple[str, str] | None:
    """``("out", "part-*.csv")`` for a write to ``out/part-*.csv`` (the ``*`` numbers the parts);
    None when ``url`` has no glob character. Other glob forms name no files to write: refused."""
    if not any(ch in url for ch in "*?["):
        return None
    directory, _, pattern = url.rstrip("/").rpartition("/")
    if any(ch in directory for ch in "*?[") or any(ch in pattern for ch in "?[") or pattern.count("*") != 1:
        raise WriteError(f"cannot write to {url!r}: a write names one file, a directory, or a series of files "
                         "with one '*' in the file name ('out/part-*.csv'; the '*' is replaced by each part's number)")
    if pattern.startswith((".", "_")):
        raise WriteError(f"cannot write to {url!r}: readers skip file names starting with '.' or '_'")
    return directory or ".", pattern


def _local(fs) -> bool:
    return isinstance(fs, LocalFileSystem)


def _kind(fs, path: str) -> str | None:
    """None (nothing there), "file", "dir", "link" or "special" (device, FIFO, socket)."""
    if _local(fs):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise WriteError(f"cannot write {path!r}: a parent of it is a file, not a directory") from None
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISREG(mode):
            return "file"
        return "dir" if stat.S_ISDIR(mode) else "special"
    try:
        info = fs.info(path)
    except FileNotFoundError:
        return None
    kind = info.get("type")
    if info.get("islink"):
        return "link"
    return {"file": "file", "directory": "dir"}.get(kind, "special")


def _split(path: str) -> tuple[str, str]:
    parent, _, base = path.rpartition("/")
    if not parent and path.startswith("/"):
        parent = "/"
    return parent, base


def temp_name(path: str, prefix: str = TEMP_PREFIX) -> str:
    """A fresh temporary name next to ``path``, recognizable by ``prefix`` and naming host and pid."""
    parent, base = _split(path)
    name = f"{prefix}{base}.{HOST}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    return f"{parent.rstrip('/')}/{name}" if parent else name


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave its files alone
    return True


def remove(fs, path: str) -> None:
    """Remove a file or directory if it is there; errors are ignored (this is cleanup)."""
    try:
        if _local(fs) and (os.path.islink(path) or os.path.isfile(path)):
            os.unlink(path)
        elif fs.exists(path):
            fs.rm(path, recursive=True)
    except OSError:
        pass


def reclaim(fs, path: str) -> list[str]:
    """Remove the temporary output that killed writers left next to ``path``; put back an old
    output a killed writer had moved aside before the new one was in place. Returns what it removed.

    Only names this module makes (prefix, target name, this host, a process id that is no longer
    running) are touched, so a write still running elsewhere keeps its files.
    """
    parent, base = _split(path)
    try:
        entries = fs.ls(parent or ".", detail=False)
    except (OSError, ValueError):
        return []
    removed = []
    for entry in sorted(entries):
        name = entry.rstrip("/").rpartition("/")[2]
        for prefix in (BACKUP_PREFIX, TEMP_PREFIX):
            if not name.startswith(prefix + base + "."):
                continue
            parts = name[len(prefix + base) + 1:].split(".")
            if len(parts) != 3 or parts[0] != HOST or not parts[1].isdigit() or _alive(int(parts[1])):
                continue
            full = f"{parent.rstrip('/')}/{name}" if parent else name
            if prefix == BACKUP_PREFIX and _kind(fs, path) is None:
                fs.mv(full, path, recursive=True)  # the killed writer had moved the old output aside
            else:
                remove(fs, full)
                removed.append(full)
    return removed


def _holds_working_directory(path: str) -> bool:
    here = os.path.realpath(os.getcwd())
    there = os.path.realpath(path)
    return here == there or here.startswith(there.rstrip("/") + "/")


def prepare(url: str, output: str, overwrite: bool | str = False, storage_options: dict | None = None,
            pattern: str | None = None) -> Target:
    """Check that ``url`` may receive a new ``output`` ("file" or "dir") under the rule above, and
    reclaim what killed writers left there. Nothing is written yet. ``pattern``: the file names of a
    glob write into the directory ``url`` (``split_glob``)."""
    if overwrite not in (True, False, "ignore"):
        raise WriteError(f"overwrite must be True, False or 'ignore', not {overwrite!r}")
    try:
        fs, path = fsspec.core.url_to_fs(url, **(storage_options or {}))
    except (ImportError, ValueError, TypeError) as exc:
        raise WriteError(f"cannot write {url!r}: {exc}") from None
    path = path.rstrip("/") or path
    if _split(path)[1].startswith((TEMP_PREFIX, BACKUP_PREFIX)):
        raise WriteError(f"cannot write {url!r}: names starting with {TEMP_PREFIX!r} are sqlengine's temporary files")
    try:
        if not _local(fs):
            fs.invalidate_cache(path)  # what is there now, not a listing cached by an earlier call
        reclaim(fs, path)
        existing = _kind(fs, path)
    except fs_errors() as exc:  # a refused credential, a store that cannot be reached
        raise WriteError(f"cannot write {url!r}: {os_error_text(exc)}") from None
    if existing == "link":
        raise WriteError(f"refusing to write {url!r}: it is a symbolic link; name the file it points to "
                         "(sqlengine neither writes through links nor replaces them)")
    if existing == "special":
        raise WriteError(f"refusing to write {url!r}: it is not a regular file or directory "
                         "(a device, FIFO or socket); sqlengine only replaces regular files")
    if pattern is not None:
        return _prepare_glob(url, fs, path, existing, overwrite, pattern)
    merge = False
    if existing == "dir":
        if _local(fs) and _holds_working_directory(path):
            raise WriteError(f"refusing to replace {url!r}: it holds the current working directory")
        if output == "dir" and not fs.ls(path, detail=False):
            merge = True  # an empty directory is filled in place: there is nothing in it to protect
        elif overwrite == "ignore" and output == "dir":
            merge = True
        elif overwrite is not True:
            if output == "dir":
                raise WriteError(f"{url!r} already exists and is a directory; OVERWRITE (overwrite=True) replaces "
                                 "it, OVERWRITE_OR_IGNORE (overwrite='ignore') adds the new files to it")
            raise WriteError(f"{url!r} already exists and is a directory, and this write makes one file there; "
                             "OVERWRITE (overwrite=True) replaces the directory")
    elif existing == "file" and output == "dir" and overwrite is not True:
        raise WriteError(f"{url!r} already exists and is a file; OVERWRITE (overwrite=True) replaces it with a directory")
    return Target(url, fs, path, output, existing, merge)


def _prepare_glob(url: str, fs, path: str, existing: str | None, overwrite: bool | str, pattern: str) -> Target:
    """A glob write's target: the directory, written into; the files the glob matches now are stale."""
    shown = f"{url.rstrip('/')}/{pattern}"
    if existing == "file":
        raise WriteError(f"cannot write {shown!r}: {url!r} is a file, not a directory")
    matches = []
    if existing == "dir":
        names = [entry.rstrip("/").rpartition("/")[2] for entry in fs.ls(path, detail=False)]
        matches = sorted(f"{path.rstrip('/')}/{n}" for n in names
                         if fnmatch.fnmatchcase(n, pattern) and not n.startswith((".", "_")))
    if matches and overwrite is False:
        raise WriteError(f"{shown!r} already matches {len(matches)} file(s) ({matches[0].rpartition('/')[2]!r}, ...); "
                         "overwrite=True replaces them (and removes the ones this write does not make), "
                         f"overwrite='ignore' replaces same-named ones; other files in {url!r} are kept")
    for match in matches:
        if _kind(fs, match) != "file":
            raise WriteError(f"refusing to replace {match!r}: it is not a regular file")
    return Target(url, fs, path, "dir", existing, existing == "dir", stale=matches if overwrite is True else [])


def make_parents(target: Target) -> None:
    """Create the target's missing parent directories, remembering them for ``abandon``. Object
    stores have none to make, and making one where the bucket is missing would create a bucket."""
    fs, parent = target.fs, _split(target.path)[0]
    if has_buckets(fs):
        return
    missing = []
    while parent and parent != "/" and not fs.exists(parent):
        missing.append(parent)
        parent = _split(parent)[0]
    if missing:
        fs.makedirs(missing[0], exist_ok=True)
        target.created = missing  # deepest first


def abandon(target: Target, tmp: str) -> None:
    """Remove a failed write's temporary output and the parent directories it created."""
    remove(target.fs, tmp)
    for d in target.created:
        try:
            if not target.fs.ls(d, detail=False):
                target.fs.rmdir(d)
        except OSError:
            break


def _recheck(target: Target) -> None:
    """Just before the rename: nothing new (a link, a FIFO) has appeared at the target meanwhile."""
    now = _kind(target.fs, target.path)
    if now in ("link", "special") or (now is not None and target.existing is None and not target.merge):
        raise WriteError(f"refusing to write {target.url!r}: something else appeared there during the write")


def commit(target: Target, tmp: str) -> None:
    """Move the finished temporary output ``tmp`` onto the target.

    Locally a file lands by one ``os.replace`` (atomic: readers see the old file or the new one) and a
    directory by two renames (old output aside, new one in; the old one is removed after). Object
    stores have no rename: ``_move`` copies there, a directory file by file.
    """
    fs, path = target.fs, target.path
    _recheck(target)
    if target.merge:
        written = _merge_into(fs, tmp, path)
        for old in target.stale:
            if old not in written:
                remove(fs, old)
        return
    if _local(fs) and target.output == "file" and target.existing in (None, "file"):
        os.replace(tmp, path)
        return
    backup = None
    if target.existing is not None and _kind(fs, path) is not None:
        backup = temp_name(path, BACKUP_PREFIX)
        _move(fs, path, backup)
    try:
        _move(fs, tmp, path)
    except BaseException:
        if backup is not None or target.existing is None:
            remove(fs, path)  # what the failed move left there (the old output, if any, is in backup)
        if backup is not None:
            _move(fs, backup, path)
        raise
    if backup is not None:
        remove(fs, backup)


def _move(fs, src: str, dst: str) -> None:
    """Rename ``src`` (a file or a directory) to ``dst``; on an object store, copy then delete.

    s3fs's recursive ``mv`` of a folder also copies the folder's own key, which does not exist
    ("The specified key does not exist", after the parts were already copied): there the files are
    copied in one batch, then the source removed.
    """
    if _local(fs) or not has_buckets(fs):
        fs.mv(src, dst, recursive=True)
        return
    fs.invalidate_cache(src)  # parts written by worker processes are not in this instance's listings
    if not fs.isdir(src):
        fs.mv(src, dst)
        return
    files = [f for f in fs.find(src) if f.rstrip("/") != src.rstrip("/")]
    fs.copy(files, [dst + f[len(src):] for f in files])
    fs.rm(src, recursive=True)


def _merge_into(fs, tmp: str, path: str) -> set[str]:
    """OVERWRITE_OR_IGNORE: each new file renamed into the existing directory (same names replaced).
    Every destination is checked before the first file moves, so a refusal changes nothing.
    Returns the paths written."""
    moves = []
    for src in sorted(fs.find(tmp)):
        dest = f"{path.rstrip('/')}/{src[len(tmp.rstrip('/')) + 1:]}"
        if _kind(fs, dest) in ("link", "special", "dir"):
            raise WriteError(f"refusing to replace {dest!r} inside {path!r}: it is not a regular file")
        moves.append((src, dest))
    for src, dest in moves:
        fs.makedirs(dest.rpartition("/")[0], exist_ok=True)
        if _local(fs):
            os.replace(src, dest)
        else:
            fs.mv(src, dest)
    remove(fs, tmp)
    return {dest for _, dest in moves}

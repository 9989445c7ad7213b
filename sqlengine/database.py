"""A catalog kept on disk: ``Context(database="shop.sqlengine")``, a directory of Parquet files and a
small manifest, so a script's tables and views outlive the process.

Layout: ``manifest.json`` (each writable table's columns, NOT NULL, DEFAULT, keys and the one
Parquet file holding its rows; each view's SQL) and ``data/<table>-<random>.parquet``. Tables
registered from files or DataFrames belong to the session and are not saved.

Writes are crash-safe: a changed table is written to a new file under a temporary name, flushed to
disk and renamed; then the new manifest is written the same way and renamed over the old one,
the one step that makes the change visible; only then are the files the old manifest named and
the new one does not removed. A crash at any point leaves the old manifest or the new one, each
with all its files; what a crashed writer left (temporary files, files no manifest names) is
removed when the database is next opened. The directory is locked while a session has it open,
so two processes cannot overwrite each other's changes.

A statement outside a transaction is saved when it succeeds; inside one, at COMMIT. Each save
rewrites the files of the tables that changed (a loop of one-row INSERTs saves faster inside
BEGIN ... COMMIT).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from frames.dataframe.io.targets import TEMP_PREFIX, temp_name
from frames.errors import DataSourceError
from planner.catalog import Catalog
from planner.parse import parse
from planner.tables import CHUNK_ROWS, ColumnSpec, MemoryTable

MANIFEST = "manifest.json"
_DATA_FILE = re.compile(r"[\w%]+-[0-9a-f]{12}\.parquet")  # the names _write_table gives
FORMAT = "sqlengine-catalog"
VERSION = 1


class Database:
    """One directory holding a catalog (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, dialect: str):
        self.root = Path(path)
        self.dialect = dialect
        if self.root.exists() and not self.root.is_dir():
            raise DataSourceError(f"database {str(path)!r} is not a directory")
        if self.root.exists() and not (self.root / MANIFEST).exists() and not _empty(self.root):
            raise DataSourceError(f"{str(path)!r} is a directory that is not a sqlengine database (no {MANIFEST}); "
                                  "name a new or empty directory")
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.root)
        self.files: dict[str, str] = {}  # table key -> its file under data/, as the manifest says
        self.saved: dict[str, object] = {}  # key -> the entry last saved (tables and views)

    @property
    def name(self) -> str:
        """current_database(): the directory's name without its extension, as DuckDB names a file."""
        return self.root.name.split(".")[0] or "memory"

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- opening ---------------------------------------------------------------------------------
    def load(self, catalog: Catalog) -> None:
        """Fill ``catalog`` with what the manifest names; clear what crashed writers left."""
        manifest = self.root / MANIFEST
        data = {"tables": [], "views": []}
        if manifest.exists():
            try:
                data = json.loads(manifest.read_text())
            except (OSError, ValueError) as exc:
                raise DataSourceError(f"database {str(self.root)!r}: cannot read {MANIFEST}: {exc}") from None
            if data.get("format") != FORMAT or data.get("version") != VERSION:
                raise DataSourceError(f"database {str(self.root)!r}: {MANIFEST} is not a sqlengine catalog of version {VERSION}")
        for t in data["tables"]:
            table = _table(t, self.root / "data" / t["file"], self.dialect)
            catalog.set_entry(t["name"], table)
            key = catalog.key(t["name"])
            self.files[key], self.saved[key] = t["file"], table
        for v in data["views"]:
            (query,) = parse(v["sql"], self.dialect)
            catalog.set_entry(v["name"], query)
            self.saved[catalog.key(v["name"])] = query
        self._remove_strays()

    def _remove_strays(self) -> None:
        """Files under data/ that no manifest names: ours (``*.parquet``, temporary names) only."""
        named = set(self.files.values())
        for f in (self.root / "data").iterdir():
            if f.is_file() and f.name not in named and (_DATA_FILE.fullmatch(f.name) or f.name.startswith(TEMP_PREFIX)):
                f.unlink(missing_ok=True)
        for f in self.root.iterdir():
            if f.is_file() and f.name.startswith(TEMP_PREFIX):
                f.unlink(missing_ok=True)

    # -- saving ----------------------------------------------------------------------------------
    def save(self, catalog: Catalog) -> None:
        """Write what changed since the last save (see the module docstring for the order)."""
        tables, views = {}, {}
        for key in catalog.names():
            entry = catalog.entry(key)
            if isinstance(entry, MemoryTable):
                tables[key] = entry
            elif isinstance(entry, exp.Expression):
                views[key] = entry
        current = {**tables, **views}
        if current.keys() == self.saved.keys() and all(current[k] is self.saved[k] for k in current):
            return
        files = {k: self.files[k] for k in tables if self.saved.get(k) is tables[k] and k in self.files}
        for key, table in tables.items():
            if key not in files:
                files[key] = self._write_table(key, table)
        manifest = {
            "format": FORMAT, "version": VERSION,
            "tables": [_describe(catalog.spelling(k), t, files[k]) for k, t in tables.items()],
            "views": [{"name": catalog.spelling(k), "sql": v.sql(dialect=self.dialect)} for k, v in views.items()],
        }
        _write_atomically(self.root / MANIFEST, json.dumps(manifest, indent=1).encode())
        old = set(self.files.values()) - set(files.values())
        self.files, self.saved = files, current
        for name in old:
            (self.root / "data" / name).unlink(missing_ok=True)

    def _write_table(self, key: str, table: MemoryTable) -> str:
        name = f"{_safe(key)}-{uuid.uuid4().hex[:12]}.parquet"
        target = self.root / "data" / name
        tmp = Path(temp_name(str(target)))
        try:
            with pq.ParquetWriter(tmp, table.schema) as writer:
                for chunk in table.chunks:
                    writer.write_table(chunk, row_group_size=CHUNK_ROWS)
            _fsync(tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return name


def _describe(name: str, table: MemoryTable, file: str) -> dict:
    return {
        "name": name, "file": file,
        "columns": [{"name": c.name, "not_null": c.not_null, "default": c.default.sql("duckdb") if c.default is not None else None}
                    for c in table.columns],
        "primary_key": list(table.primary_key), "unique": [list(k) for k in table.unique],
    }


def _table(desc: dict, path: Path, dialect: str) -> MemoryTable:
    try:
        stored = pq.ParquetFile(path)
        chunks = [stored.read_row_group(i) for i in range(stored.num_row_groups)]
        schema = stored.schema_arrow
    except (OSError, pa.ArrowException) as exc:
        raise DataSourceError(f"table {desc['name']!r}: cannot read {str(path)!r}: {exc}") from None
    columns = []
    for c, f in zip(desc["columns"], schema):
        default = parse(f"SELECT {c['default']}", "duckdb")[0].expressions[0] if c["default"] is not None else None
        columns.append(ColumnSpec(c["name"], f.type, c["not_null"], default))
    return MemoryTable(desc["name"], tuple(columns), tuple(t.replace_schema_metadata(None) for t in chunks if t.num_rows),
                       tuple(desc["primary_key"]), tuple(tuple(k) for k in desc["unique"]))


def _empty(root: Path) -> bool:
    """Nothing in ``root`` but what opening it makes (a lock, an empty data/): safe to become a database."""
    for f in root.iterdir():
        if f.name == ".lock" or (f.name == "data" and f.is_dir() and not any(f.iterdir())):
            continue
        return False
    return True


def _safe(key: str) -> str:
    """A table name as a file name: letters, digits and _ kept, the rest as hex."""
    return "".join(ch if ch.isalnum() or ch == "_" else f"%{ord(ch):x}" for ch in key)[:64]


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = Path(temp_name(str(path)))
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def _lock(root: Path):
    """An exclusive lock on the directory for this session (released by ``close`` or at exit)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return None
    handle = open(root / ".lock", "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise DataSourceError(f"database {str(root)!r} is open in another session; close it first") from None
    return handle

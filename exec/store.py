"""Values kept outside a process's heap: spilled to disk under a memory limit, or handed between
processes through ``/dev/shm`` instead of a pipe.

One serialization serves both and the process pool's pipes: cloudpickle with protocol 5, where an
Arrow table travels as an Arrow IPC stream. Pickling a table directly writes the whole of every
buffer it references, so each of a shuffle's slices carried all of its parent's rows (8 slices of
one 18 MB table pickled to 143 MB); the IPC writer writes a slice's own rows only.

A ``Stored`` value is one file: a small pickle whose large buffers (the IPC streams, NumPy arrays)
are written out of band after it, and read back through a memory map, so loading costs no copy and
pages of a disk file stay reclaimable by the kernel. ``sizeof`` is the one estimate of a value's
bytes the scheduler's memory accounting uses.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import uuid
from typing import Any

import cloudpickle

_HEADER = struct.Struct("<QQ")  # pickle length, number of out-of-band buffers
_ALIGN = 64
_SAMPLE = 64  # items of a long container sizeof measures (and scales up)


def _table_to_ipc(table):
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _table_from_ipc(buffer):
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(buffer)).read_all()


def _is_table(value: Any) -> bool:
    """Whether ``value`` is a ``pyarrow.Table``, told by its type's name: in a worker another thread
    may be importing pyarrow at this moment, and ``sys.modules["pyarrow"]`` is then a partially
    initialized module without ``Table`` (seen as an AttributeError failing a task's result)."""
    kind = type(value)
    return kind.__name__ == "Table" and kind.__module__ == "pyarrow.lib"


class _Pickler(cloudpickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if _is_table(obj) and obj.num_columns:  # no columns: IPC would lose the row count
            return _table_from_ipc, (_table_to_ipc(obj),)
        return super().reducer_override(obj)


def dumps(value: Any, buffer_callback=None) -> bytes:
    """``value`` pickled (protocol 5), Arrow tables as IPC streams; large buffers go to
    ``buffer_callback`` when one is given."""
    out = io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffer_callback).dump(value)
    return out.getvalue()


loads = pickle.loads


def sizeof(value: Any, _depth: int = 0) -> int:
    """Bytes ``value`` holds, as the scheduler accounts them (Arrow tables by the rows they show)."""
    if isinstance(value, Handle):
        return value.nbytes
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):  # Arrow tables / arrays, NumPy arrays
        return nbytes
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return len(value)
    if _depth < 3 and isinstance(value, (list, tuple, set, frozenset, dict)):
        items = list(value.values() if isinstance(value, dict) else value) if len(value) <= _SAMPLE else \
            [v for _, v in zip(range(_SAMPLE), value.values() if isinstance(value, dict) else value)]
        measured = sum(sizeof(v, _depth + 1) for v in items)  # a bag's list of 100k records: a sample of them
        return 64 + 8 * len(value) + (measured if len(value) <= _SAMPLE else measured * len(value) // _SAMPLE)
    usage = getattr(value, "memory_usage", None)  # pandas objects
    if callable(usage) and hasattr(value, "index"):
        try:
            total = usage()
            return int(total.sum() if hasattr(total, "sum") else total)
        except Exception:
            pass
    if _depth < 3 and not isinstance(value, type):  # an object of arrays (a join's built side): its fields
        fields = getattr(value, "__dict__", None)
        if isinstance(fields, dict):
            return 64 + sum(sizeof(v, _depth + 1) for v in fields.values())
        slots = getattr(type(value), "__slots__", None)
        if isinstance(slots, (tuple, list)) and slots:
            return 64 + sum(sizeof(getattr(value, n, None), _depth + 1) for n in slots)
    try:
        return sys.getsizeof(value)
    except Exception:
        return 64


class Handle:
    """A value held outside this process's heap: ``load()`` brings it here, ``delete()`` lets it go,
    ``nbytes`` is its size and ``in_memory`` says it takes RAM (a ``/dev/shm`` file, a worker's heap)
    rather than disk. ``Stored`` (a file) and ``exec.process_pool.WorkerRef`` (a result a worker
    process keeps) are the two kinds; the scheduling loop treats them alike."""

    __slots__ = ()

    @classmethod
    def load_many(cls, handles: list) -> list:
        """The values of several handles of this kind, in order (one ``load`` each; a kind that
        fetches many in one round trip overrides it)."""
        return [h.load() for h in handles]


class Stored(Handle):
    """A value written to one file by ``store``; ``load()`` rebuilds it over a memory map.

    ``in_memory`` says the file lives in RAM (``/dev/shm``), so its bytes count against the memory
    limit like a result held in the heap. ``num_rows``: the rows of a stored table (None for other
    values), so the parent can count a process worker's output rows without loading it."""

    __slots__ = ("path", "nbytes", "in_memory", "num_rows")

    def __init__(self, path: str, nbytes: int, in_memory: bool, num_rows: int | None = None):
        self.path = path
        self.nbytes = nbytes
        self.in_memory = in_memory
        self.num_rows = num_rows

    def load(self) -> Any:
        import pyarrow as pa

        with pa.memory_map(self.path) as mapped:
            whole = mapped.read_buffer()
        meta_len, count = _HEADER.unpack(whole[: _HEADER.size].to_pybytes())
        pos = _HEADER.size
        sizes = struct.unpack(f"<{count}Q", whole[pos : pos + 8 * count].to_pybytes()) if count else ()
        pos += 8 * count
        meta = whole[pos : pos + meta_len].to_pybytes()
        pos = _aligned(pos + meta_len)
        buffers = []
        for size in sizes:
            buffers.append(whole[pos : pos + size])
            pos = _aligned(pos + size)
        return pickle.loads(meta, buffers=buffers)

    def moved_to(self, directory: str) -> "Stored":
        """The same value in a file under ``directory`` (this one removed): a /dev/shm result spilled to disk."""
        import shutil

        target = os.path.join(directory, os.path.basename(self.path))
        shutil.move(self.path, target)
        return Stored(target, self.nbytes, _in_memory(directory), self.num_rows)

    def delete(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def __reduce__(self):
        return (Stored, (self.path, self.nbytes, self.in_memory, self.num_rows))

    def __repr__(self) -> str:
        return f"Stored({self.path!r}, {self.nbytes} bytes)"


class Pickled(Handle):
    """A process worker's small result as the parent holds it: still pickled. The parent only
    passes such results on to the worker that reads them, so it neither unpickles nor pickles
    them again (TPC-H q4 at SF1 on "processes" sent about 1700 small tables through the parent
    per run, half of them empty, each rebuilt from Arrow IPC and written as IPC again while the
    workers waited on the parent's GIL). ``load()`` unpickles, wherever the value is needed."""

    __slots__ = ("data", "nbytes", "num_rows")
    in_memory = True

    def __init__(self, data: bytes, nbytes: int, num_rows: int | None = None):
        self.data = data
        self.nbytes = nbytes
        self.num_rows = num_rows

    @classmethod
    def of(cls, value: Any, nbytes: int) -> "Pickled":
        rows = getattr(value, "num_rows", None)
        return cls(dumps(value), nbytes, rows if isinstance(rows, int) else None)

    def load(self) -> Any:
        return loads(self.data)

    def moved_to(self, directory: str) -> "Stored":
        return store(self.load(), directory, self.nbytes)

    def delete(self) -> None:
        pass

    def __reduce__(self):
        return (Pickled, (self.data, self.nbytes, self.num_rows))

    def __repr__(self) -> str:
        return f"Pickled({len(self.data)} bytes for {self.nbytes})"


def repeatable(func=None, *, when=None):
    """Mark ``func`` as cheap and deterministic enough that its task's result, once every input of
    it is repeatable too, costs less to make again than to spill and load: a Parquet piece of a
    local file, a renaming projection of it. Under a memory limit such a result is let go
    (``Recompute``) rather than written out. ``when(args)`` narrows it to some tasks (a projection
    whose expressions are column references only). Used bare (``@repeatable``) or with ``when``."""
    def mark(f):
        f.read_again_not_spilled = when or _always
        return f

    return mark if func is None else mark(func)


def _always(args) -> bool:
    return True


_REPEAT_DEPTH = 4  # tasks above a repeatable root that may be made again (each runs once per load)


def recompute_handle(key, graph: dict, nbytes: int = 0, num_rows: int | None = None, _depth: int = 0) -> "Recompute | None":
    """A ``Recompute`` for ``graph[key]``, or None unless the task (every member of a fused chain)
    is ``repeatable`` and so, recursively, is every task it reads."""
    from exec.graph import FusedTask, Task

    task = graph.get(key)
    if type(task) is not Task or _depth > _REPEAT_DEPTH:
        return None
    members = [t for _, t in task.args[0].members] if task.args and type(task.args[0]) is FusedTask else [task]
    for member in members:
        when = getattr(member.func, "read_again_not_spilled", None)
        if when is None or not when(member.args):
            return None
    inputs = {}
    for d in task.dependencies:
        if type(graph.get(d)) is not Task:
            return None  # a literal: held by the graph, but not worth the complication
        inner = recompute_handle(d, graph, 0, None, _depth + 1)
        if inner is None:
            return None
        inputs[d] = inner
    return Recompute(task, nbytes, num_rows, inputs)


class Recompute(Handle):
    """A result let go under a memory limit because its task (``repeatable``) and those it reads
    run again for less than writing and loading it: TPC-H q18 at SF10 held 1.3 GB of lineitem's
    ``(l_orderkey, l_quantity)`` for a join that had to wait for the aggregation over the same
    scan, spilled it and loaded it back. ``load()`` makes the inputs again, then the result, in
    whichever process needs the value."""

    __slots__ = ("task", "nbytes", "num_rows", "inputs")
    in_memory = False

    def __init__(self, task, nbytes: int, num_rows: int | None = None, inputs: dict | None = None):
        self.task = task
        self.nbytes = nbytes
        self.num_rows = num_rows
        self.inputs = inputs or {}

    def load(self) -> Any:
        return self.task.execute({k: h.load() for k, h in self.inputs.items()})

    def moved_to(self, directory: str) -> "Recompute":
        return self

    def delete(self) -> None:
        pass

    def __reduce__(self):
        return (Recompute, (self.task, self.nbytes, self.num_rows, self.inputs))

    def __repr__(self) -> str:
        return f"Recompute({self.task.name}, {self.nbytes} bytes)"


def _aligned(pos: int) -> int:
    return (pos + _ALIGN - 1) // _ALIGN * _ALIGN


def _in_memory(directory: str) -> bool:
    return os.path.realpath(directory).startswith("/dev/shm")


class _OneTable:
    """Pickles as "the Arrow table in the one out-of-band buffer": the file layout of a bare table."""

    def __reduce__(self):
        return _table_from_ipc, (pickle.PickleBuffer(b""),)


_TABLE_META = pickle.dumps(_OneTable(), protocol=5, buffer_callback=lambda b: None)


def _write_table(path: str, table) -> None:
    """A bare table's file: the IPC stream written straight into it by Arrow (one copy, not two)."""
    import pyarrow as pa

    with open(path, "wb") as f:
        f.write(_HEADER.pack(len(_TABLE_META), 1))
        f.write(struct.pack("<Q", 0))  # the stream's size: filled in below
        f.write(_TABLE_META)
        f.write(b"\0" * (_aligned(f.tell()) - f.tell()))
        start = f.tell()
    with pa.OSFile(path, "ab") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    with open(path, "r+b") as f:
        end = f.seek(0, os.SEEK_END)
        f.seek(_HEADER.size)
        f.write(struct.pack("<Q", end - start))


def remove_directory(path: str) -> None:
    """Remove ``path`` and what is in it, even while a worker is still writing a file there.

    ``shutil.rmtree`` lists a directory, unlinks what it found, then removes it; a file created
    in between (a process worker storing a result of a computation that was just interrupted)
    makes the last step fail, and ``ignore_errors`` would leave the directory behind. Trying
    again removes that file; once the directory is gone no writer can recreate it (``store``
    never creates directories), so a few short retries suffice."""
    import shutil
    import time

    for attempt in range(8):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        time.sleep(0.005 * 2 ** attempt)


def store(value: Any, directory: str, nbytes: int | None = None) -> Stored:
    """Write ``value`` to a new file under ``directory``; raises what pickling raises (the caller
    keeps values it cannot store in memory)."""
    path = os.path.join(directory, f"{uuid.uuid4().hex}.spill")
    try:
        if _is_table(value) and value.num_columns:
            _write_table(path, value)
        else:
            buffers: list = []
            meta = dumps(value, buffer_callback=buffers.append)
            raws = [b.raw() for b in buffers]
            with open(path, "wb") as f:
                f.write(_HEADER.pack(len(meta), len(raws)))
                if raws:
                    f.write(struct.pack(f"<{len(raws)}Q", *(r.nbytes for r in raws)))
                f.write(meta)
                for raw in raws:
                    f.write(b"\0" * (_aligned(f.tell()) - f.tell()))
                    f.write(raw)
    except BaseException:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        raise
    rows = getattr(value, "num_rows", None)
    return Stored(path, sizeof(value) if nbytes is None else nbytes, _in_memory(directory), rows if isinstance(rows, int) else None)


def unstore(value: Any) -> Any:
    """``value`` itself, or loaded if it is a ``Handle``."""
    return value.load() if isinstance(value, Handle) else value


def unstore_all(values: list) -> list:
    """``unstore`` of each of ``values``, the handles of one kind loaded together
    (``Handle.load_many``: results held by worker processes come in one request per worker)."""
    out = list(values)
    by_kind: dict[type, list[int]] = {}
    for i, v in enumerate(values):
        if isinstance(v, Handle):
            by_kind.setdefault(type(v), []).append(i)
    for kind, where in by_kind.items():
        for i, value in zip(where, kind.load_many([values[i] for i in where])):
            out[i] = value
    return out

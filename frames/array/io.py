"""Arrays in and out of storage: zarr (``from_zarr``, ``to_zarr``), HDF5 (``from_array`` over an
h5py dataset, ``to_hdf5``), ``.npy`` stacks (``from_npy_stack``, ``to_npy_stack``), and ``store``
into anything that takes ``target[slices] = block``.

Reading and writing go block by block, in the tasks: no step holds the whole array. Tasks that
run in other processes (the processes scheduler, a distributed cluster) open the storage
themselves, by file name or URL: an open h5py dataset cannot be pickled, so ``HDF5Reader`` stands
for it and reopens its file per block.

Nothing is lost: a write to a zarr array, an HDF5 dataset or an npy directory that exists already
is refused unless ``overwrite=True`` (``store`` writes into the targets the caller hands it,
which the caller named). A new target is written under a temporary name next to it and renamed
into place only when every block is in, so a failed write leaves no half-made target: directory
targets (zarr arrays, npy stacks) follow ``frames.dataframe.io.targets``, the rule every writer of
the project shares; an HDF5 dataset is written under a temporary name in its file and moved to
its path (a new file is written under a temporary file name and renamed).
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
import time
import uuid
from typing import Any, Sequence

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts, normalize_chunks
from frames.array.core import Array, new_name
from frames.array.errors import ArrayError, UnknownChunksError
from frames.base import run
from frames.parsing import PARSE_LOCK

# -- locks that travel -------------------------------------------------------------------------------

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class SerializableLock:
    """A lock that can be pickled into tasks (``store(lock=True)``), as dask's: every copy with
    the same token in one process is the same ``threading.Lock``. It serializes the threads of a
    process, not separate processes."""

    def __init__(self, token: str | None = None):
        self.token = token or uuid.uuid4().hex
        with _LOCKS_GUARD:
            self.lock = _LOCKS.setdefault(self.token, threading.Lock())

    def __enter__(self):
        self.lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.lock.release()

    def __getstate__(self) -> str:
        return self.token

    def __setstate__(self, token: str) -> None:
        self.__init__(token)


# -- the block grid ---------------------------------------------------------------------------------

def _slices(chunks: tuple[tuple, ...]):
    """``(block index, slices)`` per block, in C order."""
    starts = [block_starts(c) for c in chunks]
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        yield idx, tuple(slice(starts[a][i], starts[a][i] + chunks[a][i]) for a, i in enumerate(idx))


def _prepare_dir(url: str, overwrite: bool, storage_options: dict | None, what: str) -> Any:
    """The project's write rule for a directory target (``frames.dataframe.io.targets.prepare``),
    in this function's words: an existing target needs ``overwrite=True``."""
    from frames.dataframe.io import targets
    from frames.errors import WriteError

    try:
        return targets.prepare(url, "dir", True if overwrite else False, storage_options)
    except WriteError as exc:
        text = str(exc)
        if "already exists" in text:
            text = f"{url!r} already exists; pass overwrite=True to replace it"
        raise ArrayError(f"{what}: {text}") from None


def _known(x: Array, what: str) -> None:
    if not x.known_chunks:
        raise UnknownChunksError(f"{what} needs known chunk sizes: call compute_chunk_sizes() first")


# -- store --------------------------------------------------------------------------------------------

def _store_block(target: Any, block: Any, where: tuple, lock: Any) -> int:
    if lock is None:
        target[where] = block
    else:
        with lock:
            target[where] = block
    return 0


def _done(*results: Any) -> None:
    return None


def store(sources: Any, targets: Any, lock: Any = True, regions: Any = None, compute: bool = True,
          return_stored: bool = False, scheduler: Any = None, flush: bool = False, **kwargs: Any) -> Any:
    """Write arrays into targets that support ``target[slices] = block`` (NumPy arrays, zarr arrays,
    h5py datasets, memory maps), block by block, as ``dask.array.store``: ``lock=True`` serializes
    the writes of one process' threads (a lock object, or False for none); ``regions`` places each
    source inside its target; ``compute=False`` returns a Delayed that writes when computed.
    ``flush`` (xarray passes it) changes nothing: each block's task has written its part when it ends.

    The targets travel into the tasks: on the processes scheduler or a cluster they must write to
    shared storage (a zarr array on disk does). A target in this process' memory (a NumPy array,
    an open h5py dataset, an in-memory zarr array) is written by the sync and threads schedulers
    only; a task in another process refuses to write it rather than lose the writes (``to_hdf5``
    opens its file in the tasks, so it works everywhere)."""
    single = isinstance(sources, Array)
    sources = [sources] if single else list(sources)
    targets_list = [targets] if single or not isinstance(targets, (list, tuple)) else list(targets)
    if len(sources) != len(targets_list):
        raise ArrayError(f"store got {len(sources)} sources and {len(targets_list)} targets")
    if return_stored:
        raise ArrayError("store(return_stored=True) is not supported; read the targets back with from_array")
    if regions is None:
        regions = [None] * len(sources)
    elif isinstance(regions, tuple) and all(isinstance(r, slice) for r in regions):
        regions = [regions] * len(sources)
    regions = list(regions)
    if len(regions) != len(sources):
        raise ArrayError(f"store got {len(regions)} regions for {len(sources)} sources")
    if lock is True:
        lock = SerializableLock()
    elif lock is False:
        lock = None
    graph: dict = {}
    write_keys = []
    tag = new_name("store")
    for n, (src, target, region) in enumerate(zip(sources, targets_list, regions)):
        if not isinstance(src, Array):
            raise ArrayError(f"store's sources must be frames arrays, not {type(src).__name__}")
        if not hasattr(target, "__setitem__"):
            raise ArrayError(f"store's target {n} ({type(target).__name__}) does not support target[slices] = block")
        _known(src, "store")
        offsets = _region_offsets(region, src, target, n)
        written = _in_process(target)
        g, _ = src._build_graph()
        graph.update(g)
        for idx, where in _slices(src.chunks):
            where = tuple(slice(s.start + o, s.stop + o) for s, o in zip(where, offsets))
            key = (tag, n, *idx)
            graph[key] = Task(_store_block, written, Ref((src.name, *idx)), where, lock)
            write_keys.append(key)
    if not compute:
        return _delayed_over(graph, write_keys, tag)
    run(graph, write_keys, scheduler=scheduler, **kwargs)
    return None


def _region_offsets(region: Any, src: Array, target: Any, n: int) -> tuple[int, ...]:
    """Where source ``n`` starts inside its target, checking that it fits."""
    tshape = tuple(getattr(target, "shape", ()))
    if region is None:
        if tshape and tuple(tshape) != tuple(src.shape):
            raise ArrayError(f"store: source {n} has shape {src.shape} but its target has shape {tshape}; "
                             "pass regions= to write into part of it")
        return (0,) * src.ndim
    region = tuple(region) + (slice(None),) * (src.ndim - len(tuple(region)))
    offsets = []
    for axis, (r, length) in enumerate(zip(region, src.shape)):
        start, stop, step = (r.start or 0), r.stop, r.step
        if step not in (None, 1):
            raise ArrayError("store's regions must be slices with step 1")
        if tshape and stop is None:
            stop = tshape[axis]
        if stop is not None and stop - start != length:
            raise ArrayError(f"store: region {r} along axis {axis} has length {stop - start}, "
                             f"but source {n} has {length}")
        offsets.append(start)
    return tuple(offsets)


def _delayed_over(graph: dict, keys: list, tag: str, func: Any = _done, *extra: Any) -> Any:
    """A Delayed whose value is ``func(*extra, *results of keys)``, carrying ``graph``."""
    from frames.array.convert import GraphDependency
    from frames.delayed import Delayed

    return Delayed(f"{tag}-done", Task(func, *extra, *[Ref(k) for k in keys]), (GraphDependency(graph),))


# -- HDF5 ---------------------------------------------------------------------------------------------

class HDF5Reader:
    """An h5py dataset as ``from_array`` reads it: picklable, it reopens ``filename`` and ``path``
    in each task that runs elsewhere (an h5py object cannot be pickled), and in the process that
    made it uses the dataset it was given (which may belong to a file open for writing)."""

    def __init__(self, filename: str, path: str, shape: tuple, dtype: Any, chunks: Any = None, dataset: Any = None):
        self.filename, self.path = filename, path
        self.shape, self.dtype, self.chunks = tuple(shape), np.dtype(dtype), chunks
        self.ndim = len(self.shape)
        self._dataset = dataset
        self._pid = os.getpid()

    @classmethod
    def of(cls, dataset: Any) -> "HDF5Reader":
        return cls(dataset.file.filename, dataset.name, dataset.shape, dataset.dtype, dataset.chunks, dataset)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_dataset"] = None
        return state

    def __getitem__(self, where: Any) -> np.ndarray:
        if self._dataset is not None and self._pid == os.getpid():
            try:
                return np.asarray(self._dataset[where])
            except (ValueError, RuntimeError, KeyError):  # the file was closed since: reopen it
                pass
        import h5py

        with h5py.File(self.filename, "r") as f:
            return np.asarray(f[self.path][where])

    def __repr__(self) -> str:
        return f"HDF5Reader({self.filename!r}, {self.path!r})"


def _h5_write_block(filename: str, path: str, block: np.ndarray, where: tuple, previous: Any = None) -> int:
    """One block into an HDF5 dataset, opening the file here (writes are chained one after the
    other: HDF5 files take one writer at a time)."""
    import h5py

    with h5py.File(filename, "r+") as f:
        f[path][where] = block
    return 0


def _h5_arguments(args: tuple) -> dict:
    if len(args) == 1 and isinstance(args[0], dict):
        data = dict(args[0])
    elif len(args) == 2 and isinstance(args[0], str):
        data = {args[0]: args[1]}
    else:
        raise ArrayError("to_hdf5 takes (filename, datapath, array) or (filename, {datapath: array, ...})")
    for path, x in data.items():
        if not isinstance(path, str) or not path.strip("/"):
            raise ArrayError(f"to_hdf5: dataset path {path!r} must be a non-empty string")
        if not isinstance(x, Array):
            raise ArrayError(f"to_hdf5: the value for {path!r} must be a frames array, not {type(x).__name__}")
        _known(x, "to_hdf5")
    return {"/" + p.strip("/"): x for p, x in data.items()}


def to_hdf5(filename: str, *args: Any, chunks: Any = True, overwrite: bool = False, scheduler: Any = None,
            **kwargs: Any) -> None:
    """Write arrays into an HDF5 file, as ``dask.array.to_hdf5``: ``to_hdf5(fn, "/x", x)`` or
    ``to_hdf5(fn, {"/x": x, "/y": y})``. Other keywords (``compression=``, ``shuffle=``, ...) go to
    ``create_dataset``; ``chunks=True`` stores each dataset in the array's chunk shape.

    A dataset that exists is refused unless ``overwrite=True``; other datasets of an existing file
    are left alone. Every block is written by a task that opens the file itself (so any scheduler
    works), one after another (HDF5 takes one writer at a time), into a dataset under a temporary
    name that is moved to its path when all are in; a new file is written under a temporary name
    and renamed."""
    import h5py

    from frames.dataframe.io import targets

    data = _h5_arguments(args)
    filename = os.fspath(filename)
    exists = os.path.exists(filename)
    if exists:
        if not os.path.isfile(filename) or os.path.islink(filename):
            raise ArrayError(f"to_hdf5: {filename!r} is not a regular file")
        try:
            with h5py.File(filename, "r") as f:
                present = [p for p in data if p in f]
        except OSError as exc:
            raise ArrayError(f"to_hdf5: {filename!r} exists and is not an HDF5 file that can be read: {exc}") from None
        if present and not overwrite:
            raise ArrayError(f"to_hdf5: dataset {present[0]!r} already exists in {filename!r}; "
                             "pass overwrite=True to replace it")
    write_to = filename if exists else targets.temp_name(filename)
    tmp_paths = {p: (p.rsplit("/", 1)[0] or "") + f"/.sqlengine-tmp-{p.rsplit('/', 1)[1]}.{uuid.uuid4().hex[:8]}"
                 for p in data}
    try:
        with h5py.File(write_to, "a" if exists else "w-") as f:
            for path, x in data.items():
                h5_chunks = tuple(max(1, min(int(c), int(s))) for c, s in zip(x.chunksize, x.shape)) \
                    if chunks is True and x.ndim and all(x.shape) else (None if chunks is True else chunks)
                f.require_group(path.rsplit("/", 1)[0] or "/")
                f.create_dataset(tmp_paths[path], shape=x.shape, dtype=x.dtype, chunks=h5_chunks, **kwargs)
        graph: dict = {}
        tag = new_name("to-hdf5")
        previous = None
        for path, x in data.items():
            g, _ = x._build_graph()
            graph.update(g)
            for idx, where in _slices(x.chunks):
                key = (tag, path, *idx)
                graph[key] = Task(_h5_write_block, write_to, tmp_paths[path], Ref((x.name, *idx)), where,
                                  Ref(previous) if previous is not None else None)
                previous = key
        if previous is not None:
            run(graph, [previous], scheduler=scheduler)
        with h5py.File(write_to, "a") as f:
            for path, tmp in tmp_paths.items():
                if path in f:
                    del f[path]  # overwrite=True: the old dataset goes only now that the new one is complete
                f.move(tmp, path)
        if not exists:
            os.replace(write_to, filename)
    except BaseException:
        if exists:
            try:
                with h5py.File(write_to, "a") as f:
                    for tmp in tmp_paths.values():
                        if tmp in f:
                            del f[tmp]
            except OSError:
                pass
        elif os.path.exists(write_to):
            os.remove(write_to)
        raise


# -- zarr ---------------------------------------------------------------------------------------------

def _zarr():
    try:
        import zarr
    except ImportError:  # pragma: no cover - zarr is in the test and array extras
        raise ArrayError("zarr is not installed: pip install zarr") from None
    return zarr


def _is_zarr_array(x: Any) -> bool:
    return type(x).__module__.startswith("zarr") and hasattr(x, "chunks") and hasattr(x, "shape")


def _join(url: str, component: str | None) -> str:
    if not component:
        return url
    return url.rstrip("/") + "/" + component.strip("/")


def from_zarr(url: Any, component: str | None = None, storage_options: dict | None = None, chunks: Any = None,
              name: str | None = None, **kwargs: Any) -> Array:
    """An array over a zarr array (a URL or path, with ``component`` the array's path inside a
    group; or a zarr array object), read block by block in the tasks. ``chunks`` default: the
    zarr array's own chunks."""
    from frames.array.creation import from_array

    zarr = _zarr()
    if _is_zarr_array(url):
        z = url
        if component:
            raise ArrayError("from_zarr: component= is for a URL; the zarr array was given itself")
    else:
        try:
            z = zarr.open_array(store=os.fspath(url) if isinstance(url, os.PathLike) else url, mode="r",
                                path=component or "", storage_options=storage_options, **kwargs)
        except FileNotFoundError:
            raise ArrayError(f"from_zarr: no zarr array at {_join(str(url), component)!r}") from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ArrayError(f"from_zarr: cannot open {_join(str(url), component)!r} as a zarr array: {exc}") from None
        except Exception as exc:
            if type(exc).__name__ in ("ContainsGroupError", "NodeTypeValidationError", "ArrayNotFoundError"):
                raise ArrayError(f"from_zarr: {_join(str(url), component)!r} is not a zarr array: {exc}") from None
            raise
    return from_array(z, chunks=tuple(z.chunks) if chunks is None else chunks, name=name)


def _regular(chunks: tuple[tuple, ...]) -> bool:
    """Every block of an axis the same length but the last (shorter or equal): a zarr chunk grid."""
    return all(len(set(c[:-1])) <= 1 and (len(c) < 2 or c[-1] <= c[0]) for c in chunks)


def _zarr_aligned(x: Array, zchunks: tuple) -> Array:
    """``x`` rechunked so every block covers whole zarr chunks (one writer per zarr chunk)."""
    ok = all(all(b % z == 0 for b in c[:-1]) for c, z in zip(x.chunks, zchunks))
    if ok:
        return x
    want = tuple(max(z, (max(c) // z) * z) for c, z in zip(x.chunks, zchunks))
    return x.rechunk(normalize_chunks(want, x.shape))


class _ZarrLocation:
    """Where a write task opens the zarr array it writes: a URL (opened in the task's process)."""

    def __init__(self, url: str, storage_options: dict | None):
        self.url, self.storage_options = url, storage_options

    def open(self):
        return _zarr().open_array(store=self.url, mode="r+", storage_options=self.storage_options)


def _zarr_write_block(location: Any, block: np.ndarray, where: tuple) -> int:
    z = location.open() if isinstance(location, _ZarrLocation) else location
    z[where] = block
    return 0


class _InProcessTarget:
    """A target that lives in this process' memory (a NumPy array or memory map, a zarr array in a
    MemoryStore, an open h5py dataset): written in place by the sync and threads schedulers. A
    copy pickled into another process would take the writes and lose them (or cannot be made), so
    what arrives there is a ``_WrittenElsewhere`` that refuses, naming the target."""

    def __init__(self, target: Any, what: str):
        self.target, self.what = target, what

    def __setitem__(self, where: tuple, block: np.ndarray) -> None:
        self.target[where] = block

    def __reduce__(self):
        return (_WrittenElsewhere, (self.what,))


class _WrittenElsewhere:
    def __init__(self, what: str):
        self.what = what

    def __setitem__(self, where: tuple, block: np.ndarray) -> None:
        raise ArrayError(f"store: the target ({self.what}) lives in the memory of the process that called store, "
                         "and this task runs in another one; use the sync or threads scheduler, or a target on "
                         "disk (to_zarr, to_hdf5, to_npy_stack)")


def _in_process(target: Any) -> Any:
    """``target`` wrapped when it only exists in this process (see ``_InProcessTarget``)."""
    if isinstance(target, np.ndarray):
        return _InProcessTarget(target, f"a NumPy {'memory map' if isinstance(target, np.memmap) else 'array'}")
    if type(target).__module__.startswith("h5py"):
        return _InProcessTarget(target, "an open h5py dataset")
    if _is_zarr_array(target) and type(getattr(target, "store", None)).__name__ == "MemoryStore":
        return _InProcessTarget(target, "a zarr array in a MemoryStore")
    return target


def _commit(target: Any, tmp: str, *results: Any) -> None:
    from frames.dataframe.io import targets

    targets.commit(target, tmp)


def _abandon(target: Any, tmp: str, made: str | None = None) -> None:
    """Remove a failed write's temporary output (and ``made``, a group's metadata file the write
    created); tasks of the failed computation may still be finishing a block, so retry briefly
    until it is gone."""
    from frames.dataframe.io import targets

    if made is not None:
        targets.remove(target.fs, made)
    for _ in range(40):
        targets.abandon(target, tmp)
        try:
            if not target.fs.exists(tmp):
                return
        except OSError:
            return
        time.sleep(0.05)


def to_zarr(arr: Array, url: Any, component: str | None = None, storage_options: dict | None = None,
            overwrite: bool = False, compute: bool = True, return_stored: bool = False, scheduler: Any = None,
            **kwargs: Any) -> Any:
    """Write ``arr`` as a zarr array at ``url`` (``component``: its path inside a group there), or
    into a zarr array object, as ``dask.array.to_zarr``. Each block is written by a task that opens
    the array by URL, so every scheduler works; blocks are first made to cover whole zarr chunks
    (rechunked if needed), so no two tasks write one zarr chunk. Other keywords (``compressors=``,
    ...) go to zarr's array creation.

    An existing array or directory at the target is refused unless ``overwrite=True``; the new
    array is written next to it under a temporary name and renamed into place when complete.
    With ``compute=False`` the rename is the last task of the returned Delayed; if computing it
    fails, the temporary array stays beside the target (hidden, named after this process) until
    a later write to the same target, after this process has ended, removes it."""
    from frames.dataframe.io import targets

    zarr = _zarr()
    if not isinstance(arr, Array):
        raise ArrayError(f"to_zarr writes a frames array, not {type(arr).__name__}")
    _known(arr, "to_zarr")
    if return_stored:
        raise ArrayError("to_zarr(return_stored=True) is not supported; read it back with from_zarr")
    if _is_zarr_array(url):
        z = url
        if tuple(z.shape) != tuple(arr.shape):
            raise ArrayError(f"to_zarr: the zarr array has shape {tuple(z.shape)}, the array {arr.shape}")
        x = _zarr_aligned(arr, tuple(z.chunks))
        return store(x, z, lock=False, compute=compute, scheduler=scheduler)
    url = os.fspath(url) if isinstance(url, os.PathLike) else url
    if not isinstance(url, str) or not url:
        raise ArrayError(f"to_zarr needs a URL, a path or a zarr array, not {url!r}")
    x = arr if _regular(arr.chunks) else arr.rechunk(normalize_chunks(arr.chunksize, arr.shape))
    zchunks = tuple(max(1, int(c)) for c in x.chunksize) if x.ndim else ()
    full_url = _join(url, component)
    target = _prepare_dir(full_url, overwrite, storage_options, "to_zarr")
    tmp = targets.temp_name(target.path)
    tmp_url = target.fs.unstrip_protocol(tmp) if "://" in full_url else tmp
    graph, _ = x._build_graph()
    tag = new_name("to-zarr")
    location = _ZarrLocation(tmp_url, storage_options)
    write_keys = []
    for idx, where in _slices(x.chunks):
        key = (tag, *idx)
        graph[key] = Task(_zarr_write_block, location, Ref((x.name, *idx)), where)
        write_keys.append(key)
    made_group = None  # the group's metadata file when this write creates the group
    try:
        targets.make_parents(target)
        if component:
            made_group = _open_group(zarr, target, url, component, storage_options)
        zarr.create_array(store=tmp_url, shape=x.shape, chunks=zchunks if x.ndim else "auto", dtype=x.dtype,
                          storage_options=storage_options, **kwargs)
    except BaseException:
        _abandon(target, tmp, made_group)
        raise
    target.merge = False  # the temporary array replaces an empty directory whole
    if not compute:
        return _delayed_over(graph, write_keys, tag, _commit, target, tmp)
    try:
        run(graph, write_keys, scheduler=scheduler)
        targets.commit(target, tmp)
    except BaseException:
        _abandon(target, tmp, made_group)
        raise
    return None


def _open_group(zarr: Any, target: Any, url: str, component: str, storage_options: dict | None) -> str | None:
    """Open (or create) the zarr group at ``url`` that ``component`` goes into; returns the path
    of the group's metadata file when this call created it (so a failed write removes it)."""
    fs = target.fs
    root = target.path[: len(target.path) - len(component.strip("/"))].rstrip("/")
    existed = [p for p in (f"{root}/zarr.json", f"{root}/.zgroup") if fs.exists(p)]
    try:
        zarr.open_group(store=url, mode="a", storage_options=storage_options)
    except Exception as exc:
        raise ArrayError(f"to_zarr: cannot open {url!r} as a zarr group to write component {component!r} in: "
                         f"{type(exc).__name__}: {exc}") from None
    if existed:
        return None
    made = [p for p in (f"{root}/zarr.json", f"{root}/.zgroup") if fs.exists(p)]
    return made[0] if made else None


# -- .npy stacks --------------------------------------------------------------------------------------

class _InfoUnpickler(pickle.Unpickler):
    """The ``info`` file of an npy stack is a pickle (dask's format); only NumPy dtypes and plain
    containers may be in it, so reading one never runs other code."""

    def find_class(self, module: str, name: str):
        if (module == "numpy" and name == "dtype") or module == "numpy.dtypes" or \
                (module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "scalar"):
            return super().find_class(module, name)
        raise ArrayError(f"from_npy_stack: the info file holds {module}.{name}, which is not part of an npy stack")


def _save_npy(fs: Any, path: str, block: np.ndarray) -> int:
    with fs.open(path, "wb") as f:
        np.save(f, np.asarray(block), allow_pickle=False)
    return 0


def _load_npy(path: str, mmap_mode: str | None) -> np.ndarray:
    with PARSE_LOCK:  # np.load parses the header with ast.literal_eval (frames.parsing)
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)


def to_npy_stack(dirname: str, x: Array, axis: int = 0, overwrite: bool = False, scheduler: Any = None) -> None:
    """Write ``x`` as a directory of ``.npy`` files, one per block along ``axis`` (the other axes
    whole), plus an ``info`` file, as ``dask.array.to_npy_stack`` (readable by dask's
    ``from_npy_stack`` and ours). An existing directory is refused unless ``overwrite=True``; the
    directory is written under a temporary name and renamed when complete."""
    from frames.dataframe.io import targets

    if not isinstance(x, Array):
        raise ArrayError(f"to_npy_stack writes a frames array, not {type(x).__name__}")
    _known(x, "to_npy_stack")
    if not x.ndim:
        raise ArrayError("to_npy_stack needs an array of at least one dimension")
    if not isinstance(axis, int) or not -x.ndim <= axis < x.ndim:
        raise ArrayError(f"to_npy_stack: axis {axis} is out of bounds for an array of {x.ndim} dimensions")
    axis %= x.ndim
    chunks = tuple(c if i == axis else (sum(c),) for i, c in enumerate(x.chunks))
    xx = x.rechunk(chunks)
    target = _prepare_dir(os.fspath(dirname), overwrite, None, "to_npy_stack")
    fs = target.fs
    tmp = targets.temp_name(target.path)
    graph, _ = xx._build_graph()
    tag = new_name("to-npy-stack")
    keys = []
    for i in range(len(chunks[axis])):
        idx = tuple(i if a == axis else 0 for a in range(x.ndim))
        graph[(tag, i)] = Task(_save_npy, fs, f"{tmp}/{i}.npy", Ref((xx.name, *idx)))
        keys.append((tag, i))
    try:
        targets.make_parents(target)
        fs.makedirs(tmp, exist_ok=True)
        with fs.open(f"{tmp}/info", "wb") as f:
            pickle.dump({"chunks": chunks, "dtype": x.dtype, "axis": axis}, f)
        run(graph, keys, scheduler=scheduler)
        target.merge = False
        targets.commit(target, tmp)
    except BaseException:
        _abandon(target, tmp)
        raise


def from_npy_stack(dirname: str, mmap_mode: str | None = "r", name: str | None = None) -> Array:
    """An array over a directory written by ``to_npy_stack`` (ours or dask's): one block per
    ``.npy`` file, loaded (memory-mapped with ``mmap_mode='r'``) in its task."""
    dirname = os.fspath(dirname)
    info_path = os.path.join(dirname, "info")
    try:
        with open(info_path, "rb") as f:
            info = _InfoUnpickler(f).load()
    except FileNotFoundError:
        raise ArrayError(f"from_npy_stack: {dirname!r} has no info file; is it an npy stack?") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise ArrayError(f"from_npy_stack: cannot read {info_path!r}: {exc}") from None
    if not isinstance(info, dict) or not {"chunks", "dtype", "axis"} <= set(info):
        raise ArrayError(f"from_npy_stack: {info_path!r} is not an npy stack's info (chunks, dtype, axis)")
    chunks, dtype, axis = tuple(tuple(c) for c in info["chunks"]), np.dtype(info["dtype"]), int(info["axis"])
    name = name or new_name("from-npy-stack")
    layer = {}
    for i in range(len(chunks[axis])):
        path = os.path.join(dirname, f"{i}.npy")
        if not os.path.exists(path):
            raise ArrayError(f"from_npy_stack: {path!r} is missing: the stack has {len(chunks[axis])} blocks")
        idx = tuple(i if a == axis else 0 for a in range(len(chunks)))
        layer[(name, *idx)] = Task(_load_npy, path, mmap_mode)
    return Array(layer, name, chunks, dtype)


__all__ = ["store", "to_hdf5", "HDF5Reader", "from_zarr", "to_zarr", "to_npy_stack", "from_npy_stack",
           "SerializableLock"]

"""frames.array.io and convert: zarr, HDF5 and npy-stack round trips (read back with zarr, h5py
and dask too), store, the nothing-lost rules (existing targets refused, failed writes leave
nothing), and conversions to and from DataFrames and Delayed, across chunkings, dtypes and
schedulers."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pandas as pd
import pytest

import frames
import frames.array as fa
from frames import delayed
from frames.array import ArrayError, UnknownChunksError
from frames.array.core import Array

zarr = pytest.importorskip("zarr")
h5py = pytest.importorskip("h5py")

DATA = {
    "float-2d": (np.arange(60.0).reshape(6, 10), [(4, 3), (6, 10), (1, 10), ((1, 2, 3), (5, 5))]),
    "int-3d": (np.arange(48, dtype="int32").reshape(3, 4, 4), [(2, 3, 4), (1, 1, 1)]),
    "bool-1d": (np.arange(11) % 3 == 0, [4, 1, -1]),
    "nan-1d": (np.array([1.0, np.nan, 3.0, np.nan, 5.0]), [2]),
    "empty": (np.zeros((0, 3)), [(2, 2)]),
    "0-d": (np.array(2.5), [()]),
}
CASES = [(k, i) for k, (_, chunkings) in DATA.items() for i in range(len(chunkings))]


def _case(key: str, i: int) -> tuple[np.ndarray, Array]:
    data, chunkings = DATA[key]
    return data, fa.from_array(data, chunks=chunkings[i])


def _fail(block):
    raise RuntimeError("this block cannot be made")


def _listing(path) -> list[str]:
    return sorted(os.listdir(path))


# -- zarr ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key,i", CASES)
def test_zarr_round_trip(tmp_path, key, i):
    data, x = _case(key, i)
    url = str(tmp_path / "a.zarr")
    assert fa.to_zarr(x, url) is None
    back = zarr.open_array(url, mode="r")
    np.testing.assert_array_equal(back[...], data)
    assert back.dtype == data.dtype
    y = fa.from_zarr(url)
    assert y.chunks == fa.normalize_chunks(tuple(back.chunks), data.shape)  # its own chunks by default
    np.testing.assert_array_equal(y.compute(), data)
    np.testing.assert_array_equal(fa.from_zarr(url, chunks=2 if data.ndim else ()).compute(), data)
    np.testing.assert_array_equal(fa.from_zarr(zarr.open_array(url, mode="r")).compute(), data)
    assert _listing(tmp_path) == ["a.zarr"]  # no temporary output left beside it


def test_zarr_chunks_follow_the_array_and_never_share_a_zarr_chunk(tmp_path):
    x = fa.from_array(np.arange(60.0).reshape(6, 10), chunks=((1, 2, 3), (5, 5)))  # irregular rows
    fa.to_zarr(x, str(tmp_path / "a.zarr"))
    z = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert z.chunks == (3, 5)
    from frames.array.io import _zarr_aligned

    aligned = _zarr_aligned(fa.from_array(np.zeros((12, 10)), chunks=(3, 4)), (2, 5))
    for blocks, zc in zip(aligned.chunks, (2, 5)):
        assert all(b % zc == 0 for b in blocks[:-1])


def test_to_zarr_into_a_zarr_array_rechunks_to_its_chunks(tmp_path):
    data = np.arange(60.0).reshape(6, 10)
    z = zarr.open_array(str(tmp_path / "b.zarr"), mode="w", shape=(6, 10), chunks=(2, 5), dtype="f8")
    fa.to_zarr(fa.from_array(data, chunks=(3, 4)), z, scheduler="processes")
    np.testing.assert_array_equal(z[...], data)
    with pytest.raises(ArrayError, match="shape"):
        fa.to_zarr(fa.ones((2, 2)), z)


def test_zarr_in_memory_is_written_in_process_only():
    data = np.arange(12.0).reshape(3, 4)
    z = zarr.create_array(store=zarr.storage.MemoryStore(), shape=(3, 4), chunks=(2, 2), dtype="f8")
    fa.to_zarr(fa.from_array(data, chunks=2), z, scheduler="threads")
    np.testing.assert_array_equal(z[...], data)
    np.testing.assert_array_equal(fa.from_zarr(z).compute(), data)
    with pytest.raises(ArrayError, match="MemoryStore.*another one"):
        fa.to_zarr(fa.from_array(data, chunks=2), z, scheduler="processes")


def test_zarr_component_in_a_group(tmp_path):
    data = np.arange(20).reshape(4, 5)
    url = str(tmp_path / "g.zarr")
    fa.to_zarr(fa.from_array(data, chunks=2), url, component="sub/arr")
    fa.from_array(data * 2, chunks=3).to_zarr(url, component="other")
    np.testing.assert_array_equal(fa.from_zarr(url, component="sub/arr").compute(), data)
    np.testing.assert_array_equal(zarr.open_group(url, mode="r")["other"][...], data * 2)
    with pytest.raises(ArrayError, match="not a zarr array|cannot open"):
        fa.from_zarr(url)
    with pytest.raises(ArrayError, match="no zarr array"):
        fa.from_zarr(str(tmp_path / "missing.zarr"))


def test_zarr_existing_target_is_refused_unless_overwrite(tmp_path):
    url = str(tmp_path / "a.zarr")
    fa.to_zarr(fa.arange(10, chunks=3), url)
    with pytest.raises(ArrayError, match="already exists.*overwrite=True"):
        fa.to_zarr(fa.zeros(10, chunks=3), url)
    np.testing.assert_array_equal(zarr.open_array(url, mode="r")[...], np.arange(10))  # untouched
    fa.to_zarr(fa.zeros(4, chunks=3), url, overwrite=True)
    np.testing.assert_array_equal(zarr.open_array(url, mode="r")[...], np.zeros(4))
    (tmp_path / "empty.zarr").mkdir()  # an empty directory holds nothing to protect
    fa.to_zarr(fa.ones(3), str(tmp_path / "empty.zarr"))
    np.testing.assert_array_equal(fa.from_zarr(str(tmp_path / "empty.zarr")).compute(), np.ones(3))
    assert _listing(tmp_path) == ["a.zarr", "empty.zarr"]


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_a_failed_zarr_write_leaves_nothing(tmp_path, scheduler):
    bad = fa.ones((6, 4), chunks=2).map_blocks(_fail, dtype=float)
    with pytest.raises(Exception, match="cannot be made"):
        fa.to_zarr(bad, str(tmp_path / "new.zarr"), scheduler=scheduler)
    assert _listing(tmp_path) == []
    fa.to_zarr(fa.arange(5), str(tmp_path / "old.zarr"))
    with pytest.raises(Exception, match="cannot be made"):
        fa.to_zarr(bad, str(tmp_path / "old.zarr"), overwrite=True, scheduler=scheduler)
    np.testing.assert_array_equal(fa.from_zarr(str(tmp_path / "old.zarr")).compute(), np.arange(5))
    assert _listing(tmp_path) == ["old.zarr"]
    with pytest.raises(Exception, match="cannot be made"):  # a component into a group this write would make
        fa.to_zarr(bad, str(tmp_path / "g.zarr"), component="deep/x", scheduler=scheduler)
    assert _listing(tmp_path) == ["old.zarr"]
    with pytest.raises(ArrayError, match="cannot open .* as a zarr group"):
        fa.to_zarr(fa.ones(2), str(tmp_path / "old.zarr"), component="x")


def test_to_zarr_compute_false_writes_when_computed(tmp_path):
    url = str(tmp_path / "later.zarr")
    d = fa.to_zarr(fa.arange(7, chunks=2) * 3, url, compute=False)
    assert not os.path.exists(url)
    d.compute()
    np.testing.assert_array_equal(fa.from_zarr(url).compute(), np.arange(7) * 3)
    assert _listing(tmp_path) == ["later.zarr"]


# -- HDF5 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key,i", CASES)
def test_hdf5_round_trip(tmp_path, key, i):
    data, x = _case(key, i)
    fn = str(tmp_path / "f.h5")
    fa.to_hdf5(fn, "/group/x", x)
    with h5py.File(fn, "r") as f:
        ds = f["group/x"]
        np.testing.assert_array_equal(ds[...], data)
        if data.size and data.ndim:
            assert ds.chunks == tuple(min(int(c), n) for c, n in zip(x.chunksize, data.shape))
        y = fa.from_array(ds, chunks=2)
        np.testing.assert_array_equal(y.compute(), data)
    assert _listing(tmp_path) == ["f.h5"]


def test_hdf5_several_datasets_existing_ones_and_overwrite(tmp_path):
    fn = str(tmp_path / "f.h5")
    a = np.arange(12.0).reshape(3, 4)
    fa.to_hdf5(fn, {"/a": fa.from_array(a, chunks=2), "b/c": fa.arange(5, chunks=2)}, compression="gzip")
    fa.from_array(a * 2, chunks=3).to_hdf5(fn, "/d")  # into the existing file, beside the others
    with pytest.raises(ArrayError, match="'/a' already exists.*overwrite=True"):
        fa.to_hdf5(fn, "/a", fa.zeros((3, 4)))
    fa.to_hdf5(fn, "/a", fa.zeros((2, 2)), overwrite=True)
    with h5py.File(fn, "r") as f:
        np.testing.assert_array_equal(f["a"][...], np.zeros((2, 2)))
        np.testing.assert_array_equal(f["b/c"][...], np.arange(5))
        np.testing.assert_array_equal(f["d"][...], a * 2)
        assert f["b/c"].compression == "gzip"
        assert sorted(f) == ["a", "b", "d"]
    with pytest.raises(ArrayError, match="takes"):
        fa.to_hdf5(fn, fa.ones(2))


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_a_failed_hdf5_write_leaves_nothing(tmp_path, scheduler):
    bad = fa.ones((6, 4), chunks=2).map_blocks(_fail, dtype=float)
    fn = str(tmp_path / "f.h5")
    with pytest.raises(Exception, match="cannot be made"):
        fa.to_hdf5(fn, "/x", bad, scheduler=scheduler)
    assert _listing(tmp_path) == []
    fa.to_hdf5(fn, "/keep", fa.arange(3))
    with pytest.raises(Exception, match="cannot be made"):
        fa.to_hdf5(fn, "/keep", bad, overwrite=True, scheduler=scheduler)
    with h5py.File(fn, "r") as f:
        assert list(f) == ["keep"]
        np.testing.assert_array_equal(f["keep"][...], np.arange(3))


def test_an_h5py_dataset_pickles_as_a_reader(tmp_path):
    fn = str(tmp_path / "f.h5")
    with h5py.File(fn, "w") as f:
        f.create_dataset("x", data=np.arange(20.0).reshape(4, 5), chunks=(2, 5))
    with h5py.File(fn, "r") as f:
        x = fa.from_array(f["x"])
        assert x.chunks == ((4,), (5,))  # whole multiples of the dataset's chunks
        reader = x.layer[(x.name, 0, 0)].args[0]
        clone = pickle.loads(pickle.dumps(reader))
        np.testing.assert_array_equal(clone[1:3, ::2], np.arange(20.0).reshape(4, 5)[1:3, ::2])
        np.testing.assert_array_equal(fa.from_array(f["x"], chunks=(1, 2)).compute(scheduler="processes"),
                                      np.arange(20.0).reshape(4, 5))


# -- npy stacks --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key,i", [c for c in CASES if c[0] != "0-d"])
@pytest.mark.parametrize("axis", [0, -1])
def test_npy_stack_round_trip(tmp_path, key, i, axis):
    data, x = _case(key, i)
    d = str(tmp_path / "stack")
    fa.to_npy_stack(d, x, axis=axis)
    files = _listing(d)
    assert "info" in files and len(files) == 1 + x.numblocks[axis]
    y = fa.from_npy_stack(d)
    assert y.chunks[axis % data.ndim] == x.chunks[axis % data.ndim]
    np.testing.assert_array_equal(y.compute(), data)
    np.testing.assert_array_equal(fa.from_npy_stack(d, mmap_mode=None).compute(), data)


def test_npy_stacks_are_dasks_format(tmp_path):
    da = pytest.importorskip("dask.array")
    data = np.arange(30.0).reshape(6, 5)
    fa.to_npy_stack(str(tmp_path / "ours"), fa.from_array(data, chunks=(4, 2)))
    np.testing.assert_array_equal(da.from_npy_stack(str(tmp_path / "ours")).compute(), data)
    da.to_npy_stack(str(tmp_path / "theirs"), da.from_array(data, chunks=(2, 5)), axis=0)
    y = fa.from_npy_stack(str(tmp_path / "theirs"))
    assert y.chunks == ((2, 2, 2), (5,))
    np.testing.assert_array_equal(y.compute(), data)


def test_npy_stack_refusals(tmp_path):
    d = tmp_path / "stack"
    fa.to_npy_stack(str(d), fa.arange(6, chunks=2))
    with pytest.raises(ArrayError, match="already exists"):
        fa.to_npy_stack(str(d), fa.arange(3))
    fa.to_npy_stack(str(d), fa.arange(3), overwrite=True)
    np.testing.assert_array_equal(fa.from_npy_stack(str(d)).compute(), np.arange(3))
    with pytest.raises(ArrayError, match="no info file"):
        fa.from_npy_stack(str(tmp_path))
    (d / "info").write_bytes(pickle.dumps({"chunks": ((3,),), "dtype": os.system, "axis": 0}))
    with pytest.raises(ArrayError, match="posix.system|not part of an npy stack"):
        fa.from_npy_stack(str(d))
    bad = fa.ones(4, chunks=2).map_blocks(_fail, dtype=float)
    with pytest.raises(Exception, match="cannot be made"):
        fa.to_npy_stack(str(tmp_path / "never"), bad)
    assert _listing(tmp_path) == ["stack"]


# -- store ----------------------------------------------------------------------------------------------

def test_store_into_numpy_targets_with_regions_and_locks():
    a, b = np.arange(20.0).reshape(4, 5), np.arange(6)
    x, y = fa.from_array(a, chunks=(3, 2)), fa.from_array(b, chunks=4)
    out_a, out_b = np.zeros((4, 5)), np.zeros(6, dtype=int)
    fa.store([x, y], [out_a, out_b])
    np.testing.assert_array_equal(out_a, a)
    np.testing.assert_array_equal(out_b, b)
    big = np.zeros((6, 9))
    fa.store(x, big, regions=(slice(1, 5), slice(3, 8)), lock=False, scheduler="threads")
    np.testing.assert_array_equal(big[1:5, 3:8], a)
    assert big.sum() == a.sum()
    target = np.zeros(6, dtype=int)
    later = fa.store(y, target, compute=False)
    assert not target.any()
    later.compute()
    np.testing.assert_array_equal(target, b)


def test_store_into_memory_refuses_other_processes(tmp_path):
    x = fa.from_array(np.arange(6.0), chunks=2)
    with pytest.raises(ArrayError, match="NumPy array.*another one"):
        fa.store(x, np.zeros(6), scheduler="processes")
    with h5py.File(str(tmp_path / "f.h5"), "w") as f:
        ds = f.create_dataset("x", shape=(6,), dtype="f8")
        with pytest.raises(ArrayError, match="h5py dataset.*another one"):
            fa.store(x, ds, scheduler="processes")
        fa.store(x, ds, scheduler="threads")
        np.testing.assert_array_equal(ds[...], np.arange(6.0))
    z = zarr.open_array(str(tmp_path / "z.zarr"), mode="w", shape=(6,), chunks=(2,), dtype="f8")
    fa.store(x, z, scheduler="processes")  # on disk: written from any process
    np.testing.assert_array_equal(z[...], np.arange(6.0))


def test_store_errors():
    x = fa.ones((2, 3))
    with pytest.raises(ArrayError, match="shape"):
        fa.store(x, np.zeros((3, 3)))
    with pytest.raises(ArrayError, match="2 sources and 1 targets"):
        fa.store([x, x], [np.zeros((2, 3))])
    with pytest.raises(ArrayError, match="does not support"):
        fa.store(x, (1, 2))
    with pytest.raises(ArrayError, match="region"):
        fa.store(x, np.zeros((5, 5)), regions=(slice(0, 1), slice(0, 3)))


# -- on other schedulers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_storage_round_trips_on_every_scheduler(tmp_path, any_scheduler):
    data = np.arange(42.0).reshape(6, 7)
    x = fa.from_array(data, chunks=(4, 3))
    fa.to_zarr(x, str(tmp_path / "a.zarr"), scheduler=any_scheduler)
    np.testing.assert_array_equal(fa.from_zarr(str(tmp_path / "a.zarr")).compute(scheduler=any_scheduler), data)
    fa.to_hdf5(str(tmp_path / "f.h5"), "/x", x, scheduler=any_scheduler)
    with h5py.File(str(tmp_path / "f.h5"), "r") as f:
        np.testing.assert_array_equal(fa.from_array(f["x"], chunks=(2, 5)).compute(scheduler=any_scheduler), data)
    fa.to_npy_stack(str(tmp_path / "s"), x, axis=1, scheduler=any_scheduler)
    np.testing.assert_array_equal(fa.from_npy_stack(str(tmp_path / "s")).compute(scheduler=any_scheduler), data)
    frame = x.to_dataframe(columns=list("abcdefg"))
    pd.testing.assert_frame_equal(frame.compute(scheduler=any_scheduler), pd.DataFrame(data, columns=list("abcdefg")))
    np.testing.assert_array_equal(frame.to_array().compute(scheduler=any_scheduler), data)
    assert _listing(tmp_path) == ["a.zarr", "f.h5", "s"]


# -- arrays and DataFrames -------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [(3, 2), (8, 3), (1, 1), (5, -1)])
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_to_dataframe(chunks, dtype):
    data = (np.arange(24).reshape(8, 3) % 5).astype(dtype)
    x = fa.from_array(data, chunks=chunks)
    df = x.to_dataframe()
    assert isinstance(df, frames.DataFrame)
    assert df.npartitions == x.numblocks[0] and list(df.columns) == ["0", "1", "2"]
    pd.testing.assert_frame_equal(df.compute(), pd.DataFrame(data, columns=["0", "1", "2"]))
    named = x.to_dataframe(columns=["a", "b", "c"])
    assert named.a.sum().compute() == data[:, 0].sum()
    one = fa.from_array(data[:, 0], chunks=chunks[0]).to_dataframe(columns=["v"])
    pd.testing.assert_frame_equal(one.compute(), pd.DataFrame({"v": data[:, 0]}))


def test_to_dataframe_is_lazy_and_checks_its_arguments():
    calls = []
    x = fa.ones((4, 2), chunks=2).map_blocks(_record(calls), dtype=float)
    df = x.to_dataframe(columns=["p", "q"])
    assert calls == [] and df.npartitions == 2
    assert df.p.sum().compute() == 4.0
    with pytest.raises(ArrayError, match="1-D or 2-D"):
        fa.ones((2, 2, 2)).to_dataframe()
    with pytest.raises(ArrayError, match="2 column names for an array of 3"):
        fa.ones((2, 3)).to_dataframe(columns=["a", "b"])


class _record:
    def __init__(self, calls):
        self.calls = calls

    def __call__(self, block):
        self.calls.append(1)
        return block


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_dataframe_to_array(npartitions):
    pdf = pd.DataFrame({"i": np.arange(10), "f": np.linspace(0, 1, 10), "b": np.arange(10) % 2 == 0})
    df = frames.from_pandas(pdf, npartitions=npartitions)
    v = df.values
    assert v.dtype == np.float64 and v.ndim == 2 and np.isnan(v.shape[0]) and v.shape[1] == 3
    assert v.numblocks == (npartitions, 1)
    np.testing.assert_array_equal(v.compute(), pdf.to_numpy(dtype=float))
    known = df.to_array(lengths=True)
    assert sum(known.chunks[0]) == 10 and len(known.chunks[0]) == npartitions
    np.testing.assert_array_equal((known + 1).compute(), pdf.to_numpy(dtype=float) + 1)
    np.testing.assert_array_equal(df[["i"]].to_array(lengths=[len(c) for c in np.array_split(np.arange(10), npartitions)]).compute(),
                                  pdf[["i"]].to_numpy())
    s = df.i.values
    assert s.dtype == np.int64 and s.ndim == 1
    np.testing.assert_array_equal(s.compute(), pdf.i.to_numpy())
    np.testing.assert_array_equal(df[df.i > 4].f.to_array().compute(), pdf[pdf.i > 4].f.to_numpy())
    np.testing.assert_array_equal(df.b.to_array(lengths=True).compute(scheduler="processes"), pdf.b.to_numpy())


def test_dataframe_to_array_of_strings_and_nulls():
    df = frames.from_pandas(pd.DataFrame({"s": ["a", None, "c"]}), npartitions=2)
    assert df.values.dtype == object
    np.testing.assert_array_equal(df.s.values.compute(), np.array(["a", None, "c"], dtype=object))
    with pytest.raises(ArrayError, match="1 lengths for a frame of 2"):
        df.to_array(lengths=[3])


def test_array_and_frame_unknown_lengths_need_compute_chunk_sizes():
    v = frames.from_pandas(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), npartitions=2).values
    with pytest.raises(UnknownChunksError):
        fa.concatenate([v, fa.ones((3, 1))], axis=1)


# -- arrays and Delayed -----------------------------------------------------------------------------------

def test_to_delayed_and_back():
    data = np.arange(24.0).reshape(6, 4)
    x = fa.from_array(data, chunks=(4, 3)) + 1
    blocks = x.to_delayed()
    assert blocks.shape == (2, 2) and blocks.dtype == object
    np.testing.assert_array_equal(blocks[1, 0].compute(), data[4:, :3] + 1)
    total = delayed(sum)([delayed(np.sum)(b) for b in blocks.ravel()])
    assert total.compute() == (data + 1).sum() == total.compute(scheduler="processes")
    rows = [fa.concatenate([fa.from_delayed(blocks[i, j], shape=(x.chunks[0][i], x.chunks[1][j]), dtype=x.dtype)
                            for j in range(2)], axis=1) for i in range(2)]
    np.testing.assert_array_equal(fa.concatenate(rows).compute(), data + 1)
    assert fa.ones(()).to_delayed().shape == ()


def test_xarray_writes_zarr_through_store(tmp_path):
    """xarray's to_zarr hands frames-backed variables to ``store`` (with flush=True and regions)."""
    xr = pytest.importorskip("xarray")
    ds = xr.Dataset({"v": (("x", "y"), np.arange(20.0).reshape(4, 5)), "w": (("x",), np.arange(4))})
    chunked = ds.chunk({"x": 2}, chunked_array_type="frames")
    assert isinstance(chunked.v.data, Array)
    chunked.to_zarr(str(tmp_path / "x.zarr"), mode="w", consolidated=False)
    back = xr.open_zarr(str(tmp_path / "x.zarr"), consolidated=False)
    np.testing.assert_array_equal(back.v.values, ds.v.values)
    np.testing.assert_array_equal(back.w.values, ds.w.values)


def test_computing_many_blocks_delayed_builds_the_arrays_graph_once(monkeypatch):
    """frames.compute(*x.to_delayed().ravel()) asks the shared graph once, not once per block
    (which made 3000 one-element blocks take 8 s instead of 0.4 s)."""
    from frames.array.convert import GraphDependency

    calls = []
    original = GraphDependency._build_graph

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(GraphDependency, "_build_graph", counted)
    x = fa.arange(40, chunks=1) * 3
    values = frames.compute(*x.to_delayed().ravel())
    assert [int(v[0]) for v in values] == list(range(0, 120, 3))
    assert len(calls) == 1


def test_npy_blocks_are_read_under_the_parse_lock(tmp_path, monkeypatch):
    """np.load parses each .npy header with ast.literal_eval, which two threads must not run at
    once on CPython 3.11 (a threads-scheduler read failed with 'AST constructor recursion depth
    mismatch', gh-106905): every block is read holding frames.parsing.PARSE_LOCK."""
    from frames.array import io as array_io
    from frames.parsing import PARSE_LOCK

    data = np.arange(12.0)
    d = str(tmp_path / "stack")
    fa.to_npy_stack(d, fa.from_array(data, chunks=4))
    real_load, held = np.load, []

    def load(*args, **kwargs):
        held.append(PARSE_LOCK.locked())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(array_io.np, "load", load)
    np.testing.assert_array_equal(fa.from_npy_stack(d, mmap_mode=None).compute(scheduler="threads"), data)
    assert held and all(held)

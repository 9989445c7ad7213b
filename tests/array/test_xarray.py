"""frames.array as an xarray chunk manager: variables chunked with ``chunked_array_type="frames"``
are frames arrays, xarray's arithmetic and reductions stay lazy on them, and ``.compute()`` gives
NumPy's answers. Where this checkout is not installed with its entry point (``pip install -e .``
registers ``xarray.chunkmanagers: frames``), the manager object itself is passed to xarray."""

from __future__ import annotations

import pathlib
import tomllib

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

import frames.array as fa  # noqa: E402
from frames.array.core import Array  # noqa: E402
from frames.array.errors import ArrayError  # noqa: E402
from frames.array.xarray import FramesChunkManager, apply_gufunc, parse_gufunc_signature, unify_chunks  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manager():
    """``"frames"`` when xarray finds the entry point, else the manager object (same code)."""
    from xarray.namedarray.parallelcompat import list_chunkmanagers

    return "frames" if "frames" in list_chunkmanagers() else FramesChunkManager()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    a = rng.random((30, 8))
    a[3, 2] = np.nan
    return a


def test_entry_point_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["xarray.chunkmanagers"]["frames"]
    module, cls = target.split(":")
    assert (module, cls) == ("frames.array.xarray", "FramesChunkManager")
    assert FramesChunkManager().array_cls is Array


@pytest.mark.parametrize("chunks", [{"x": 10}, {"x": 7, "y": 3}, {"x": 1}, {"x": -1}])
def test_chunk_then_arithmetic(manager, data, chunks):
    da = xr.DataArray(data, dims=("x", "y"), coords={"x": np.arange(30)})
    lazy = da.chunk(chunks, chunked_array_type=manager)
    assert isinstance(lazy.data, Array)
    expected_x = {10: (10, 10, 10), 7: (7, 7, 7, 7, 2), 1: (1,) * 30, -1: (30,)}[chunks["x"]]
    assert lazy.chunks[0] == expected_x
    column = xr.DataArray(data[:, 0], dims="x", coords={"x": np.arange(30)})  # NumPy, broadcast along y
    out = (lazy * 2 + column - 1) ** 2
    assert isinstance(out.data, Array)  # still lazy
    got = out.compute()
    assert isinstance(got.data, np.ndarray)
    np.testing.assert_allclose(got.values, (data * 2 + data[:, :1] - 1) ** 2)
    np.testing.assert_allclose(np.asarray(lazy), data)


def test_selection_through_xarray(manager, data):
    lazy = xr.DataArray(data, dims=("x", "y")).chunk({"x": 10}, chunked_array_type=manager)
    if not hasattr(Array, "__getitem__"):
        pytest.skip("frames.array slicing is not in this checkout yet")
    np.testing.assert_allclose(lazy.isel(x=slice(5, 25), y=[1, 3]).compute().values, data[5:25][:, [1, 3]])


def test_reductions_through_xarray(manager, data):
    lazy = xr.DataArray(data, dims=("x", "y")).chunk({"x": 10}, chunked_array_type=manager)
    if not hasattr(Array, "mean"):
        pytest.skip("frames.array reductions are not in this checkout yet")
    np.testing.assert_allclose(lazy.mean("x").compute().values, np.nanmean(data, axis=0))
    np.testing.assert_allclose(lazy.mean("x", skipna=False).compute().values, data.mean(axis=0))
    np.testing.assert_allclose(lazy.sum("y").compute().values, np.nansum(data, axis=1))
    np.testing.assert_allclose(lazy.std().compute().values, np.nanstd(data))


def test_dataset_compute_and_persist_share_one_pass(manager, data):
    ds = xr.Dataset({"a": (("x", "y"), data), "b": (("x", "y"), data.T[::-1].T.copy())})
    lazy = ds.chunk({"x": 6}, chunked_array_type=manager)
    assert all(isinstance(v.data, Array) for v in lazy.data_vars.values())
    persisted = lazy.persist()
    assert isinstance(persisted["a"].data, Array)
    assert all(isinstance(block, np.ndarray) for block in persisted["a"].data.layer.values())  # held, not tasks
    total = (persisted["a"] + persisted["b"]).compute()
    np.testing.assert_allclose(total.values, data + data[:, ::-1])
    a, b = FramesChunkManager().compute(lazy["a"].data, lazy["b"].data)
    np.testing.assert_array_equal(a, data) and np.testing.assert_array_equal(b, data[:, ::-1])


def test_rechunk_and_from_array_details(manager, data):
    cm = FramesChunkManager()
    lazy = xr.DataArray(data, dims=("x", "y")).chunk({"x": 10}, chunked_array_type=manager)
    again = lazy.chunk({"x": 4, "y": 5}, chunked_array_type=manager)  # xarray guesses dask unless told
    assert again.chunks == ((4,) * 7 + (2,), (5, 3))
    np.testing.assert_array_equal(again.compute().values, data)
    assert cm.normalize_chunks(("auto", -1), shape=(30, 8), dtype=np.float64, limit=8 * 40) == ((5,) * 6, (8,))
    assert cm.normalize_chunks((10, -1), shape=(30, 8)) == ((10, 10, 10), (8,))
    empty = cm.from_array(np.zeros((0, 3)), ("auto", "auto"))
    assert empty.shape == (0, 3) and empty.compute().shape == (0, 3)
    assert cm.is_chunked_array(lazy.data) and not cm.is_chunked_array(data)
    assert cm.get_auto_chunk_size() == 128 * 2 ** 20


def test_open_dataset_backend_array_is_read_per_block(manager, tmp_path, data):
    """A variable xarray reads lazily from a file comes in through its indexing adapter, one
    block per task, and the answer matches the file."""
    pytest.importorskip("scipy")
    path = tmp_path / "d.nc"
    xr.Dataset({"a": (("x", "y"), data)}).to_netcdf(path, engine="scipy")
    with xr.open_dataset(path, engine="scipy", chunks={"x": 10}, chunked_array_type=manager) as ds:
        assert isinstance(ds["a"].data, Array) and ds["a"].chunks == ((10, 10, 10), (8,))
        np.testing.assert_allclose((ds["a"] * 3).compute().values, data * 3)


def test_map_blocks_and_blockwise(data):
    cm = FramesChunkManager()
    x = fa.from_array(data, chunks=(10, 4))
    np.testing.assert_allclose(cm.map_blocks(np.negative, x, dtype=float).compute(), -data)
    rows = fa.from_array(data, chunks=(10, 8))
    summed = cm.map_blocks(np.sum, rows, dtype=float, drop_axis=1, axis=1)
    assert summed.chunks == ((10, 10, 10),)
    np.testing.assert_allclose(summed.compute(), data.sum(axis=1))
    y = cm.blockwise(np.add, "ij", x, "ij", x, "ij", dtype=float)
    np.testing.assert_allclose(y.compute(), data + data)


def test_unify_chunks():
    x = fa.from_array(np.arange(10.0), chunks=((5, 2, 3),))
    y = fa.from_array(np.arange(10.0), chunks=((2, 3, 5),))
    chunkss, (a, b) = unify_chunks(x, "i", y, "i")
    assert chunkss == {"i": (2, 3, 2, 3)} and a.chunks == b.chunks == ((2, 3, 2, 3),)
    np.testing.assert_array_equal((a + b).compute(), np.arange(10.0) * 2)
    m = fa.from_array(np.ones((100, 10)), chunks=(20, 5))
    n = fa.from_array(np.ones((10, 100)), chunks=(4, 50))
    chunkss, arrays = unify_chunks(m, "ij", n, "jk", 7, None)
    assert chunkss == {"i": (20,) * 5, "j": (4, 1, 3, 2), "k": (50, 50)} and arrays[2] == 7
    with pytest.raises(ArrayError, match="index 'i'"):
        unify_chunks(x, "i", fa.from_array(np.arange(4.0)), "i")


def _corr(a, b):
    """A gufunc over the last axis: per-row correlation."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    return (a * b).sum(axis=-1) / np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))


def _stats(a):
    return a.mean(axis=-1), a.max(axis=-1)


def test_apply_ufunc_parallelized(manager, data):
    """xr.apply_ufunc(dask="parallelized") goes through the manager's apply_gufunc."""
    clean = np.nan_to_num(data)
    x = xr.DataArray(clean, dims=("x", "y")).chunk({"x": 7}, chunked_array_type=manager)
    y = x ** 2
    out = xr.apply_ufunc(_corr, x, y, input_core_dims=[["y"], ["y"]], dask="parallelized", output_dtypes=[float])
    assert isinstance(out.data, Array)
    np.testing.assert_allclose(out.compute().values, _corr(clean, clean ** 2))
    # a core dimension split over chunks: xarray refuses it itself, and joins it when allowed
    split = x.chunk({"y": 3}, chunked_array_type=manager)
    joined = xr.apply_ufunc(_corr, split, split, input_core_dims=[["y"], ["y"]], dask="parallelized",
                            output_dtypes=[float], dask_gufunc_kwargs={"allow_rechunk": True})
    np.testing.assert_allclose(joined.compute().values, np.ones(30))


def test_apply_gufunc_outputs_and_vectorize(data):
    clean = np.nan_to_num(data)
    x = fa.from_array(clean, chunks=(7, 8))
    mean, top = apply_gufunc(_stats, "(i)->(),()", x)
    np.testing.assert_allclose(mean.compute(), clean.mean(axis=1))
    np.testing.assert_allclose(top.compute(), clean.max(axis=1))
    outer = apply_gufunc(np.outer, "(i),(j)->(i,j)", fa.from_array(np.arange(3.0)), fa.from_array(np.arange(4.0)),
                         vectorize=True, output_dtypes=float)
    np.testing.assert_array_equal(outer.compute(), np.outer(np.arange(3.0), np.arange(4.0)))
    grown = apply_gufunc(_pad_one, "(i)->(k)", x, output_sizes={"k": 9}, output_dtypes=float)
    assert grown.shape == (30, 9)
    np.testing.assert_allclose(grown.compute()[:, :8], clean)
    with pytest.raises(ArrayError, match="core dimension 'i'.*rechunk"):
        apply_gufunc(_stats, "(i)->(),()", x.rechunk((7, 3)))
    with pytest.raises(ArrayError, match="output_sizes"):
        apply_gufunc(_pad_one, "(i)->(k)", x, output_dtypes=float)
    with pytest.raises(ArrayError, match="signature"):
        parse_gufunc_signature("(i)->")
    assert parse_gufunc_signature("(i, j),(j)->(i)") == ([("i", "j"), ("j",)], ("i",))


def _pad_one(a):
    return np.concatenate([a, np.ones(a.shape[:-1] + (1,))], axis=-1)


def test_distributed_compute_of_xarray_variable(manager, data, dask_client):
    lazy = xr.DataArray(data, dims=("x", "y")).chunk({"x": 10}, chunked_array_type=manager)
    got = FramesChunkManager().compute((lazy.data + 1) * 2, scheduler=dask_client)[0]
    np.testing.assert_allclose(got, (data + 1) * 2)


def test_manager_reduction_and_scan(manager, data):
    """The generic reduction and scan xarray reaches through the manager (``groupby.first`` and
    ``ffill`` use them), and ``cumsum`` through xarray."""
    cm = FramesChunkManager()
    x = fa.from_array(data, chunks=(7, 3))
    total = cm.reduction(x, np.nansum, aggregate_func=np.nansum, axis=0, dtype=float)
    np.testing.assert_allclose(total.compute(), np.nansum(data, axis=0))
    kept = cm.reduction(x, np.nanmax, aggregate_func=np.nanmax, axis=(0, 1), dtype=float, keepdims=True)
    np.testing.assert_allclose(kept.compute(), np.nanmax(data, keepdims=True))
    clean = np.nan_to_num(data)
    scanned = cm.scan(np.cumsum, np.add, 0, fa.from_array(clean, chunks=(7, 3)), axis=0, dtype=float)
    np.testing.assert_allclose(scanned.compute(), np.cumsum(clean, axis=0))
    lazy = xr.DataArray(clean, dims=("x", "y")).chunk({"x": 7}, chunked_array_type=manager)
    np.testing.assert_allclose(lazy.cumsum("x").compute().values, np.cumsum(clean, axis=0))


def test_manager_store(data):
    """``to_zarr``/``to_netcdf`` of frames-backed variables write through the manager's store."""
    target = np.zeros_like(data)
    FramesChunkManager().store([fa.from_array(data, chunks=(7, 3))], [target], scheduler="threads")
    np.testing.assert_array_equal(target, data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # zarr 3's note on consolidated metadata
def test_to_netcdf_and_to_zarr_write_frames_variables(manager, data, tmp_path):
    ds = xr.Dataset({"a": (("x", "y"), data)}).chunk({"x": 10}, chunked_array_type=manager)
    pytest.importorskip("scipy")
    ds.to_netcdf(tmp_path / "a.nc", engine="scipy")
    with xr.open_dataset(tmp_path / "a.nc", engine="scipy") as back:
        np.testing.assert_array_equal(back["a"].values, data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # zarr 3's note on consolidated metadata
def test_to_zarr_writes_frames_variables_and_refuses_deferred_writes(manager, data, tmp_path):
    pytest.importorskip("zarr")
    ds = xr.Dataset({"a": (("x", "y"), data)}).chunk({"x": 10}, chunked_array_type=manager)
    ds.to_zarr(tmp_path / "a.zarr", mode="w")
    with xr.open_zarr(tmp_path / "a.zarr") as back:
        np.testing.assert_array_equal(back["a"].values, data)
    # compute=False would hand frames' pending writes to dask.delayed, which never runs them
    with pytest.raises(ArrayError, match="compute=False"):
        ds.to_zarr(tmp_path / "b.zarr", mode="w", compute=False)

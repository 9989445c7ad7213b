"""``frames.array``: a lazy, chunked NumPy array with blocked algorithms, mirroring ``dask.array``.

    import frames.array as fa
    x = fa.from_array(np.random.default_rng(0).random((4000, 4000)), chunks=1000)
    (x + x.T - x.mean(axis=0)).std().compute()

Modules: ``core`` (the Array, blockwise, elemwise, map_blocks), ``chunks`` (chunk specs),
``creation`` (from_array, asarray, ones, arange, concatenate, ...), ``random`` (reproducible
random arrays), ``io`` (zarr, HDF5, npy stacks, store), ``convert`` (to and from DataFrames and
Delayed), ``rechunk``.
"""

from frames.array.chunks import normalize_chunks
from frames.array.core import Array, blockwise, elemwise, map_blocks
from frames.array.creation import (arange, asanyarray, asarray, block, concatenate, diag, empty, empty_like, eye,
                                   from_array, from_delayed, fromfunction, full, full_like, hstack, indices, linspace,
                                   meshgrid, ones, ones_like, stack, tri, tril, triu, vstack, where, zeros, zeros_like)
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array.io import from_npy_stack, from_zarr, store, to_hdf5, to_npy_stack, to_zarr
from frames.array import random  # noqa: E402 - the submodule, as dask.array.random
from frames.array.rechunk import rechunk

__all__ = ["Array", "ArrayError", "UnknownChunksError", "arange", "asanyarray", "asarray", "block", "blockwise",
           "concatenate", "diag", "elemwise", "empty", "empty_like", "eye", "from_array", "from_delayed",
           "fromfunction", "from_npy_stack", "from_zarr", "full", "full_like", "hstack", "indices", "linspace", "map_blocks", "meshgrid",
           "normalize_chunks", "ones", "ones_like", "random", "rechunk", "stack", "store", "to_hdf5", "to_npy_stack",
           "to_zarr", "tri", "tril", "triu", "vstack", "where", "zeros", "zeros_like"]

"""``frames.array``: a lazy, chunked NumPy array with blocked algorithms, mirroring ``dask.array``.

    import frames.array as fa
    x = fa.from_array(np.random.default_rng(0).random((4000, 4000)), chunks=1000)
    (x + x.T - x.mean(axis=0)).std().compute()

Modules: ``core`` (the Array, blockwise, elemwise, map_blocks), ``chunks`` (chunk specs),
``creation`` (from_array, asarray, ones, arange, concatenate, ...), ``random`` (reproducible
random arrays), ``io`` (zarr, HDF5, npy stacks, store), ``convert`` (to and from DataFrames and
Delayed), ``rechunk`` (staged rechunking), ``slicing`` (indexing, take, boolean masks, nonzero),
``reshape`` (reshape, transpose and the other axis functions), ``linalg`` (products, TSQR),
``overlap`` (map_overlap), ``reductions`` (sum ... argmax, the nan
forms, cumsum/cumprod as tree reductions and blocked scans), ``routines`` (topk, unique,
histogram, bincount, isin, average, median/percentile, diff, ...).
"""

from frames.array.chunks import normalize_chunks
from frames.array.core import Array, blockwise, elemwise, map_blocks
from frames.array.creation import (arange, asanyarray, asarray, block, concatenate, diag, empty, empty_like, eye,
                                   from_array, from_delayed, fromfunction, full, full_like, hstack, indices, linspace,
                                   meshgrid, ones, ones_like, stack, tri, tril, triu, vstack, where, zeros, zeros_like)
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array import linalg  # noqa: F401 - fa.linalg.qr, svd, norm, lstsq
from frames.array.linalg import dot, einsum, inner, matmul, outer, tensordot, vdot
from frames.array.overlap import map_overlap, overlap, trim_internal
from frames.array.io import from_npy_stack, from_zarr, store, to_hdf5, to_npy_stack, to_zarr
from frames.array import random  # noqa: E402 - the submodule, as dask.array.random
from frames.array.rechunk import rechunk
from frames.array.reshape import (atleast_1d, atleast_2d, atleast_3d, broadcast_to, expand_dims, flip, fliplr, flipud,
                                  moveaxis, ravel, reshape, roll, squeeze, swapaxes, transpose)
from frames.array.slicing import argwhere, compress, extract, flatnonzero, nonzero, take
from frames.array.reductions import (all, any, argmax, argmin, count_nonzero, cumprod, cumsum, max, mean, min,
                                     nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod,
                                     nanstd, nansum, nanvar, prod, ptp, reduction, std, sum, var)
from frames.array.routines import (allclose, argtopk, around, average, bincount, clip, diff, digitize, ediff1d,
                                   histogram, isclose, isin, median, nanmedian, nanpercentile, nanquantile,
                                   percentile, quantile, round, sort, topk, unique)

import types as _types

# every public name imported above (submodules other than the namespaces below are not API)
__all__ = sorted([n for n, v in globals().items() if not n.startswith("_") and not isinstance(v, _types.ModuleType)]
                 + [n for n in ("linalg", "random") if n in globals()])

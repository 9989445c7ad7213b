"""``frames.array``: a lazy, chunked NumPy array with blocked algorithms, mirroring ``dask.array``.

    import frames.array as fa
    x = fa.from_array(np.random.default_rng(0).random((4000, 4000)), chunks=1000)
    (x + x.T - x.mean(axis=0)).std().compute()

Modules: ``core`` (the Array, blockwise, elemwise, map_blocks), ``chunks`` (chunk specs),
``creation`` (from_array, asarray, ...), ``rechunk`` (staged rechunking), ``slicing`` (indexing,
take, boolean masks, nonzero), ``reshape`` (reshape, transpose and the other axis functions).
"""

from frames.array.chunks import normalize_chunks
from frames.array.core import Array, blockwise, elemwise, map_blocks
from frames.array.creation import asanyarray, asarray, from_array
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array.rechunk import rechunk
from frames.array.reshape import (atleast_1d, atleast_2d, atleast_3d, broadcast_to, expand_dims, flip, fliplr, flipud,
                                  moveaxis, ravel, reshape, roll, squeeze, swapaxes, transpose)
from frames.array.slicing import argwhere, compress, extract, flatnonzero, nonzero, take

__all__ = ["Array", "ArrayError", "UnknownChunksError", "asanyarray", "asarray", "blockwise", "elemwise",
           "from_array", "map_blocks", "normalize_chunks", "rechunk",
           "argwhere", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "compress", "expand_dims", "extract",
           "flatnonzero", "flip", "fliplr", "flipud", "moveaxis", "nonzero", "ravel", "reshape", "roll", "squeeze",
           "swapaxes", "take", "transpose"]

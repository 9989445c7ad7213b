"""``frames.array``: a lazy, chunked NumPy array with blocked algorithms, mirroring ``dask.array``.

    import frames.array as fa
    x = fa.from_array(np.random.default_rng(0).random((4000, 4000)), chunks=1000)
    (x + x.T - x.mean(axis=0)).std().compute()

Modules: ``core`` (the Array, blockwise, elemwise, map_blocks), ``chunks`` (chunk specs),
``creation`` (from_array, asarray, ...), ``rechunk``.
"""

from frames.array.chunks import normalize_chunks
from frames.array.core import Array, blockwise, elemwise, map_blocks
from frames.array.creation import asanyarray, asarray, from_array
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array import linalg  # noqa: F401 - fa.linalg.qr, svd, norm, lstsq
from frames.array.linalg import dot, einsum, inner, matmul, outer, tensordot, vdot
from frames.array.overlap import map_overlap, overlap, trim_internal
from frames.array.rechunk import rechunk

__all__ = ["Array", "ArrayError", "UnknownChunksError", "asanyarray", "asarray", "blockwise", "dot", "einsum", "elemwise",
           "from_array", "inner", "linalg", "map_blocks", "map_overlap", "matmul", "normalize_chunks", "outer",
           "overlap", "rechunk", "tensordot", "trim_internal", "vdot"]

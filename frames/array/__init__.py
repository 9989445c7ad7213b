"""``frames.array``: a lazy, chunked NumPy array with blocked algorithms, mirroring ``dask.array``.

    import frames.array as fa
    x = fa.from_array(np.random.default_rng(0).random((4000, 4000)), chunks=1000)
    (x + x.T - x.mean(axis=0)).std().compute()

Modules: ``core`` (the Array, blockwise, elemwise, map_blocks), ``chunks`` (chunk specs),
``creation`` (from_array, asarray, ...), ``rechunk``, ``reductions`` (sum ... argmax, the nan
forms, cumsum/cumprod as tree reductions and blocked scans), ``routines`` (topk, unique,
histogram, bincount, isin, average, median/percentile, diff, ...).
"""

from frames.array.chunks import normalize_chunks
from frames.array.core import Array, blockwise, elemwise, map_blocks
from frames.array.creation import asanyarray, asarray, from_array
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array.rechunk import rechunk
from frames.array.reductions import (all, any, argmax, argmin, count_nonzero, cumprod, cumsum, max, mean, min,
                                     nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod,
                                     nanstd, nansum, nanvar, prod, ptp, reduction, std, sum, var)
from frames.array.routines import (allclose, argtopk, around, average, bincount, clip, diff, digitize, ediff1d,
                                   histogram, isclose, isin, median, nanmedian, nanpercentile, nanquantile,
                                   percentile, quantile, round, sort, topk, unique)

__all__ = ["Array", "ArrayError", "UnknownChunksError", "asanyarray", "asarray", "blockwise", "elemwise",
           "from_array", "map_blocks", "normalize_chunks", "rechunk",
           # reductions and cumulative scans
           "all", "any", "argmax", "argmin", "count_nonzero", "cumprod", "cumsum", "max", "mean", "min",
           "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
           "nansum", "nanvar", "prod", "ptp", "reduction", "std", "sum", "var",
           # routines
           "allclose", "argtopk", "around", "average", "bincount", "clip", "diff", "digitize", "ediff1d",
           "histogram", "isclose", "isin", "median", "nanmedian", "nanpercentile", "nanquantile", "percentile",
           "quantile", "round", "sort", "topk", "unique"]

"""Block functions for the linalg and overlap tests that run on worker processes: importable by
module name there (a function defined in a test module is not)."""

from __future__ import annotations

import os

import numpy as np


def mean3(block: np.ndarray) -> np.ndarray:
    """The 3x3 (3, 3x3 or 3x3x3) mean of every cell whose neighbours are all inside ``block``;
    the outermost cells read their own edge repeated (they are trimmed off by map_overlap)."""
    if block.size == 0:  # np.pad cannot extend an empty axis by its edge
        return block.astype(float)
    p = np.pad(block.astype(float), 1, mode="edge")
    out = p
    for axis in range(block.ndim):
        n = p.shape[axis]
        lo = [slice(None)] * out.ndim
        mid = list(lo)
        hi = list(lo)
        lo[axis], mid[axis], hi[axis] = slice(0, n - 2), slice(1, n - 1), slice(2, n)
        out = out[tuple(lo)] + out[tuple(mid)] + out[tuple(hi)]
    return out / 3 ** block.ndim


def whole_mean3(x: np.ndarray, mode: str, **pad_kwargs) -> np.ndarray:
    """The same filter on a whole NumPy array padded by ``np.pad(mode)``: the oracle."""
    p = np.pad(x.astype(float), 1, mode=mode, **pad_kwargs)
    out = p
    for axis in range(x.ndim):
        n = p.shape[axis]
        idx = [[slice(None)] * x.ndim for _ in range(3)]
        for k in range(3):
            idx[k][axis] = slice(k, n - 2 + k)
        out = out[tuple(idx[0])] + out[tuple(idx[1])] + out[tuple(idx[2])]
    return out / 3 ** x.ndim


def with_block_id(block: np.ndarray, block_id=None) -> np.ndarray:
    """The block plus the sum of its block index (tests block_id through map_overlap)."""
    return block + sum(block_id)


class CountedIdentity:
    """The block unchanged, one line appended to a file per call, so calls made in any process
    are counted (laziness: nothing runs before compute)."""

    def __init__(self, path) -> None:
        self.path = str(path)
        self.__name__ = "counted_identity"

    def __call__(self, block: np.ndarray) -> np.ndarray:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b"x\n")
        finally:
            os.close(fd)
        return block

    def calls(self) -> int:
        if not os.path.exists(self.path):
            return 0
        with open(self.path) as f:
            return sum(1 for _ in f)

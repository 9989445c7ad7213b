"""Block functions for array tests that run on worker processes: they must be importable by
module name there (a function defined in a test module is not: pytest imports that module under
a name workers cannot resolve)."""

from __future__ import annotations

import os

import numpy as np


class LoggedCall:
    """``func(block)`` that also appends one line per call to a file, so a test can count calls
    made in any process (threads, worker processes, distributed workers)."""

    def __init__(self, path: str, func=np.negative):
        self.path, self.func = str(path), func
        self.__name__ = f"logged_{getattr(func, '__name__', 'call')}"

    def __call__(self, block):
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {block.shape}\n".encode())
        finally:
            os.close(fd)
        return self.func(block)

    def calls(self) -> int:
        if not os.path.exists(self.path):
            return 0
        with open(self.path) as f:
            return sum(1 for _ in f)


class StoredArray:
    """A minimal array-like kept "elsewhere": shape, dtype and slicing only (as an h5py or zarr
    dataset), so from_array reads it block by block inside tasks."""

    def __init__(self, data: np.ndarray):
        self.data = data
        self.shape, self.dtype = data.shape, data.dtype

    def __getitem__(self, key):
        return self.data[key]


def block_sum_with_id(block, block_id=None):
    """A block's sum broadcast back to its shape, plus its block index (tests block_id)."""
    return np.full(block.shape, block.sum() + 1000 * block_id[0] + block_id[-1], dtype=float)

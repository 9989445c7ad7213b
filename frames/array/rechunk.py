"""Changing an array's chunks without gathering more than a block's worth in any task.

A rechunk from ``old`` to ``new`` chunks cuts every new block out of the old blocks it overlaps.
Done in one step, a transposition of block shapes (``(8000, 100) -> (100, 8000)``) crosses every
old block with every new one: the graph has ``80 x 80`` pieces. Dask's "tasks" method plans
intermediate chunkings instead (``plan_rechunk``, a port of dask's ``_plan_rechunk``): first merge
blocks along the axes where the target is coarser, as far as ``block_size_limit`` allows, then
split; each stage's graph is small and no intermediate block exceeds the limit.

Each stage is built so no task holds much more than one block (``_rechunk_stage``): a new block
made from one old block is one slicing task; a new block made from several is a join of the
pieces, each piece a slice of one old block (whole old blocks are used as they are). When all the
old blocks a new block overlaps together fit within the limit, one task cuts and joins them
directly (fewer tasks, the plain path of the first version).
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Any

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts, chunk_bytes_limit, normalize_chunks, parse_bytes
from frames.array.core import Array, assemble, new_name
from frames.array.errors import ArrayError, UnknownChunksError

DEFAULT_THRESHOLD = 4  # dask's array.rechunk.threshold: plan stages when the crossed graph is this much larger


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


# -- planning ------------------------------------------------------------------------------------------

def _largest_block(chunks: tuple) -> int:
    return math.prod(max(c, default=0) for c in chunks)


def _crossed_size(old: tuple, new: tuple) -> int:
    """About how many pieces a one-step rechunk from ``old`` to ``new`` makes."""
    return math.prod(len(o) + len(n) - 1 if o != n else len(o) for o, n in zip(old, new))


def _divide_to_width(blocks: tuple, width: int) -> tuple:
    """``blocks`` each split evenly, as little as possible, so none is wider than ``width``."""
    out = []
    for c in blocks:
        parts = max(1, math.ceil(c / max(width, 1)))
        for i in range(parts):
            n = c // (parts - i)
            out.append(n)
            c -= n
    return tuple(out)


def _merge_to_number(blocks: tuple, number: int) -> tuple:
    """Adjacent ``blocks`` merged, narrowest pairs first, until there are at most ``number``."""
    if len(blocks) <= number:
        return blocks
    if len(set(blocks)) == 1:  # even blocks stay even
        w, n = blocks[0], len(blocks)
        width = w * (n * w // number // w)
        adjust = (n * w - number * width) // w
        return (width + w,) * adjust + (width,) * (number - adjust)
    heap = [(blocks[i] + blocks[i + 1], i, i + 1) for i in range(len(blocks) - 1)]
    heapq.heapify(heap)
    out = list(blocks)
    merges = len(blocks) - number
    while merges > 0:
        width, i, j = heapq.heappop(heap)
        if out[j] == 0:  # j was merged away: pair i with the next live block
            j += 1
            while out[j] == 0:
                j += 1
            heapq.heappush(heap, (out[i] + out[j], i, j))
            continue
        if out[i] + out[j] != width:  # stale pair
            heapq.heappush(heap, (out[i] + out[j], i, j))
            continue
        out[i] = 0
        out[j] = width
        merges -= 1
    return tuple(c for c in out if c)


def _find_merge(old: tuple, new: tuple, limit: float) -> tuple[tuple, bool]:
    """An intermediate chunking nearer ``new``, merging old blocks along the axes where ``new`` has
    fewer blocks, greedily by graph reduction per block growth, within ``limit`` elements."""
    ndim = len(old)
    old_width = [max(c) for c in old]
    new_width = [max(c) for c in new]
    graph_effect = {d: len(new[d]) / len(old[d]) for d in range(ndim)}
    block_effect = {d: new_width[d] / (old_width[d] or 1) for d in range(ndim)}

    def value(d: int) -> float:
        b = block_effect[d]
        b = 1 + 1e-9 if b == 1 else b
        return math.log(graph_effect[d]) / math.log(b) if b > 0 and graph_effect[d] > 0 else 0

    chunks = list(old)
    largest = _largest_block(old)
    hit = False
    for d in sorted((d for d in range(ndim) if graph_effect[d] <= 1.0), key=value):
        grown = largest * new_width[d] // (old_width[d] or 1)
        if grown <= limit:
            chunks[d] = new[d]
            largest = grown
        else:
            width = old_width[d]
            c = _divide_to_width(new[d], int(limit * width / largest))
            if len(c) <= len(old[d]):
                chunks[d] = c
                largest = largest * max(c) // (width or 1)
            hit = True
    return tuple(chunks), hit


def _find_split(old: tuple, new: tuple, graph_limit: float) -> tuple:
    """An intermediate chunking that splits old blocks towards ``new`` within a graph size budget."""
    chunks = list(old)
    for d in range(len(old)):
        size = _crossed_size(tuple(chunks), new)
        if size > graph_limit:
            break
        if len(old[d]) > len(new[d]):
            continue
        c = _merge_to_number(new[d], int(len(old[d]) * graph_limit / size))
        if len(c) >= len(old[d]) and max(c) <= max(old[d]):
            chunks[d] = c
    return tuple(chunks)


def plan_rechunk(old: tuple, new: tuple, itemsize: int, threshold: float | None = None,
                 block_size_limit: Any = None) -> list[tuple]:
    """The chunkings to go through, ending with ``new`` (dask's ``_plan_rechunk``). One step when
    the crossed graph is small; otherwise merge stages bounded by ``block_size_limit`` bytes
    (default the configured ``array_chunk_size``), with split stages when a merge hits it."""
    threshold = threshold or DEFAULT_THRESHOLD
    limit = parse_bytes(block_size_limit) if block_size_limit is not None else chunk_bytes_limit()
    if len(new) <= 1 or not all(new) or any(_isnan(b) for c in old for b in c) or any(0 in c for c in new):
        return [new]
    limit_elements = max(limit / max(itemsize, 1), _largest_block(old), _largest_block(new))
    graph_threshold = threshold * (math.prod(map(len, old)) + math.prod(map(len, new)))
    steps: list[tuple] = []
    current = old
    first = True
    while True:
        size = _crossed_size(current, new)
        if size < graph_threshold:
            break
        chunks = current if first else _find_split(current, new, size * threshold)
        chunks, hit = _find_merge(chunks, new, limit_elements)
        if (chunks == current and not first) or chunks == new:
            break
        if chunks != current:
            steps.append(chunks)
        current = chunks
        if not hit:
            break
        first = False
    return steps + [new]


# -- one stage -----------------------------------------------------------------------------------------

def _overlaps(old: tuple, new: tuple) -> list[list[tuple[int, slice]]]:
    """For each new block along an axis: the (old block, slice inside it) pieces it is made of."""
    if old == new:
        return [[(i, slice(None))] for i in range(len(old))]
    old_starts = block_starts(old)
    out = []
    start = 0
    j = 0
    for length in new:
        stop = start + length
        pieces = []
        while j < len(old) and old_starts[j] + old[j] <= start and old[j] != 0:
            j += 1
        k = j
        while k < len(old) and old_starts[k] < stop:
            lo = max(start, old_starts[k]) - old_starts[k]
            hi = min(stop, old_starts[k] + old[k]) - old_starts[k]
            if hi > lo:
                pieces.append((k, slice(lo, hi) if (lo, hi) != (0, old[k]) else slice(None)))
            k += 1
        if not pieces:  # an empty block: an empty slice of the nearest old block
            pieces.append((min(j, len(old) - 1), slice(0, 0)))
        out.append(pieces)
        start = stop
    return out


def _rechunk_stage(x: Array, new: tuple, limit: int) -> Array:
    per_axis = [_overlaps(o, n) for o, n in zip(x.chunks, new)]
    name = new_name("rechunk")
    piece_name = name + "-piece"
    itemsize = x.dtype.itemsize or 1
    layer: dict = {}
    for idx in itertools.product(*(range(len(n)) for n in new)):
        pieces = [per_axis[a][i] for a, i in enumerate(idx)]
        grid = tuple(len(p) for p in pieces)
        combos = list(itertools.product(*pieces))
        key = (name, *idx)
        if len(combos) == 1:
            ((old_idx, slices),) = [(tuple(k for k, _ in combos[0]), tuple(s for _, s in combos[0]))]
            whole = all(s == slice(None) for s in slices)
            layer[key] = Task(_identity, Ref((x.name, *old_idx))) if whole else \
                Task(_cut, Ref((x.name, *old_idx)), slices)
            continue
        old_keys = [(x.name, *(k for k, _ in combo)) for combo in combos]
        inputs = sum(math.prod(x.chunks[a][k] for a, (k, _) in enumerate(combo)) for combo in combos) * itemsize
        if inputs <= limit:  # the old blocks together are small: cut and join in one task
            layer[key] = Task(_cut_and_join, [Ref(k) for k in old_keys],
                              grid, [tuple(s for _, s in combo) for combo in combos])
            continue
        refs = []
        for n, (combo, old_key) in enumerate(zip(combos, old_keys)):
            slices = tuple(s for _, s in combo)
            if all(s == slice(None) for s in slices):
                refs.append(Ref(old_key))
            else:
                piece_key = (piece_name, *idx, n)
                layer[piece_key] = Task(_cut, Ref(old_key), slices)
                refs.append(Ref(piece_key))
        layer[key] = Task(_join, refs, grid)
    return Array(layer, name, new, x.dtype, (x,), x._meta)


def _identity(block: Any) -> Any:
    return block


def _cut(block: np.ndarray, slices: tuple) -> np.ndarray:
    return block[slices]


def _join(pieces: list, grid: tuple) -> np.ndarray:
    return assemble(pieces, grid)


def _cut_and_join(blocks: list, grid: tuple, slices: list) -> np.ndarray:
    return assemble([b[s] for b, s in zip(blocks, slices)], grid)


# -- the entry point ------------------------------------------------------------------------------------

def _balance(blocks: tuple) -> tuple:
    """About as many blocks, of lengths differing by at most one (a small last block is spread
    over the others), as ``rechunk(..., balance=True)`` in dask."""
    total, n = sum(blocks), len(blocks)
    if n > 1 and min(blocks) <= 0.5 * max(blocks):
        n -= 1
    if total == 0 or n <= 1:
        return blocks if n >= len(blocks) or total == 0 else (total,)
    base, extra = divmod(total, n)
    return (base + 1,) * extra + (base,) * (n - extra)


def rechunk(x: Array, chunks: Any = "auto", threshold: Any = None, block_size_limit: Any = None,
            balance: bool = False, method: str | None = None) -> Array:
    """``x`` with new chunks (anything ``normalize_chunks`` takes: an int, a tuple per axis,
    ``{axis: spec}`` changing some axes, -1 for a whole axis, ``"auto"``), through intermediate
    chunkings when the direct one would make a large graph (``method="tasks"``, the default).
    ``block_size_limit`` (bytes; default the configured ``array_chunk_size``) bounds intermediate
    blocks; ``balance=True`` evens the block lengths out. Axes of unknown length can only keep
    their blocks."""
    if method not in (None, "tasks"):
        raise ArrayError(f"rechunk method {method!r} is not supported (only 'tasks')")
    new = normalize_chunks(chunks, x.shape, x.dtype, previous=x.chunks,
                           limit=parse_bytes(block_size_limit) if block_size_limit is not None else None)
    for axis, (o, n) in enumerate(zip(x.chunks, new)):
        if any(_isnan(b) for b in o) and tuple(o) != tuple(n):
            raise UnknownChunksError(f"rechunk of axis {axis}, whose chunk sizes are unknown: "
                                     "call compute_chunk_sizes() first")
        if not any(_isnan(b) for b in o) and sum(n) != sum(o):
            raise ArrayError(f"chunks {n} along axis {axis} add up to {sum(n)}, not the axis length {sum(o)}")
    if balance:
        new = tuple(_balance(c) if not any(_isnan(b) for b in c) else c for c in new)
    if new == x.chunks:
        return x
    limit = parse_bytes(block_size_limit) if block_size_limit is not None else chunk_bytes_limit()
    known_axes = [a for a in range(x.ndim) if x.chunks[a] != new[a]]
    steps = plan_rechunk(tuple(x.chunks[a] for a in known_axes), tuple(new[a] for a in known_axes),
                         x.dtype.itemsize, threshold, limit)
    for step in steps:
        full = list(x.chunks)
        for a, c in zip(known_axes, step):
            full[a] = c
        if tuple(full) != x.chunks:
            x = _rechunk_stage(x, tuple(full), limit)
    return x


__all__ = ["rechunk", "plan_rechunk"]

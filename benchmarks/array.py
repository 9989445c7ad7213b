"""frames.array and dask.array side by side; writes ``benchmarks/results/array.md``.

Run: ``python -m benchmarks.array`` (``--cases rechunk,overlap`` runs some cases only, ``--repeat N``
changes the number of timed runs, ``--output FILE`` writes the table elsewhere).

The cases are issue 13's:

- ``mean_std``: ``(x + x.T - x.mean(axis=0)).std()``, x 8000 x 8000 in 1000 x 1000 chunks;
- ``dot``: ``x.dot(x.T).sum()``, x 4000 x 4000 in 1000 x 1000 chunks;
- ``tsqr``: ``q, r = linalg.qr(x)``, x 200000 x 50 in 10000-row chunks (Q and R both computed);
- ``rechunk``: 8000 x 8000 from (8000, 100) chunks to (100, 8000);
- ``overlap``: a 3 x 3 mean filter (``map_overlap``, depth 1, reflecting boundary) on 4000 x 4000 in
  1000 x 1000 chunks;

and one more that only needs what every array has, to compare the schedulers' per-block costs:

- ``elemwise``: ``(2 * x + 1) ** 2 - x`` on 8000 x 8000 in 500 x 500 chunks (256 blocks).

Both engines get the same data: every block is made inside the graph by the same function
(``random_block``, seeded by the block's index), so nothing is shared between processes and no
whole array exists before the computation. Where a result is a big array (rechunk, overlap,
elemwise), each output block is reduced to its sum by a ``map_blocks`` inside the graph, so the
engines are compared on producing the blocks, not on gathering them; those per-block sums also
check the block layout. Answers are compared with NumPy's on the whole array (computed in the
parent, not timed) to a relative 1e-8.

Each engine runs each case in a child process of its own (threads scheduler, ``os.cpu_count()``
workers, best of ``--repeat`` runs of build + compute), so the peak resident memory of that child
(``ru_maxrss`` from ``os.wait4``) belongs to that case alone; a child that only imports the
engine gives the floor. An operation frames.array does not have yet is reported as "not
available" instead of failing the run.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from benchmarks.common import publish, run_child

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "array.md"
ENGINES = ("frames", "dask")
WORKERS = os.cpu_count() or 1
SEED = 0


# -- the data: the same blocks for every engine ---------------------------------------------------

def random_block(seed: int, index: tuple, shape: tuple) -> np.ndarray:
    """The block at ``index`` of a uniform [0, 1) random array: a generator seeded by the block's
    position, so any engine (and NumPy, for the reference answer) makes the same numbers."""
    return np.random.default_rng([seed, *index]).random(shape)


def block_chunks(shape: tuple, chunks: tuple) -> tuple[tuple, ...]:
    return tuple(tuple(min(c, n - s) for s in range(0, n, c)) for n, c in zip(shape, chunks))


def _grid(chunks: tuple[tuple, ...]):
    import itertools

    return itertools.product(*(range(len(c)) for c in chunks))


def numpy_array(shape: tuple, chunks: tuple, seed: int = SEED) -> np.ndarray:
    """The whole array as NumPy assembles it from the same blocks (for reference answers)."""
    nchunks = block_chunks(shape, chunks)
    out = np.empty(shape)
    starts = [np.cumsum((0,) + c) for c in nchunks]
    for idx in _grid(nchunks):
        sl = tuple(slice(starts[a][i], starts[a][i + 1]) for a, i in enumerate(idx))
        out[sl] = random_block(seed, idx, tuple(nchunks[a][i] for a, i in enumerate(idx)))
    return out


def frames_array(shape: tuple, chunks: tuple, seed: int = SEED):
    from exec import Task
    from frames.array.core import Array, new_name

    nchunks = block_chunks(shape, chunks)
    name = new_name("random")
    layer = {(name, *idx): Task(random_block, seed, idx, tuple(nchunks[a][i] for a, i in enumerate(idx)))
             for idx in _grid(nchunks)}
    return Array(layer, name, nchunks, np.float64)


def dask_array(shape: tuple, chunks: tuple, seed: int = SEED):
    import dask.array as da
    from dask.highlevelgraph import HighLevelGraph

    nchunks = block_chunks(shape, chunks)
    name = f"random-{seed}-{shape}-{chunks}".replace(" ", "")
    layer = {(name, *idx): (random_block, seed, idx, tuple(nchunks[a][i] for a, i in enumerate(idx)))
             for idx in _grid(nchunks)}
    return da.Array(HighLevelGraph.from_collections(name, layer, dependencies=[]), name, nchunks, dtype=np.float64)


# -- block kernels (module-level: picklable by reference) -------------------------------------

def block_total(block: np.ndarray) -> np.ndarray:
    """A block reduced to its sum, kept as a 1 x 1 (x 1...) block of the per-block-sums grid."""
    return np.full((1,) * block.ndim, block.sum())


def mean3(block: np.ndarray) -> np.ndarray:
    """The 3 x 3 mean of a (padded) block, same shape: the edge rows/columns are wrong and are
    exactly what map_overlap trims away."""
    p = np.pad(block, 1, mode="edge")
    out = np.zeros_like(block)
    n, m = block.shape
    for di in range(3):
        for dj in range(3):
            out += p[di:di + n, dj:dj + m]
    return out / 9


def numpy_mean3(a: np.ndarray) -> np.ndarray:
    """The reference filter: a reflecting boundary is NumPy's "symmetric" padding (edge repeated)."""
    p = np.pad(a, 1, mode="symmetric")
    out = np.zeros_like(a)
    n, m = a.shape
    for di in range(3):
        for dj in range(3):
            out += p[di:di + n, dj:dj + m]
    return out / 9


def block_sums(a: np.ndarray, chunks: tuple[tuple, ...]) -> np.ndarray:
    starts = [np.cumsum((0,) + c) for c in chunks]
    out = np.empty(tuple(len(c) for c in chunks))
    for idx in _grid(chunks):
        out[idx] = a[tuple(slice(starts[k][i], starts[k][i + 1]) for k, i in enumerate(idx))].sum()
    return out


def _per_block_sums(y: Any, engine: str) -> Any:
    """Each block of ``y`` as its sum (the same ``map_blocks`` call in both engines)."""
    return y.map_blocks(block_total, dtype=float, chunks=tuple((1,) * len(c) for c in y.chunks))


# -- the cases ------------------------------------------------------------------------------------

class Case(NamedTuple):
    title: str
    shape: tuple
    chunks: tuple
    build: Callable[[Any, str], Any]  # (array, engine) -> what to compute
    finish: Callable[[Any], Any]  # computed value -> the answer to compare (small)
    reference: Callable[[np.ndarray], Any]  # the whole NumPy array -> the same answer


def _mean_std(x: Any, engine: str) -> Any:
    return (x + x.T - x.mean(axis=0)).std()


def _dot(x: Any, engine: str) -> Any:
    return x.dot(x.T).sum()


def _tsqr(x: Any, engine: str) -> Any:
    if engine == "frames":
        from frames.array import linalg
    else:
        from dask.array import linalg
    return linalg.qr(x)


def _tsqr_finish(value: tuple) -> dict:
    q, r = (np.asarray(v) for v in value)
    return {"abs_r": np.abs(r), "orthonormal": float(np.abs(q.T @ q - np.eye(q.shape[1])).max()),
            "q_shape": q.shape, "reconstruction": q @ r}


def _tsqr_reference(a: np.ndarray) -> dict:
    _, r = np.linalg.qr(a)
    return {"abs_r": np.abs(r), "orthonormal": 0.0, "q_shape": a.shape, "reconstruction": a}


def _rechunk(x: Any, engine: str) -> Any:
    return _per_block_sums(x.rechunk((100, 8000)), engine)


def _overlap(x: Any, engine: str) -> Any:
    if engine == "frames":
        import frames.array as fa

        y = fa.map_overlap(mean3, x, depth=1, boundary="reflect", dtype=float)
    else:
        y = x.map_overlap(mean3, depth=1, boundary="reflect", dtype=float)
    return _per_block_sums(y, engine)


def _elemwise(x: Any, engine: str) -> Any:
    return _per_block_sums((2 * x + 1) ** 2 - x, engine)


def _same(value: Any) -> Any:
    return np.asarray(value)


CASES: dict[str, Case] = {
    "mean_std": Case("`(x + x.T - x.mean(axis=0)).std()`, 8000², chunks 1000²", (8000, 8000), (1000, 1000),
                     _mean_std, _same, lambda a: (a + a.T - a.mean(axis=0)).std()),
    "dot": Case("`x.dot(x.T).sum()`, 4000², chunks 1000²", (4000, 4000), (1000, 1000),
                _dot, _same, lambda a: a.dot(a.T).sum()),
    "tsqr": Case("TSQR `linalg.qr(x)`, 200000 x 50, chunks 10000 x 50", (200000, 50), (10000, 50),
                 _tsqr, _tsqr_finish, _tsqr_reference),
    "rechunk": Case("rechunk 8000² from (8000, 100) to (100, 8000)", (8000, 8000), (8000, 100),
                    _rechunk, _same, lambda a: block_sums(a, block_chunks(a.shape, (100, 8000)))),
    "overlap": Case("3 x 3 mean filter (`map_overlap`, depth 1, reflect), 4000², chunks 1000²", (4000, 4000),
                    (1000, 1000), _overlap, _same, lambda a: block_sums(numpy_mean3(a), block_chunks(a.shape, (1000, 1000)))),
    "elemwise": Case("`(2 * x + 1) ** 2 - x`, 8000², chunks 500² (256 blocks)", (8000, 8000), (500, 500),
                     _elemwise, _same, lambda a: block_sums((2 * a + 1) ** 2 - a, block_chunks(a.shape, (500, 500)))),
}

# what "not available" looks like: the operation is missing from frames.array (another module's
# work not merged yet), not a failure of one that exists
_MISSING = (AttributeError, ImportError, NotImplementedError)


# -- one engine, one case, in a child process -------------------------------------------------------

def _setup(engine: str) -> None:
    if engine == "frames":
        import exec

        import frames.array  # noqa: F401 - the floor includes the array package
        exec.config.set(scheduler="threads", num_workers=WORKERS)
    elif engine == "dask":
        import dask
        import dask.array  # noqa: F401

        dask.config.set(scheduler="threads", num_workers=WORKERS)
    else:
        raise SystemExit(f"unknown engine {engine}")


def _compute(engine: str, obj: Any) -> Any:
    if engine == "frames":
        import frames

        return frames.compute(obj)[0] if not isinstance(obj, tuple) else frames.compute(*obj)
    import dask

    return dask.compute(obj)[0] if not isinstance(obj, tuple) else dask.compute(*obj)


def run_worker(engine: str, name: str, out: Path, repeat: int) -> dict:
    """Best time of ``repeat`` runs (build + compute); the answer pickled to ``out``.
    Case ``"imports"`` runs nothing: the child's peak memory is the engine's floor."""
    _setup(engine)
    if name == "imports":
        return {"seconds": 0.0}
    case = CASES[name]
    make = frames_array if engine == "frames" else dask_array
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            lazy = case.build(make(case.shape, case.chunks), engine)
        except _MISSING as exc:
            return {"missing": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"}
        value = _compute(engine, lazy)
        best = min(best, time.perf_counter() - t0)
        lazy = None
    answer = case.finish(value)
    value = None
    with open(out, "wb") as f:
        pickle.dump(answer, f)
    return {"seconds": best}


def spawn(engine: str, name: str, out: Path, repeat: int) -> dict:
    """One worker child; its report with ``peak_mb``, that child's own peak RSS."""
    cmd = [sys.executable, "-m", "benchmarks.array", "--worker", engine, "--case", name, "--out", str(out),
           "--repeat", str(repeat)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return run_child(cmd, ROOT, env)


# -- comparing answers ----------------------------------------------------------------------------

def agree(a: Any, b: Any, rtol: float = 1e-8) -> str | None:
    """None when two answers agree (numbers to ``rtol``), else what differs."""
    if isinstance(a, dict):
        for k in a:
            if k == "orthonormal":  # Q^T Q - I: both must be tiny, not equal
                if max(a[k], b[k]) > 1e-8:
                    return f"Q is not orthonormal: max |QᵀQ - I| = {max(a[k], b[k]):.1e}"
                continue
            why = agree(a[k], b[k], rtol)
            if why:
                return f"{k}: {why}"
        return None
    if isinstance(a, tuple):
        return None if a == b else f"{b} != {a}"
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return f"shape {b.shape} != {a.shape}"
    scale = max(float(np.abs(a).max(initial=0)), 1e-300)
    err = float(np.abs(a - b).max(initial=0)) / scale
    return None if err <= rtol else f"relative error {err:.1e}"


# -- checking, in a child of its own ---------------------------------------------------------------

def run_check(name: str, tmp: Path) -> dict:
    """NumPy's answer for a case, compared with each engine's pickled answer. A child process does
    this, so the parent stays small: a child's peak RSS counts the parent's memory at the fork."""
    case = CASES[name]
    reference = case.reference(numpy_array(case.shape, case.chunks))
    out = {}
    for e in ENGINES:
        path = tmp / f"{e}-{name}.pkl"
        if path.exists():
            why = agree(reference, pickle.loads(path.read_bytes()))
            out[e] = "= NumPy" if why is None else why
    return out


# -- the parent ------------------------------------------------------------------------------------

def _cell(r: dict) -> str:
    if "seconds" in r:
        return f"{r['seconds']:.2f}"
    return "not available" if "missing" in r else "failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "check":
        print(json.dumps(run_check(args.case, args.out)))
        return 0
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.case, args.out, args.repeat)))
        return 0
    names = [n.strip() for n in args.cases.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; the cases are {', '.join(CASES)}")

    from importlib.metadata import version

    tmp = Path(tempfile.mkdtemp(prefix="bench-array-"))
    floor = {e: spawn(e, "imports", tmp / f"{e}-imports.pkl", 1)["peak_mb"] for e in ENGINES}
    rows = []
    notes = []
    for name in names:
        case = CASES[name]
        rep = {e: spawn(e, name, tmp / f"{e}-{name}.pkl", args.repeat) for e in ENGINES}
        print(f"{name}: {rep}", file=sys.stderr, flush=True)
        verdict = "-"
        if any("seconds" in r for r in rep.values()):
            checks = spawn("check", name, tmp, 1)
            checks.pop("peak_mb", None)
            verdict = "; ".join(f"{e}: {why}" for e, why in checks.items())
        for e in ENGINES:
            if "missing" in rep[e]:
                notes.append(f"- {name}, {e}: not available ({rep[e]['missing']})")
            elif "error" in rep[e]:
                notes.append(f"- {name}, {e}: failed ({rep[e]['error']})")
        f, d = rep["frames"], rep["dask"]
        ratio = f" ({d['seconds'] / f['seconds']:.2f}x)" if "seconds" in f and "seconds" in d else ""
        mem = lambda r: f"{r['peak_mb']:.0f} MB" if "seconds" in r else "-"  # noqa: E731
        rows.append(f"| {case.title} | {_cell(f)} | {_cell(d)}{ratio} | {mem(f)} | {mem(d)} | {verdict} |")

    cmd = "python -m benchmarks.array" + ("" if names == list(CASES) else f" --cases {args.cases}") \
        + ("" if args.repeat == 3 else f" --repeat {args.repeat}")
    lines = [
        "# frames.array vs dask.array",
        "",
        f"Machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end, shared); Python "
        f"{sys.version.split()[0]}, NumPy {np.__version__}, dask {version('dask')}; `{cmd}`",
        "",
        f"Threads scheduler with {WORKERS} workers for both; seconds are the best of {args.repeat} runs of build + "
        "compute; each engine runs each case in a process of its own and peak RSS is that process's maximum "
        "resident memory (interpreter and imports included: a process that only imports the engine peaks at "
        f"{floor['frames']:.0f} MB for frames, {floor['dask']:.0f} MB for dask). Blocks are generated inside the "
        "graph by the same seeded function for both engines; big results are reduced to per-block sums inside "
        "the graph. Answers are checked against NumPy on the whole array (relative 1e-8). The dask column's "
        "ratio is dask's time over frames' (above 1: frames is faster).",
        "",
        "| case | frames s | dask s (dask / frames) | frames peak RSS | dask peak RSS | answers |",
        "|---|---:|---:|---:|---:|---|",
        *rows,
    ]
    if notes:
        lines += ["", *notes]
    publish(args.output, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

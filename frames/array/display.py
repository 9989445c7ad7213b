"""How an array shows itself in Jupyter: a table of its sizes beside an SVG drawing of its chunks.

``html_repr(x)`` is ``Array._repr_html_``: bytes of the whole array and of its largest chunk,
shape and chunk shape, how many tasks and chunks the graph has, dtype and chunk type, next to
``svg(x.chunks)``. It reads only metadata and the task dicts (counting them, running none), so
showing an array never computes it.

The drawing follows ``dask.array.svg``: 1-D arrays are a strip, 2-D a grid, 3-D a cube drawn as
three skewed faces, more dimensions a row of such drawings. Side lengths are compressed
logarithmically past a ratio of about 3 (a 10 x 100000 array is still visible), and at most
``size // 6`` lines are drawn per axis (evenly chosen), so an array of a million chunks draws
in microseconds; the fill turns dark when lines were left out.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

import numpy as np

from frames.display import format_bytes  # the one size format of every notebook view

TEXT_STYLE = 'font-size="1.0rem" font-weight="100" text-anchor="middle"'


# -- the SVG drawing -----------------------------------------------------------------------------

def svg(chunks: tuple[tuple, ...], size: int = 200) -> str:
    """An SVG drawing of a chunk grid; ``""`` where there is nothing to draw (0-d arrays, unknown
    chunk lengths, an axis of length 0)."""
    shape = tuple(sum(c) for c in chunks)
    if not chunks or any(math.isnan(s) for s in shape) or not all(shape):
        return ""
    chunks = tuple(chunks)
    if len(chunks) % 3 == 1:  # 1-D as a 1-row grid; 4-D, 7-D... so the first group is 2-D
        chunks = ((1,),) + chunks
    sizes = draw_sizes(tuple(sum(c) for c in chunks), size)
    if len(chunks) == 2:
        return _svg_2d(tuple(chunks), sizes, size)
    if len(chunks) == 3:
        return _svg_3d(tuple(chunks), sizes, size)
    return _svg_nd(tuple(chunks), sizes, size)


def ratio_response(ratio: float) -> float:
    """How a ratio of side lengths is drawn: true up to e, then logarithmic, capped near 100."""
    if ratio < math.e:
        return ratio
    return math.log(min(ratio, 100) + 12.4)  # continuous at e


def draw_sizes(shape: Sequence[float], size: int = 200) -> tuple[float, ...]:
    """The drawn length of each axis in pixels: the longest gets ``size``."""
    longest = max(shape)
    return tuple(size / ratio_response(longest / max(0.1, n)) for n in shape)


def _grid_points(chunks: tuple[tuple, ...], sizes: Sequence[float]) -> list[np.ndarray]:
    """Per axis, the drawn positions of the chunk boundaries (0 .. the axis' drawn size)."""
    out = []
    for c, s in zip(chunks, sizes):
        edges = np.cumsum((0,) + tuple(c), dtype=float)
        out.append(edges * s / edges[-1])
    return out


def _lines(x1, y1, x2, y2, max_n: int) -> list[str]:
    """SVG lines between point pairs; at most ``max_n`` of them, the first and last bold."""
    n = len(x1)
    picked = np.linspace(0, n - 1, max_n, dtype=int) if n > max_n else range(n)
    lines = [f'  <line x1="{int(x1[i])}" y1="{int(y1[i])}" x2="{int(x2[i])}" y2="{int(y2[i])}" />' for i in picked]
    lines[0] = lines[0].replace(" />", ' style="stroke-width:2" />')
    lines[-1] = lines[-1].replace(" />", ' style="stroke-width:2" />')
    return lines


def _grid(x: np.ndarray, y: np.ndarray, offset=(0.0, 0.0), skew=(0.0, 0.0), size: int = 200):
    """The lines of one grid face (``x`` boundaries across, ``y`` down), optionally skewed into a
    parallelogram, and its bounding box ``(min_x, max_x, min_y, max_y)``."""
    max_n = max(2, size // 6)
    # horizontal lines, one per y boundary
    hx1 = np.zeros_like(y) + offset[0]
    hy1 = y + offset[1]
    hx2 = np.full_like(y, x[-1]) + offset[0]
    hy2 = y + offset[1]
    if skew[0]:
        hy2 = hy2 + x.max() * skew[0]
    if skew[1]:
        hx1 = hx1 + skew[1] * y
        hx2 = hx2 + skew[1] * y
    box = (min(hx1.min(), hx2.min()), max(hx1.max(), hx2.max()), min(hy1.min(), hy2.min()), max(hy1.max(), hy2.max()))
    # vertical lines, one per x boundary
    vx1 = x + offset[0]
    vy1 = np.zeros_like(x) + offset[1]
    vx2 = x + offset[0]
    vy2 = np.full_like(x, y[-1]) + offset[1]
    if skew[0]:
        vy1 = vy1 + skew[0] * x
        vy2 = vy2 + skew[0] * x
    if skew[1]:
        vx2 = vx2 + skew[1] * y.max()
    crowded = len(x) >= max_n or len(y) >= max_n
    color = "8B4903" if crowded else "ECB172"  # dark: some lines were left out
    corners = f"{vx1[0]},{vy1[0]} {vx1[-1]},{vy1[-1]} {vx2[-1]},{vy2[-1]} {vx2[0]},{vy2[0]}"
    out = (["", "  <!-- Horizontal lines -->"] + _lines(hx1, hy1, hx2, hy2, max_n)
           + ["", "  <!-- Vertical lines -->"] + _lines(vx1, vy1, vx2, vy2, max_n)
           + ["", "  <!-- Colored Rectangle -->", f'  <polygon points="{corners}" style="fill:#{color}A0;stroke-width:0"/>'])
    return out, box


def _header(width: float, height: float) -> str:
    return f'<svg width="{int(width)}" height="{int(height)}" style="stroke:rgb(0,0,0);stroke-width:1" >\n'


def _label(x: float, y: float, text: Any, rotate: float | None = None) -> str:
    turn = f' transform="rotate({rotate},{x},{y})"' if rotate is not None else ""
    return f'  <text x="{x}" y="{y}" {TEXT_STYLE}{turn}>{text}</text>'


def _svg_2d(chunks: tuple[tuple, ...], sizes: Sequence[float], size: int, offset=(0.0, 0.0)) -> str:
    shape = tuple(sum(c) for c in chunks)
    y, x = _grid_points(chunks, sizes)
    lines, (_, max_x, _, max_y) = _grid(x, y, offset=offset, size=size)
    text = ["", "  <!-- Text -->", _label(max_x / 2, max_y + 20, shape[1]),
            _label(max_x + 20, max_y / 2, shape[0], rotate=-90 if shape[0] >= 100 else 0)]
    return _header(max_x + 50, max_y + 50) + "\n".join(lines + text) + "\n</svg>"


def _svg_3d(chunks: tuple[tuple, ...], sizes: Sequence[float], size: int, offset=(0.0, 0.0)) -> str:
    shape = tuple(sum(c) for c in chunks)
    x, y, z = _grid_points(chunks, sizes)
    ox, oy = offset
    top, (mnx, mxx, _, mxy) = _grid(x / 1.7, y, offset=(ox + 10, oy), skew=(1, 0), size=size)
    side, (_, _, _, depth) = _grid(z, x / 1.7, offset=(ox + 10, oy), skew=(0, 1), size=size)
    front, (min_z, max_z, min_y, max_y) = _grid(z, y, offset=(ox + depth + 10, oy + depth), size=size)
    text = ["", "  <!-- Text -->",
            _label((min_z + max_z) / 2, max_y + 20, shape[2]),
            _label(max_z + 20, (min_y + max_y) / 2, shape[1], rotate=-90 if shape[1] >= 100 else 0),
            _label((mnx + mxx) / 2 - 10, mxy - (mxx - mnx) / 2 + 20, shape[0], rotate=45)]
    return _header(max_z + 50, max_y + 50) + "\n".join(top + side + front + text) + "\n</svg>"


def _svg_nd(chunks: tuple[tuple, ...], sizes: Sequence[float], size: int) -> str:
    """Four or more dimensions: groups of two or three axes drawn side by side."""
    parts, left, height = [], 0.0, 0.0
    while chunks:
        n = len(chunks) % 3 or 3
        group, group_sizes = chunks[:n], sizes[:n]
        chunks, sizes = chunks[n:], sizes[n:]
        drawing = (_svg_2d if n == 2 else _svg_3d)(group, group_sizes, size, offset=(left, 0))
        head, *body, _ = drawing.split("\n")
        width = float(head.split('width="')[1].split('"')[0])
        height = max(height, float(head.split('height="')[1].split('"')[0]))
        left += width + 10
        parts.append("\n".join(body))
    return _header(left, height) + "\n\n".join(parts) + "\n</svg>"


# -- the table -------------------------------------------------------------------------------------

def _shape_text(shape: tuple) -> str:
    items = ["nan" if isinstance(n, float) and math.isnan(n) else str(int(n)) for n in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def count_tasks(x: Any) -> int:
    """How many tasks (and literal blocks) the array's whole graph holds, before optimization:
    the graph is collected, not run."""
    graph, _ = x._build_graph()
    return len(graph)


def chunk_type(x: Any) -> str:
    meta = getattr(x, "_meta", None)
    cls = np.ndarray if meta is None else (meta if isinstance(meta, type) else type(meta))
    return f"{cls.__module__}.{cls.__name__}"


def html_repr(x: Any, size: int = 120) -> str:
    """The table and drawing ``Array._repr_html_`` returns (dask's layout)."""
    nbytes = format_bytes(x.nbytes)
    chunk_elements = math.prod(x.chunksize) if x.ndim else 1
    cbytes = format_bytes(chunk_elements * x.itemsize)
    ntasks, nchunks = count_tasks(x), x.npartitions
    rows = [
        ("Bytes", nbytes, cbytes),
        ("Shape", _shape_text(x.shape), _shape_text(x.chunksize)),
        ("Count", f"{ntasks} task{'s' * (ntasks != 1)}", f"{nchunks} chunk{'s' * (nchunks != 1)}"),
        ("Type", str(x.dtype), chunk_type(x)),
    ]
    body = "\n".join(f"      <tr><th> {html.escape(h)} </th><td> {html.escape(a)} </td><td> {html.escape(c)} </td></tr>"
                     for h, a, c in rows)
    return ("<table>\n<tr>\n<td>\n"
            '  <table style="border-collapse: collapse;">\n'
            "    <thead><tr><td> </td><th> Array </th><th> Chunk </th></tr></thead>\n"
            f"    <tbody>\n{body}\n    </tbody>\n"
            "  </table>\n</td>\n"
            f"<td>\n{svg(x.chunks, size=size)}\n</td>\n</tr>\n</table>")


__all__ = ["html_repr", "svg", "format_bytes", "count_tasks", "draw_sizes", "ratio_response"]

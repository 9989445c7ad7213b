"""The profilers' pictures as inline SVG, written as self-contained HTML (no script, no CDN).

``task_stream_svg``: one lane per worker (thread or process), a bar per task from its start to its
end, coloured by task group (``exec.diagnostics.groups``), with the key and time as a tooltip.
``resource_svg``: CPU (% of one core) and resident memory over time, two stacked line charts.
Thousands of tasks are fine: bars narrower than a pixel are merged per lane and group.
"""

from __future__ import annotations

import html
import os
from typing import Any, Sequence

from exec.diagnostics.groups import group_color, task_group
from exec.errors import SqlEngineError

WIDTH = 900
LANE = 18
LEFT = 140


def _axis(x0: float, y: float, width: float, seconds: float) -> list[str]:
    out = [f'<line x1="{x0}" y1="{y}" x2="{x0 + width}" y2="{y}" stroke="#444"/>']
    for i in range(6):
        x = x0 + width * i / 5
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#444"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 16}" font-size="11" text-anchor="middle">{seconds * i / 5:.3g} s</text>')
    return out


def task_stream_svg(records: Sequence[Any], width: int = WIDTH) -> str:
    """``records``: the Profiler's ``TaskRecord`` (key, name, start, end, worker)."""
    if not records:
        return _empty("no tasks were recorded")
    t0 = min(r.start for r in records)
    span = max(max(r.end for r in records) - t0, 1e-9)
    lanes = sorted({r.worker for r in records})
    lane_of = {w: i for i, w in enumerate(lanes)}
    plot = width - LEFT - 20
    scale = plot / span
    merged: dict[tuple, list] = {}  # (lane, group, pixel) -> [x0, x1, count]
    bars = []
    for r in sorted(records, key=lambda r: r.start):
        group = task_group(r.key)
        x0, x1 = LEFT + (r.start - t0) * scale, LEFT + (r.end - t0) * scale
        if x1 - x0 < 1:
            slot = merged.setdefault((lane_of[r.worker], group, int(x0)), [x0, x1, 0])
            slot[1] = max(slot[1], x1)
            slot[2] += 1
            continue
        tip = html.escape(f"{r.key!r} ({group}): {r.end - r.start:.4f} s on {r.worker}")
        bars.append(_bar(x0, x1, lane_of[r.worker], group, tip))
    for (lane, group, _), (x0, x1, count) in merged.items():
        bars.append(_bar(x0, max(x1, x0 + 1), lane, group, html.escape(f"{count} {group} task(s)")))
    height = 30 + LANE * len(lanes) + 30
    labels = [f'<text x="{LEFT - 6}" y="{30 + LANE * i + LANE * 0.7:.1f}" font-size="11" text-anchor="end">{html.escape(str(w))}</text>'
              for i, w in enumerate(lanes)]
    groups = sorted({task_group(r.key) for r in records})
    legend = _legend(groups, width)
    body = [f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">Task stream: {len(records)} tasks, {span:.3f} s</text>',
            *labels, *bars, *_axis(LEFT, 30 + LANE * len(lanes) + 4, plot, span)]
    return _svg(width, height + 20 * ((len(groups) + 4) // 5), body + [f'<g transform="translate(0,{height})">{legend}</g>'])


def _bar(x0: float, x1: float, lane: int, group: str, tip: str) -> str:
    return (f'<rect x="{x0:.1f}" y="{30 + LANE * lane + 2}" width="{x1 - x0:.1f}" height="{LANE - 4}" '
            f'fill="{group_color(group)}"><title>{tip}</title></rect>')


def _legend(groups: Sequence[str], width: int) -> str:
    items = []
    for i, g in enumerate(groups):
        x, y = LEFT + (i % 5) * 150, 4 + (i // 5) * 20
        items.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{group_color(g)}"/>'
                     f'<text x="{x + 16}" y="{y + 11}" font-size="11">{html.escape(g[:22])}</text>')
    return "".join(items)


def resource_svg(samples: Sequence[Any], width: int = WIDTH) -> str:
    """``samples``: ``ResourceSample`` (time, cpu_percent, memory_bytes)."""
    if len(samples) < 2:
        return _empty("fewer than two samples were taken")
    t0 = samples[0].time
    span = max(samples[-1].time - t0, 1e-9)
    plot = width - LEFT - 20
    body = [f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">Resources: {len(samples)} samples over {span:.2f} s</text>']
    for i, (label, values, color, unit) in enumerate((
            ("CPU %", [s.cpu_percent for s in samples], "#4e79a7", "%"),
            ("Memory", [s.memory_bytes / 1e6 for s in samples], "#e15759", " MB"))):
        top, h = 30 + i * 150, 110
        peak = max(max(values), 1e-9)
        points = " ".join(f"{LEFT + (s.time - t0) / span * plot:.1f},{top + h - v / peak * h:.1f}" for s, v in zip(samples, values))
        body += [f'<text x="{LEFT - 6}" y="{top + 10}" font-size="11" text-anchor="end">{label}</text>',
                 f'<text x="{LEFT - 6}" y="{top + 24}" font-size="11" text-anchor="end">max {peak:.0f}{unit}</text>',
                 f'<rect x="{LEFT}" y="{top}" width="{plot}" height="{h}" fill="none" stroke="#ccc"/>',
                 f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>',
                 *_axis(LEFT, top + h, plot, span)]
    return _svg(width, 330, body)


def _svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif">' + "".join(body) + "</svg>")


def _empty(why: str) -> str:
    return _svg(400, 40, [f'<text x="10" y="24" font-size="13">{html.escape(why)}</text>'])


def write_plot(filename: str, title: str, *svgs: str) -> str:
    """Write ``svgs`` as one self-contained HTML page (``.html``) or, for one picture, an ``.svg``
    file, atomically (a temporary file renamed over the target); returns the SVG text."""
    ext = os.path.splitext(filename)[1].lower()
    if ext in (".html", ".htm"):
        text = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>"
                f"<body style=\"font-family:sans-serif\">\n" + "\n".join(svgs) + "\n</body></html>\n")
    elif ext == ".svg" and len(svgs) == 1:
        text = svgs[0]
    else:
        raise SqlEngineError(f"cannot write a profile as {filename!r}: use a .html file (or .svg for one picture)")
    tmp = f"{filename}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, filename)
    return "\n".join(svgs)


def visualize_profiles(profilers: Sequence[Any], filename: str = "profile.html") -> str:
    """Several profilers' pictures (a ``Profiler``'s task stream, a ``ResourceProfiler``'s CPU and
    memory) one above the other in one HTML file, on their own time axes."""
    return write_plot(filename, "Profile", *[p.svg() for p in profilers])

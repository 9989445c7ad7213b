"""Task groups: the operation a task belongs to, read from its key, and one colour per group.

Keys are ``(name, i)`` or a name, where ``name`` is ``"<operation>-<token>[-<step>]"``
(``filter-12``, ``aggregate-7-chunk``): a group is the name without its numbers, so every
partition of every filter is one group (``filter``) and an aggregate's chunk step another
(``aggregate-chunk``). Pictures (graph drawings, the profiler's task stream) colour by group.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Tableau 20: distinguishable, and readable as fills under black text
PALETTE = ("#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d", "#59a14f", "#8cd17d", "#b6992d", "#f1ce63", "#499894", "#86bcb6",
           "#e15759", "#ff9d9a", "#79706e", "#bab0ac", "#d37295", "#fabfd2", "#b07aa1", "#d4a6c8", "#9d7660", "#d7b5a6")


def task_group(key: Any) -> str:
    name = key[0] if isinstance(key, tuple) and key else key
    text = name if isinstance(name, str) else type(name).__name__
    words = [w for w in text.split("-") if w and not w.isdigit()]
    return "-".join(words) or text


def group_color(group: str) -> str:
    """A stable colour for a group (the same in every picture and run)."""
    digest = hashlib.blake2b(group.encode(), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "little") % len(PALETTE)]

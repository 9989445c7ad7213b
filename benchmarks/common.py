"""What the benchmark programs share: TPC-H data on disk and writing a results table."""

from __future__ import annotations

import subprocess
from pathlib import Path


def ensure_data(sf: float, data: Path | None) -> Path:
    """The directory with TPC-H parquet at scale ``sf`` (``benchmarks/data/sf{SF}`` by default),
    generated with tpchgen-cli when its lineitem is missing."""
    data = data or Path(__file__).parent / "data" / f"sf{sf:g}"
    if not (data / "lineitem.parquet").exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tpchgen-cli", "parquet", "-s", f"{sf:g}", f"--output-dir={data}"], check=True)
    return data


def publish(path: Path, lines: list[str]) -> str:
    """Write the results table to ``path`` (in ``benchmarks/results/``) and print it."""
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(text)
    return text

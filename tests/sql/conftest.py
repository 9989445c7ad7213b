"""TPC-H data at SF0.01, generated once per session with tpchgen-cli (tests skip without it), and
its tables split into a given number of partitions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import frames

TPCH_TABLES = ["lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region"]


class TpchData:
    def __init__(self, root: Path):
        self.root = root

    def path(self, table: str) -> Path:
        return self.root / f"{table}.parquet"

    def sources(self, npartitions: int | None) -> dict[str, object]:
        """Each table as ``Context.register`` takes it: the generated file (one partition at SF0.01),
        or a copy written in ``npartitions`` row groups and read one partition per row group (the
        Parquet scan's filters and column pruning still apply)."""
        if npartitions is None:
            return {t: str(self.path(t)) for t in TPCH_TABLES}
        folder = self.root / f"p{npartitions}"
        folder.mkdir(exist_ok=True)
        out = {}
        for t in TPCH_TABLES:
            target = folder / f"{t}.parquet"
            if not target.exists():
                table = pq.read_table(self.path(t))
                pq.write_table(table, target, row_group_size=max(1, -(-table.num_rows // npartitions)))
            out[t] = frames.read_parquet(str(target), split_row_groups=True)
        return out


@pytest.fixture(scope="session")
def tpch_data(tmp_path_factory) -> TpchData:
    exe = shutil.which("tpchgen-cli")
    if exe is None:
        pytest.skip("tpchgen-cli is not installed")
    out = tmp_path_factory.mktemp("tpch")
    subprocess.run([exe, "parquet", "-s", "0.01", f"--output-dir={out}"], check=True, capture_output=True)
    return TpchData(out)

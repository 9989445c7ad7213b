"""What the hash-free groupings' tests share: their answer against Arrow's ``group_by``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def assert_matches_arrow(got: pa.Table, want: pa.Table, float_sums: tuple[str, ...] = ("f_sum",)) -> None:
    """``got`` equals Arrow's ``want`` (both in the same group order), column by column; float sums
    (added in another order) to 12 digits."""
    assert got.num_rows == want.num_rows
    for name in want.column_names:
        if name in float_sums:
            assert got[name].is_null().equals(want[name].is_null())
            np.testing.assert_allclose(got[name].fill_null(0).to_numpy(), want[name].fill_null(0).to_numpy(), rtol=1e-12)
        else:
            assert got[name].equals(want[name]), name

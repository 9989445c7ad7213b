"""Synthetic tables the memory tests share: a fact table with integer keys, values and many distinct
strings (what makes joins, group-bys and sorts hold real state)."""

import numpy as np
import pandas as pd


def fact_table(rng: np.random.Generator, n: int, keys: int, names: int) -> pd.DataFrame:
    """``n`` rows: ``k`` in [0, keys), ``v`` a float rounded to 6 places, ``s`` one of ``names`` strings."""
    return pd.DataFrame({"k": rng.integers(0, keys, n), "v": rng.random(n).round(6),
                         "s": pd.Series(rng.integers(0, names, n)).map(lambda i: f"name{i}")})

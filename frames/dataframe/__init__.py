"""The DataFrame collection: a lazy, partitioned table of Arrow partitions that mirrors pandas and
dask.dataframe. ``collection`` holds DataFrame, Series and Scalar; ``expr/`` the relational nodes
they build and their kernels; ``io/`` the file scans and writers."""

from frames.dataframe.api import concat, from_arrow, from_pandas, read_csv, read_json, read_parquet
from frames.dataframe.collection import DataFrame, Scalar, Series, map_partitions

__all__ = ["DataFrame", "Series", "Scalar", "map_partitions", "concat", "from_arrow", "from_pandas", "read_csv",
           "read_json", "read_parquet"]

"""The DataFrame collection: a lazy, partitioned table of Arrow partitions that mirrors pandas and
dask.dataframe. ``collection`` holds DataFrame, Series and Scalar; ``expr/`` the relational nodes
they build and their kernels; ``io/`` the file scans and writers."""

from frames.dataframe.api import (concat, from_arrow, from_delayed, from_dict, from_pandas, get_dummies, merge, read_csv,
                                  read_json, read_parquet, to_datetime, to_numeric)
from frames.dataframe.collection import DataFrame, Scalar, Series, map_partitions, melt
from frames.dataframe.groupby import Aggregation

__all__ = ["Aggregation", "DataFrame", "Series", "Scalar", "map_partitions", "concat", "from_arrow", "from_delayed", "from_dict", "from_pandas",
           "get_dummies", "melt", "merge", "read_csv", "read_json", "read_parquet", "to_datetime", "to_numeric"]

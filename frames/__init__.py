"""Lazy, partitioned collections over Arrow tables that mirror the pandas API."""

import exec as _exec  # noqa: F401 - first: it sets allocator options before pyarrow loads

from frames.base import Lazy, compute, persist, visualize
from frames.bag import Bag
from frames.dataframe import (
    Aggregation, DataFrame, Scalar, Series, concat, from_arrow, from_delayed, from_dict, from_pandas, get_dummies, map_partitions, melt,
    merge, read_csv, read_json, read_parquet, to_datetime, to_numeric,
)
from frames.delayed import Delayed, delayed
from frames import futures
from frames.futures import Client, LocalCluster
from frames.errors import (
    ColumnNotFoundError,
    DataSourceError,
    DataTypeError,
    FramesError,
    InvalidArgumentError,
    WriteError,
)

__all__ = [
    "Aggregation", "Bag", "Client", "LocalCluster", "DataFrame", "Series", "Scalar", "Delayed", "delayed", "futures", "Lazy", "compute", "persist", "visualize", "concat", "from_arrow", "from_pandas",
    "from_delayed", "from_dict", "get_dummies", "melt", "merge", "to_datetime", "to_numeric",
    "read_csv", "read_json", "read_parquet", "map_partitions", "ColumnNotFoundError", "DataSourceError",
    "DataTypeError", "FramesError", "InvalidArgumentError", "WriteError",
]

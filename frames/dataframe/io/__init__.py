"""Reading and writing files (local or any fsspec URL): lazy Parquet, CSV and JSON scans, atomic writers."""

from frames.dataframe.io.csv import CsvScan, read_csv_node
from frames.dataframe.io.files import detect_format
from frames.dataframe.io.json import JsonScan, read_json_node
from frames.dataframe.io.parquet import ParquetScan, read_parquet_node
from frames.dataframe.io.writers import to_csv, to_json, to_parquet, write

__all__ = ["CsvScan", "detect_format", "JsonScan", "ParquetScan", "read_csv_node", "read_json_node", "read_parquet_node", "to_csv",
           "to_json", "to_parquet", "write"]

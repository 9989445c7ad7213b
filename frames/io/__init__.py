"""Reading and writing files (local or any fsspec URL): lazy Parquet, CSV and JSON scans, atomic writers."""

from frames.io.csv import CsvScan, read_csv_node
from frames.io.files import detect_format
from frames.io.json import JsonScan, read_json_node
from frames.io.parquet import ParquetScan, read_parquet_node
from frames.io.writers import to_csv, to_json, to_parquet, write

__all__ = ["CsvScan", "detect_format", "JsonScan", "ParquetScan", "read_csv_node", "read_json_node", "read_parquet_node", "to_csv",
           "to_json", "to_parquet", "write"]

"""Differential fuzzing of sqlengine against DuckDB: a seeded query generator and a runner."""

"""Seeing what a computation does: a progress bar, task and resource profilers, task-graph pictures
and the query log."""

from exec.diagnostics.profile import Profiler
from exec.diagnostics.progress import ProgressBar
from exec.diagnostics.queries import QUERY_LOG, QueryLog, QueryRecord
from exec.diagnostics.resource import ResourceProfiler
from exec.diagnostics.visualize import to_dot, visualize

__all__ = ["ProgressBar", "Profiler", "ResourceProfiler", "QUERY_LOG", "QueryLog", "QueryRecord", "to_dot", "visualize"]

"""Seeing what a computation does: a progress bar, a task profiler and task-graph pictures."""

from exec.diagnostics.profile import Profiler
from exec.diagnostics.progress import ProgressBar
from exec.diagnostics.visualize import to_dot, visualize

__all__ = ["ProgressBar", "Profiler", "to_dot", "visualize"]

"""EXPLAIN text: the rules in registry order (with whether each changed the plan) and the optimized
logical plan, whose scans show their pushed filters and the columns they read."""

from __future__ import annotations

from planner.logical import LogicalPlan


def explain_text(plan: LogicalPlan, applied: list[tuple[str, bool]], initial: LogicalPlan | None = None) -> str:
    rules = "\n".join(f"  {name}: {'applied' if changed else 'no change'}" for name, changed in applied)
    parts = [f"Optimizer rules (in order):\n{rules}"]
    if initial is not None:
        parts.append(f"Initial plan:\n{initial.explain(1)}")
    parts.append(f"Optimized plan:\n{plan.explain(1)}")
    return "\n".join(parts)

"""The planner's optimizer: an ordered registry of rules, one module each, and the driver.

Every rule has the signature ``rule(plan, ctx) -> plan`` over the plan the builder produced (the
frames expression tree that reaches the engine), returns the very same object when it changes
nothing, and preserves the output schema (checked by the driver when ``ctx.check_schema``). The
driver owns the iteration: it applies the rules in order and repeats the pass until nothing changes.
EXPLAIN shows each rule by name, with whether it changed the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from frames.expr.node import Node
from planner.rules.fold_constants import fold_constants
from planner.rules.push_down_filter import push_down_filter
from planner.rules.push_down_limit import push_down_limit
from planner.rules.choose_build_side import choose_build_side
from planner.rules.prune_columns import prune_columns


@dataclass(frozen=True)
class RuleContext:
    """Options shared by all rules."""

    check_schema: bool = True
    max_passes: int = 4


Rule = Callable[[Node, RuleContext], Node]

RULES: tuple[Rule, ...] = (
    fold_constants,  # first: constant predicates become TRUE/FALSE before they are pushed
    push_down_filter,  # before pruning: a pushed filter may need columns pruning would drop
    push_down_limit,  # after filters: a limit must never pass a filter
    choose_build_side,  # on the final join inputs, sizes estimated after pushdown
    prune_columns,  # last: it reads the final shape of the plan
)


def optimize(plan: Node, ctx: RuleContext | None = None) -> tuple[Node, list[tuple[str, bool]]]:
    """Apply ``RULES`` in order until a whole pass changes nothing; returns the plan and, for each
    rule, whether it ever changed the plan."""
    ctx = ctx or RuleContext()
    changed = {rule.__name__: False for rule in RULES}
    names = plan.schema.names
    for _ in range(ctx.max_passes):
        any_change = False
        for rule in RULES:
            new = rule(plan, ctx)
            if new is not plan:
                if ctx.check_schema and new.schema.names != names:
                    raise AssertionError(f"rule {rule.__name__} changed the output columns {names} -> {new.schema.names}")
                changed[rule.__name__] = True
                any_change = True
                plan = new
        if not any_change:
            break
    return plan, list(changed.items())

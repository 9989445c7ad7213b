"""The planner's optimizer: an ordered registry of rules over the logical plan, and the driver.

Every rule is a function ``rule(plan, ctx) -> plan`` in a module of the same name, rewriting
``planner.logical`` nodes only. It returns the very same object when it changes nothing and must keep
the output columns (the driver checks when ``ctx.check_schema``). The driver, not the rules, owns the
iteration: it applies ``RULES`` in order and repeats the pass until nothing changes (at most
``ctx.max_passes``). EXPLAIN lists each rule by name with whether it changed the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from planner.logical import LogicalPlan
from planner.rules.choose_build_side import choose_build_side
from planner.rules.factor_or import factor_or
from planner.rules.fold_constants import fold_constants
from planner.rules.left_to_inner_join import left_to_inner_join
from planner.rules.prune_columns import prune_columns
from planner.rules.push_down_filter import push_down_filter
from planner.rules.push_down_limit import push_down_limit
from planner.rules.reduce_grouped_join import reduce_grouped_join
from planner.rules.reorder_joins import reorder_joins
from planner.rules.share_scans import share_scans


@dataclass(frozen=True)
class RuleContext:
    """Options shared by all rules."""

    check_schema: bool = True
    max_passes: int = 4


Rule = Callable[[LogicalPlan, RuleContext], LogicalPlan]

RULES: tuple[Rule, ...] = (
    fold_constants,  # first: constant predicates become literals before they are moved
    factor_or,  # before reorder_joins and push_down_filter: a factored equality becomes a join key
    left_to_inner_join,  # after factor_or (it may take a NOT x IS NULL out of an OR), before reorder_joins
    reorder_joins,  # before pushdown: it pools a region's conditions, pushdown then places them
    push_down_filter,  # before pruning: a pushed filter may need columns pruning would drop
    reduce_grouped_join,  # after filters reached the scans: it compares sizes estimated with them
    push_down_limit,  # after filters: a limit must never pass a filter
    choose_build_side,  # on the final join inputs, sizes estimated after filters reached the scans
    prune_columns,  # it reads the final shape of the plan
    share_scans,  # after pruning: scans of one table left with different column lists merge
)


def optimize(plan: LogicalPlan, ctx: RuleContext | None = None) -> tuple[LogicalPlan, list[tuple[str, bool]]]:
    """Apply ``RULES`` in order until a whole pass changes nothing; returns the plan and, for each
    rule, whether it ever changed the plan."""
    ctx = ctx or RuleContext()
    changed = {rule.__name__: False for rule in RULES}
    names = plan.schema.names
    for _ in range(ctx.max_passes):
        any_change = False
        for rule in RULES:
            new = rule(plan, ctx)
            if new is plan:
                continue
            if ctx.check_schema and new.schema.names != names:
                raise AssertionError(f"rule {rule.__name__} changed the output columns {names} -> {new.schema.names}")
            changed[rule.__name__] = any_change = True
            plan = new
        if not any_change:
            break
    return plan, list(changed.items())

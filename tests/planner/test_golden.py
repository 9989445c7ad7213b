"""Golden tests per optimizer rule: for each case in ``golden/<rule>.txt``, the plan as that rule
first sees it (the builder's plan after one pass of the rules registered before it), the plan after
that one rule, and both executed to the same answer.

A case is ``-- case: <title>``, the SQL, ``-- before``, the plan, ``-- after``, the plan. Run with
``GOLDEN_UPDATE=1`` to rewrite the plans from the current code (then review the diff).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import sqlengine
from planner.lower import to_dataframe
from planner.parse import parse
from planner.rules import RULES, RuleContext

GOLDEN = Path(__file__).parent / "golden"
RULE_BY_NAME = {r.__name__: r for r in RULES}


def context() -> sqlengine.Context:
    ctx = sqlengine.Context()
    ctx.register("a", pd.DataFrame({"x": [1, 2, 3, None], "p": [1, 1, 2, 2]}))
    ctx.register("b", pd.DataFrame({"y": [1, 2, 5], "q": ["u", "v", "w"]}))
    ctx.register("c", pd.DataFrame({"x": [1, 2, 3], "y": [1, 2, 2]}))
    ctx.register("big", pd.DataFrame({"k": list(range(2000)), "v": [float(i) for i in range(2000)]}))
    ctx.register("wide", pd.DataFrame({c: [i % m for i in range(2000)] for c, m in zip("kabcde", (2000, 3, 5, 7, 11, 13))}))
    return ctx


def parse_cases(text: str) -> list[dict]:
    cases = []
    for block in re.split(r"^-- case: ", text, flags=re.M)[1:]:
        title, rest = block.split("\n", 1)
        sql, _, plans = rest.partition("-- before\n")
        before, _, after = plans.partition("-- after\n")
        cases.append({"title": title.strip(), "sql": sql.strip(), "before": before.strip("\n"), "after": after.strip("\n")})
    return cases


def render(cases: list[dict]) -> str:
    return "".join(f"-- case: {c['title']}\n{c['sql']}\n-- before\n{c['before']}\n-- after\n{c['after']}\n\n" for c in cases)


def golden_params():
    for path in sorted(GOLDEN.glob("*.txt")):
        for i, case in enumerate(parse_cases(path.read_text())):
            yield pytest.param(path.stem, i, id=f"{path.stem}-{case['title']}")


def test_every_rule_has_golden_cases():
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == sorted(RULE_BY_NAME)


@pytest.mark.parametrize("rule_name,index", list(golden_params()))
def test_rule_golden(rule_name, index):
    path = GOLDEN / f"{rule_name}.txt"
    cases = parse_cases(path.read_text())
    case = cases[index]
    ctx = context()
    (statement,) = parse(case["sql"], ctx.dialect)
    before = ctx._planner().logical(statement)
    for rule in RULES[:RULES.index(RULE_BY_NAME[rule_name])]:
        before = rule(before, RuleContext())
    after = RULE_BY_NAME[rule_name](before, RuleContext())
    assert after.schema.names == before.schema.names
    got_before, got_after = before.explain(), after.explain()
    if os.environ.get("GOLDEN_UPDATE"):
        case["before"], case["after"] = got_before, got_after
        path.write_text(render(cases))
    assert got_before == case["before"]
    assert got_after == case["after"]
    assert (after is before) == (got_after == got_before)  # unchanged plans come back as the same object
    expected = to_dataframe(before).compute()
    result = to_dataframe(after).compute()
    ordered = " order by " in case["sql"].lower()
    if not ordered:
        expected = expected.sort_values(list(expected.columns)).reset_index(drop=True)
        result = result.sort_values(list(result.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(result, expected)

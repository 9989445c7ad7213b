"""``exec.config.set(join_strategy=...)`` forces broadcast or shuffle joins wherever the join type
allows it (the SQL tests run every case under both), and the answers stay pandas'."""

from __future__ import annotations

import pandas as pd
import pytest

import exec
import frames
from exec.errors import ConfigError
from frames.testing import assert_eq

LEFT = pd.DataFrame({"k": [1, 2, 2, 3, 5, 8, 8, 9] * 3, "x": range(24)})
RIGHT = pd.DataFrame({"k": [2, 3, 4, 8, 10], "y": list("abcde")})

# what each forced strategy becomes per join type: a broadcast side must be one whose unmatched
# rows are not kept (outer: neither, so it shuffles); a cross join has no keys to shuffle on
EXPECTED = {
    "broadcast": {"inner": "broadcast_right", "left": "broadcast_right", "right": "broadcast_left", "outer": "shuffle"},
    "shuffle": {"inner": "shuffle", "left": "shuffle", "right": "shuffle", "outer": "shuffle"},
}


@pytest.mark.parametrize("forced", ["broadcast", "shuffle"])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_forced_strategy_is_used_and_answers_match_pandas(forced, how, npartitions):
    with exec.config.set(join_strategy=forced):
        joined = frames.from_pandas(LEFT, npartitions).merge(frames.from_pandas(RIGHT, 2), on="k", how=how)
        assert joined._node.choose_strategy() == EXPECTED[forced][how]
        assert_eq(joined, LEFT.merge(RIGHT, on="k", how=how), check_order=False, check_index=False, check_dtype=False, scheduler="sync")


def test_without_the_knob_small_sides_are_broadcast_and_single_partitions_join_locally():
    small = frames.from_pandas(RIGHT, 1)
    assert frames.from_pandas(LEFT, 3).merge(small, on="k")._node.choose_strategy() == "broadcast_right"
    assert frames.from_pandas(LEFT, 1).merge(small, on="k")._node.choose_strategy() == "single"


def test_a_strategy_given_to_merge_wins_over_the_knob():
    with exec.config.set(join_strategy="broadcast"):
        joined = frames.from_pandas(LEFT, 3).merge(frames.from_pandas(RIGHT, 2), on="k", strategy="shuffle")
        assert joined._node.choose_strategy() == "shuffle"


def test_cross_joins_broadcast_under_either_knob():
    for forced in ("broadcast", "shuffle"):
        with exec.config.set(join_strategy=forced):
            joined = frames.from_pandas(LEFT, 3).merge(frames.from_pandas(RIGHT, 2), how="cross")
            assert joined._node.choose_strategy().startswith("broadcast")
            assert len(joined.compute(scheduler="sync")) == len(LEFT) * len(RIGHT)


def test_an_unknown_strategy_is_refused_by_name():
    with pytest.raises(ConfigError, match="join_strategy must be None .* not 'hash'"):
        exec.config.set(join_strategy="hash")
    assert exec.config.get("join_strategy") is None

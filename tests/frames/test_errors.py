"""Bad inputs to collections get the project's own errors, naming the culprit."""

from __future__ import annotations

import pandas as pd
import pytest

import frames
from exec.errors import SqlEngineError


@pytest.fixture
def ddf():
    return frames.from_pandas(pd.DataFrame({"price": [1.0, 2.0], "name": ["a", "b"], "qty": [1, 2]}), npartitions=2)


def test_unknown_column_suggests_close_match(ddf):
    with pytest.raises(frames.ColumnNotFoundError, match=r"'prise'.*did you mean 'price'"):
        ddf["prise"]
    with pytest.raises(frames.ColumnNotFoundError, match="'qtty'"):
        ddf[["price", "qtty"]]
    with pytest.raises(frames.ColumnNotFoundError, match="'nmae'"):
        ddf.groupby("nmae")
    with pytest.raises(frames.ColumnNotFoundError):
        ddf.sort_values("pricey")
    with pytest.raises(AttributeError, match="no attribute or column 'prices'"):
        ddf.prices


def test_errors_belong_to_the_project_hierarchy(ddf):
    with pytest.raises(SqlEngineError):
        ddf["nope"]
    with pytest.raises(SqlEngineError):
        ddf.astype("not-a-dtype")
    with pytest.raises(SqlEngineError):
        ddf.repartition(0)
    with pytest.raises(SqlEngineError):
        ddf.merge(ddf, how="sideways", on="name")


def test_wrong_types_fail_when_the_expression_is_built(ddf):
    with pytest.raises(frames.DataTypeError):
        ddf[ddf.name]  # a string column is not a filter
    with pytest.raises(frames.DataTypeError, match="accessor"):
        ddf.price.str.upper()
    with pytest.raises(frames.DataTypeError):
        (ddf.name + 1).compute()


def test_mixing_frames_is_refused(ddf):
    other = frames.from_pandas(pd.DataFrame({"price": [1.0, 2.0]}))
    with pytest.raises(frames.InvalidArgumentError, match="different"):
        ddf.price + other.price


def test_task_that_raises_keeps_type_and_names_task(ddf, scheduler):
    def boom(part):
        raise ValueError("bad partition data")

    with pytest.raises(ValueError, match="bad partition data") as info:
        ddf.map_partitions(boom, meta={"price": "float64"}).compute(scheduler=scheduler)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "map-partitions" in notes


def test_map_partitions_meta_mismatch_is_clear(ddf):
    with pytest.raises(frames.DataTypeError, match="meta"):
        ddf.map_partitions(lambda p: p.assign(extra=1), meta={"price": "float64"}).compute(scheduler="sync")


def test_bad_constructor_inputs():
    with pytest.raises(frames.DataTypeError):
        frames.from_pandas([1, 2, 3])
    with pytest.raises(frames.InvalidArgumentError):
        frames.from_pandas(pd.DataFrame({"a": [1]}), npartitions=-1)

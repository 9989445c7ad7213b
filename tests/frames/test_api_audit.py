"""Issue 12's list of methods and arguments a pandas / Dask user expects, each checked to exist
with the argument named as in Dask (the answers are tested against pandas and Dask in
test_pandas_api.py, test_pandas_methods.py, test_pandas_semantics.py, test_pandas_gaps.py,
test_index.py and test_categoricals_quantiles.py). A new gap goes here first. Refused on purpose,
with README's reasons: row positions in ``iloc`` (as Dask), multi-day and multiple-period
``resample`` bins, calendar ``rolling`` spans."""

from __future__ import annotations

import inspect

import pytest

import frames
from frames.dataframe.accessors import StringAccessor
from frames.dataframe.groupby import GroupBy

# (object, member, arguments it must take)
EXPECTED = [
    # index and divisions
    (frames.DataFrame, "set_index", ("sorted", "divisions")), (frames.DataFrame, "reset_index", ()),
    (frames.DataFrame, "index", ()), (frames.DataFrame, "loc", ()), (frames.DataFrame, "divisions", ()),
    (frames.DataFrame, "known_divisions", ()), (frames.DataFrame, "join", ()),
    (frames.DataFrame, "merge", ("left_index", "right_index", "indicator")),
    (frames.DataFrame, "repartition", ("npartitions", "partition_size", "divisions")),
    # missing methods of the issue
    (frames.DataFrame, "shape", ()), (frames.DataFrame, "describe", ("percentiles",)), (frames.DataFrame, "query", ()),
    (frames.DataFrame, "eval", ()), (frames.DataFrame, "dropna", ("how", "subset", "thresh")),
    (frames.DataFrame, "apply", ("axis", "meta")), (frames.DataFrame, "partitions", ()),
    (frames.DataFrame, "get_partition", ()), (frames.DataFrame, "to_delayed", ()), (frames.DataFrame, "sample", ("frac",)),
    (frames.DataFrame, "pivot_table", ()), (frames.DataFrame, "melt", ()), (frames.DataFrame, "categorize", ()),
    (frames.DataFrame, "astype", ()), (frames.DataFrame, "memory_usage", ()), (frames.DataFrame, "info", ()),
    (frames.DataFrame, "tail", ()), (frames.DataFrame, "reduction", ("chunk", "aggregate", "meta")),
    (frames.DataFrame, "nlargest", ()), (frames.DataFrame, "idxmax", ()), (frames.DataFrame, "idxmin", ()),
    (frames.DataFrame, "head", ("n", "npartitions")), (frames.DataFrame, "map_partitions", ("meta",)),
    (frames.DataFrame, "map_overlap", ("before", "after", "meta")), (frames.DataFrame, "iloc", ()),
    (frames.DataFrame, "assign", ()), (frames.DataFrame, "drop_duplicates", ("subset", "keep")),
    (frames.DataFrame, "groupby", ("observed", "dropna", "sort")), (frames.DataFrame, "fillna", ()),
    (frames.DataFrame, "sum", ("numeric_only",)), (frames.DataFrame, "prod", ()), (frames.DataFrame, "rolling", ("window",)),
    (frames.DataFrame, "resample", ("rule",)), (frames.DataFrame, "__iter__", ()),
    # Series
    (frames.Series, "quantile", ("q", "method")), (frames.Series, "median", ()), (frames.Series, "cumsum", ()),
    (frames.Series, "cumprod", ()), (frames.Series, "cummax", ()), (frames.Series, "cummin", ()),
    (frames.Series, "rolling", ("window", "min_periods", "center")), (frames.Series, "shift", ("periods",)),
    (frames.Series, "diff", ("periods",)), (frames.Series, "map", ()), (frames.Series, "apply", ()),
    (frames.Series, "values", ()), (frames.Series, "describe", ("percentiles",)), (frames.Series, "between", ()),
    (frames.Series, "isin", ()), (frames.Series, "idxmax", ()), (frames.Series, "reduction", ()),
    (frames.Series, "map_overlap", ("before", "after")), (frames.Series, "prod", ()),
    (StringAccessor, "split", ("pat", "n")), (StringAccessor, "rsplit", ("pat", "n")), (StringAccessor, "extract", ("pat",)),
    (StringAccessor, "replace", ("pat", "repl", "regex")), (StringAccessor, "findall", ("pat",)), (StringAccessor, "extractall", ("pat",)),
    (StringAccessor, "contains", ()), (StringAccessor, "startswith", ()), (StringAccessor, "endswith", ()),
    # GroupBy
    (GroupBy, "apply", ("meta",)), (GroupBy, "transform", ("meta",)), (GroupBy, "agg", ("split_out",)),
    (GroupBy, "count", ()), (GroupBy, "describe", ("percentiles",)), (GroupBy, "idxmax", ()), (GroupBy, "idxmin", ()),
    (GroupBy, "prod", ()), (GroupBy, "cumsum", ()), (GroupBy, "shift", ()), (GroupBy, "transform", ()),
    # the module
    (frames, "merge", ()), (frames, "to_datetime", ()), (frames, "to_numeric", ()), (frames, "from_dict", ()),
    (frames, "from_delayed", ()), (frames, "get_dummies", ()), (frames, "Aggregation", ()), (frames, "concat", ()),
    (frames, "from_pandas", ("npartitions", "sort")), (frames, "read_csv", ()), (frames, "melt", ()),
]

def _parameters(member) -> set[str]:
    target = member.fget if isinstance(member, property) else member
    try:
        return set(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return set()


@pytest.mark.parametrize("owner, name, arguments", EXPECTED, ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n, _ in EXPECTED])
def test_member_exists_with_dasks_arguments(owner, name, arguments):
    member = inspect.getattr_static(owner, name, None) if inspect.isclass(owner) else getattr(owner, name, None)
    assert member is not None, f"{getattr(owner, '__name__', owner)}.{name} is missing"
    missing = [a for a in arguments if a not in _parameters(member)]
    assert not missing, f"{name} lacks the argument(s) {missing}"

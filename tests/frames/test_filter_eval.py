"""Filters computed on dictionaries and conjunct by conjunct give exactly the plain evaluation.

``frames.dataframe.expr.dictionary.evaluate`` computes the parts of an expression that read one dictionary
column on the dictionary; ``filter_table`` orders conjuncts and narrows the rows between them. Both
are checked against evaluating the same expression on the decoded table, with NULLs in the data,
chunks carrying different dictionaries, and conjuncts that are constants.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from frames.errors import DataTypeError
from frames.dataframe.expr.blockwise import filter_table
from frames.dataframe.expr.dictionary import evaluate as dictionary_evaluate
from frames.dataframe.expr.scalar import Case, Col, Lit, call, conjunction


def _table(seed: int = 0, n: int = 3000) -> pa.Table:
    rng = np.random.default_rng(seed)
    modes = np.array(["AIR", "MAIL", "SHIP", "TRUCK", "REG AIR"])
    flags = np.array(["A", "N", "R"])

    def dictionary_column(values, null_share):
        arr = pa.array(rng.choice(values, n), mask=rng.random(n) < null_share)
        half = n // 2  # two chunks, each with its own dictionary (as row groups read from Parquet)
        return pa.chunked_array([arr.slice(0, half).dictionary_encode(), arr.slice(half).dictionary_encode()])

    return pa.table({
        "mode": dictionary_column(modes, 0.1),
        "flag": dictionary_column(flags, 0.0),
        "x": pa.array(rng.integers(0, 100, n), mask=rng.random(n) < 0.05),
        "name": pa.array(rng.choice(modes, n)),
    })


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table({f.name: table.column(f.name).cast(f.type.value_type) if pa.types.is_dictionary(f.type) else table.column(f.name)
                     for f in table.schema})


EXPRESSIONS = {
    "eq": call("eq", Col("mode"), Lit("MAIL")),
    "in_or_null_guard": call("or", call("is_in", Col("mode"), values=("MAIL", "SHIP")), call("ne", Col("mode"), Col("mode"))),
    "is_null": call("is_null", Col("mode")),
    "is_not_null": call("is_not_null", Col("mode")),
    "like": call("like", Col("mode"), pattern="%AIR%"),
    "upper_string": call("upper", Col("mode")),
    "coalesce": call("eq", call("coalesce", Col("mode"), Lit("none")), Lit("none")),
    "case": Case(((call("eq", Col("flag"), Lit("R")), Lit(1)),), Lit(2)),
    "two_dictionary_columns": call("or", call("eq", Col("flag"), Lit("N")), call("eq", Col("mode"), Lit("AIR"))),
    "with_another_column": call("eq", Col("mode"), Col("name")),
    "mixed": call("and", call("lt", Col("x"), Lit(50)), call("eq", Col("flag"), Lit("A"))),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_dictionary_evaluation_equals_plain(name):
    table = _table()
    expr = EXPRESSIONS[name]
    got = dictionary_evaluate(expr, table)
    expected = expr.evaluate(_decoded(table))
    assert pa.chunked_array(got.chunks if isinstance(got, pa.ChunkedArray) else [got]).combine_chunks().equals(
        pa.chunked_array(expected.chunks if isinstance(expected, pa.ChunkedArray) else [expected]).combine_chunks())


def test_dictionary_evaluation_of_an_empty_column():
    table = _table().slice(0, 0)
    got = dictionary_evaluate(EXPRESSIONS["eq"], table)
    assert len(got) == 0 and pa.types.is_boolean(got.type)


PREDICATES = {
    "selective_first": conjunction([call("lt", Col("x"), Lit(90)), call("eq", Col("mode"), Lit("MAIL")), call("eq", Col("flag"), Lit("R"))]),
    "nothing_selective": conjunction([call("ge", Col("x"), Lit(1)), call("is_not_null", Col("flag"))]),
    "nulls_in_every_conjunct": conjunction([call("lt", Col("x"), Lit(60)), call("ne", Col("mode"), Lit("AIR"))]),
    "constant_true": conjunction([Lit(True), call("eq", Col("flag"), Lit("A"))]),
    "constant_null": conjunction([call("eq", Col("flag"), Lit("A")), Lit(None, pa.bool_())]),
    "empty_result": conjunction([call("eq", Col("flag"), Lit("nope")), call("lt", Col("x"), Lit(10))]),
}


@pytest.mark.parametrize("dictionaries", [True, False], ids=["dictionary", "plain"])
@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_filter_by_conjuncts_equals_one_mask(name, dictionaries):
    table = _table(seed=4)
    predicate = PREDICATES[name]
    decoded = _decoded(table)
    mask = predicate.evaluate(decoded)
    if isinstance(mask, pa.Scalar):
        expected = decoded if mask.as_py() else decoded.slice(0, 0)
    else:
        expected = decoded.filter(pc.fill_null(mask, False))
    got = filter_table(table, predicate, dictionary_evaluate) if dictionaries else filter_table(decoded, predicate)
    assert _decoded(got).combine_chunks().equals(expected.combine_chunks())


def test_filter_rejects_a_condition_that_is_not_boolean():
    with pytest.raises(DataTypeError, match="not boolean"):
        filter_table(_decoded(_table()), conjunction([call("lt", Col("x"), Lit(5)), Col("x")]))


def test_projection_computes_a_repeated_call_once(monkeypatch):
    from frames.dataframe.expr import kernels
    from frames.dataframe.expr.blockwise import project_table

    calls = []
    original = kernels.KERNELS["multiply"]
    monkeypatch.setitem(kernels.KERNELS, "multiply", kernels.Kernel("multiply", lambda a, b: calls.append(1) or original.impl(a, b),
                                                                    original.arrow_expression, original.symbol))
    table = pa.table({"p": pa.array([10, 20, 30]), "d": pa.array([1, 2, 3]), "t": pa.array([5, 5, 5])})
    disc = call("multiply", Col("p"), call("subtract", Lit(10), Col("d")))
    out = project_table(table, (("disc", disc), ("charge", call("multiply", disc, call("add", Lit(1), Col("t")))),
                                ("int", call("add", Col("p"), Lit(1))), ("float", call("add", Col("p"), Lit(1.0)))))
    assert out.column("disc").to_pylist() == [90, 160, 210]
    assert out.column("charge").to_pylist() == [540, 960, 1260]
    assert len(calls) == 2  # disc once, charge once
    # literals equal in Python (1 == 1.0) but of other types are not the same computation
    assert out.column("int").type == pa.int64() and out.column("float").type == pa.float64()


@pytest.mark.parametrize("predicate", [
    conjunction([call("eq", Col("mode"), Lit("AIR")), call("gt", Col("x"), Lit(40))]),  # narrows by indices
    call("gt", Col("x"), Lit(10)),  # one mask
    conjunction([Lit(False), call("gt", Col("x"), Lit(10))]),  # a constant false conjunct
], ids=["indices", "mask", "false"])
def test_filter_keeps_only_the_columns_asked_for(predicate):
    """A scan's filter-only columns are dropped before the rows are cut down (``keep``), with
    the same rows and columns as filtering everything and selecting after."""
    table = _table(5)
    keep = ["x", "name"]
    got = filter_table(table, predicate, dictionary_evaluate, keep=keep)
    want = filter_table(table, predicate, dictionary_evaluate).select(keep)
    assert got.column_names == keep and got.equals(want)

"""CSV byte ranges: every line parsed by exactly one block, whatever the block size and line endings.

Results are compared with ``pandas.read_csv`` on the same file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import exec as ex
import frames
from frames.dataframe.expr.node import build_graph
from frames.dataframe.expr.scalar import Col, Lit, call
from frames.dataframe.io import read_csv_node


def run(node, scheduler="sync") -> pd.DataFrame:
    graph, keys = build_graph(node)
    tables = ex.get(graph, keys, scheduler=scheduler)
    assert len(tables) == node.npartitions
    assert all(t.schema.equals(node.schema) for t in tables)
    return pa.concat_tables(tables).to_pandas()


@pytest.fixture(scope="module")
def pdf():
    rng = np.random.default_rng(5)
    n = 300
    return pd.DataFrame({"id": np.arange(n), "v": rng.normal(size=n).round(3),
                         "name": rng.choice(["x", "longer name", "z"], n)})


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("trailing", [True, False], ids=["trailing-newline", "no-trailing-newline"])
@pytest.mark.parametrize("blocksize", [200, 997, "1KB", None])
def test_blocks_match_pandas(tmp_path, pdf, newline, trailing, blocksize, scheduler):
    text = pdf.to_csv(index=False, lineterminator=newline)
    if not trailing:
        text = text.rstrip("\r\n")
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode())
    node = read_csv_node(str(path), blocksize=blocksize)
    if blocksize == 200:
        assert node.npartitions == -(-len(text) // 200)
    got = run(node, scheduler)
    pd.testing.assert_frame_equal(got, pd.read_csv(path), check_dtype=False)


def test_every_block_boundary(tmp_path):
    """Block sizes 1..70 put a boundary on every byte of a short file, including right after a newline."""
    lines = ["a,b"] + [f"{i},{'x' * (i % 7)}" for i in range(25)]
    path = tmp_path / "small.csv"
    path.write_text("\n".join(lines))
    expected = pd.read_csv(path, keep_default_na=False)
    for size in range(1, 71):
        got = run(read_csv_node(str(path), blocksize=size, dtype={"b": "str"}, keep_default_na=False))
        assert got.a.tolist() == expected.a.tolist(), size
        assert got.b.tolist() == expected.b.tolist(), size


def test_glob_of_split_files_each_with_header(tmp_path, pdf):
    for i in range(3):
        pdf.iloc[i * 100:(i + 1) * 100].to_csv(tmp_path / f"p{i}.csv", index=False)
    node = read_csv_node(str(tmp_path / "p*.csv"), blocksize=300)
    assert node.npartitions > 3
    pd.testing.assert_frame_equal(run(node), pdf, check_dtype=False)


def test_columns_filter_and_dtypes(tmp_path, pdf):
    path = tmp_path / "d.csv"
    pdf.to_csv(path, index=False)
    node = read_csv_node(str(path), blocksize=500, columns=["name", "id"], dtype={"id": "float64", "v": pa.float32()})
    assert node.read_columns == ("id", "name")  # scan order
    assert node.schema.field("id").type == pa.float64()
    scan = node.with_filter(call("gt", Col("v"), Lit(0.5)))  # a column not returned
    got = run(scan)
    exp = pdf[pdf.v.astype("float32") > 0.5][["id", "name"]].reset_index(drop=True).astype({"id": "float64"})
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)
    assert run(read_csv_node(str(path), dtype="str")).id.tolist() == [str(i) for i in range(len(pdf))]


def test_errors(tmp_path, pdf):
    with pytest.raises(frames.DataSourceError, match="not found.*nope.csv"):
        read_csv_node(str(tmp_path / "nope.csv"))
    with pytest.raises(frames.DataSourceError, match="no files match"):
        read_csv_node(str(tmp_path / "*.csv"))
    path = tmp_path / "d.csv"
    pdf.to_csv(path, index=False)
    with pytest.raises(frames.ColumnNotFoundError, match="did you mean 'name'"):
        read_csv_node(str(path), columns=["nme"])
    with pytest.raises(frames.ColumnNotFoundError):
        read_csv_node(str(path), dtype={"nme": "int64"})
    with pytest.raises(frames.InvalidArgumentError, match="blocksize"):
        read_csv_node(str(path), blocksize="lots")
    (tmp_path / "e.csv").write_text("a,b\n1,2\n")
    (tmp_path / "z.csv").write_text("")
    with pytest.raises(frames.DataSourceError, match="z.csv.*empty"):
        read_csv_node([str(tmp_path / "e.csv"), str(tmp_path / "z.csv")])


def test_quoted_line_breaks_read_whole_or_refused(tmp_path):
    path = tmp_path / "q.csv"
    pd.DataFrame({"id": [1, 2, 3], "text": ["one", "two\nlines", 'say "hi",\nthen go']}).to_csv(path, index=False)
    got = run(read_csv_node(str(path), blocksize=None))
    pd.testing.assert_frame_equal(got, pd.read_csv(path), check_dtype=False)
    assert run(read_csv_node(str(path))).text.tolist() == pd.read_csv(path).text.tolist()  # smaller than a block
    with pytest.raises(frames.DataSourceError, match="line breaks.*blocksize=None"):
        read_csv_node(str(path), blocksize=10)

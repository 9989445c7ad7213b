"""Running graphs on an existing Dask ``distributed`` cluster through the same ``get`` protocol,
with threads in this process and with worker processes (where every task and result is pickled)."""

from __future__ import annotations

import pandas as pd
import pytest

import exec
import frames
from exec import Ref, Task
from frames.testing import assert_eq

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def thread_client():
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


@pytest.fixture(params=["threads", "processes"])
def client(request):
    """An in-process cluster, and the session's cluster of worker processes (tests/conftest.py)."""
    c = request.getfixturevalue("thread_client" if request.param == "threads" else "dask_client")
    with c.as_current():  # the default client for scheduler="distributed"
        yield c


def test_graph_on_a_client(client):
    g = {"a": 1, "b": Task(lambda x: x + 1, Ref("a")), ("c", 0): Task(sum, [Ref("a"), Ref("b")])}
    assert exec.get(g, [("c", 0), "b"], scheduler=client) == [3, 2]
    assert exec.get(g, "b", scheduler="distributed") == 2  # the default client, by name


def test_literals_that_look_like_keys_or_tasks_stay_values(client):
    g = {"a": 1, "looks-like-key": ("a",), "looks-like-task": (sum, [1, 2]), "items": [Ref("a")],
         "both": Task(lambda x, y: (x, y), Ref("looks-like-key"), Ref("looks-like-task"))}
    assert exec.get(g, ["both", "items"], scheduler=client) == [(("a",), (sum, [1, 2])), [Ref("a")]]


def test_errors_and_fused_graphs_on_a_client(client):
    def boom(x):
        raise ValueError(f"bad {x}")

    with pytest.raises(ValueError, match="bad 1"):
        exec.get({"a": 1, "b": Task(boom, Ref("a"))}, "b", scheduler=client)
    g = {"a": 1, "b": Task(lambda x: x + 1, Ref("a")), "c": Task(lambda x: x * 10, Ref("b"))}
    assert exec.get(exec.fuse(g, ["c"]), "c", scheduler=client) == 20


def test_collections_on_a_client(client):
    pdf = pd.DataFrame({"x": range(50), "g": [i % 4 for i in range(50)]})
    df = frames.from_pandas(pdf, npartitions=5)
    assert_eq(df.groupby("g").x.sum(), pdf.groupby("g").x.sum(), scheduler=client)
    assert_eq(df[df.x > 10].merge(df, on="g", strategy="shuffle"), pdf[pdf.x > 10].merge(pdf, on="g"), check_order=False, check_index=False, scheduler=client)

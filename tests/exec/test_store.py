"""exec.store: how values are pickled and written for other processes."""
def test_tables_pickle_while_another_thread_imports_pyarrow(monkeypatch):
    """In a worker, a job's thread may pickle a table while another thread is still importing
    pyarrow: ``sys.modules["pyarrow"]`` is then a module without ``Table`` yet. Pickling and
    spilling must not look the class up there (a task's result failed with an AttributeError)."""
    import sys
    import types

    import pyarrow as pa

    from exec import store

    table = pa.table({"x": [1, 2, 3]})
    partial = types.ModuleType("pyarrow")  # its namespace filled up to, not including, Table
    partial.__dict__.update({k: v for k, v in vars(pa).items() if k not in ("Table", "__name__")})
    monkeypatch.setitem(sys.modules, "pyarrow", partial)
    assert store.loads(store.dumps(table)).equals(table)

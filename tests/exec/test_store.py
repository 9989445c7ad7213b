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


def test_a_directory_is_removed_even_when_a_file_appears_while_it_is_being_removed(tmp_path, monkeypatch):
    """A process worker may still be storing a result of an interrupted computation while the
    parent removes that computation's directory: ``shutil.rmtree`` then fails to remove the
    directory (not empty any more) and, ignoring errors, left it behind in ``/dev/shm`` (seen in
    CI after Ctrl-C). ``remove_directory`` tries again."""
    import os
    import shutil

    from exec import store

    directory = tmp_path / "share"
    directory.mkdir()
    (directory / "a.spill").write_bytes(b"x")
    real = shutil.rmtree
    calls = []

    def rmtree_racing_a_writer(path, ignore_errors=False, **kw):
        calls.append(path)
        if len(calls) == 1:  # what it listed is unlinked, then a writer adds a file before rmdir
            os.unlink(os.path.join(path, "a.spill"))
            (directory / "late.spill").write_bytes(b"y")
            return
        real(path, ignore_errors=ignore_errors, **kw)

    monkeypatch.setattr(shutil, "rmtree", rmtree_racing_a_writer)
    store.remove_directory(str(directory))
    assert not directory.exists() and len(calls) == 2
    store.remove_directory(str(tmp_path / "never-made"))  # nothing there: nothing to do, no error

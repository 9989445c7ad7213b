"""Every way a write could destroy a user's file, tried: each test snapshots the directory tree
before and after and checks that nothing but the named target changed (and, where the write must
be refused, that nothing changed at all).

Covered: COPY ... FROM (appends to a writable table, never writes its source), existing directories with and without OVERWRITE /
OVERWRITE_OR_IGNORE / overwrite=, special files (a FIFO; a character device where we are root), symbolic
links (to a file elsewhere, to a directory, dangling), a target whose parent is a file, a directory
holding the working directory, and a writer killed with SIGKILL mid-write followed by a second write
(which must reclaim the killed writer's temporary output and leave the target as it was meanwhile).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import frames
import sqlengine
from frames.dataframe.io import targets
from planner.errors import ReadOnlyTableError, TableNotFoundError

ROOT = Path(__file__).resolve().parents[3]


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: kind and bytes (files), link target (links), mode (others)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ("file", p.read_bytes())
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                out[rel] = ("special", stat.S_IFMT(st.st_mode))
    return out


def outside(snap: dict[str, tuple], target: str) -> dict[str, tuple]:
    return {k: v for k, v in snap.items() if k != target and not k.startswith(target + "/")}


def no_debris(root: Path) -> bool:
    return not any(part.startswith((targets.TEMP_PREFIX, targets.BACKUP_PREFIX))
                   for k in snapshot(root) for part in k.split("/"))


@pytest.fixture
def ctx():
    c = sqlengine.Context()
    c.register("t", frames.from_pandas(pd.DataFrame({"a": range(30), "b": [i % 3 for i in range(30)],
                                                     "s": [f"x{i}" for i in range(30)]}), npartitions=3))
    return c


def user_files(root: Path) -> None:
    """What a user might have lying around: data, a notes file, a nested folder."""
    (root / "data.csv").write_text("a,b,s\n1,2,keep me\n")
    (root / "notes.txt").write_text("my notes\n")
    (root / "d").mkdir()
    (root / "d" / "keep.txt").write_text("do not delete\n")
    (root / "d" / "sub").mkdir()
    (root / "d" / "sub" / "deep.bin").write_bytes(os.urandom(64))


def test_copy_from_never_writes_its_source(tmp_path, ctx):
    user_files(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(ReadOnlyTableError, match="'t' is read-only"):  # registered: not written to
        ctx.sql(f"COPY t FROM '{tmp_path / 'data.csv'}'")
    ctx.sql("CREATE TABLE w AS SELECT * FROM t")
    ctx.sql(f"COPY w FROM '{tmp_path / 'data.csv'}' (FORMAT csv, HEADER true)")  # appended; the file only read
    assert ctx.rowcount == 1 and ctx.sql("SELECT count(*) AS n FROM w").compute().n[0] == 31
    with pytest.raises(TableNotFoundError, match="nosuch"):
        ctx.sql(f"COPY nosuch FROM '{tmp_path / 'data.csv'}'")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["copy", "copy_partitioned", "to_parquet", "to_csv", "to_json"])
def test_existing_directory_needs_overwrite(tmp_path, ctx, how):
    user_files(tmp_path)
    before = snapshot(tmp_path)
    d = tmp_path / "d"
    df = ctx.table("t")
    write = {
        "copy": lambda extra: ctx.sql(f"COPY t TO '{d}' {extra}"),
        "copy_partitioned": lambda extra: ctx.sql(f"COPY t TO '{d}' (PARTITION_BY b{', ' + extra if extra else ''})"),
        "to_parquet": lambda extra: df.to_parquet(str(d), **extra),
        "to_csv": lambda extra: df.to_csv(str(d), **extra),
        "to_json": lambda extra: df.to_json(str(d), **extra),
    }[how]
    sql = how.startswith("copy")
    with pytest.raises(frames.WriteError, match="already exists and is a directory"):
        write("" if sql else {})
    assert snapshot(tmp_path) == before
    if how != "copy":  # a directory output may be added to: the user's files stay as they are
        write(("OVERWRITE_OR_IGNORE" if how == "copy_partitioned" else "") if sql else {"overwrite": "ignore"})
        after = snapshot(tmp_path)
        assert {k: v for k, v in after.items() if k in before} == before
        assert len(after) > len(before)
        assert no_debris(tmp_path)
    # OVERWRITE replaces the named directory and nothing else
    write(("(OVERWRITE)" if how == "copy" else "OVERWRITE") if sql else {"overwrite": True})
    after = snapshot(tmp_path)
    assert outside(after, "d") == outside(before, "d")
    assert "d/keep.txt" not in after and no_debris(tmp_path)
    if how == "copy":
        assert after["d"][0] == "file"
        assert pd.read_csv(d).a.sum() == sum(range(30))


def special_files(root: Path) -> dict[str, str]:
    """Targets that are not regular files: name -> what it is."""
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.csv").write_text("a\n1\n")
    os.mkfifo(root / "fifo.csv")
    os.symlink(elsewhere / "precious.csv", root / "link.csv")
    os.symlink(elsewhere, root / "linkdir")
    os.symlink(root / "missing.csv", root / "dangling.csv")
    found = {"fifo.csv": "FIFO", "link.csv": "symbolic link", "linkdir": "symbolic link", "dangling.csv": "symbolic link"}
    if os.geteuid() == 0:  # a device node like /dev/null (char 1, 3); only root may make one
        os.mknod(root / "null.csv", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        found["null.csv"] = "device"
    return found


def test_special_files_are_never_replaced(tmp_path, ctx):
    kinds = special_files(tmp_path)
    before = snapshot(tmp_path)
    df = ctx.table("t")
    for name, kind in kinds.items():
        path = str(tmp_path / name)
        expected = "symbolic link" if kind == "symbolic link" else "not a regular file"
        attempts = [lambda: ctx.sql(f"COPY t TO '{path}'"),
                    lambda: ctx.sql(f"COPY t TO '{path}' (OVERWRITE)"),
                    lambda: ctx.sql(f"COPY t TO '{path}' (PARTITION_BY b, OVERWRITE_OR_IGNORE)"),
                    lambda: df.to_csv(path, overwrite=True),
                    lambda: df.to_parquet(path, overwrite=True, single_file=True),
                    lambda: df.to_json(path, overwrite=True)]
        for attempt in attempts:
            with pytest.raises(frames.WriteError, match=expected) as info:
                attempt()
            assert name in str(info.value)
    assert snapshot(tmp_path) == before


def test_dev_full_is_refused(ctx):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(frames.WriteError, match="not a regular file"):
        ctx.sql("COPY t TO '/dev/full'")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_parent_that_is_a_file_and_the_working_directory(tmp_path, ctx, monkeypatch):
    user_files(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(frames.WriteError, match="parent"):
        ctx.sql(f"COPY t TO '{tmp_path / 'notes.txt' / 'x.csv'}'")
    monkeypatch.chdir(tmp_path / "d" / "sub")
    with pytest.raises(frames.WriteError, match="working directory"):
        ctx.table("t").to_parquet(str(tmp_path / "d"), overwrite=True)
    with pytest.raises(frames.WriteError, match="working directory"):
        ctx.sql("COPY t TO '..' (PARTITION_BY b, OVERWRITE)")
    assert snapshot(tmp_path) == before


def test_missing_parents_are_made_and_removed_again_on_failure(tmp_path):
    def boom(part):
        raise RuntimeError("disk on fire")

    pdf = pd.DataFrame({"a": range(10)})
    bad = frames.from_pandas(pdf, npartitions=2).map_partitions(boom, meta=pdf)
    with pytest.raises(frames.WriteError, match="disk on fire"):
        bad.to_csv(str(tmp_path / "new" / "deeper" / "x.csv"))
    assert snapshot(tmp_path) == {}
    frames.from_pandas(pdf, npartitions=2).to_csv(str(tmp_path / "new" / "deeper" / "x.csv"))
    assert pd.read_csv(tmp_path / "new" / "deeper" / "x.csv").a.tolist() == list(range(10))
    assert no_debris(tmp_path)


def test_existing_file_is_replaced_and_only_it(tmp_path, ctx):
    user_files(tmp_path)
    before = snapshot(tmp_path)
    ctx.sql(f"COPY t TO '{tmp_path / 'data.csv'}'")
    after = snapshot(tmp_path)
    assert outside(after, "data.csv") == outside(before, "data.csv") and no_debris(tmp_path)
    assert len(pd.read_csv(tmp_path / "data.csv")) == 30
    ctx.table("t").to_json(str(tmp_path / "data.csv"), single_file=True)  # the DataFrame writers follow the same rule
    assert len(pd.read_json(tmp_path / "data.csv", lines=True)) == 30
    assert outside(snapshot(tmp_path), "data.csv") == outside(before, "data.csv")


def test_a_file_is_not_replaced_by_a_directory_unless_asked(tmp_path, ctx):
    user_files(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(frames.WriteError, match="is a file"):
        ctx.sql(f"COPY t TO '{tmp_path / 'notes.txt'}' (PARTITION_BY b)")
    with pytest.raises(frames.WriteError, match="is a file"):
        ctx.table("t").to_parquet(str(tmp_path / "notes.txt"))
    assert snapshot(tmp_path) == before


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_reclaim_touches_only_dead_writers_of_the_same_target(tmp_path):
    target = str(tmp_path / "out.csv")
    dead = _dead_pid()
    mine = f"{targets.TEMP_PREFIX}out.csv.{targets.HOST}.{dead}.0badc0de"
    live = f"{targets.TEMP_PREFIX}out.csv.{targets.HOST}.{os.getpid()}.0badc0de"
    other_target = f"{targets.TEMP_PREFIX}out.csv.bak.{targets.HOST}.{dead}.0badc0de"
    other_host = f"{targets.TEMP_PREFIX}out.csv.ffffffff.{dead}.0badc0de"
    for name in (mine, live, other_target, other_host):
        (tmp_path / name).write_text("partial")
    (tmp_path / ".out.csv.tmp-0123456789").write_text("not ours to judge")
    frames.from_pandas(pd.DataFrame({"a": [1, 2]})).to_csv(target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert mine not in left
    assert {live, other_target, other_host, ".out.csv.tmp-0123456789", "out.csv"} == set(left)


def test_an_old_output_moved_aside_by_a_killed_writer_comes_back(tmp_path):
    aside = tmp_path / f"{targets.BACKUP_PREFIX}out.{targets.HOST}.{_dead_pid()}.0badc0de"
    aside.mkdir()
    (aside / "part.0.csv").write_text("a\n1\n")
    with pytest.raises(frames.WriteError, match="already exists"):  # the old output is back: it is protected again
        frames.from_pandas(pd.DataFrame({"a": [5]})).to_csv(str(tmp_path / "out"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "part.0.csv").read_text() == "a\n1\n"


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    import pandas as pd
    import frames
    import frames.dataframe.io.formats as formats

    real_open = formats._open

    class Slow:  # a large table written slowly, so the kill lands mid-write
        def __init__(self, out):
            self.out = out

        def write(self, data):
            self.out.write(data)
            self.out.flush()
            time.sleep(0.02)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.out.__exit__(*exc)

    formats._open = lambda fs, path, compression: Slow(real_open(fs, path, compression))
    formats.BATCH_ROWS = 2000
    target, how = sys.argv[1], sys.argv[2]
    n = 2_000_000
    df = frames.from_pandas(pd.DataFrame({"id": range(n), "s": ["some text to make it big"] * n}), npartitions=4)
    if how == "file":
        df.to_csv(target, scheduler="sync")
    else:
        df.to_csv(target, overwrite=True, scheduler="threads")
""")


@pytest.mark.parametrize("how", ["file", "dir"])
def test_writer_killed_mid_write_then_a_second_write(tmp_path, how):
    user_files(tmp_path)
    target = tmp_path / ("out.csv" if how == "file" else "outdir")
    frames.from_pandas(pd.DataFrame({"id": [1, 2, 3]})).to_csv(str(target))  # the previous output
    before = snapshot(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target), how], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            temps = [p for p in tmp_path.iterdir() if p.name.startswith(targets.TEMP_PREFIX)]
            size = sum(f.stat().st_size for t in temps for f in ([t] if t.is_file() else t.rglob("*")) if f.is_file())
            if size > 200_000:
                break
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.05)
        else:
            pytest.fail("the writer never got going")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    mid = snapshot(tmp_path)
    assert {k: v for k, v in mid.items() if not k.startswith(targets.TEMP_PREFIX)} == before  # target intact
    assert any(k.startswith(targets.TEMP_PREFIX) for k in mid)  # the killed writer's debris, for now
    # the next write to the same target reclaims it and replaces the target as asked
    frames.from_pandas(pd.DataFrame({"id": range(10)}), npartitions=2).to_csv(str(target), overwrite=True)
    after = snapshot(tmp_path)
    assert no_debris(tmp_path)
    assert outside(after, target.name) == outside(before, target.name)
    back = frames.read_csv(str(target)).compute()
    assert sorted(back.id) == list(range(10))


def test_a_table_written_over_its_own_source_keeps_its_rows(tmp_path):
    """Reading is lazy: the rows must all be read before the source is replaced (the temporary
    output is renamed only after every part is written)."""
    pdf = pd.DataFrame({"a": range(1000), "s": [f"row {i}" for i in range(1000)]})
    pdf.to_csv(tmp_path / "data.csv", index=False)
    frames.from_pandas(pdf, npartitions=4).to_parquet(str(tmp_path / "pq"))
    ctx = sqlengine.Context()
    ctx.register("c", str(tmp_path / "data.csv"))
    ctx.register("p", str(tmp_path / "pq"))
    ctx.sql(f"COPY (SELECT * FROM c WHERE a % 2 = 0) TO '{tmp_path / 'data.csv'}'")
    assert pd.read_csv(tmp_path / "data.csv").equals(pdf[pdf.a % 2 == 0].reset_index(drop=True))
    frames.read_parquet(str(tmp_path / "pq")).to_parquet(str(tmp_path / "pq"), overwrite=True, compression="zstd")
    back = frames.read_parquet(str(tmp_path / "pq")).compute().sort_values("a").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, pdf)
    assert no_debris(tmp_path)


def test_adding_to_a_directory_never_replaces_what_is_not_a_file(tmp_path, ctx):
    """OVERWRITE_OR_IGNORE replaces same-named files only; a directory or link where a new file would
    go stops the whole write before anything moves."""
    d = tmp_path / "d"
    (d / "b=0").mkdir(parents=True)
    (d / "b=0" / "data_0.csv").write_text("old\n")  # same name as a new file: replaced
    (d / "b=1").mkdir()
    (d / "b=1" / "data_0.csv").mkdir()  # a directory where a new file would go
    (d / "b=1" / "data_0.csv" / "mine.txt").write_text("keep\n")
    before = snapshot(tmp_path)
    with pytest.raises(frames.WriteError, match="not a regular file"):
        ctx.sql(f"COPY t TO '{d}' (PARTITION_BY b, OVERWRITE_OR_IGNORE)")
    assert snapshot(tmp_path) == before
    (d / "b=1" / "data_0.csv" / "mine.txt").unlink()
    (d / "b=1" / "data_0.csv").rmdir()
    ctx.sql(f"COPY t TO '{d}' (PARTITION_BY b, OVERWRITE_OR_IGNORE)")
    assert (d / "b=0" / "data_0.csv").read_text().startswith("a,s\n")
    assert sorted(os.listdir(d)) == ["b=0", "b=1", "b=2"] and no_debris(tmp_path)

"""``python -m benchmarks.server``: the Postgres-wire server against DuckDB behind buenavista.

Both servers run as child processes over the same Parquet files and are driven by the same
psycopg 3 clients: rows per second of a 1M-row result (text and binary formats), and queries per
second of small parameterized queries from 8 concurrent clients. The answers are checked to agree.
Writes ``benchmarks/results/server.md``.

buenavista 0.5.0 (its last release, October 2024) calls ``fetch_record_batch``, which DuckDB 2 no
longer has; its child here maps that name onto ``to_arrow_reader`` so it can run at all.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.common import publish

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1_000_000
SMALL_ROWS = 1_000
CLIENTS = 8


def write_data(folder: Path, rows: int) -> None:
    rng = np.random.default_rng(18)
    ids = np.arange(rows, dtype=np.int64)
    big = pa.table({"id": ids, "x": rng.random(rows), "s": pa.array([f"name {i % 1000}" for i in range(rows)]),
                    "d": pa.array((ids % 365).astype("int32"), pa.int32()).cast(pa.date32())})
    pq.write_table(big, folder / "big.parquet")
    pq.write_table(big.slice(0, SMALL_ROWS), folder / "small.parquet")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()[-500:]}")
        try:
            psycopg.connect(f"host=127.0.0.1 port={port} user=bench dbname=bench sslmode=disable", connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not start")


def start(peer: str, folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    if peer == "sqlengine":
        cmd = [sys.executable, "-m", "repl", "serve", "--port", str(port),
               "--table", f"big={folder / 'big.parquet'}", "--table", f"small={folder / 'small.parquet'}"]
    else:
        cmd = [sys.executable, "-m", "benchmarks.server", "--buenavista-child", str(port), str(folder)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_ready(port, proc)
    return proc, port


def buenavista_child(port: int, folder: Path) -> None:
    import duckdb
    from buenavista.backends import duckdb as bv_duckdb
    from buenavista.examples.duckdb_postgres import create

    class Cursor:
        """A DuckDB 2 cursor under the name buenavista 0.5 calls."""

        def __init__(self, cursor):
            self._cursor = cursor

        def fetch_record_batch(self, rows: int = 1_000_000):
            return self._cursor.to_arrow_reader(rows)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    new_session = bv_duckdb.DuckDBConnection.new_session
    bv_duckdb.DuckDBConnection.new_session = lambda self: _wrapped(new_session(self), Cursor)
    db = duckdb.connect()
    for name in ("big", "small"):
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / (name + '.parquet')}')")
    create(db, ("127.0.0.1", port)).serve_forever()


def _wrapped(session, cursor_type):
    session._cursor = cursor_type(session._cursor)
    return session


def big_result(port: int, binary: bool, repeat: int = 3) -> tuple[float, tuple]:
    """Best rows/s of fetching ``SELECT * FROM big`` and a checksum of what came back."""
    import psycopg

    best, check = 0.0, None
    with psycopg.connect(f"host=127.0.0.1 port={port} user=bench dbname=bench sslmode=disable", autocommit=True) as c:
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = c.cursor(binary=binary).execute("SELECT id, x, s, d FROM big").fetchall()
            elapsed = time.perf_counter() - t0
            best = max(best, len(rows) / elapsed)
            check = (len(rows), sum(r[0] for r in rows), rows[12345])
            del rows
    return best, check


def small_queries(port: int, seconds: float = 5.0) -> tuple[float, list]:
    """Queries per second of ``SELECT ... WHERE id = $1`` from CLIENTS connections at once."""
    import psycopg

    counts = [0] * CLIENTS
    answers: list = [None] * CLIENTS
    errors: list = []
    start_line = threading.Barrier(CLIENTS + 1)
    stop = threading.Event()

    def client(k: int) -> None:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=bench dbname=bench sslmode=disable", autocommit=True) as c:
                start_line.wait()
                i = k
                while not stop.is_set():
                    row = c.execute("SELECT id, s FROM small WHERE id = %s", (i % SMALL_ROWS,)).fetchall()
                    if counts[k] == 0:
                        answers[k] = row
                    counts[k] += 1
                    i += CLIENTS
        except Exception as exc:  # reported in the table
            errors.append(exc)
            start_line.abort()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        start_line.wait(60)
    except threading.BrokenBarrierError:
        pass
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return sum(counts) / (time.perf_counter() - t0), answers


def encode_only(folder: Path) -> float:
    """Rows/s of the server's DataRow encoding alone (text format), in this process."""
    from repl.server.types import data_rows, encode_column

    table = pq.read_table(folder / "big.parquet")
    t0 = time.perf_counter()
    for start_row in range(0, table.num_rows, 50_000):
        chunk = table.slice(start_row, 50_000)
        data_rows([encode_column(c, False) for c in chunk.columns], chunk.num_rows)
    return table.num_rows / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=ROWS)
    ap.add_argument("--seconds", type=float, default=5.0, help="how long the concurrent clients run")
    ap.add_argument("--buenavista-child", nargs=2, metavar=("PORT", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.buenavista_child:
        buenavista_child(int(args.buenavista_child[0]), Path(args.buenavista_child[1]))
        return 0
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_data(folder, args.rows)
        encode_rate = encode_only(folder)
        for peer in ("sqlengine", "duckdb+buenavista"):
            try:
                import buenavista  # noqa: F401
            except ImportError:
                if peer != "sqlengine":
                    results[peer] = {"error": "buenavista is not installed"}
                    continue
            proc, port = start(peer, folder)
            try:
                r: dict = {}
                for binary in (False, True):
                    try:
                        r["binary" if binary else "text"] = big_result(port, binary)
                    except Exception as exc:
                        r["binary" if binary else "text"] = exc
                try:
                    r["qps"] = small_queries(port, args.seconds)
                except Exception as exc:
                    r["qps"] = exc
                results[peer] = r
            finally:
                proc.terminate()
                proc.wait(10)
    lines = ["# Postgres-wire server: sqlengine against DuckDB behind buenavista", "",
             f"`python -m benchmarks.server` ({args.rows:,} rows of int8, float8, text, date; psycopg 3 clients; "
             f"{os.cpu_count()} cores shared with other work, so absolute numbers are noisy).", "",
             "| server | 1M-row result, text (rows/s) | binary (rows/s) | small queries, 8 clients (queries/s) |",
             "|---|---|---|---|"]

    def cell(value, fmt):
        return f"error: {str(value).splitlines()[0][:80]}" if isinstance(value, Exception) else fmt(value)

    checks = {}
    for peer, r in results.items():
        if "error" in r:
            lines.append(f"| {peer} | {r['error']} | | |")
            continue
        lines.append(f"| {peer} | {cell(r['text'], lambda v: f'{v[0]:,.0f}')} | {cell(r['binary'], lambda v: f'{v[0]:,.0f}')} | "
                     f"{cell(r['qps'], lambda v: f'{v[0]:,.0f}')} |")
        checks[peer] = (None if isinstance(r["text"], Exception) else r["text"][1],
                        None if isinstance(r["qps"], Exception) else r["qps"][1])
    agree = len({repr(c) for c in checks.values() if None not in c}) <= 1
    lines += ["", f"Answers agree between the servers (row count, id sum, one sampled row, each client's first answer): "
              f"{'yes' if agree else 'NO: ' + repr(checks)}.", "",
              f"The server's DataRow encoding alone (text, vectorized per column, no socket): {encode_rate:,.0f} rows/s."]
    publish(ROOT / "benchmarks" / "results" / "server.md", lines)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

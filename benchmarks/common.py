"""What the benchmark programs share: TPC-H data on disk and writing a results table."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path


def ensure_data(sf: float, data: Path | None) -> Path:
    """The directory with TPC-H parquet at scale ``sf`` (``benchmarks/data/sf{SF}`` by default),
    generated with tpchgen-cli when its lineitem is missing."""
    data = data or Path(__file__).parent / "data" / f"sf{sf:g}"
    if not (data / "lineitem.parquet").exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tpchgen-cli", "parquet", "-s", f"{sf:g}", f"--output-dir={data}"], check=True)
    return data


def publish(path: Path, lines: list[str]) -> str:
    """Write the results table to ``path`` (in ``benchmarks/results/``) and print it."""
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(text)
    return text


def run_child(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float | None = None) -> dict:
    """Run a benchmark child that prints a JSON report as its last line; the report with
    ``peak_mb``, the peak resident memory of that child alone (``os.wait4``'s rusage), or
    ``{"error": ...}`` naming how it failed (``"timeout"`` when it ran longer than ``timeout``
    seconds and was killed)."""
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, text=True, cwd=cwd, env=env)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
        timed_out = killed.is_set()
        code = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read(), se.read()
    if timed_out and code != 0:
        report = {"error": f"timeout after {timeout:g} s"}
    elif code != 0 or not stdout.strip():
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
        report = {"error": f"exit {code}: {last[:200]}"}
    else:
        report = json.loads(stdout.strip().splitlines()[-1])
    report["peak_mb"] = usage.ru_maxrss / 1024
    return report


def stream_child(cmd: list[str], cwd: Path, timeout: float | None = None):
    """Run a benchmark child that prints one JSON report a line as it goes; yield ``(line, None)``
    for each, then ``(None, failure)`` once if it did not end well: ``"timeout after ..."`` when no
    line came for ``timeout`` seconds (the child is killed), else its exit code and last stderr line."""
    import queue

    with tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=se, text=True, cwd=cwd)
        lines: queue.Queue = queue.Queue()

        def read() -> None:
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                proc.kill()
                proc.wait()
                yield None, f"timeout after {timeout:g} s"
                return
            if line is None:
                break
            if line.startswith("{"):
                yield line, None
        code = proc.wait()
        if code != 0:
            se.seek(0)
            err = se.read().strip()
            yield None, f"exit {code}: {(err.splitlines()[-1] if err else 'no output')[:200]}"

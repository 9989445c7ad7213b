"""Fixtures for the REPL and command tests: a Context over the demo shop, the command as a
subprocess (with a private data directory so no test touches the user's history)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sqlengine
from sqlengine.demo_data import paths

ROOT = Path(__file__).resolve().parents[2]

# ~25M pairs, each cast and concatenated: several seconds of work (about 10 s on 2 cores)
SLOW = (
    "SELECT count(*) FROM order_items a, order_items b "
    "WHERE CAST(a.unit_price AS VARCHAR) || CAST(b.unit_price AS VARCHAR) LIKE '%99%'"
)


@pytest.fixture
def ctx():
    c = sqlengine.Context()
    for name, path in paths().items():
        c.register(name, path)
    return c


@pytest.fixture
def cli_env(tmp_path):
    return dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "xdg"), COLUMNS="120")


@pytest.fixture
def run_cli(cli_env, tmp_path):
    def run(*args, input=None, timeout=60, cwd=None):
        return subprocess.run(
            [sys.executable, "-m", "sqlengine", *args],
            capture_output=True, text=True, input=input, timeout=timeout, env=cli_env, cwd=cwd or tmp_path,
        )

    return run

"""Arrow's default allocator once ``exec`` is imported: the C library's malloc (see
``exec/__init__``: freed buffers go back to the system, so peak resident memory falls), unless
the environment already names one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _backend(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_value is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_value
    code = "import exec, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_default_pool_is_the_system_allocator():
    assert _backend(None) == "system"


@pytest.mark.parametrize("chosen", ["mimalloc", "jemalloc"])
def test_a_pool_named_in_the_environment_wins(chosen):
    import pyarrow as pa

    if chosen not in pa.supported_memory_backends():
        pytest.skip(f"this pyarrow has no {chosen}")
    assert _backend(chosen) == chosen

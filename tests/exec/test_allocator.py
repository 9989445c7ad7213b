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



class _Libc:
    def __init__(self, name):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1


def _mallopt_calls(monkeypatch, env: dict) -> list:
    """What ``exec._glibc_keeps_freed_memory`` asks of glibc's ``mallopt`` under ``env``."""
    import ctypes
    import platform

    import exec

    libs = []
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libs.append(_Libc(name)) or libs[-1])
    monkeypatch.setattr(platform, "libc_ver", lambda: ("glibc", "2.36"))
    for k in [k for k in os.environ if k.startswith("MALLOC_") or k in ("ARROW_DEFAULT_MEMORY_POOL", "SQLENGINE_WORKER_PATH")]:
        monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    exec._glibc_keeps_freed_memory()
    return libs[0].calls if libs else []


def test_glibc_heap_keeps_freed_partitions_for_reuse(monkeypatch):
    # M_MMAP_THRESHOLD (-3) 32 MB, M_TRIM_THRESHOLD (-1) 256 MB: see exec/__init__
    calls = _mallopt_calls(monkeypatch, {"ARROW_DEFAULT_MEMORY_POOL": "system"})
    assert sorted(calls) == [(-3, 32 * 2**20), (-1, 256 * 2**20)]


def test_glibc_settings_in_the_environment_win(monkeypatch):
    calls = _mallopt_calls(monkeypatch, {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_TRIM_THRESHOLD_": "131072"})
    assert calls == [(-3, 32 * 2**20)]


def test_other_allocators_keep_their_own_policy(monkeypatch):
    assert _mallopt_calls(monkeypatch, {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == []


def test_process_pool_workers_keep_glibc_defaults(monkeypatch):
    env = {"ARROW_DEFAULT_MEMORY_POOL": "system", "SQLENGINE_WORKER_PATH": "[]"}
    assert _mallopt_calls(monkeypatch, env) == []

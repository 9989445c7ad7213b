"""The REPL's dashboard (``sqlengine --dashboard``, ``.dashboard``): one per session, showing the
plain schedulers' tasks and every query of the session (``exec.diagnostics.dashboard``)."""

from __future__ import annotations

from typing import Any

_running: list[Any] = []


def start(address: Any = True) -> str:
    """Start the session's dashboard (once; later calls give the running one's link) and return
    the line to print."""
    if _running:
        return f"dashboard: {_running[0].link}"
    from exec.diagnostics.dashboard import start_dashboard

    if isinstance(address, str) and address.strip().isdigit():
        address = int(address)
    _running.append(start_dashboard(address, title="sqlengine REPL"))
    return f"dashboard: {_running[0].link}"


def stop() -> bool:
    """Stop it; False when none was running."""
    if not _running:
        return False
    _running.pop().stop()
    return True

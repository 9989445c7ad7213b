"""``python -m sqlengine``: the launcher hands over to the command in ``repl`` (the top layer).

Run by name so that the library package itself never imports the layer above it."""

import runpy

runpy.run_module("repl", run_name="__main__", alter_sys=True)

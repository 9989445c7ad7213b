"""The ``sqlengine`` command and its interactive REPL (the top layer: it may use every other)."""

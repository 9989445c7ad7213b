"""The ``sqlengine`` command and its interactive REPL (the top layer: it may use every other).

Kept free of heavy imports: the command imports pandas and the engine only once it is running, so
that even a Ctrl-C in its first second ends it with one word and no traceback."""

FORMATS = ("table", "csv", "json", "markdown")

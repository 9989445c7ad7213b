"""``python -m repl`` (and ``python -m sqlengine``): Ctrl-C even while modules load exits quietly."""

import sys

try:
    from repl.cli import main

    code = main()
except KeyboardInterrupt:
    print("cancelled", file=sys.stderr)
    code = 130
raise SystemExit(code)

"""``sqlengine``: run SQL from ``-c``, a file or a pipe, or open the REPL."""

from __future__ import annotations

import argparse
import sys

from repl.format import FORMATS
from repl.run import Settings, describe_error, execute


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="sqlengine", description="SQL over lazy, partitioned dataframes (Parquet, CSV, any fsspec URL).")
    ap.add_argument("script", nargs="?", help="a .sql file to run")
    ap.add_argument("-c", "--command", help="SQL to run (several statements allowed; the last result is printed)")
    ap.add_argument("--table", action="append", default=[], metavar="NAME=PATH", help="register a file, glob or URL as a table (repeatable)")
    ap.add_argument("--demo", action="store_true", help="register the embedded demo shop tables (customers, products, orders, order_items)")
    ap.add_argument("--format", choices=FORMATS, default="table")
    ap.add_argument("--scheduler", choices=("sync", "threads", "processes"), default=None)
    ap.add_argument("--output", metavar="PATH", help="write the result to PATH instead of printing it")
    ap.add_argument("--dialect", default="duckdb", help="SQL dialect read by sqlglot (default: duckdb)")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings(format=args.format, scheduler=args.scheduler, debug=args.debug, output=args.output, timing=False)
    try:
        import sqlengine

        ctx = sqlengine.Context(dialect=args.dialect, scheduler=args.scheduler)
        if args.demo:
            from sqlengine.demo_data import paths

            for name, path in paths().items():
                ctx.register(name, path)
        for spec in args.table:
            name, sep, path = spec.partition("=")
            if not sep or not name or not path:
                print(f"Error: --table needs NAME=PATH, got {spec!r}", file=sys.stderr)
                return 2
            ctx.register(name, path)
        if args.command is not None:
            text = args.command
        elif args.script:
            try:
                with open(args.script) as f:
                    text = f.read()
            except OSError as exc:
                print(f"Error: cannot read {args.script!r}: {exc.strerror}", file=sys.stderr)
                return 2
        elif not sys.stdin.isatty():
            text = sys.stdin.read()
        else:
            from repl.shell import Shell

            settings.timing = True
            return Shell(ctx, settings).run()
        execute(ctx, text, settings)
        return 0
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except Exception as exc:
        print(describe_error(exc, args.debug), file=sys.stderr)
        return 1

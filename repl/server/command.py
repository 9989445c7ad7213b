"""``sqlengine serve``: the command line of the Postgres-protocol server."""

from __future__ import annotations

import argparse
import os
import sys

EPILOG = """examples:
  sqlengine serve --demo                                  psql -h 127.0.0.1 -p 5432 -c "SELECT * FROM orders LIMIT 5"
  sqlengine serve --table trips=data/trips/*.parquet --port 6543
  SQLENGINE_PASSWORD=secret sqlengine serve --host 0.0.0.0 --demo    (a non-loopback address needs a password)"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="sqlengine serve", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Serve the registered tables over the PostgreSQL protocol (psql, psycopg, JDBC, BI tools).")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other needs --password)")
    ap.add_argument("--port", type=int, default=5432, help="TCP port (default 5432; 0 picks a free one)")
    ap.add_argument("--password", default=os.environ.get("SQLENGINE_PASSWORD"),
                    help="password every client must give (default: $SQLENGINE_PASSWORD; none: loopback clients are trusted)")
    ap.add_argument("--auth", choices=("scram-sha-256", "md5"), default="scram-sha-256", help="how clients prove the password")
    ap.add_argument("--allow-files", action="store_true",
                    help="let clients read and write files on this machine (COPY, read_csv(), FROM 'path'); refused by default")
    ap.add_argument("--table", action="append", default=[], metavar="NAME=PATH", help="register a file, glob or URL as a table (repeatable)")
    ap.add_argument("--demo", action="store_true", help="register the embedded demo shop tables")
    ap.add_argument("--scheduler", choices=("sync", "threads", "processes"), default=None, help="where queries run (default: threads)")
    ap.add_argument("--dialect", default="postgres", help="SQL dialect read by sqlglot (default: postgres, what clients send)")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    from repl.cli import _UsageError, build_context
    from repl.run import describe_error

    args = parse_args(argv)
    try:
        from repl.server import Server

        ctx = build_context(args)
        server = Server(ctx, args.host, args.port, password=args.password, auth=args.auth, allow_files=args.allow_files)

        def ready(port: int) -> None:
            print(f"sqlengine serving {len(ctx.tables())} table(s) on postgresql://{args.host}:{port}/sqlengine "
                  f"(psql -h {args.host} -p {port}); Ctrl-C stops", file=sys.stderr, flush=True)

        server.run(on_ready=ready)
        return 0
    except KeyboardInterrupt:
        return 0
    except _UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(describe_error(exc, False), file=sys.stderr)
        return 1

"""``sqlengine``: run SQL from ``-c``, a file or a pipe, or open the REPL."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import time

from repl import FORMATS

EPILOG = """examples:
  sqlengine --demo                                   the REPL over the embedded demo shop
  sqlengine --demo -c "SELECT * FROM orders LIMIT 5"
  sqlengine --table trips=data/trips/*.parquet -c "SELECT count(*) FROM trips"
  sqlengine --demo report.sql --format csv --output report.csv
  echo "SELECT 42;" | sqlengine
  sqlengine serve --demo                             serve the tables over the PostgreSQL protocol (sqlengine serve --help)"""


class _Version(argparse.Action):
    """``--version``, importing the engine only when asked (``--help`` stays instant)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from sqlengine import __version__

        parser.exit(message=f"sqlengine {__version__}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="sqlengine",
        description="SQL over lazy, partitioned dataframes (Parquet, CSV, any fsspec URL). "
        "Without -c, a script or piped input, opens the interactive REPL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("script", nargs="?", help="a .sql file to run ('-' reads standard input)")
    ap.add_argument("-c", "--command", help="SQL to run (several statements: each result is printed; the first error stops the rest)")
    ap.add_argument("--table", action="append", default=[], metavar="NAME=PATH", help="register a file, glob or URL as a table (repeatable)")
    ap.add_argument("--demo", action="store_true", help="register the embedded demo shop tables (customers, products, orders, order_items)")
    ap.add_argument("--format", choices=FORMATS, default="table", help="how results are printed (default: table)")
    ap.add_argument("--scheduler", choices=("sync", "threads", "processes"), default=None, help="where queries run (default: threads)")
    ap.add_argument("--output", metavar="PATH", help="write the result to PATH instead of printing it (.parquet, or the --format text); "
                    "with several queries each result replaces the previous one")
    ap.add_argument("--bail", action="store_true", help="stop piped input at its first error (a script or -c always stops there, as in the DuckDB shell)")
    ap.add_argument("--dialect", default="duckdb", help="SQL dialect read by sqlglot (default: duckdb)")
    ap.add_argument("--dashboard", nargs="?", const=True, default=None, metavar="ADDRESS",
                    help="serve the live dashboard (tasks, workers, queries) while the session runs, at ADDRESS "
                         "(a port or host:port; 0: any free port; default 127.0.0.1:8787)")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    ap.add_argument("--version", action=_Version, help="show the version and exit")
    return ap.parse_args(argv)


def build_context(args: argparse.Namespace):
    import sqlengine

    if args.scheduler:
        import exec.config

        exec.config.set(scheduler=args.scheduler)
    ctx = sqlengine.Context(dialect=args.dialect, scheduler=args.scheduler)
    if args.demo:
        from sqlengine.demo_data import paths

        for name, path in paths().items():
            ctx.register(name, path)
    for spec in args.table:
        name, sep, path = spec.partition("=")
        name, path = name.strip(), path.strip()
        if not sep or not name or not path:
            raise _UsageError(f"--table needs NAME=PATH, got {spec!r}")
        if not name.isidentifier():
            raise _UsageError(f"--table {spec!r}: {name!r} is not a valid table name")
        ctx.register(name, path)
    return ctx


class _UsageError(Exception):
    pass


def _finish(code: int) -> int:
    """Leave promptly. A cancelled query's task may still be running in a worker thread (threads
    cannot be interrupted), and interpreter exit would wait for it: stop the pools, give idle
    threads a moment, and if some work is still running, exit without waiting for it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        from repl.dashboard import stop

        stop()
        from exec.schedulers import shutdown

        shutdown()
    except Exception:  # leaving must not fail
        pass
    deadline = time.monotonic() + 0.5
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for t in others:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in others):
        os._exit(code)
    return code


def _import_engine() -> None:
    """Import pandas, pyarrow and the engine with Ctrl-C held back until they are loaded: an
    interrupt inside a C extension's import comes out as an ImportError with pages of advice."""
    modules = ("exec.config", "sqlengine", "repl.run")
    if threading.current_thread() is not threading.main_thread():  # signals belong to the main thread
        for name in modules:
            importlib.import_module(name)
        return
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt


def _read_stdin() -> str:
    """Standard input as text; bytes that are not UTF-8 are an error naming where they are."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _UsageError(f"standard input is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def main(argv: list[str] | None = None) -> int:
    """The command's entry point; returns the exit status (0 ok, 1 error, 2 usage, 130 Ctrl-C).
    Nothing escapes as a traceback: a failure outside any statement is one line too."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["serve"]:
        from repl.server.command import main as serve

        return serve(arguments[1:])
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while starting up (importing pandas and the engine)
        print("cancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug before or after the statements ran
        if "--debug" in (argv if argv is not None else sys.argv[1:]):
            raise
        from repl.run import describe_error

        print(describe_error(exc, False), file=sys.stderr)
        return 1


def _main(argv: list[str] | None) -> int:
    args = parse_args(argv)
    _import_engine()
    from repl.run import Settings, describe_error, read_problem, run_script

    settings = Settings(format=args.format, scheduler=args.scheduler, debug=args.debug, output=args.output, timing=False)
    try:
        ctx = build_context(args)
        if args.dashboard is not None:
            from repl.dashboard import start

            print(start(args.dashboard), file=sys.stderr, flush=True)
        source, stop_on_error, syntax_first = None, True, False
        if args.command is not None:
            text, syntax_first = args.command, True  # as DuckDB's -c: a syntax error anywhere runs nothing
        elif args.script and args.script != "-":
            try:
                with open(args.script, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as exc:
                print(f"Error: cannot read {args.script!r}: {read_problem(exc)}", file=sys.stderr)
                return 2
            source = args.script
        elif args.script == "-" or not sys.stdin.isatty():
            # piped input goes on after an error, as the DuckDB shell's does unless -bail
            text, stop_on_error = _read_stdin(), args.bail
        else:
            from repl.shell import Shell

            settings.timing = True
            return _finish(Shell(ctx, settings).run())
        ok = run_script(ctx, text, settings, source=source, stop_on_error=stop_on_error, syntax_first=syntax_first)
        return _finish(0 if ok else 1)
    except _UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return _finish(130)
    except BrokenPipeError:
        # the reader went away (``sqlengine ... | head``): not an error worth a message
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except Exception as exc:
        print(describe_error(exc, args.debug), file=sys.stderr)
        return 1

"""The interactive REPL: multi-line statements ended by ``;``, highlighting, completion, history,
psql/DuckDB-style meta-commands. An error or Ctrl-C never ends the session; Ctrl-D does."""

from __future__ import annotations

import sys
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import PygmentsLexer
from pygments.lexers.sql import SqlLexer

from repl.completion import SqlCompleter
from repl import FORMATS
from repl.run import Settings, describe_error, read_problem, run_script

HELP = """Statements end with ';' and may span lines. Meta-commands:
  .tables              list tables            (also \\dt)
  .describe NAME       columns of a table     (also \\d NAME)
  .timer on|off        show elapsed time      (also \\timing)
  .mode FORMAT         table, csv, json, markdown
  .read FILE           run a SQL file         (also \\i FILE)
  .dashboard [ADDRESS] the live dashboard's link (.dashboard off stops it)
  .help                this text              (also \\?)
  .quit                leave (or Ctrl-D)      (also \\q)
Ctrl-C cancels a running query and keeps the session."""


def history_file() -> Path | None:
    """``history`` in the user's data directory (``~/.local/share/sqlengine`` on Linux), or None
    when it cannot be created (a read-only home must not stop the REPL)."""
    try:
        import platformdirs

        d = Path(platformdirs.user_data_dir("sqlengine", appauthor=False))
        d.mkdir(parents=True, exist_ok=True)
        return d / "history"
    except OSError:
        return None


class _SafeFileHistory(FileHistory):
    """FileHistory that keeps the session going when the file cannot be read or written."""

    def load_history_strings(self):
        try:
            yield from super().load_history_strings()
        except (OSError, UnicodeDecodeError):
            return

    def store_string(self, string: str) -> None:
        try:
            super().store_string(string)
        except OSError:
            pass


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _(event):
        buf = event.current_buffer
        text = buf.text.strip()
        if not text or text.endswith(";") or text.startswith((".", "\\")):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    return kb


class Shell:
    def __init__(self, ctx, settings: Settings, input=None, output=None, history: bool = True, out=None):
        self.ctx = ctx
        self.settings = settings
        hist = history_file() if history else None
        self.session = PromptSession(
            message="sql> ",
            prompt_continuation="...> ",
            multiline=True,
            key_bindings=_bindings(),
            lexer=PygmentsLexer(SqlLexer),
            completer=SqlCompleter(ctx),
            complete_while_typing=False,
            history=_SafeFileHistory(str(hist)) if hist else InMemoryHistory(),
            input=input,
            output=output,
        )
        self.out = out if out is not None else sys.stdout

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> int:
        tables = self.ctx.tables()
        self.say("sqlengine — end statements with ';'; .help for help, .tables to list tables, Ctrl-D to quit")
        if tables:
            self.say(f"tables: {', '.join(tables)}")
        while True:
            try:
                text = self.session.prompt()
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line
            except EOFError:
                return 0
            text = text.strip()
            if not text:
                continue
            if text.startswith((".", "\\")):
                try:
                    if self.meta(text) == "quit":
                        return 0
                except Exception as exc:  # a meta-command's error never ends the session either
                    self.say(describe_error(exc, self.settings.debug))
                continue
            self.run_sql(text)

    def run_sql(self, text: str, source: str | None = None) -> None:
        """Each statement in turn, each query's result shown (as psql and the DuckDB shell do); the
        first error or Ctrl-C stops the rest (an error names the line, and the file of ``.read``)."""
        try:
            run_script(self.ctx, text, self.settings, source=source, out=self.out, err=self.out)
        except KeyboardInterrupt:
            self.say(("\r\x1b[K" if _isatty(self.out) else "") + "cancelled")  # over the echoed ^C

    def meta(self, text: str) -> str | None:
        cmd, _, arg = text.rstrip(";").partition(" ")
        cmd, arg = cmd.lower(), arg.strip()
        if cmd in (".quit", ".exit", "\\q"):
            return "quit"
        if cmd in (".help", "\\?", ".h"):
            self.say(HELP)
        elif cmd in (".tables", "\\dt"):
            self.say("\n".join(self.ctx.tables()) or "(no tables)")
        elif cmd in (".describe", "\\d", ".schema"):
            if not arg:
                self.say("usage: .describe TABLE")
            else:
                self.run_sql(f"DESCRIBE {arg}")
        elif cmd in (".timer", "\\timing"):
            self.settings.timing = (arg.lower() != "off") if arg else not self.settings.timing
            self.say(f"timing {'on' if self.settings.timing else 'off'}")
        elif cmd in (".mode", "\\pset"):
            if not arg:
                self.say(f"mode {self.settings.format}")
            elif arg not in FORMATS:
                self.say(f"unknown mode {arg!r}; use .mode {'|'.join(FORMATS)}")
            else:
                self.settings.format = arg
        elif cmd == ".dashboard":
            from repl.dashboard import start, stop

            if arg.lower() == "off":
                self.say("dashboard stopped" if stop() else "no dashboard is running")
            else:
                self.say(start(arg or True))
        elif cmd in (".read", "\\i"):
            if not arg:
                self.say("usage: .read FILE")
                return None
            try:
                text = Path(arg).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.say(f"Error: cannot read {arg!r}: {read_problem(exc)}")
                return None
            self.run_sql(text, source=arg)
        else:
            self.say(f"unknown command {cmd!r}; type .help")
        return None

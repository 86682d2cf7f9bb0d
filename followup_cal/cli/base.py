"""What every command shares: the group, the common options, and the one place where
errors become exit codes."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from followup_cal import __version__
from followup_cal.columns import error_line
from followup_cal.errors import BROKEN_PIPE, INTERNAL_ERROR, FollowupCalError
from followup_cal.plan.bounds import FIRST_YEAR, LAST_YEAR
from followup_cal.settings import BY_DEFAULT, FILE_ENV, choose_file, same_file

if TYPE_CHECKING:
    from followup_cal.plan.model import SearchFile
    from followup_cal.settings import Config

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Map every FollowupCalError to its lines on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FollowupCalError as exc:
            for line in exc.lines():
                click.echo(error_line(line), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Every write is atomic or conditional: stopping here leaves nothing half-done.
            click.echo("interrupted; nothing is half-written, run the command again", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`| head`): no bug, so stop as `cat` would. The rest of
            # the output goes nowhere, so that exiting does not fail on it again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(BROKEN_PIPE)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug: one line and a report to file, not a traceback
            click.echo(internal_error(exc), err=True)
            sys.exit(INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]


def internal_error(exc: BaseException) -> str:
    """The one line for a bug, naming a report (the traceback, versions) to file with it."""
    import os
    import platform
    import tempfile
    import traceback

    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    report = "".join(traceback.format_exception(exc))
    ctx = click.get_current_context(silent=True)
    header = (
        f"followup-cal {__version__}, Python {platform.python_version()}, "
        f"{platform.system()}; command: {ctx.info_name if ctx else '?'}\n"
    )
    try:
        fd, name = tempfile.mkstemp(prefix="followup-cal-bug-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(header + report)
        where = f"please report it with {name} (the traceback; read it before sharing)"
    except OSError:
        where = "please report it with the command you ran"
    return f"internal error (a bug, exit {INTERNAL_ERROR}): {what}; every file is whole, {where}"


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date; expected YYYY-MM-DD", param, ctx)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail(f"'{value}' is out of range; expected a year {FIRST_YEAR} to {LAST_YEAR}")
        return day


TODAY_ENV = "FOLLOWUP_CAL_TODAY"
TODAY_HELP = (
    f"The date to plan from (default: {TODAY_ENV} if set, else the real today). "
    "Makes runs reproducible."
)
today_option = click.option("--today", type=DateType(), default=None, help=TODAY_HELP)


public_option = click.option(
    "--public",
    is_flag=True,
    help="Only what a stranger may read: step, company, date (for a published feed).",
)
as_option = click.option(
    "--as",
    "kind",
    type=click.Choice(["event", "todo"]),
    default="event",
    show_default=True,
    help="Calendar events, or tasks (VTODO: Apple Reminders, Thunderbird, Nextcloud Tasks).",
)

timeout_option = click.option(
    "--timeout",
    type=click.IntRange(1, 600),
    default=30,
    show_default=True,
    help="Seconds to wait for each answer from the server.",
)


def resolve_today(today: date | None) -> date:
    """--today, else FOLLOWUP_CAL_TODAY, else the real date: the only clock read in the
    program, at the edge (the planner is given the date). The variable pins the day for
    every command of a shell (a demo, a script, the test suite and what it runs)."""
    if today is not None:
        return today
    pinned = os.environ.get(TODAY_ENV, "")
    if not pinned:
        return date.today()
    try:
        return DateType().convert(pinned, None, None)
    except click.BadParameter as exc:
        ctx = click.get_current_context(silent=True)
        raise OneLineUsageError(f"{TODAY_ENV}={exc.message}", ctx) from None


def echo_lines(lines: Iterable[str], err: bool = False) -> None:
    """Each line as click.echo prints it, a thousand lines to a write: one echo a line
    costs a plan of 150,000 lines a second."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == 1000:
            click.echo("\n".join(chunk), err=err)
            chunk = []
    if chunk:
        click.echo("\n".join(chunk), err=err)


def load(path: str) -> SearchFile:
    """The checked file; the loader (and YAML) is imported on first use, so --help and
    --version never import it."""
    from followup_cal.loader import load as load_file

    return load_file(path)


class OneLineUsageError(click.UsageError):
    """A usage error as one line, like every other error of the tool."""

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx else ""
        said = error_line(self.format_message().rstrip("."))
        click.echo(f"Error: {said}{hint}", err=True)


VERBOSE_HELP = (
    "Say on stderr what it does: -v files read and written, requests made; -vv more "
    "detail. Never a password."
)
COLOR_HELP = "Colour: auto is on a terminal unless NO_COLOR is set."
COLOR_CHOICE = click.Choice(["auto", "always", "never"])
COLORS = {"always": True, "never": False}


def _set_color(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None and value != "auto":
        ctx.color = COLORS[value]


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        _log_to_stderr(value)


class FollowupCommand(click.Command):
    """Every command also takes -v and --color after its name (`sync -v`), not only
    before it as the group's options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += [
            click.Option(["-v", "--verbose"], count=True, help=VERBOSE_HELP,
                         expose_value=False, callback=_set_verbose),
            click.Option(["--color"], type=COLOR_CHOICE, default=None, help=COLOR_HELP,
                         expose_value=False, callback=_set_color),
        ]  # fmt: skip


# The module that defines each command. A command's module is imported when the command
# runs (or --help lists them all), so start-up pays for what runs: `--version` imports
# none, `plan` only reading.py. test_layers checks the table against the modules.
COMMAND_MODULES = {
    "add": "adding",
    "add-round": "adding",
    "init": "adding",
    "config": "config",
    "agenda": "journal",
    "done": "journal",
    "reply": "journal",
    "outcome": "journal",
    "undo": "journal",
    "inbox": "mail",
    "export": "publishing",
    "serve": "publishing",
    "validate": "reading",
    "plan": "reading",
    "draft": "reading",
    "schema": "reading",
    "sync": "sync",
    "login": "signin",
    "logout": "signin",
}


class FollowupGroup(click.Group):
    command_class = FollowupCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            import importlib

            importlib.import_module(f"followup_cal.cli.{COMMAND_MODULES[cmd_name]}")
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, OneLineUsageError):
                raise
            raise OneLineUsageError(exc.format_message(), exc.ctx) from None


@click.group(cls=FollowupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="followup-cal")
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
@click.option("--color", type=COLOR_CHOICE, default="auto", show_default=True, help=COLOR_HELP)
@click.pass_context
@reports_errors
def cli(ctx: click.Context, verbose: int, color: str) -> None:
    """Turn the interviews in a YAML file into dated, drafted follow-ups.

    \b
    Example:
      followup-cal validate interviews.yaml
      followup-cal plan interviews.yaml
      followup-cal export interviews.yaml -o followups.ics
      followup-cal draft acme thank_you --to Dana -f interviews.yaml
      followup-cal sync interviews.yaml --url https://dav.example.org/ --user alex

    Exit codes: 0 ok, 1 bad input, 2 bad command line, 3 file not readable or
    writable, 4 draft warnings (--strict), 5 no such interview/step/person,
    6-10, 12 and 13 sync and inbox (see 'followup-cal sync --help'), 11 a file
    the tool cannot edit without reformatting it, 70 internal error (a bug).
    """

    from followup_cal.settings import load_config

    # None leaves it to click: colour on a terminal only. NO_COLOR (no-color.org): any
    # non-empty value turns it off unless --color=always asks for it.
    no_color = bool(os.environ.get("NO_COLOR"))
    ctx.color = COLORS.get(color, False if no_color else None)
    _log_to_stderr(verbose)
    config = load_config()
    ctx.meta[CONFIG_KEY] = config
    # The config file's settings become the options' defaults: a flag or an environment
    # variable still wins (click reads those before its default_map).
    ctx.default_map = config.default_map()


class _StderrHandler(logging.Handler):
    """Log lines to whatever stderr is now (a test runner swaps it per command)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"followup-cal: {self.format(record)}", err=True)


def _log_to_stderr(verbose: int) -> None:
    logger = logging.getLogger("followup_cal")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.propagate = False
    logger.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))


CONFIG_KEY = "followup_cal.config"
FILE_HELP = "The interviews file (default: FOLLOWUP_CAL_FILE, the config file, ./interviews.yaml)."


def current_config() -> Config:
    from followup_cal.settings import load_config

    ctx = click.get_current_context()
    config = ctx.find_root().meta.get(CONFIG_KEY)
    return config if config is not None else load_config()


def file_flag(func: Callable[..., Any]) -> Callable[..., Any]:
    """-f FILE as given (or FOLLOWUP_CAL_FILE); chosen_file() makes the choice."""
    return click.option(
        "-f", "--file", "file_flag", envvar=FILE_ENV, type=click.Path(dir_okay=False),
        help=FILE_HELP,
    )(func)  # fmt: skip


def chosen_file(argument: str | None, flag: str | None) -> str:
    """The file a command works on: see settings.choose_file. Said on stderr when an
    environment variable or the config file named it (finding it there may surprise);
    ./interviews.yaml, found because nothing named another, only with -v: said on every
    command it was noise, and remembering where it was said would be a hidden cache."""
    source = click.get_current_context().get_parameter_source("file_flag")
    from_env = flag if source is ParameterSource.ENVIRONMENT else None
    chosen = choose_file(argument or (None if from_env else flag), from_env, current_config())
    verbose = logging.getLogger("followup_cal").isEnabledFor(logging.INFO)
    if chosen.source and (chosen.source != BY_DEFAULT or verbose):
        click.echo(f"using {chosen.path} ({chosen.source})", err=True)
    return chosen.path


def _chooses_file(func: F, takes_argument: bool) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        argument = kwargs.pop("file", None) if takes_argument else None
        file = chosen_file(argument, kwargs.pop("file_flag"))
        return func(*args, file=file, **kwargs)

    return reports_errors(wrapper)  # type: ignore[return-value]


def file_argument(func: F) -> F:
    """[FILE] or -f FILE, resolved like every command's: see settings.choose_file."""
    wrapped = file_flag(_chooses_file(func, takes_argument=True))
    return click.argument("file", required=False, type=click.Path(dir_okay=False))(wrapped)


def file_option(func: F) -> F:
    """-f FILE, resolved like every command's: see settings.choose_file."""
    return file_flag(_chooses_file(func, takes_argument=False))  # type: ignore[return-value]


def file_args(file: str) -> list[str]:
    """What a printed command needs to reach FILE: nothing when it would find it anyway."""
    found = choose_file(None, os.environ.get(FILE_ENV), current_config())
    return [] if same_file(found.path, file) else ["-f", file]


def check_url_option(name: str, value: str | None, env: str, schemes: tuple[str, ...]) -> None:
    """A URL option (``--url``, or its variable) that parsers may read differently is
    refused before anything is read or sent (exit 2); config.toml and the YAML refuse
    theirs on their line."""
    if not value:
        return
    source = click.get_current_context().get_parameter_source(name)
    if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
        from followup_cal.origins import check_given

        flag = "--" + name.replace("_", "-")
        check_given(value, env if source is ParameterSource.ENVIRONMENT else flag, schemes)

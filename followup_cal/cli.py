"""The command line: thin wrappers over service.py; errors become exit codes here only."""

from __future__ import annotations

import functools
import gc
import json
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from followup_cal import __version__
from followup_cal.atomic import write_atomic
from followup_cal.errors import DraftWarnings, FileAccessError, FollowupCalError
from followup_cal.loader import load
from followup_cal.planner import PlannedFollowup
from followup_cal.state import ExportState, load_state, save_state, state_path_for

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Map every FollowupCalError to its lines on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FollowupCalError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Every write is atomic or conditional: stopping here leaves nothing half-done.
            click.echo("interrupted; nothing is half-written, run the command again", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date; expected YYYY-MM-DD", param, ctx)


TODAY_HELP = "The date to plan from (default: the real today). Makes runs reproducible."
today_option = click.option("--today", type=DateType(), default=None, help=TODAY_HELP)
file_argument = click.argument("file", type=click.Path(dir_okay=False))


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


def resolve_today(today: date | None) -> date:
    # The only clock read in the program, at the edge: the planner is given the date.
    return today or date.today()


class OneLineUsageError(click.UsageError):
    """A usage error as one line, like every other error of the tool."""

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx else ""
        click.echo(f"Error: {self.format_message().rstrip('.')}{hint}", err=True)


class FollowupGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, OneLineUsageError):
                raise
            raise OneLineUsageError(exc.format_message(), exc.ctx) from None


@click.group(cls=FollowupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="followup-cal")
def cli() -> None:
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
    6-10 sync (see 'followup-cal sync --help').
    """


@cli.command()
@click.argument(
    "files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False)
)
@click.option("--strict", is_flag=True, help="Exit 4 when there is any warning.")
@today_option
@reports_errors
def validate(files: tuple[str, ...], strict: bool, today: date | None) -> None:
    """Check each FILE: every problem on its own line as FILE:LINE:COL, then warnings.

    Several files are checked in one run (as a pre-commit hook passes them); the exit
    code is the worst one.

    \b
    Example:
      followup-cal validate interviews.yaml --strict
    """
    worst = 0
    for file in files:
        try:
            _validate_one(file, strict, today)
        except FollowupCalError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            worst = max(worst, exc.exit_code)
    if worst:
        sys.exit(worst)


def _validate_one(file: str, strict: bool, today: date | None) -> None:
    from followup_cal import service

    search = load(file)
    items = service.plan(search, resolve_today(today))
    events = service.draft_events(search, items)
    warnings = [w.format(file) for w in service.lint(events)]
    warnings += service.unmatched_done(search, items)
    for warning in warnings:
        click.echo(warning, err=True)
    count = len(search.interviews)
    click.echo(
        f"{file}: ok, {count} interview{'s' * (count != 1)}, {len(events)} follow-ups planned, "
        f"{len(warnings)} warning{'s' * (len(warnings) != 1)}"
    )
    if strict and warnings:
        raise DraftWarnings(f"{file}: {len(warnings)} warning(s) with --strict")


def _row(item: PlannedFollowup) -> dict[str, Any]:
    from followup_cal.ics import summary

    return {
        "uid": item.uid,
        "interview": item.interview.id,
        "company": item.interview.company,
        "step": item.step.value,
        "key": item.key,
        "round": item.round,
        "final": item.final,
        "recipient": item.recipient.name if item.recipient else None,
        "email": item.recipient.email if item.recipient and item.recipient.email else None,
        "start": item.start.isoformat(),
        "end": (item.start + item.duration).isoformat(),
        "timezone": getattr(item.start.tzinfo, "key", str(item.start.tzinfo)),
        "status": item.status,
        "done": item.done.isoformat() if item.done else None,
        "summary": summary(item),
        "reason": item.reason,
    }


@cli.command()
@file_argument
@today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table to read, or JSON for scripts.",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False),
    help="Also write the whole search as a timeline page (one file, works offline).",
)
@reports_errors
def plan(file: str, today: date | None, fmt: str, html_out: str | None) -> None:
    """Print the planned follow-ups of FILE, sorted by date, one per line.

    \b
    Example:
      followup-cal plan interviews.yaml --today 2026-11-23
      followup-cal plan interviews.yaml --format json | jq '.[0]'
      followup-cal plan interviews.yaml --html timeline.html
    """
    from followup_cal import service

    search = load(file)
    if html_out:
        page = service.timeline_html(search, resolve_today(today))
        write_atomic(html_out, page.encode("utf-8"))
        click.echo(f"wrote {html_out}", err=True)
    items = service.plan(search, resolve_today(today))
    if fmt == "json":
        click.echo(json.dumps([_row(i) for i in items], indent=2, ensure_ascii=False))
        return
    marks = {"past": " ", "today": ">", "upcoming": " ", "done": "✓"}
    for item in items:
        local = item.start.astimezone(search.me.timezone)
        who = item.recipient.name if item.recipient else "(me)"
        click.echo(
            f"{marks[item.status]} {local:%Y-%m-%d %a %H:%M}  {item.interview.id:<18} "
            f"{item.key:<16} {who:<20} {item.interview.company}"
        )
    click.echo(f"{len(items)} follow-ups; times in {search.me.timezone.key}")


@cli.command()
@file_argument
@click.option(
    "-o",
    "--output",
    default="followups.ics",
    show_default=True,
    help="Where to write the calendar; - for standard output.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Export history for SEQUENCE (default: FILE's name with .followup-state.json).",
)
@click.option("--no-state", is_flag=True, help="Neither read nor write the export history.")
@public_option
@as_option
@today_option
@reports_errors
def export(
    file: str,
    output: str,
    state_file: str | None,
    no_state: bool,
    public: bool,
    kind: str,
    today: date | None,
) -> None:
    """Write the follow-ups of FILE as an iCalendar (.ics) file.

    The file is replaced atomically, so a feed being served is never half-written.
    Use --public for anything others can reach: it keeps only the step, the company
    and the date (no names, addresses, phone numbers or drafts).

    \b
    Example:
      followup-cal export interviews.yaml -o followups.ics
      followup-cal export interviews.yaml --public -o site/followups.ics
      followup-cal export interviews.yaml --as todo -o tasks.ics
    """
    from followup_cal import service
    from followup_cal.ics import FeedStyle

    search = load(file)
    state_path = Path(state_file) if state_file else state_path_for(file)
    state = ExportState() if no_state else load_state(state_path)
    before = dict(state.revisions)
    style = FeedStyle(public=public, as_todo=kind == "todo")
    data = service.export_ics(search, resolve_today(today), state, style)
    changed = sum(1 for uid, rev in state.revisions.items() if before.get(uid) != rev)
    if not no_state and changed:
        # The history first: if the calendar write then fails, the next run still
        # numbers every revision above anything already published.
        save_state(state_path, state)
    count = data.count(b"BEGIN:VTODO" if style.as_todo else b"BEGIN:VEVENT")
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(output, data)
    what = "tasks" if style.as_todo else "events"
    click.echo(f"wrote {count} {what} to {output} ({changed} new or changed)", err=True)


file_option = click.option(
    "-f",
    "--file",
    "file",
    envvar="FOLLOWUP_CAL_FILE",
    default="interviews.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The interviews file (or set FOLLOWUP_CAL_FILE).",
)


@cli.command()
@click.argument("interview_id", metavar="ID")
@click.argument("step", required=False)
@click.option("--to", "to", metavar="NAME", help="The recipient, when several get this step.")
@click.option("--round", "round_number", type=int, help="The round, for debrief and thank-you.")
@file_option
@click.option("--eml", type=click.Path(dir_okay=False), help="Also write the draft as an .eml.")
@today_option
@reports_errors
def draft(
    interview_id: str,
    step: str | None,
    to: str | None,
    round_number: int | None,
    file: str,
    eml: str | None,
    today: date | None,
) -> None:
    """Print one draft: interview ID, STEP (default: the next one due).

    STEP is a step name (thank_you, follow_up, check_in, ...) or a numbered key as
    'plan' shows it (follow_up-2, check_in-3).

    \b
    Example:
      followup-cal draft acme-backend thank_you --to "Dana Lee"
      followup-cal draft acme-backend follow_up-2 --eml follow-up.eml
    """
    from followup_cal import service

    search = load(file)
    events = service.draft_events(search, service.plan(search, resolve_today(today)))
    event = service.find_event(events, interview_id, step, to, round_number)
    mail = event.draft.as_email()
    click.echo(f"To: {mail['To']}")
    click.echo(f"Subject: {event.draft.subject}")
    click.echo(f"When: {event.item.start:%a %d %b %Y %H:%M %Z} ({event.item.reason})")
    click.echo("")
    click.echo(event.draft.body.rstrip("\n"))
    if eml:
        write_atomic(eml, bytes(mail))
        click.echo(f"wrote {eml}", err=True)


@cli.command()
@file_argument
@click.option("--url", envvar="FOLLOWUP_CAL_URL", help="The server (root or calendar URL).")
@click.option("--user", envvar="FOLLOWUP_CAL_USER", help="The user name on the server.")
@click.option("--calendar", help="The calendar's display name or its own URL.")
@click.option("--create", is_flag=True, help="Create the calendar when it is missing.")
@click.option("--dry-run", is_flag=True, help="List the changes; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite server edits; allow deleting everything.")
@click.option(
    "--password-command", metavar="CMD", help="Print the password with CMD (e.g. 'pass show dav')."
)
@click.option("--insecure", is_flag=True, help="Do not check the TLS certificate (a warning).")
@click.option(
    "--timeout",
    type=click.IntRange(1, 600),
    default=30,
    show_default=True,
    help="Seconds to wait for each answer from the server.",
)
@as_option
@today_option
@reports_errors
def sync(
    file: str,
    url: str | None,
    user: str | None,
    calendar: str | None,
    create: bool,
    dry_run: bool,
    force: bool,
    password_command: str | None,
    insecure: bool,
    timeout: int,
    kind: str,
    today: date | None,
) -> None:
    """Push the follow-ups of FILE to a CalDAV calendar, and keep them in step.

    Creates what is missing, updates what changed, deletes what is no longer planned,
    and touches no event it did not create. The password comes from
    --password-command, FOLLOWUP_CAL_PASSWORD, ~/.netrc or the system keyring.

    With --as todo, follow-ups become tasks (VTODO, done steps COMPLETED) in a task
    list of their own, "Follow-up tasks" unless --calendar names another.

    Exit codes: 6 credentials refused or missing, 7 server unreachable (DNS,
    connection, TLS, timeout), 8 server error or not CalDAV, 9 refused to delete
    every event (use --force), 10 events edited on the server were left alone.

    \b
    Example:
      FOLLOWUP_CAL_PASSWORD=... followup-cal sync interviews.yaml \\
          --url https://dav.example.org/ --user alex --calendar Follow-ups --create
    """
    from followup_cal.errors import AuthFailed, SyncConflicts
    from followup_cal.sync.credentials import find_password
    from followup_cal.sync.run import (
        SyncStatus,
        SyncTarget,
        execute_sync,
        prepare_sync,
        save_status,
        status_path_for,
    )

    search = load(file)
    settings = search.caldav
    url = url or (settings.url if settings else "")
    user = user or (settings.user if settings else "")
    as_todo = kind == "todo"
    # caldav: calendar: names the events calendar; tasks go to a list of their own.
    calendar = calendar or (settings.calendar if settings and not as_todo else "")
    if not url:
        raise click.UsageError("no server: give --url, FOLLOWUP_CAL_URL or caldav: url: in FILE")
    password = find_password(url, user, password_command)
    if user and password is None:
        raise AuthFailed(
            f"no password for {user}: set FOLLOWUP_CAL_PASSWORD, add it to ~/.netrc or the "
            "keyring, or use --password-command"
        )
    if insecure:
        click.echo("warning: TLS certificates are not checked (--insecure)", err=True)
    target = SyncTarget(url, user, password, calendar, create, not insecure, timeout, as_todo)
    state_path = state_path_for(file)
    state = load_state(state_path)
    revisions_before = dict(state.revisions)
    status_path = status_path_for(file)
    status = SyncStatus.load(status_path)
    status_before = status.to_json()
    try:
        prepared = prepare_sync(search, target, state, status, resolve_today(today), force=force)
        writes = prepared.plan.writes
        if dry_run:
            for write in writes:
                click.echo(f"would {write.kind} {write.uid}  {write.summary}")
            for uid in prepared.plan.conflicts:
                click.echo(f"would leave alone {uid} (edited on the server; --force overwrites)")
            click.echo(f"dry run: {len(writes)} change(s), nothing written")
            return
        if len(writes) > 20 and sys.stdout.isatty():
            with click.progressbar(length=len(writes), label="syncing") as bar:
                report = execute_sync(prepared, force=force, progress=lambda _w: bar.update(1))
        else:
            report = execute_sync(prepared, force=force)
    finally:
        if not dry_run:
            if status.to_json() != status_before:
                save_status(status_path, status)
            if state.revisions != revisions_before:
                save_state(state_path, state)
    for uid in report.conflicts:
        click.echo(f"left alone: {uid} was edited on the server; --force overwrites", err=True)
    click.echo(report.summary)
    if report.conflicts:
        raise SyncConflicts(f"{len(report.conflicts)} event(s) left alone")


@cli.command()
@click.option("-o", "--output", default="-", help="Where to write it; - for standard output.")
@reports_errors
def schema(output: str) -> None:
    """Print the JSON Schema of the interviews file, for your editor.

    With the YAML extension of VS Code (or any yaml-language-server editor), save it
    beside your file and put this first line in the YAML:
    '# yaml-language-server: $schema=interviews.schema.json'

    \b
    Example:
      followup-cal schema -o interviews.schema.json
    """
    from followup_cal.schema import schema_text

    text = schema_text()
    if output == "-":
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)


@cli.command()
@file_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Where to listen.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free."
)
@click.option(
    "--token",
    envvar="FOLLOWUP_CAL_TOKEN",
    help="A secret part of the URL; required beyond this machine (or FOLLOWUP_CAL_TOKEN).",
)
@click.option(
    "--private",
    is_flag=True,
    help="Serve everything (names, addresses, drafts), not just the public feed.",
)
@as_option
@today_option
@reports_errors
def serve(
    file: str,
    host: str,
    port: int,
    token: str | None,
    private: bool,
    kind: str,
    today: date | None,
) -> None:
    """Serve the feed of FILE over HTTP for a calendar app to subscribe to.

    The feed is rebuilt whenever FILE changes; clients get ETag/Last-Modified and a 304
    when nothing changed. It is the public feed (step, company and date only) unless
    --private. Listening beyond this machine needs --token, which becomes part of the URL.

    \b
    Example:
      followup-cal serve interviews.yaml
      followup-cal serve interviews.yaml --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    from followup_cal.errors import UsageProblem
    from followup_cal.ics import FeedStyle
    from followup_cal.serve import FeedSource, is_loopback, make_server, public_urls

    token = token or ""
    if not is_loopback(host) and len(token) < 16:
        raise UsageProblem(
            f"listening on {host} lets others reach the feed: give --token with 16 or more "
            'characters, e.g. --token "$(openssl rand -hex 16)"'
        )
    if any(c in token for c in "/?#") or token.strip() != token:
        raise UsageProblem("--token may not contain '/', '?', '#' or spaces")

    def log(line: str) -> None:
        click.echo(line, err=True)

    style = FeedStyle(public=not private, as_todo=kind == "todo")
    state = load_state(state_path_for(file))  # read only: SEQUENCE goes on from exports
    source = FeedSource(file, style, state, lambda: resolve_today(today), log)
    source.current()  # a broken file is reported now, not on the first request
    try:
        server = make_server(host, port, token, source, log)
    except OSError as exc:
        raise FileAccessError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    http_url, webcal_url = public_urls(host, server.server_address[1], token)
    what = "everything in" if private else "the public feed of"
    click.echo(f"Serving {what} {file}; it follows every change to the file.")
    click.echo(f"  {http_url}")
    click.echo(f"  {webcal_url}")
    click.echo("Apple Calendar: File > New Calendar Subscription, paste the webcal:// URL.")
    click.echo("Thunderbird: New Calendar > On the Network, paste the http:// URL.")
    click.echo("Stop with Ctrl-C.")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


# The journal commands (agenda, done, reply, outcome, add, init) register themselves here.
from followup_cal import cli_journal  # noqa: E402, F401


def main() -> None:
    # A short-lived process building many small acyclic objects: the cyclic collector
    # only costs time here (a third of loading 5,000 interviews), so it is off.
    gc.disable()
    cli(prog_name="followup-cal")

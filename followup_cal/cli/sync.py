"""The sync command: the CalDAV calendar kept in step with the file."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from followup_cal.cli.base import (
    as_option,
    check_url_option,
    cli,
    file_argument,
    reports_errors,
    resolve_today,
    timeout_option,
    today_option,
)
from followup_cal.journal.state import ExportState, load_state, save_state, state_path_for
from followup_cal.origins import check_given

if TYPE_CHECKING:  # imported by sync only, for speed
    from collections.abc import Sequence

    from followup_cal.errors import WriteRefused
    from followup_cal.plan.model import SearchFile
    from followup_cal.sync.algorithm import SyncPlan
    from followup_cal.sync.pull import CalendarFact
    from followup_cal.sync.run import PreparedSync
    from followup_cal.sync.target import SyncTarget


@cli.command()
@file_argument
@click.option("--url", envvar="FOLLOWUP_CAL_URL", help="The server (root or calendar URL).")
@click.option("--user", envvar="FOLLOWUP_CAL_USER", help="The user name on the server.")
@click.option("--calendar", help="The calendar's display name or its own URL.")
@click.option("--create", is_flag=True, help="Create the calendar when it is missing.")
@click.option("--dry-run", is_flag=True, help="List the changes; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Put the planned version back on every event, edited or adopted; allow deleting all.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Keep events edited on the server as they are, until the YAML changes them.",
)
@click.option(
    "--no-pull",
    is_flag=True,
    help="Do not record in FILE what you did in the calendar (ticked, moved, deleted).",
)
@click.option(
    "--password-command", metavar="CMD", help="Print the password with CMD (e.g. 'pass show dav')."
)
@click.option(
    "--auth",
    type=click.Choice(["password", "google"]),
    help="password (default), or google: the sign-in of `followup-cal login google`.",
)
@click.option("--insecure", is_flag=True, help="Do not check the TLS certificate (a warning).")
@timeout_option
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
    adopt: bool,
    no_pull: bool,
    password_command: str | None,
    auth: str | None,
    insecure: bool,
    timeout: int,
    kind: str,
    today: date | None,
) -> None:
    """Push the follow-ups of FILE to a CalDAV calendar, and keep them in step.

    Creates what is missing, updates what changed, deletes what is no longer planned,
    and touches no event of another file or app. The password comes from
    --password-command, FOLLOWUP_CAL_PASSWORD, ~/.netrc or the system keyring.

    An event you changed in your calendar app (moved, edited, completed) is seen on the
    server itself, from any machine, and never overwritten: when the YAML changes it
    too, it is left alone and listed (exit 10); --force puts the planned version back
    on every event whose copy differs (adopted ones too), --adopt keeps yours until the
    YAML changes that event again.

    What you did to them is written into FILE first, as the journal commands would: a
    task ticked complete becomes done:, an event moved becomes moved:, one deleted
    becomes skipped: (remove the line to undo). When FILE changed the same step, FILE
    wins and the conflict is listed. --no-pull leaves FILE alone. The first sync adds a
    sync_id: line to FILE: it names this file's events. The server given as --url
    (with --user, --calendar) is written into FILE's caldav: section, never the
    password, so that `followup-cal sync` alone goes there next time.

    With --as todo, follow-ups become tasks (VTODO, done steps COMPLETED) in a task
    list of their own, "Follow-up tasks" unless --calendar names another.

    With --auth google (after `followup-cal login google`), Google Calendar: --calendar
    primary or a calendar ID (an e-mail-like address) names the calendar; see
    docs/google.md.

    Your password goes to the server of --url only: a URL that programs read
    differently (a backslash, a user:password@) is refused before anything is sent
    (exit 2), and an event the server lists on another host is never written there.

    Exit codes: 2 the command line is wrong, 6 credentials refused or missing, 7
    server unreachable (DNS, connection, TLS, timeout), 8 server error or not CalDAV,
    or events listed on another server not written, 9 refused to delete
    every event (use --force), 10 events edited on the server were left alone, 12
    facts from the calendar that the file does not allow were not recorded (each said
    with its reason; the rest of the sync went on), 13 the server refused to save an
    event for a reason it names (a CalDAV precondition: a UID the account holds
    elsewhere...), or another file's events hold this file's UIDs.

    \b
    Example:
      FOLLOWUP_CAL_PASSWORD=... followup-cal sync interviews.yaml \\
          --url https://dav.example.org/ --user alex --calendar Follow-ups --create
    """
    from followup_cal.errors import CalendarNotFound
    from followup_cal.sync import quiet
    from followup_cal.sync.cache import SyncStatus, save_status, status_path_for
    from followup_cal.sync.reading import read_owned

    check_url_option("url", url, "FOLLOWUP_CAL_URL", ("http", "https"))
    if calendar and calendar.startswith(("http://", "https://")):
        check_given(calendar, "--calendar")
    inputs = quiet.Inputs.read(file)
    as_todo = kind == "todo"
    if auth == "google":  # refused before anything is read or sent
        from followup_cal.google.calendar import refuse_unsupported

        refuse_unsupported(create=create, as_todo=as_todo)
    day = resolve_today(today)
    # What decides the writes besides the files (the password and timeout do not).
    options = {"url": url or "", "user": user or "", "calendar": calendar or "",
               "create": create, "force": force, "adopt": adopt, "no_pull": no_pull,
               "insecure": insecure, "kind": kind, "auth": auth or ""}  # fmt: skip
    status_path = status_path_for(file)
    status = SyncStatus.load(status_path)
    if status.damaged:
        click.echo(f"warning: {status_path} is damaged; ignored (it is only a cache)", err=True)
    status_before = status.to_json()
    last = quiet.recorded(status.quiet, inputs, options, day)
    status.quiet = {}  # kept only by a sync that again finds nothing to do
    remote = read_before = None
    if last is not None:
        target = _target(last["url"], last["user"], password_command, "", create, insecure,
                         timeout, as_todo, last.get("auth", ""))  # fmt: skip
        remote, calendar_url = target.connect(), last["calendar_url"]
        try:
            reading = read_owned(remote, status, calendar_url, target.component)
        except CalendarNotFound:  # deleted or renamed: the full path finds it again
            reading = None
        read_before = (calendar_url, reading) if reading is not None else None
        if reading is not None and reading.quiet:  # nothing of ours changed: nothing to do
            status.quiet = dict(last)
            if not dry_run and status.to_json() != status_before:
                save_status(status_path, status)
            click.echo(
                "dry run: 0 change(s), nothing written"
                if dry_run
                else f"created 0, updated 0, deleted 0, unchanged {last['unchanged']}"
            )
            return
    # The full path: the file planned and drafted, the calendar's events compared.
    from followup_cal.errors import FactsRefused, ServerError, SyncConflicts
    from followup_cal.loader import decode, parse
    from followup_cal.sync.identity import ensure_search_id
    from followup_cal.sync.run import execute_sync, prepare_sync

    search = parse(file, decode(file, inputs.yaml))
    settings = search.caldav
    url = url or (settings.url if settings else "")
    user = user or (settings.user if settings else "")
    # caldav: calendar: (in FILE or config.toml) names the events calendar; tasks go to a
    # list of their own unless --calendar names one.
    if as_todo and _from_config("calendar"):
        calendar = None
    calendar = calendar or (settings.calendar if settings and not as_todo else "")
    auth = auth or (settings.auth if settings else "") or "password"
    if auth == "google":
        from followup_cal.google.calendar import refuse_unsupported, where_to_sync

        refuse_unsupported(create=create, as_todo=as_todo)
        url, calendar = where_to_sync(url, calendar)
    if not url:
        raise click.UsageError(
            "no server: give --url, FOLLOWUP_CAL_URL, url in config.toml or caldav: url: in FILE"
        )
    if remote is not None:  # the same inputs as the last no-op: the same server and user
        target = replace(target, calendar=calendar)
    else:
        target = _target(url, user, password_command, calendar, create, insecure, timeout,
                         as_todo, auth)  # fmt: skip
    state_path = state_path_for(file)
    state = load_state(state_path)
    revisions_before = dict(state.revisions)
    # The id is derived until it is written, after a sync that reached the calendar.
    search_id, _note = ensure_search_id(search, write=False)
    # With the pull the writes are decided twice (before and after the facts are
    # recorded): the first decision must not bump any SEQUENCE.
    first_state = state if no_pull else ExportState(dict(state.revisions))
    refused: list[str] = []
    try:
        prepared = prepare_sync(
            search,
            target,
            first_state,
            status,
            day,
            search_id=search_id,
            force=force,
            adopt=adopt,
            remote=remote,
            read_before=read_before,
        )
        if not no_pull:
            prepared, refused = _pull(file, search, prepared, state, first_state, target,
                                      day, dry_run, force=force, adopt=adopt)  # fmt: skip
        plan = prepared.plan
        writes = prepared.plan.writes
        if dry_run:
            for write in writes:
                click.echo(f"would {write.kind} {write.uid}  {write.summary}")
            for uid in plan.conflicts:
                click.echo(f"would leave alone {uid} ({_what(plan, uid)} on the server)")
            click.echo(f"dry run: {len(writes)} change(s), nothing written")
            return
        if len(writes) > 20 and sys.stdout.isatty():
            with click.progressbar(length=len(writes), label="syncing") as bar:
                report = execute_sync(prepared, progress=lambda _w: bar.update(1))
        else:
            report = execute_sync(prepared)
    finally:
        if not dry_run:
            if status.to_json() != status_before:
                save_status(status_path, status)
            if state.revisions != revisions_before:
                save_state(state_path, state)
    _search_id, note = ensure_search_id(search, write=True, chosen=prepared.search_id)
    if note:
        click.echo(note, err=True)
    if remembered := _remember_server(search, url, user, calendar, auth, as_todo):
        click.echo(remembered, err=True)
    for uid in plan.kept:
        click.echo(
            f"kept: {uid} was {_what(plan, uid)} on the server and the YAML did not change "
            "it (--adopt makes that the base and ends this note)",
            err=True,
        )
    for uid in report.conflicts:
        click.echo(
            f"left alone: {uid} was {_what(plan, uid)} on the server; --force overwrites, "
            "--adopt keeps the server's version",
            err=True,
        )
    for line in report.elsewhere:
        click.echo(line, err=True)
    click.echo(report.summary)
    if report.elsewhere:
        raise ServerError(
            f"{len(report.elsewhere)} event(s) listed on another server were not written"
        )
    if plan.held:
        raise _held_by_another_file(plan.held)
    if report.conflicts:
        raise SyncConflicts(f"{len(report.conflicts)} event(s) left alone")
    if refused:
        raise FactsRefused(f"{len(refused)} fact(s) from your calendar not recorded")
    if not (note or writes or plan.edits or plan.duplicates) and quiet.Inputs.read(file) == inputs:
        # Nothing to do, nothing to say, and the files as they were read: the next sync
        # with these inputs may say so as soon as the calendar shows nothing new.
        status.quiet = quiet.record(inputs, options, day, templates=search.templates_dir or "",
                                    url=url, user=user, calendar_url=prepared.calendar_url,
                                    unchanged=plan.unchanged, auth=auth)  # fmt: skip
        save_status(status_path, status)


def _from_config(option: str) -> bool:
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(option)
    return source is ParameterSource.DEFAULT_MAP


def _remember_server(
    search: SearchFile, url: str, user: str, calendar: str, auth: str, as_todo: bool
) -> str:
    """The server typed as flags, written into FILE's caldav: for the next bare sync; not
    one from the environment or config.toml, which the next run reads again anyway."""
    from click.core import ParameterSource

    from followup_cal.sync.identity import remember_server

    ctx = click.get_current_context()
    if auth == "google" or ctx.get_parameter_source("url") is not ParameterSource.COMMANDLINE:
        return ""
    from_flags = ctx.get_parameter_source("calendar") is ParameterSource.COMMANDLINE
    # A task list is not the events calendar that caldav: calendar: names.
    return remember_server(search, url, user, calendar if from_flags and not as_todo else "")


def _target(
    url: str,
    user: str,
    password_command: str | None,
    calendar: str,
    create: bool,
    insecure: bool,
    timeout: int,
    as_todo: bool,
    auth: str = "",
) -> SyncTarget:
    """The server with the user's password (asked on a terminal when none is stored),
    after the warnings the connection deserves; with auth google, the saved sign-in."""
    from followup_cal.credentials import find_password, require_password
    from followup_cal.sync.target import SyncTarget
    from followup_cal.sync.transport import plain_http_warning

    if auth == "google":
        from followup_cal.google.tokens import TokenSource

        bearer = TokenSource()
        bearer.token()  # signed in, and refreshed if need be: else exit 6 before anything
        if insecure:
            click.echo("warning: TLS certificates are not checked (--insecure)", err=True)
        return SyncTarget(url, "", None, calendar, create, not insecure, timeout, as_todo,
                          bearer=bearer)  # fmt: skip

    # A server without accounts (user empty) may do without a password.
    password = find_password(url, user, password_command)
    if user and password is None:
        password = _ask_password(url, user) if sys.stdin.isatty() else None
        password = password or require_password(url, user, password_command)
    if user and (warning := plain_http_warning(url)):
        click.echo(warning, err=True)
    if insecure:
        click.echo("warning: TLS certificates are not checked (--insecure)", err=True)
    return SyncTarget(url, user, password, calendar, create, not insecure, timeout, as_todo)


def _pull(
    file: str,
    search: SearchFile,
    prepared: PreparedSync,
    state: ExportState,
    first_state: ExportState,
    target: SyncTarget,
    day: date,
    dry_run: bool,
    *,
    force: bool,
    adopt: bool,
) -> tuple[PreparedSync, list[str]]:
    """Record in FILE what the user did to its events in the calendar, say so, and
    decide the writes again from the file as it now reads; with the facts the file did
    not allow (reported, and left out)."""
    from followup_cal.journal.record import FileText
    from followup_cal.sync.from_calendar import pull_into_file
    from followup_cal.sync.run import replan

    text = FileText.of(file, Path(file).read_bytes()).text if dry_run else None
    pulled, updated = pull_into_file(file, search, text, prepared, day, force=force)
    lead = "would record from your calendar" if dry_run else "from your calendar"
    for fact in pulled.facts:
        click.echo(f"{lead}: {fact.describe()}")
    _echo_what_facts_changed(search, updated, pulled.facts, day)
    for line in pulled.conflicts + pulled.refused:
        click.echo(line, err=True)
    if not (pulled.facts or pulled.settled or pulled.agreed):
        state.revisions = first_state.revisions
        return prepared, pulled.refused
    return replan(prepared, updated, state, day, target.style, pulled.settled,
                  force=force, adopt=adopt, agreed=pulled.agreed), pulled.refused  # fmt: skip


def _held_by_another_file(held: dict[str, str]) -> WriteRefused:
    """One line for every event another file holds: the two use the same ids."""
    from followup_cal.errors import WriteRefused

    ids = ", ".join(sorted({uid.split(".")[0] for uid in held}))
    other = sorted(set(held.values()))[0]
    return WriteRefused(
        f"{len(held)} planned event(s) not written: another file's events (sync_id: "
        f"{other}) hold their UIDs in this calendar, as both files use the interview "
        f"ids {ids}; if this file is the same search, give it that file's line 'sync_id: "
        f"{other}', else give its interviews other ids or sync it to a calendar of its "
        "own with --calendar"
    )


def _echo_what_facts_changed(
    before: SearchFile, after: SearchFile, facts: Sequence[CalendarFact], day: date
) -> None:
    """What the facts from the calendar changed in the rest of the plan (the final
    follow-up keeps its week after a moved first one), as done and reply say it."""
    from followup_cal.cli.journal import echo_plan_changes, planned_items

    told = {fact.item.uid for fact in facts}
    for ident in sorted({fact.item.interview.id for fact in facts}):
        echo_plan_changes(planned_items(before, day, ident), planned_items(after, day, ident), told)


def _what(plan: SyncPlan, uid: str) -> str:
    """'moved', 'edited', 'moved and completed', ...: what the user did to the event."""
    edit = plan.edits.get(uid)
    return " and ".join(edit.kinds) if edit is not None and edit.kinds else "edited"


def _ask_password(url: str, user: str) -> str:
    """On a terminal with no password stored: ask, unseen, and say where to keep it."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    password = click.prompt(f"password for {user} at {host}", hide_input=True, err=True)
    click.echo(
        f"to stop being asked: keyring set followup-cal {user}@{host} (or ~/.netrc, "
        "FOLLOWUP_CAL_PASSWORD, --password-command)",
        err=True,
    )
    return password

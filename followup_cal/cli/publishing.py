"""Commands that publish the follow-ups: export (an .ics file) and serve (a feed)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from followup_cal.atomic import write_atomic
from followup_cal.cli.base import (
    as_option,
    cli,
    file_argument,
    load,
    public_option,
    reports_errors,
    resolve_today,
    today_option,
)
from followup_cal.errors import FileAccessError
from followup_cal.state import ExportState, load_state, save_state, state_path_for


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
    from followup_cal.ics_stream import EventCache

    search = load(file)
    state_path = Path(state_file) if state_file else state_path_for(file)
    state = ExportState() if no_state else load_state(state_path)
    before = dict(state.revisions)
    style = FeedStyle(public=public, as_todo=kind == "todo")
    # Events unchanged since the last export to this file are taken from it.
    cache = None if output == "-" else EventCache(output)
    stream = service.export_stream(search, resolve_today(today), state, style, cache)
    changed: list[int] = []

    def made() -> None:
        changed.append(sum(1 for uid, r in state.revisions.items() if before.get(uid) != r))
        if not no_state and changed[0]:
            # The history before the calendar is in place: if its write then fails, the
            # next run still numbers every revision above anything already published.
            save_state(state_path, state)

    if output == "-":
        for chunk in stream.chunks(made):
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    else:
        try:
            write_atomic(output, stream.chunks(made))
        finally:
            cache.close()
        cache.save(stream)
    what = "tasks" if style.as_todo else "events"
    click.echo(f"wrote {stream.count} {what} to {output} ({changed[0]} new or changed)", err=True)


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

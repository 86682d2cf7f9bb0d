"""Commands that publish the follow-ups: export (an .ics file) and serve (a feed)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from followup_cal.atomic import write_atomic
from followup_cal.cli.base import (
    as_option,
    cli,
    file_argument,
    public_option,
    reports_errors,
    resolve_today,
    today_option,
)
from followup_cal.errors import FileAccessError, UsageProblem
from followup_cal.journal.state import ExportState, load_state, save_state, state_path_for

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from followup_cal.serve import FeedSource


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
    from followup_cal.calendar.export_cache import EventCache
    from followup_cal.calendar.ics import FeedStyle
    from followup_cal.loader import open_lazily

    # A large file is read one interview at a time as the calendar is made: never whole.
    search, interviews, read_whole = open_lazily(file)
    state_path = Path(state_file) if state_file else state_path_for(file)
    state = ExportState() if no_state else load_state(state_path)
    before = dict(state.revisions)
    style = FeedStyle(public=public, as_todo=kind == "todo", salt=_salt(file, public))
    # Interviews unchanged since the last export to this file are taken from it.
    cache = None if output == "-" else EventCache(output)
    stream = service.export_stream(
        search,
        resolve_today(today),
        state,
        style,
        cache,
        interviews=interviews,
        read_whole=read_whole,
    )
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
        assert cache is not None
        try:
            write_atomic(output, stream.chunks(made))
        finally:
            cache.close()
        cache.save(stream.sha256, stream.index)
    what = "tasks" if style.as_todo else "events"
    click.echo(f"wrote {stream.count} {what} to {output} ({changed[0]} new or changed)", err=True)


def _salt(file: str, public: bool) -> str:
    if not public:
        return ""
    from followup_cal.journal.secret import feed_secret  # and secrets, random: --public only

    return feed_secret(file)


TOKEN_ENV = "FOLLOWUP_CAL_TOKEN"


def _token(token_file: str | None, argv_token: str | None) -> str:
    """The URL's secret, from a file or the environment: argv is visible in ps."""
    if argv_token is not None:
        raise UsageProblem(
            f"a token on the command line is visible to every user of this machine (ps); "
            f"put it in {TOKEN_ENV} or in a file given with --token-file"
        )
    if token_file is None:
        return os.environ.get(TOKEN_ENV, "").strip()
    try:
        return Path(token_file).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise FileAccessError(f"{token_file}: cannot read: {reason}") from None


@cli.command()
@file_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Where to listen.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free."
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help=f"A file holding the secret part of the URL (or set {TOKEN_ENV}).",
)
@click.option("--token", "argv_token", hidden=True)  # refused, with the reason
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="A host name clients may use besides the address (repeat for each).",
)
@click.option(
    "--private",
    is_flag=True,
    help="Serve everything (names, addresses, drafts), not just the public feed; needs a token.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="Seconds a connection may stay silent before it is closed.",
)
@as_option
@today_option
@reports_errors
def serve(
    file: str,
    host: str,
    port: int,
    token_file: str | None,
    argv_token: str | None,
    allow_hosts: tuple[str, ...],
    private: bool,
    idle_timeout: float,
    kind: str,
    today: date | None,
) -> None:
    """Serve the feed of FILE over HTTP for a calendar app to subscribe to.

    The port opens at once; the feed is rebuilt in the background whenever FILE
    changes, and a broken edit keeps the last good feed. Clients get ETag and
    Last-Modified, and a 304 when nothing changed. It is the public feed (step,
    company and date only) unless --private. A token, read from FOLLOWUP_CAL_TOKEN
    or --token-file (never the command line, which others can see), becomes part of
    the URL: it is needed beyond this machine and for --private. Only requests
    naming this address (or an --allow-host name) are answered.

    \b
    Example:
      followup-cal serve interviews.yaml
      openssl rand -hex 16 > ~/.followup-token
      followup-cal serve interviews.yaml --host 0.0.0.0 --token-file ~/.followup-token
    """
    from followup_cal.calendar.ics import FeedStyle
    from followup_cal.serve import FeedSource, is_loopback, make_server

    token = _token(token_file, argv_token)
    if (private or not is_loopback(host)) and len(token) < 16:
        why = "--private serves names and drafts" if private else f"{host} lets others in"
        raise UsageProblem(
            f"{why}: give a token of 16 or more characters in {TOKEN_ENV} or --token-file, "
            "e.g. from 'openssl rand -hex 16'"
        )
    if any(c in token for c in "/?#") or any(c.isspace() for c in token):
        raise UsageProblem("the token may not contain '/', '?', '#' or spaces")

    def log(line: str) -> None:
        click.echo(line, err=True)

    try:
        Path(file).stat()  # the file is read, and checked, by the builder once listening
    except OSError as exc:
        raise FileAccessError(f"{file}: cannot read: {exc.strerror or exc}") from None
    style = FeedStyle(public=not private, as_todo=kind == "todo", salt=_salt(file, not private))
    state = load_state(state_path_for(file))  # read only: SEQUENCE goes on from exports
    source = FeedSource(file, style, state, lambda: resolve_today(today), log)
    try:
        server = make_server(host, port, token, source, log, allow_hosts, idle_timeout)
    except OSError as exc:
        raise FileAccessError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    _run_server(server, source, file, private, token)


def _run_server(
    server: ThreadingHTTPServer, source: FeedSource, file: str, private: bool, token: str
) -> None:
    """Answer from the first moment (503 until the first feed is built), build in the
    background; stop on Ctrl-C."""
    import signal
    import threading

    from followup_cal.serve import public_urls

    host, port = server.server_address[:2]
    http_url, webcal_url = public_urls(host, port, token)
    what = "everything in" if private else "the public feed of"
    click.echo(f"Serving {what} {file}; it follows every change to the file.")
    click.echo(f"  {http_url}")
    click.echo(f"  {webcal_url}")
    click.echo("Apple Calendar: File > New Calendar Subscription, paste the webcal:// URL.")
    click.echo("Thunderbird: New Calendar > On the Network, paste the http:// URL.")
    click.echo("Stop with Ctrl-C.")
    sys.stdout.flush()
    # Ctrl-C goes to the main thread alone: the one that stops. Python notices a signal only
    # when its main thread wakes, and the kernel gives it to another thread whenever the
    # main thread blocks it for an instant (libfaketime's clock does: 4 stops in 12 hung).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:  # the threads keep the mask they start with; so do the request threads they start
        listener = threading.Thread(target=server.serve_forever, name="listener", daemon=True)
        listener.start()
        source.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        if not source.wait_first() and source.first_error is not None:
            raise source.first_error  # a broken file: its lines; anything else: a bug report
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        source.stop()
        server.shutdown()
        server.server_close()

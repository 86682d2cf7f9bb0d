"""The inbox command: answers found in the mailbox, proposed (or recorded) as replies."""

from __future__ import annotations

import shlex
from datetime import date

import click

from followup_cal.cli.base import (
    DateType,
    cli,
    file_args,
    file_argument,
    load,
    reports_errors,
    resolve_today,
    timeout_option,
    today_option,
)
from followup_cal.cli.journal import record_reply_and_report
from followup_cal.plan.followups import fmt_day


@cli.command()
@file_argument
@click.option("--url", envvar="FOLLOWUP_CAL_IMAP_URL", help="imaps://HOST or imap://HOST:PORT.")
@click.option("--user", envvar="FOLLOWUP_CAL_IMAP_USER", help="The user name on the mail server.")
@click.option(
    "--folder",
    help="The folder to read (default: [imap] in config.toml, imap: in FILE, else INBOX).",
)
@click.option(
    "--since", type=DateType(), help="Only mail sent on or after this day (default: each round)."
)
@click.option("--yes", is_flag=True, help="Record every answer found, as 'reply' would.")
@click.option(
    "--password-command", metavar="CMD", help="Print the password with CMD (e.g. 'pass show mail')."
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Do not check the TLS certificate; allow a server without TLS (a warning).",
)
@timeout_option
@today_option
@reports_errors
def inbox(
    file: str,
    url: str | None,
    user: str | None,
    folder: str | None,
    since: date | None,
    yes: bool,
    password_command: str | None,
    insecure: bool,
    timeout: int,
    today: date | None,
) -> None:
    """Find answers in your mailbox and propose recording them as replies.

    For each interview still waiting, the server is searched (IMAP SEARCH) for mail
    from its people's addresses or the company's domain, sent after the latest round.
    Only the sender, date and subject of what matches are read; the mailbox is opened
    read-only and nothing in it changes. With --yes each answer is recorded with
    'reply'. The password comes from --password-command, FOLLOWUP_CAL_IMAP_PASSWORD,
    ~/.netrc or the system keyring.

    Exit codes: 5 no such folder, 6 credentials refused or missing, 7 server
    unreachable (DNS, connection, TLS), 8 the server answered with an error.

    \b
    Example:
      FOLLOWUP_CAL_IMAP_PASSWORD=... followup-cal inbox interviews.yaml \\
          --url imaps://mail.example.org --user alex@example.org
      followup-cal inbox interviews.yaml --yes
    """
    from followup_cal.credentials import require_password
    from followup_cal.mail.imap import Account, check_url
    from followup_cal.mail.inbox import find_replies, save_run

    search = load(file)
    settings = search.imap
    url = url or (settings.url if settings else "")
    user = user or (settings.user if settings else "") or search.me.email
    folder = folder or (settings.folder if settings else "") or "INBOX"
    if not url:
        raise click.UsageError(
            "no mail server: give --url, FOLLOWUP_CAL_IMAP_URL, url in config.toml's [imap] "
            "or imap: url: in FILE"
        )
    check_url(url)
    day = resolve_today(today)
    if since and since > day:
        raise click.BadParameter(f"{since} is after today ({day})", param_hint="--since")
    password = require_password(url, user, password_command, "FOLLOWUP_CAL_IMAP_PASSWORD")
    if insecure:
        click.echo("warning: TLS certificates are not checked (--insecure)", err=True)
    account = Account(url, user, password, insecure, timeout)
    found = find_replies(
        search, account, folder, since, day, lambda text: click.echo(text, err=True)
    )
    save_run(file, day)

    waiting = found.interviews_searched
    click.echo(
        f"Searched {folder} at {account.host} for {waiting} interview{'s' * (waiting != 1)} "
        f"waiting to hear back: {len(found.proposals) or 'no'} "
        f"answer{'s' * (len(found.proposals) != 1)}."
    )
    reach = " " + shlex.join(file_args(file)) if file_args(file) else ""
    for proposal in found.proposals:
        interview = proposal.interview
        click.echo("")
        click.echo(f"{interview.id} ({interview.company}): answered on {fmt_day(proposal.on)}")
        for message in proposal.messages:
            when = message.when.astimezone(search.me.timezone) if message.when else None
            stamp = f"{fmt_day(when.date())} {when:%H:%M}" if when else ""
            click.echo(f"  {stamp}  {message.from_line()}  {message.subject or '(no subject)'}")
        if not yes:
            click.echo(f"  record it: {proposal.command}{reach}")
    if not found.proposals:
        return
    if not yes:
        click.echo("")
        click.echo("Nothing recorded yet: record each as shown, or run again with --yes.")
        return
    for proposal in found.proposals:
        click.echo("")
        record_reply_and_report(file, proposal.interview.id, proposal.on, None, day)

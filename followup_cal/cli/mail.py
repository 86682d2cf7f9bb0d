"""The inbox command: answers found in the mailbox, proposed (or recorded) as replies."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import click

import followup_cal.cli.inbox_invites as inbox_invites
from followup_cal.cli.base import (
    DateType,
    check_url_option,
    cli,
    file_args,
    file_argument,
    load,
    reports_errors,
    resolve_today,
    timeout_option,
    today_option,
)
from followup_cal.cli.journal import echo_plan_changes, planned_items, record_reply_and_report
from followup_cal.columns import one_line
from followup_cal.plan.followups import fmt_day

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup_cal.mail.drafts_folder import DraftsReport
    from followup_cal.mail.inbox import InboxResult
    from followup_cal.mail.matching import Proposal
    from followup_cal.mail.message import Message
    from followup_cal.plan.followups import PlannedFollowup
    from followup_cal.plan.model import SearchFile

    # Each interview's plan before and after the steps recorded, by its id.
    Plans = dict[str, tuple[list[PlannedFollowup], list[PlannedFollowup]]]


@cli.command()
@file_argument
@click.option("--url", envvar="FOLLOWUP_CAL_IMAP_URL", help="imaps://HOST or imap://HOST:PORT.")
@click.option("--user", envvar="FOLLOWUP_CAL_IMAP_USER", help="The user name on the mail server.")
@click.option(
    "--folder",
    "folders",
    multiple=True,
    help="A folder to read; repeat for each (default: imap: folders: in FILE, "
    "[imap] in config.toml, else every folder but Junk, Trash, Drafts and Sent).",
)
@click.option(
    "--sent",
    metavar="FOLDER",
    help="Where your sent mail is (default: the folder the server marks as Sent).",
)
@click.option(
    "--since", type=DateType(), help="Only mail sent on or after this day (default: each round)."
)
@click.option(
    "--yes", is_flag=True, help="Record each certain answer (as 'reply') and step sent (as 'done')."
)
@click.option(
    "--password-command", metavar="CMD", help="Print the password with CMD (e.g. 'pass show mail')."
)
@click.option(
    "--auth",
    type=click.Choice(["password", "google"]),
    help="password (default, e.g. an app password), or google: `login google --mail`.",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Do not check the TLS certificate; allow a server without TLS (a warning).",
)
@click.option(
    "--put-drafts",
    is_flag=True,
    help="Then put each due step's draft into your Drafts folder (never sent).",
)
@click.option("--dry-run", is_flag=True, help="With --put-drafts: show the drafts, write nothing.")
@timeout_option
@today_option
@reports_errors
def inbox(
    file: str,
    url: str | None,
    user: str | None,
    folders: tuple[str, ...],
    sent: str | None,
    since: date | None,
    yes: bool,
    password_command: str | None,
    auth: str | None,
    insecure: bool,
    put_drafts: bool,
    dry_run: bool,
    timeout: int,
    today: date | None,
) -> None:
    """Find answers in your mailbox and propose recording them as replies.

    For each interview still waiting, the folders are searched (IMAP SEARCH: every
    folder but Junk, Trash, Drafts and Sent, or Gmail's All Mail alone, unless --folder
    names some; a message in two folders counts once) for mail received after the
    latest round from its people, the company's domain (and its
    sub-domains), with Reply-To there (mail sent through an applicant-tracking
    system), or answering mail you sent them (read from your Sent folder). Automatic
    replies, bulk and list mail, delivery reports, read receipts and job-board
    notifications, and mail a bulk-mail service sent, are never answers. Each answer
    says why it counts and how sure it is, and what it says: a day they gave ("by 8
    January", "nächste Woche", "la semaine prochaine") becomes --decision, and an offer
    or a rejection in words is proposed as 'outcome' (never recorded by --yes). Only
    the header fields this needs and the start of each answer are read, folders are
    opened read-only and nothing in the mailbox changes (but Drafts with --put-drafts).
    With --yes each certain answer is recorded with 'reply' and the day it gave; the
    others are shown for you to decide. Your Sent folder shows the thank-yous and
    inquiries you sent: each is proposed as 'done ID STEP --on DATE' (to that step's
    own person, after its round, its subject or thread saying which) and --yes records
    the certain ones; agenda then lists the others as sent, not as overdue. With
    --put-drafts, each step due (not done, not found sent) is then put into your Drafts
    folder with IMAP APPEND, in its thread, once (found again by its Message-ID); a
    draft whose step the plan dropped is deleted only if unchanged. Drafts is the one
    folder written to; nothing is ever sent; --dry-run shows the drafts and writes
    nothing. Calendar invitations of the last 14 days (or since --since) are read whole
    and proposed as a new interview, a next round, a move or a cancellation; --yes
    records the moves and cancellations. The
    password comes from --password-command, FOLLOWUP_CAL_IMAP_PASSWORD, ~/.netrc or the
    system keyring.

    Exit codes: 5 no such folder, 6 credentials refused or missing, 7 server
    unreachable (DNS, connection, TLS, the server hung up), 8 the server answered
    with an error, 12 a move or cancellation --yes found the file refuses (each said;
    the rest is recorded).

    \b
    Example:
      FOLLOWUP_CAL_IMAP_PASSWORD=... followup-cal inbox interviews.yaml \\
          --url imaps://mail.example.org --user alex@example.org
      followup-cal inbox interviews.yaml --folder INBOX --folder Jobs --yes
      followup-cal inbox interviews.yaml --put-drafts --dry-run
    """
    from followup_cal.credentials import require_password
    from followup_cal.mail.imap import Account, check_url
    from followup_cal.mail.inbox import read_mailbox, record_sent, save_run

    check_url_option("url", url, "FOLLOWUP_CAL_IMAP_URL", ("imap", "imaps"))
    search = load(file)
    settings = search.imap
    url = url or (settings.url if settings else "")
    user = user or (settings.user if settings else "") or search.me.email
    folders = folders or (settings.every_folder if settings else ())
    sent = sent or (settings.sent if settings else "") or None
    if dry_run and not put_drafts:
        raise click.UsageError("--dry-run shows the drafts --put-drafts would write: give both")
    if not url:
        raise click.UsageError(
            "no mail server: give --url, FOLLOWUP_CAL_IMAP_URL, url in config.toml's [imap] "
            "or imap: url: in FILE"
        )
    check_url(url)
    day = resolve_today(today)
    if since and since > day:
        raise click.BadParameter(f"{since} is after today ({day})", param_hint="--since")
    oauth = None
    if (auth or (settings.auth if settings else "")) == "google":
        from followup_cal.google.calendar import check_token_goes_to_google
        from followup_cal.google.tokens import mail_token_source

        check_token_goes_to_google(url, "imaps", ("imap.gmail.com",))
        password, oauth = "", mail_token_source()
    else:
        password = require_password(url, user, password_command, "FOLLOWUP_CAL_IMAP_PASSWORD")
    if insecure:
        click.echo("warning: TLS certificates are not checked (--insecure)", err=True)
    account = Account(url, user, password, insecure, timeout, oauth)
    put = ("dry-run" if dry_run else "write") if put_drafts else ""
    found = read_mailbox(
        search, account, folders, since, day, lambda text: click.echo(text, err=True), sent, put
    )
    recorded = record_sent(file, [s for s in found.sent_steps if s.certain], day) if yes else []
    taken = {s.item.uid for s in recorded}
    save_run(file, day, [s for s in found.sent_steps if s.item.uid not in taken])
    invitations = inbox_invites.mail_invitations(file, search, found, yes, file_args(file))
    report(found, account.host, search.me.timezone, yes, file_args(file), invitations)
    changed = _plans_around(file, search, {s.item.interview.id for s in recorded}, day)
    report_sent(found, search.me.timezone, yes, taken, file_args(file), changed)
    invitations.print_rest()
    if found.drafts is not None:
        report_drafts(found.drafts)
    if yes:
        for proposal in found.proposals:
            if proposal.certain:
                click.echo("")
                record_reply_and_report(
                    file, proposal.interview.id, proposal.on, recorded_decision(proposal), day
                )
    if invitations.refused:
        from followup_cal.errors import FactsRefused

        raise FactsRefused(f"{invitations.refused} invitation(s) in the mailbox not recorded")


def report(
    found: InboxResult,
    host: str,
    zone: ZoneInfo,
    yes: bool,
    reach_args: Sequence[str],
    invitations: inbox_invites.MailInvitations | None = None,
) -> None:
    """What was searched, each answer with why it counts, each invitation."""
    waiting = found.interviews_searched
    answers = len(found.proposals)
    where = _folders_read(found.folders)
    click.echo(
        f"Searched {where} at {host} for {waiting} interview{'s' * (waiting != 1)} "
        f"waiting to hear back: {answers or 'no'} answer{'s' * (answers != 1)}."
    )
    if waiting and found.sent_folder is None:
        click.echo(
            "note: no Sent folder found, so answers to your own mail are known only by "
            "their sender; give --sent FOLDER",
            err=True,
        )
    reach = " " + shlex.join(reach_args) if reach_args else ""
    for proposal in found.proposals:
        interview = proposal.interview
        click.echo("")
        click.echo(
            f"{interview.id} ({one_line(interview.company, 60)}): answered on "
            f"{fmt_day(proposal.on)} ({proposal.sureness.word})"
        )
        for counted in proposal.found:
            click.echo(f"  {_message_line(counted.message, zone)}")
            click.echo(f"    {counted.evidence.sureness.word}: {one_line(counted.evidence.why)}")
        _report_reading(proposal)
        if yes and proposal.certain:
            if proposal.decision and not recorded_decision(proposal):
                click.echo(
                    "  they gave more than one day: recorded without one; to wait for "
                    f"the latest: {proposal.command}{reach}"
                )
        elif yes:
            click.echo(f"  not recorded, as it is not certain; if it is: {proposal.command}{reach}")
        else:
            click.echo(f"  record it: {proposal.command}{reach}")
        if proposal.outcome_command:
            # Never recorded by --yes: an outcome ends the search, the user says so.
            click.echo(
                f"  an outcome is yours to record; if it is one: {proposal.outcome_command}{reach}"
            )
    for invitation in found.invitations:
        interview = invitation.interview
        click.echo("")
        click.echo(f"{interview.id} ({one_line(interview.company, 60)}): {invitation.meaning}")
        click.echo(f"  {_message_line(invitation.message, zone)}")
        click.echo(f"    {one_line(invitation.why)}")
        if invitations and invitation.message.key in invitations.understood:
            invitations.print_body(invitation.message.key)  # what it is to the file
        else:
            click.echo(f"  {invitation.advice}{reach}")
    if found.proposals and not yes and not found.sent_steps:
        click.echo("")
        click.echo("Nothing recorded yet: record each as shown, or run again with --yes.")


def _plans_around(file: str, before: SearchFile, idents: set[str], day: date) -> Plans:
    """The plan of each interview before and after --yes recorded its steps as done."""
    if not idents:
        return {}
    after = load(file)
    return {i: (planned_items(before, day, i), planned_items(after, day, i)) for i in idents}


def report_sent(
    found: InboxResult,
    zone: ZoneInfo,
    yes: bool,
    recorded: set[str],
    reach_args: Sequence[str],
    changed: Plans | None = None,
) -> None:
    """Each step the Sent folder shows sent: the message, why it is that step, and the
    'done' that records it (or that --yes did), then what that changed in the plan."""
    if not found.sent_steps:
        return
    changed = dict(changed or {})
    # An interview's changes follow the last of its steps recorded.
    last = {s.item.interview.id: s.item.uid for s in found.sent_steps if s.item.uid in recorded}
    click.echo("")
    count = len(found.sent_steps)
    click.echo(f"In {found.sent_folder}: {count} planned step{'s' * (count != 1)} you sent.")
    for step in found.sent_steps:
        item = step.item
        who = f" → {item.recipient.name}" if item.recipient else ""
        click.echo("")
        click.echo(
            f"{item.interview.id} ({one_line(item.interview.company, 60)}): {item.label}{who} "
            f"sent on {fmt_day(step.on)} ({step.sureness.word})"
        )
        click.echo(f"  {_message_line(step.message, zone, to=True)}")
        click.echo(f"    {step.sureness.word}: {one_line(step.why)}")
        if item.uid in recorded:
            click.echo(f"  ✓ recorded as done on {fmt_day(step.on)} {step.on.year}")
            if last[item.interview.id] == item.uid and item.interview.id in changed:
                echo_plan_changes(*changed.pop(item.interview.id), recorded)
        elif yes:
            click.echo(
                f"  not recorded, as it is not certain; if it is: {step.command(reach_args)}"
            )
        else:
            click.echo(f"  record it: {step.command(reach_args)}")
    if not yes:
        click.echo("")
        click.echo("Nothing recorded yet: record each as shown, or run again with --yes.")


def report_drafts(report: DraftsReport) -> None:
    """What --put-drafts put into Drafts (or, with --dry-run, would), left alone, deleted."""
    click.echo("")
    if report.folder is None:
        click.echo(
            "note: the server has no Drafts folder (none marked \\Drafts, none named "
            "Drafts); no draft was put",
            err=True,
        )
        return
    where = one_line(report.folder, 60)
    count = len(report.written)
    verb = "would put" if report.dry_run else "put"
    click.echo(f"Drafts: {verb} {count} draft{'s' * (count != 1)} into {where} (never sent).")
    for draft in report.written:
        item = draft.item
        gaps = "  (needs your input)" if draft.gaps else ""
        who = item.recipient.name if item.recipient else ""
        click.echo(f"  {item.interview.id} {item.key} → {who}: {one_line(draft.subject, 80)}{gaps}")
        if report.dry_run:
            for line in draft.shown():
                click.echo(f"    | {one_line(line, 200)}")
    if report.there:
        click.echo(f"  {len(report.there)} already there, left as they are.")
    for step in report.deleted:
        done = "would delete" if report.dry_run else "deleted"
        click.echo(f"  {done}: the draft of {step}, a step no longer planned (unchanged)")
    for step in report.kept:
        click.echo(f"  kept: the draft of {step}: no longer planned, but changed by you")
    if report.no_uidplus:
        click.echo(
            "note: the server has no UIDPLUS, so drafts of steps no longer planned were "
            "not deleted (that would also remove what you marked deleted); delete them "
            "in your mail app",
            err=True,
        )


def _folders_read(folders: Sequence[str]) -> str:
    """The folders searched, the first few by name (-v names every one)."""
    shown = ", ".join(one_line(f, 60) for f in folders[:FOLDERS_NAMED]) or "no folder"
    more = len(folders) - FOLDERS_NAMED
    return f"{shown} and {more} more folder{'s' * (more != 1)}" if more > 0 else shown


FOLDERS_NAMED = 6


def _shown_to(message: Message) -> str:
    """'to ADDRESS' of the user's own mail, the address never cut, and how many more."""
    whom = message.to or message.recipients
    more = f" and {len(whom) - 1} more" if len(whom) > 1 else ""
    return f"to {one_line(whom[0], 254) if whom else '?'}{more}"


def _report_reading(proposal: Proposal) -> None:
    """The sentences read in the answers: each day they gave, an outcome in words."""
    reading = proposal.reading
    if reading is None:
        return
    for said in reading.dates:
        day = f"{fmt_day(said.day)} {said.day.year}"
        click.echo(f'    they wrote: "{one_line(said.sentence, 160)}" ({day})')
    if reading.outcome:
        what = "an offer" if reading.outcome.result == "offer" else "a rejection"
        click.echo(f'    they wrote: "{one_line(reading.outcome.sentence, 160)}" ({what}?)')


def recorded_decision(proposal: Proposal) -> date | None:
    """The day --yes records with the reply: only one they clearly gave."""
    reading = proposal.reading
    return proposal.decision if reading is not None and reading.clear else None


def _message_line(message: Message, zone: ZoneInfo, to: bool = False) -> str:
    when = message.when.astimezone(zone) if message.when else None
    stamp = f"{fmt_day(when.date())} {when:%H:%M}" if when else ""
    sender = _shown_to(message) if to else message.shown_from(60)
    return f"{stamp}  {sender}  {one_line(message.subject, 80) or '(no subject)'}"

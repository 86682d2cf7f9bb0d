"""New entries from the command line: init (a starter file), add (an interview), add-round.

Like the rest of the CLI they only ask, parse and call record.py; errors map to exit
codes in ``reports_errors``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

import followup_cal.cli.asking as asking
import followup_cal.cli.completion as completion
import followup_cal.cli.invites as invites
import followup_cal.cli.people as given
from followup_cal.cli.base import (
    cli,
    file_args,
    file_argument,
    file_option,
    load,
    reports_errors,
    today_option,
)
from followup_cal.cli.changes import PlanWatch
from followup_cal.cli.journal import planned_items
from followup_cal.errors import UsageProblem

if TYPE_CHECKING:
    from followup_cal.journal.record import NewInterview, NewRound
    from followup_cal.plan.model import SearchFile

prompt_option = click.option(
    "--prompt/--no-prompt",
    default=None,
    help="Ask for what is missing (default: only when run in a terminal).",
)


def _interactive(prompt: bool | None) -> bool:
    return sys.stdin.isatty() if prompt is None else prompt


@cli.command()
@click.option("--company", help="The company's name.")
@click.option("--role", help="The role you interviewed for.")
@click.option("--id", "ident", help="A short id for commands (default: from the company).")
@click.option(
    "--pitch",
    help="Your strongest fit for the role, as it follows 'my experience in' (used in drafts).",
)
@given.round_options
@given.with_contact
@click.option("--decision", metavar="DATE|'in 2 weeks'", help="When they said they decide.")
@click.option("--channel", type=click.Choice(["email", "letter", "phone"]), default="email")
@click.option("--no-follow-up", is_flag=True, help="They asked candidates not to follow up.")
@invites.invite_options
@prompt_option
@file_option
@reports_errors
def add(
    company: str | None,
    role: str | None,
    ident: str | None,
    pitch: str | None,
    start: str | None,
    timezone: str | None,
    duration: str | None,
    interviewers: tuple[str, ...],
    topics: tuple[str, ...],
    contact: str | None,
    contact_title: str | None,
    decision: str | None,
    channel: str,
    no_follow_up: bool,
    from_invite: str | None,
    yes: bool,
    my_addresses: tuple[str, ...],
    prompt: bool | None,
    file: str,
) -> None:
    """Add a new interview to the file (asks for what is missing in a terminal).

    \b
    Example:
      followup-cal add --company Acme --role "Backend Engineer" \\
          --start "2026-11-30 14:00" --duration 45 \\
          --interviewer "Dana Lee <dana@acme.example>" --talked-about "the billing rewrite"
    """
    from followup_cal.journal.record import NewInterview, record_new_interview

    interactive = _interactive(prompt)
    if from_invite:  # docs/invitations.md
        people = given.people_of(interviewers, topics, False) if interviewers else ()
        answers = invites.Answers(company, role, ident, pitch, start, timezone, duration, people,
                                  contact, decision, channel, no_follow_up, topics)  # fmt: skip
        invites.from_invite(from_invite, file, answers, None, my_addresses, yes, interactive,
                            (review, review_round))  # fmt: skip
        return
    my_zone = ""
    if interactive:  # a missing or broken file is reported before any question is asked
        my_zone = load(file).me.timezone.key
    company = given.ask_unless(company, "Company", interactive, "--company")
    role = given.ask_unless(role, "Role", interactive, "--role")
    if pitch is None and interactive:
        pitch = asking.pitch()
    new_round = given.new_round(
        start, timezone, duration, interviewers, topics, interactive, my_zone
    )
    names = [p.name for p in new_round.interviewers]
    if contact is None and interactive and len(names) > 1:
        contact = asking.ask("Who to follow up with", asking.one_of(names), default=names[0])
    if decision is None and interactive:
        decision = asking.ask(
            "When do they decide? (YYYY-MM-DD, 'in 2 weeks', or empty)",
            asking.decision,
            optional=True,
        )
    new = NewInterview(
        company=company,
        role=role,
        round=new_round,
        id=ident or "",
        pitch=pitch or "",
        contact=given.contact_of(contact or "", contact_title or "", names),
        decision_expected=decision or "",
        channel=channel,
        no_follow_up=no_follow_up,
    )
    if interactive:
        reviewed = review(new, file)
        if reviewed is None:
            click.echo(f"nothing written to {file}")
            return
        new = reviewed
    added, search = record_new_interview(file, new, file_args(file))
    count = len(planned_items(search, date.min, added))
    click.echo(f"added '{added}' to {file}: {count} follow-ups planned")
    click.echo(f"see them with: {shlex.join(['followup-cal', 'plan', *file_args(file)])}")
    _warn_fields(file, search, added)


def _warn_fields(file: str, search: SearchFile, interview_id: str) -> None:
    """What validate says about the interview's fields (a pitch or talk that reads badly in
    the drafts), said as soon as they are written."""
    from followup_cal import service

    for warning in service.field_warnings(search):
        if warning.interview.id == interview_id:
            click.echo(warning.format(file), err=True)


@cli.command(name="add-round")
@click.argument("interview_id", metavar="ID", shell_complete=completion.ids)
@given.round_options
@given.with_contact
@invites.invite_options
@prompt_option
@file_option
@today_option
@reports_errors
def add_round(
    interview_id: str,
    start: str | None,
    timezone: str | None,
    duration: str | None,
    interviewers: tuple[str, ...],
    topics: tuple[str, ...],
    contact: str | None,
    contact_title: str | None,
    from_invite: str | None,
    yes: bool,
    my_addresses: tuple[str, ...],
    prompt: bool | None,
    file: str,
    today: date | None,
) -> None:
    """Add another round to interview ID; the inquiries then count from it. Prints what
    that changed in the plan.

    \b
    Example:
      followup-cal add-round acme-backend --start "2026-12-07 10:00" \\
          --interviewer "Sam Roe <sam@acme.example>" --talked-about "the on-call rota"
    """
    from followup_cal.journal.record import find_interview, record_new_round

    interactive = _interactive(prompt)
    if from_invite:  # docs/invitations.md
        people = given.people_of(interviewers, topics, False) if interviewers else ()
        answers = invites.Answers(start=start, timezone=timezone, duration=duration,
                                  people=people, topics=topics, today=today)  # fmt: skip
        invites.from_invite(from_invite, file, answers, interview_id, my_addresses, yes,
                            interactive, (review, review_round))  # fmt: skip
        return
    my_zone = ""
    if interactive:  # an unknown id is reported before any question is asked
        search = load(file)
        find_interview(search, interview_id)
        my_zone = search.me.timezone.key
    new_round = given.new_round(
        start, timezone, duration, interviewers, topics, interactive, my_zone
    )
    if interactive:
        reviewed = review_round(new_round, file)
        if reviewed is None:
            click.echo(f"nothing written to {file}")
            return
        new_round = reviewed
    if contact_title and not contact:
        raise click.BadParameter("--contact-title needs --contact", param_hint="--contact")
    who = asking.person(contact, "--contact", contact_title or "") if contact else None
    watch = PlanWatch.of(file, interview_id, today)
    updated = record_new_round(file, interview_id, new_round, who)
    interview = find_interview(updated, interview_id)
    click.echo(f"added round {len(interview.rounds)} to '{interview_id}' in {file}")
    if who is not None:
        click.echo(f"  contact: {interview.contact.name}")
    watch.echo_changes(updated)
    _warn_fields(file, updated, interview_id)


# -- starting fresh ----------------------------------------------------------------------


def _local_zone_name() -> str:
    """The machine's IANA zone, as a default to offer (the user can change it)."""
    from zoneinfo import ZoneInfo

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(str(Path("/etc/localtime").readlink()).split("zoneinfo/", 1)[-1])
    for name in candidates:
        if name and "/" in name:
            with contextlib.suppress(Exception):
                ZoneInfo(name)
                return name
    return ""


@cli.command()
@file_argument
@click.option("--name", help="Your name, as drafts are signed.")
@click.option("--email", help="Your e-mail address.")
@click.option(
    "--timezone",
    metavar="ZONE",
    shell_complete=completion.zones,
    help="Your time zone, e.g. Europe/Berlin.",
)
@click.option("--country", metavar="CODE", help="For public holidays, e.g. US, DE, GB.")
@prompt_option
@reports_errors
def init(
    file: str,
    name: str | None,
    email: str | None,
    timezone: str | None,
    country: str | None,
    prompt: bool | None,
) -> None:
    """Write a commented starter file at FILE (default: the one every command finds).

    Asks for your name, e-mail and time zone in a terminal; takes flags otherwise.
    Never overwrites an existing file.

    \b
    Example:
      followup-cal init
      followup-cal init search.yaml --name "Alex Morgan" --email alex@example.org \\
          --timezone America/New_York --country US
    """
    from importlib.resources import files
    from string import Template

    from followup_cal.atomic import write_atomic
    from followup_cal.errors import FileAccessError, InvalidInput
    from followup_cal.journal.entries import plain_scalar
    from followup_cal.journal.gitignore import ignore_local_files
    from followup_cal.loader import parse

    path = file
    if Path(path).exists():
        raise FileAccessError(f"{path} already exists; init never overwrites a file")
    interactive = _interactive(prompt)
    name = given.ask_unless(name, "Your name", interactive, "--name")
    email = given.ask_unless(email, "Your e-mail", interactive, "--email", check=asking.email)
    zone = _local_zone_name()
    timezone = given.ask_unless(
        timezone, "Your time zone", interactive, "--timezone", zone, asking.zone
    )
    if country is None and interactive:
        country = asking.ask(
            "Your country, for public holidays (e.g. US, DE; empty for none)", optional=True
        )

    country_line = (
        _commented(f"  country: {plain_scalar(country.upper())}", "public holidays")
        if country
        else _commented("  # country: US", "for public holidays")
    )
    template = Template(files("followup_cal").joinpath("starter.yaml").read_text("utf-8"))
    text = template.substitute(
        name=plain_scalar(name),
        email=plain_scalar(email),
        timezone=plain_scalar(timezone),
        country_line=country_line,
        commands=_starter_commands(path),
    )
    try:
        parse(path, text)
    except InvalidInput as exc:
        reasons = "; ".join(p.message for p in exc.problems)
        raise UsageProblem(f"{path}: not written: {reasons}") from None
    write_atomic(path, text.encode("utf-8"), exclusive=True)  # even if made meanwhile
    # So that `git add -A` never commits the feed's secret, a cache or the undo record.
    folder = Path(path).parent
    try:
        added = ignore_local_files(folder)
    except FileAccessError as exc:
        click.echo(f"warning: {exc}; keep the files of docs/daily-loop.md out of git", err=True)
        added = []
    if added:
        click.echo(f"{folder / '.gitignore'}: added {', '.join(added)} (files of this machine)")
    add = shlex.join(["followup-cal", "add", *file_args(path)])
    click.echo(f"wrote {path}; add your first interview with: {add}")


# The column the starter's comments start at, after the keys of its `me:` section.
COMMENT_COLUMN = 43


def _commented(line: str, comment: str) -> str:
    return f"{line.ljust(COMMENT_COLUMN - 1)} # {comment}"


def _starter_commands(path: str) -> str:
    """The starter's list of the daily commands, their explanations in one column."""
    # As run from the file's folder: the path typed at init means nothing there later.
    where = shlex.join(["-f", Path(path).name]) if file_args(path) else ""
    rows = [
        ("followup-cal add", "add an interview (asks what it needs)"),
        (f"followup-cal agenda {where}".rstrip(), "what is due today and this week"),
        ("followup-cal done ID STEP", "a note was sent (thank_you, follow_up-1, ...)"),
        ("followup-cal reply ID --on DATE", "they answered"),
        ("followup-cal outcome ID rejected --on DATE", "(or offer, withdrawn)"),
        (f"followup-cal export {where}".rstrip(), "the calendar (.ics) to subscribe to"),
    ]
    width = max(len(command) for command, _ in rows) + 3
    return "\n".join(f"#   {command.ljust(width)}{what}" for command, what in rows)


# -- review before writing ---------------------------------------------------------------


def _round_rows(rnd: NewRound) -> list[tuple[str, str]]:
    people = [
        f"{p.name}" + (f" <{p.email}>" if p.email else "") + (f", {p.title}" if p.title else "")
        + (f"; talked about {p.talked_about}" if p.talked_about else "")
        for p in rnd.interviewers
    ]  # fmt: skip
    return [
        # Which clock the time is on: the round's zone when it has one.
        ("start", f"{rnd.start} ({rnd.timezone or 'your'} time)"),
        ("duration", rnd.duration or "1h"),
        ("timezone", rnd.timezone or "(yours)"),
        ("interviewers", "\n                ".join(people)),
    ]


def _summary(new: NewInterview) -> list[tuple[str, str]]:
    return [
        ("company", new.company),
        ("role", new.role),
        ("pitch", new.pitch or "(none)"),
        *_round_rows(new.round),
        ("contact", given.shown(new.contact) or new.round.interviewers[0].name),
        ("decision", new.decision_expected or "(not said)"),
    ]


def _ask_review(rows: list[tuple[str, str]], file: str, warnings: Sequence[str] = ()) -> str:
    """Show the answers (and what validate would say of them); 'yes', 'quit' or the key
    of the answer to change."""
    click.echo("")
    for key, value in rows:
        click.echo(f"  {key:<13} {value}")
    for warning in warnings:
        click.echo(f"  warning: {warning}")
    click.echo("")
    keys = [key for key, _ in rows]
    return asking.ask(
        f"Write it to {file}? yes, or the answer to change ({', '.join(keys)}), or quit",
        asking.one_word(["yes", "quit", *keys]),
        default="yes",
    )


def _revise_round(rnd: NewRound, choice: str) -> NewRound:

    if choice == "interviewers":
        return replace(rnd, interviewers=given.people_of((), (), interactive=True))
    check = {"start": asking.start, "duration": asking.duration, "timezone": asking.zone}
    value = asking.ask(choice.capitalize(), check[choice], optional=choice == "timezone")
    return replace(rnd, **{choice: value})


def _lint(new: NewInterview, file: str) -> list[str]:
    """What validate would say of the interview once written: said while it can still be
    changed (a talked_about that speaks of 'her' to her reads badly in the thank-you)."""
    from followup_cal import service
    from followup_cal.errors import FollowupCalError
    from followup_cal.journal.record import record_new_interview

    try:
        ident, preview = record_new_interview(file, new, dry_run=True)
    except FollowupCalError as exc:
        return [str(exc)]
    return [w.message for w in service.field_warnings(preview) if w.interview.id == ident]


def review(new: NewInterview, file: str) -> NewInterview | None:
    """Show the answers; write them, change one, or leave the file untouched."""

    while True:
        choice = _ask_review(_summary(new), file, _lint(new, file))
        if choice == "yes":
            return new
        if choice == "quit":
            return None
        if choice in ("company", "role", "pitch"):
            value = asking.ask(choice.capitalize(), optional=choice == "pitch")
            new = replace(new, **{choice: value})
        elif choice == "decision":
            value = asking.ask("When do they decide?", asking.decision, optional=True)
            new = replace(new, decision_expected=value)
        elif choice == "contact":
            names = [p.name for p in new.round.interviewers]
            new = replace(new, contact=asking.ask("Who to follow up with", asking.one_of(names)))
        else:
            revised = _revise_round(new.round, choice)
            # A new list of people may no longer hold the contact chosen from the old one.
            contact = "" if choice == "interviewers" else new.contact
            new = replace(new, round=revised, contact=contact)


def review_round(rnd: NewRound, file: str) -> NewRound | None:
    """``review`` for add-round: the round's answers only."""
    while True:
        choice = _ask_review(_round_rows(rnd), file)
        if choice == "yes":
            return rnd
        if choice == "quit":
            return None
        rnd = _revise_round(rnd, choice)

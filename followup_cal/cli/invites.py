"""`add --from-invite FILE` and `add-round ID --from-invite FILE`: an interview, a next
round, a move or a cancellation, read from a calendar invitation and proposed for review.

The invitation is only read: no answer goes to the organizer (no iTIP REPLY, no PARTSTAT,
no mail). The review itself is add's (passed in, as adding.py builds on this module).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

import followup_cal.cli.asking as asking
from followup_cal.cli.base import file_args, load
from followup_cal.cli.changes import PlanWatch
from followup_cal.cli.journal import planned_items
from followup_cal.columns import one_line

if TYPE_CHECKING:
    from followup_cal.invites.people import CompanyGuess, People
    from followup_cal.invites.placing import Placement
    from followup_cal.invites.reading import Invitation
    from followup_cal.journal.record import NewInterview, NewPerson, NewRound
    from followup_cal.plan.model import SearchFile


def invite_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--from-invite",
                metavar="INVITE",
                type=click.Path(dir_okay=False),
                help="Read the round from a calendar invitation: an .ics file, or a whole "
                "mail (.eml) that carries one. Never answers the organizer.",
            ),
            click.option(
                "--yes", is_flag=True, help="With --from-invite: write it without asking."
            ),
            click.option(
                "--me",
                "my_addresses",
                multiple=True,
                metavar="EMAIL",
                help="With --from-invite: another address of yours, never an interviewer "
                "(yours in FILE and your mail and CalDAV user are known).",
            ),
        ]
    ):
        func = option(func)
    return func


@dataclass(frozen=True)
class Answers:
    """What the command line said; each given answer wins over the invitation's."""

    company: str | None = None
    role: str | None = None
    ident: str | None = None
    pitch: str | None = None
    start: str | None = None
    timezone: str | None = None
    duration: str | None = None
    people: tuple[NewPerson, ...] = ()
    contact: str | None = None
    decision: str | None = None
    channel: str = "email"
    no_follow_up: bool = False
    topics: tuple[str, ...] = ()  # --talked-about, for the invitation's people in order
    today: date | None = None  # what the plan's changes are told from


Review = Callable[..., object]


def from_invite(
    path: str,
    file: str,
    answers: Answers,
    into: str | None,
    extra_addresses: tuple[str, ...],
    yes: bool,
    interactive: bool,
    reviews: tuple[Review, Review],
) -> None:
    """Read the invitation, place it in the file, show it, and write it when confirmed.
    ``into``: the interview add-round names; ``reviews``: add's and add-round's review."""
    review, review_round = reviews
    from followup_cal.invites.flow import company_of, place_file
    from followup_cal.invites.placing import Kind

    search = load(file)
    placed = place_file(path, search, into, extra_addresses, answers.company)
    invitation, people, placement = placed.invitation, placed.people, placed.placement
    _show(invitation, people, placement)
    if placement.kind is Kind.UNCHANGED:
        click.echo(f"nothing to change in {file}: {placement.why}")
        return
    if placement.kind is Kind.NOTHING_TO_CANCEL:
        from followup_cal.errors import NotFound

        raise NotFound(f"{path}: a cancellation, but {placement.why}; nothing was written")
    if placement.kind is Kind.SUSPICIOUS:
        _suspicious(path, file, search, invitation, placement, (yes, interactive), answers.today)
        return
    if placement.kind in (Kind.MOVE, Kind.CANCEL):
        _follow(file, search, invitation, placement, yes, interactive, answers.today)
        return
    new_round = _round(invitation, people, answers, interactive)
    if placement.kind is Kind.NEXT_ROUND:
        assert placement.interview is not None
        _add_round(file, placement.interview.id, new_round, yes, interactive, review_round,
                   answers.today)  # fmt: skip
        return
    guess = company_of(invitation, people, search)
    _add_interview(file, new_round, guess, answers, yes, interactive, review)


def _show(invitation: Invitation, people: People, placement: Placement) -> None:
    path = invitation.path
    what = f"METHOD:{invitation.method}, SEQUENCE {invitation.sequence}"
    title = one_line(invitation.summary, 80) or "(no title)"
    click.echo(f"{path}: '{title}' ({what}): {placement.kind.value}: {placement.why}")
    click.echo(f"  zone: {invitation.zone_from}")
    for left in people.left_out:
        click.echo(f"  left out: {one_line(left.who, 60)} ({left.why})")
    for warning in invitation.warnings:
        click.echo(f"{path}: warning: {warning}", err=True)


def _round(invitation: Invitation, people: People, answers: Answers, interactive: bool) -> NewRound:
    from followup_cal.invites.flow import minutes, start_text
    from followup_cal.journal.record import NewPerson, NewRound

    start = answers.start or start_text(invitation)
    if answers.timezone and not answers.start:
        # The same instant, written in the zone asked for.
        zone = ZoneInfo(asking.zone(answers.timezone))
        start = f"{invitation.start.astimezone(zone):%Y-%m-%d %H:%M}"
    if len(answers.topics) > len(people.interviewers) and not answers.people:
        raise click.BadParameter(
            f"{len(answers.topics)} --talked-about for {len(people.interviewers)} people "
            "in the invitation; give one per interviewer, in the order shown"
        )
    found = tuple(
        NewPerson(g.name, g.email, "", answers.topics[i] if i < len(answers.topics) else "")
        for i, g in enumerate(people.interviewers)
    )
    interviewers = answers.people or found
    if not interviewers:
        if not interactive:
            raise click.UsageError(
                f"{invitation.path} names no interviewer (only you, rooms, groups or a "
                "scheduling tool): give --interviewer 'NAME <EMAIL>' (or run in a terminal)"
            )
        name = asking.ask("The invitation names no interviewer; who is it with? Name")
        email = asking.ask("Their e-mail (optional)", asking.email, optional=True)
        interviewers = (NewPerson(name, email),)
    return NewRound(
        start=asking.start(start),
        interviewers=interviewers,
        timezone=answers.timezone if answers.timezone is not None else invitation.zone,
        duration=answers.duration or minutes(invitation),
        notes=invitation.notes(),
        invitation=(
            (invitation.uid, *invitation.copy(), invitation.organizer) if invitation.uid else None
        ),
    )


def _missing(names: list[str]) -> click.UsageError:
    flags = " and ".join(names)
    return click.UsageError(f"missing {flags} (or run in a terminal to be asked)")


def _add_interview(
    file: str,
    new_round: NewRound,
    guess: CompanyGuess | None,
    answers: Answers,
    yes: bool,
    interactive: bool,
    review: Review,
) -> None:
    from followup_cal.journal.record import NewInterview, record_new_interview

    company = answers.company or (guess.name if guess else "")
    if guess and not answers.company:
        click.echo(f"  company: {guess.name}, guessed {guess.why}; correct it if it is wrong")
    role = answers.role or ""
    if not interactive:
        missing = [f for f, v in (("--company", company), ("--role", role)) if not v]
        if missing:
            raise _missing(missing)
    else:
        company = asking.ask("Company", default=company) if not answers.company else company
        role = role or asking.ask("Role")
    pitch = answers.pitch
    if pitch is None and interactive:  # as add asks it
        pitch = asking.pitch()
    new = NewInterview(
        company=company,
        role=role,
        round=new_round,
        id=answers.ident or "",
        pitch=pitch or "",
        contact=answers.contact or "",
        decision_expected=answers.decision or "",
        channel=answers.channel,
        no_follow_up=answers.no_follow_up,
    )
    if not yes:
        if not interactive:
            _proposal_only(file, _interview_rows(new))
            return
        reviewed = review(new, file)
        if reviewed is None:
            click.echo(f"nothing written to {file}")
            return
        new = reviewed  # type: ignore[assignment]
    added, search = record_new_interview(file, new, file_args(file))
    count = len(planned_items(search, date.min, added))
    click.echo(f"added '{added}' to {file}: {count} follow-ups planned")
    click.echo(f"see them with: {shlex.join(['followup-cal', 'plan', *file_args(file)])}")


def _add_round(
    file: str,
    ident: str,
    new_round: NewRound,
    yes: bool,
    interactive: bool,
    review_round: Review,
    today: date | None,
) -> None:
    from followup_cal.journal.record import find_interview, record_new_round

    if not yes:
        if not interactive:
            _proposal_only(file, [("interview", ident), *_round_rows(new_round)])
            return
        click.echo(f"  as the next round of '{ident}'")
        reviewed = review_round(new_round, file)
        if reviewed is None:
            click.echo(f"nothing written to {file}")
            return
        new_round = reviewed  # type: ignore[assignment]
    watch = PlanWatch.of(file, ident, today)
    updated = record_new_round(file, ident, new_round)
    interview = find_interview(updated, ident)
    click.echo(f"added round {len(interview.rounds)} to '{ident}' in {file}")
    watch.echo_changes(updated)


def _follow(
    file: str,
    search: SearchFile,
    invitation: Invitation,
    placement: Placement,
    yes: bool,
    interactive: bool,
    today: date | None,
    default: bool = True,
) -> None:
    from followup_cal.invites.flow import new_time
    from followup_cal.invites.placing import Kind

    interview, rnd = placement.interview, placement.round
    assert interview is not None and rnd is not None
    was = f"{rnd.start:%Y-%m-%d %H:%M} {rnd.start.tzinfo}"
    if placement.kind is Kind.CANCEL:
        change = f"round {rnd.number} of '{interview.id}' ({was}) is cancelled: its debrief, "
        change += "thank-yous and inquiries go"
    else:
        when = new_time(invitation)
        zone = when.timezone or search.me.timezone.key
        change = f"round {rnd.number} of '{interview.id}' moves from {was} to {when.start} {zone}"
        if when.duration:
            change += f", {when.duration} min"
    click.echo(f"  {change}")
    if not yes:
        if not interactive:
            click.echo(f"nothing written to {file}: run again with --yes to record it")
            return
        if not asking.confirm(f"Record it in {file}?", default=default):
            click.echo(f"nothing written to {file}")
            return
    record_follow(file, invitation, placement, today)


def _suspicious(
    path: str,
    file: str,
    search: SearchFile,
    invitation: Invitation,
    placement: Placement,
    asked: tuple[bool, bool],
    today: date | None,
) -> None:
    """A move or cancellation not from the company's side: never recorded by --yes; in a
    terminal, recorded only when the user says so (the default is no)."""
    from followup_cal.errors import BadInvitation
    from followup_cal.invites.placing import Kind

    yes, interactive = asked
    if yes or not interactive:
        raise BadInvitation(
            f"{path}: {placement.why}: it may be forged; nothing was written (if you know it "
            "is genuine, run without --yes in a terminal to record it)"
        )
    click.echo(f"  warning: {placement.why}: it may be forged")
    kind = Kind.CANCEL if invitation.cancelled else Kind.MOVE
    _follow(file, search, invitation, replace(placement, kind=kind), False, True, today, False)


def _round_rows(rnd: NewRound) -> list[tuple[str, str]]:
    people = "; ".join(p.name + (f" <{p.email}>" if p.email else "") for p in rnd.interviewers)
    rows = [
        ("start", rnd.start),
        ("duration", f"{rnd.duration} min" if rnd.duration else "1h (the default)"),
        ("timezone", rnd.timezone or "(yours)"),
        ("interviewers", people),
    ]
    if rnd.notes:
        rows.append(("notes", rnd.notes.replace("\n", "; ")))
    return rows


def _interview_rows(new: NewInterview) -> list[tuple[str, str]]:
    return [("company", new.company), ("role", new.role), *_round_rows(new.round)]


def _proposal_only(file: str, rows: list[tuple[str, str]]) -> None:
    click.echo("")
    for key, value in rows:
        click.echo(f"  {key:<13} {one_line(value, 200)}")
    click.echo("")
    click.echo(f"nothing written to {file}: run again with --yes to write it")


def record_follow(
    file: str, invitation: Invitation, placement: Placement, today: date | None = None
) -> None:
    """Move or cancel the round that follows the invitation, and say what that changed
    in the plan."""
    from followup_cal.invites.flow import new_time
    from followup_cal.invites.placing import Kind
    from followup_cal.journal.invited import record_round_cancelled, record_round_moved

    assert placement.interview is not None and placement.round is not None
    ident = placement.interview.id
    watch = PlanWatch.of(file, ident, today)
    if placement.kind is Kind.CANCEL:
        updated = record_round_cancelled(file, ident, invitation.uid, invitation.copy())
        verb = "cancelled"
    else:
        when = new_time(invitation)
        updated = record_round_moved(file, ident, invitation.uid, invitation.copy(), when)
        verb = "moved"
    click.echo(f"{verb} round {placement.round.number} of '{ident}' in {file}")
    watch.echo_changes(updated)

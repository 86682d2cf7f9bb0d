"""`add --from-invite FILE` and `add-round ID --from-invite FILE`: an interview, a next
round, a move or a cancellation, read from a calendar invitation and proposed for review.

The invitation is only read: no answer goes to the organizer (no iTIP REPLY, no PARTSTAT,
no mail). The review itself is add's (passed in, as adding.py builds on this module).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

import followup_cal.cli.asking as asking
from followup_cal.cli.base import file_args, load
from followup_cal.cli.journal import planned_items
from followup_cal.columns import one_line

if TYPE_CHECKING:
    from followup_cal.invites.people import CompanyGuess, People
    from followup_cal.invites.placing import Placement
    from followup_cal.invites.reading import Invitation
    from followup_cal.journal.record import NewInterview, NewPerson, NewRound
    from followup_cal.mail.inbox import InboxResult
    from followup_cal.mail.invitation import InvitationMail, Understood
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


Review = Callable[..., object]


def my_addresses(search: SearchFile, extra: tuple[str, ...]) -> frozenset[str]:
    """The user's own addresses, never an interviewer."""
    known = [search.me.email, *extra]
    known += [s.user for s in (search.imap, search.caldav) if s and s.user]
    return frozenset(a.strip().lower() for a in known if "@" in a)


def read(path: str, search: SearchFile) -> Invitation:
    from followup_cal.errors import FileAccessError
    from followup_cal.invites.reading import read_invitation

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read the invitation: {exc.strerror}") from None
    return read_invitation(path, data, search.me.timezone)


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
    from followup_cal.invites.people import guess_company, people_of
    from followup_cal.invites.placing import Kind, place
    from followup_cal.journal.record import find_interview

    search = load(file)
    target = find_interview(search, into) if into else None
    invitation = read(path, search)
    people = people_of(invitation, my_addresses(search, extra_addresses))
    placement = place(search, invitation, people, target)
    _show(invitation, people, placement)
    if placement.kind is Kind.UNCHANGED:
        click.echo(f"nothing to change in {file}: {placement.why}")
        return
    if placement.kind is Kind.NOTHING_TO_CANCEL:
        from followup_cal.errors import NotFound

        raise NotFound(f"{path}: a cancellation, but {placement.why}; nothing was written")
    if placement.kind in (Kind.MOVE, Kind.CANCEL):
        _follow(file, search, invitation, placement, yes, interactive)
        return
    new_round = _round(invitation, people, answers, interactive)
    if placement.kind is Kind.NEXT_ROUND:
        assert placement.interview is not None
        _add_round(file, placement.interview.id, new_round, yes, interactive, review_round)
        return
    guess = guess_company(invitation, people, search.me.name)
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


def _start_text(invitation: Invitation) -> str:
    """The start as the file writes it: the reader gave it in its zone, or in the user's."""
    return f"{invitation.start:%Y-%m-%d %H:%M}"


def _minutes(invitation: Invitation) -> str:
    if invitation.duration is None:
        return ""
    return str(max(1, round(invitation.duration.total_seconds() / 60)))


def _round(invitation: Invitation, people: People, answers: Answers, interactive: bool) -> NewRound:
    from followup_cal.journal.record import NewPerson, NewRound

    start = answers.start or _start_text(invitation)
    found = tuple(NewPerson(g.name, g.email) for g in people.interviewers)
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
        duration=answers.duration or _minutes(invitation),
        notes=invitation.notes(),
        invitation=(invitation.uid, invitation.sequence) if invitation.uid else None,
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
    new = NewInterview(
        company=company,
        role=role,
        round=new_round,
        id=answers.ident or "",
        pitch=answers.pitch or "",
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
    file: str, ident: str, new_round: NewRound, yes: bool, interactive: bool, review_round: Review
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
    updated = record_new_round(file, ident, new_round)
    interview = find_interview(updated, ident)
    count = len(planned_items(updated, date.min, ident))
    click.echo(
        f"added round {len(interview.rounds)} to '{ident}' in {file}: {count} follow-ups planned"
    )


def _follow(
    file: str,
    search: SearchFile,
    invitation: Invitation,
    placement: Placement,
    yes: bool,
    interactive: bool,
) -> None:
    from followup_cal.invites.placing import Kind
    from followup_cal.journal.invited import NewTime, record_round_cancelled, record_round_moved

    interview, rnd = placement.interview, placement.round
    assert interview is not None and rnd is not None
    was = f"{rnd.start:%Y-%m-%d %H:%M} {rnd.start.tzinfo}"
    if placement.kind is Kind.CANCEL:
        change = f"round {rnd.number} of '{interview.id}' ({was}) is cancelled: its debrief, "
        change += "thank-yous and inquiries go"
    else:
        when = NewTime(_start_text(invitation), invitation.zone, _minutes(invitation))
        zone = when.timezone or search.me.timezone.key
        change = f"round {rnd.number} of '{interview.id}' moves from {was} to {when.start} {zone}"
        if when.duration:
            change += f", {when.duration} min"
    click.echo(f"  {change}")
    if not yes:
        if not interactive:
            click.echo(f"nothing written to {file}: run again with --yes to record it")
            return
        if not asking.confirm(f"Record it in {file}?", default=True):
            click.echo(f"nothing written to {file}")
            return
    if placement.kind is Kind.CANCEL:
        updated = record_round_cancelled(file, interview.id, invitation.uid, invitation.sequence)
    else:
        updated = record_round_moved(file, interview.id, invitation.uid, invitation.sequence, when)
    count = len(planned_items(updated, date.min, interview.id))
    verb = "cancelled" if placement.kind is Kind.CANCEL else "moved"
    click.echo(
        f"{verb} round {rnd.number} of '{interview.id}' in {file}: {count} follow-ups planned now"
    )


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


# -- inbox -------------------------------------------------------------------------------


@dataclass
class MailInvitations:
    """inbox's invitations, each read and placed once: by the message it came in."""

    file: str
    search: SearchFile
    yes: bool
    reach: str
    understood: dict[str, Understood]  # by the message's key
    latest: dict[str, str]  # the invitation's UID -> the key of its latest copy
    printed: set[str]

    def shown(self, key: str) -> bool:
        """A copy worth showing: the latest of its UID, and not what the file has."""
        from followup_cal.invites.placing import Kind

        found = self.understood[key]
        if found.event is None:
            return True
        placement = found.placement
        latest = self.latest.get(found.event.uid or key) == key
        return latest and placement is not None and placement.kind is not Kind.UNCHANGED

    def print_body(self, key: str) -> None:
        """What the invitation is to the file, under a line that names its message."""
        self.printed.add(key)
        found = self.understood[key]
        if found.event is None:
            click.echo(f"  not taken: {found.problem.removeprefix(found.mail.label + ': ')}")
        elif self.shown(key):
            _report_one(found, self.search, self.yes, self.reach)
        elif found.placement is not None:
            click.echo(f"  nothing new: {found.placement.why}")

    def print_rest(self) -> None:
        """The invitations not shown with an interview's answers, then --yes's records."""
        from followup_cal.invites.placing import Kind

        quiet = 0
        for key, found in self.understood.items():
            if key in self.printed:
                continue
            if not self.shown(key):
                quiet += 1
                continue
            click.echo("")
            click.echo(f"invitation in {_mail_line(found.mail)}")
            self.print_body(key)
        if quiet:
            click.echo("")
            click.echo(
                f"{quiet} more invitation{'s' * (quiet != 1)} in the mailbox: older copies, or "
                f"as {self.file} has {'them' if quiet != 1 else 'it'} already."
            )
        if self.yes:
            for key, found in self.understood.items():
                kind = found.placement.kind if found.placement else None
                if kind in (Kind.MOVE, Kind.CANCEL) and self.shown(key):
                    click.echo("")
                    _record_follow(self.file, found)


def mail_invitations(
    file: str,
    search: SearchFile,
    found: InboxResult,
    yes: bool,
    reach_args: list[str],
) -> MailInvitations:
    """inbox: each invitation found in the mailbox, placed as `add --from-invite` places
    it; of several copies of one (same UID), the latest counts. With --yes the moves and
    cancellations are recorded: they are certain, the round follows that UID; a new
    interview or a next round is for the user to add (it needs a review, often a role)."""
    from followup_cal.mail.invitation import understand

    mine = my_addresses(search, ())
    # An invitation from an interview's people is that interview's (by the mail's sender).
    theirs = {i.message.key: i for i in found.invitations}
    understood: dict[str, Understood] = {}
    latest: dict[str, str] = {}
    mails = found.invitation_mail
    for mail in sorted(mails, key=lambda m: (m.message.when is None, m.message.when)):
        key = mail.message.key
        read = understand(mail, search, mine, theirs.get(key))
        understood[key] = read
        if read.event is not None:
            uid = read.event.uid or key
            kept = understood.get(latest.get(uid, ""))
            if kept is None or _newer(read, kept):
                latest[uid] = key
    reach = " " + shlex.join(reach_args) if reach_args else ""
    return MailInvitations(file, search, yes, reach, understood, latest, set())


def _newer(one: Understood, other: Understood) -> bool:
    a, b = one.event, other.event
    assert a is not None and b is not None
    return (a.sequence, a.cancelled) > (b.sequence, b.cancelled)


def _mail_line(mail: InvitationMail) -> str:
    message = mail.message
    subject = one_line(message.subject, 80) or "(no subject)"
    return f"{mail.label}: {one_line(message.from_line(), 60)}  {subject}"


def _report_one(understood: Understood, search: SearchFile, yes: bool, reach: str) -> None:
    from followup_cal.invites.people import guess_company
    from followup_cal.invites.placing import Kind

    event, placement, people = understood.event, understood.placement, understood.people
    assert event is not None and placement is not None and people is not None
    title = one_line(event.summary, 80) or "(no title)"
    click.echo(
        f"  '{title}' (METHOD:{event.method}, SEQUENCE {event.sequence}): "
        f"{placement.kind.value}: {placement.why}"
    )
    when = f"{_start_text(event)} {event.zone or search.me.timezone.key}"
    names = ", ".join(g.name for g in people.interviewers) or "(no one named)"
    save = "save the mail (or its .ics) and run:"
    if placement.kind in (Kind.MOVE, Kind.CANCEL):
        rnd, interview = placement.round, placement.interview
        assert rnd is not None and interview is not None
        if placement.kind is Kind.CANCEL:
            click.echo(f"  round {rnd.number} of '{interview.id}' is cancelled")
        else:
            click.echo(f"  round {rnd.number} of '{interview.id}' moves to {when}")
        if not yes:
            click.echo(f"  record it: followup-cal inbox{reach} --yes")
    elif placement.kind is Kind.NEXT_ROUND:
        assert placement.interview is not None
        click.echo(f"  {when} with {names}")
        click.echo(
            f"  add it: {save} followup-cal add-round {placement.interview.id} "
            f"--from-invite FILE{reach}"
        )
    elif placement.kind is Kind.NEW:
        guess = guess_company(event, people, search.me.name)
        company = f"{guess.name} ({guess.why})" if guess else "(not guessed)"
        click.echo(f"  {when} with {names}; company: {company}")
        click.echo(f"  add it: {save} followup-cal add --from-invite FILE{reach}")
    else:
        click.echo("  nothing in the file to cancel")


def _record_follow(file: str, understood: Understood) -> None:
    from followup_cal.invites.placing import Kind
    from followup_cal.journal.invited import NewTime, record_round_cancelled, record_round_moved

    event, placement = understood.event, understood.placement
    assert event is not None and placement is not None and placement.interview is not None
    ident = placement.interview.id
    if placement.kind is Kind.CANCEL:
        updated = record_round_cancelled(file, ident, event.uid, event.sequence)
        verb = "cancelled"
    else:
        when = NewTime(_start_text(event), event.zone, _minutes(event))
        updated = record_round_moved(file, ident, event.uid, event.sequence, when)
        verb = "moved"
    assert placement.round is not None
    count = len(planned_items(updated, date.min, ident))
    click.echo(
        f"{verb} round {placement.round.number} of '{ident}' in {file}: "
        f"{count} follow-ups planned now"
    )

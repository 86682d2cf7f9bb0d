"""inbox's invitations: each one found in the mailbox, placed as `add --from-invite`
places it, shown with the interview whose people sent it or on its own; --yes records
the moves and cancellations (the same write as `add --from-invite --yes`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from followup_cal.cli.invites import record_follow
from followup_cal.columns import one_line

if TYPE_CHECKING:
    from followup_cal.mail.inbox import InboxResult
    from followup_cal.mail.inbox_invitations import Placements
    from followup_cal.mail.invitation import InvitationMail, Understood
    from followup_cal.plan.model import SearchFile


@dataclass
class MailInvitations:
    """inbox's invitations, each read and placed once: by the message it came in."""

    file: str
    search: SearchFile
    yes: bool
    reach: str
    placements: Placements
    printed: set[str]
    refused: int = 0  # moves and cancellations --yes could not record (each said)

    @property
    def understood(self) -> dict[str, Understood]:
        return self.placements.understood

    def shown(self, key: str) -> bool:
        return self.placements.shown(key)

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
            from followup_cal.errors import FollowupCalError

            for found in self.placements.to_record():
                click.echo("")
                assert found.event is not None and found.placement is not None
                try:
                    record_follow(self.file, found.event, found.placement)
                except FollowupCalError as exc:
                    # One the file refuses (a move before the round before it) is
                    # said, and the others and the answers are still recorded.
                    self.refused += 1
                    said = one_line(" ".join(exc.lines()), 300)
                    click.echo(f"not recorded, from {_mail_line(found.mail)}: {said}")


def mail_invitations(
    file: str,
    search: SearchFile,
    found: InboxResult,
    yes: bool,
    reach_args: list[str],
) -> MailInvitations:
    """inbox: each invitation found in the mailbox, placed as `add --from-invite` places
    it (mail/inbox_invitations.py), for printing and, with --yes, recording."""
    from followup_cal.mail.inbox_invitations import place_invitations

    reach = " " + shlex.join(reach_args) if reach_args else ""
    return MailInvitations(file, search, yes, reach, place_invitations(search, found), set())


def _mail_line(mail: InvitationMail) -> str:
    message = mail.message
    subject = one_line(message.subject, 80) or "(no subject)"
    return f"{mail.label}: {message.shown_from(60)}  {subject}"


def _report_one(understood: Understood, search: SearchFile, yes: bool, reach: str) -> None:
    from followup_cal.invites.flow import company_of, start_text
    from followup_cal.invites.placing import Kind

    event, placement, people = understood.event, understood.placement, understood.people
    assert event is not None and placement is not None and people is not None
    title = one_line(event.summary, 80) or "(no title)"
    click.echo(
        f"  '{title}' (METHOD:{event.method}, SEQUENCE {event.sequence}): "
        f"{placement.kind.value}: {placement.why}"
    )
    when = f"{start_text(event)} {event.zone or search.me.timezone.key}"
    names = ", ".join(g.name for g in people.interviewers) or "(no one named)"
    save = "save the mail (or its .ics) and run:"
    if placement.kind is Kind.SUSPICIOUS:
        click.echo(
            "  not recorded, even with --yes: it may be forged; if you know it is genuine, "
            f"{save} followup-cal add --from-invite FILE{reach} (in a terminal, without --yes)"
        )
    elif placement.kind in (Kind.MOVE, Kind.CANCEL):
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
        guess = company_of(event, people, search)
        company = f"{guess.name} ({guess.why})" if guess else "(not guessed)"
        click.echo(f"  {when} with {names}; company: {company}")
        click.echo(f"  add it: {save} followup-cal add --from-invite FILE{reach}")
    else:
        click.echo("  nothing in the file to cancel")

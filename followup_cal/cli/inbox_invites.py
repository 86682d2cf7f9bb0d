"""inbox's invitations: each one found in the mailbox, placed as `add --from-invite`
places it, shown with the interview whose people sent it or on its own; --yes records
the moves and cancellations (the same write as `add --from-invite --yes`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from followup_cal.cli.invites import my_addresses, record_follow, start_text
from followup_cal.columns import one_line

if TYPE_CHECKING:
    from followup_cal.mail.inbox import InboxResult
    from followup_cal.mail.invitation import InvitationMail, Understood
    from followup_cal.plan.model import SearchFile


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
    refused: int = 0  # moves and cancellations --yes could not record (each said)

    def shown(self, key: str) -> bool:
        """A copy worth showing: the latest of its UID, and not what the file has."""
        from followup_cal.invites.placing import Kind

        found = self.understood[key]
        if found.event is None or _suspicious(found):
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
            from followup_cal.errors import FollowupCalError

            for key, found in self.understood.items():
                kind = found.placement.kind if found.placement else None
                if kind in (Kind.MOVE, Kind.CANCEL) and self.shown(key):
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
        # A copy not from the company's side never counts as the latest: its SEQUENCE
        # (99, say) must not hide the genuine copy that comes after it.
        if read.event is not None and not _suspicious(read):
            uid = read.event.uid or key
            kept = understood.get(latest.get(uid, ""))
            if kept is None or _newer(read, kept):
                latest[uid] = key
    reach = " " + shlex.join(reach_args) if reach_args else ""
    return MailInvitations(file, search, yes, reach, understood, latest, set())


def _suspicious(found: Understood) -> bool:
    from followup_cal.invites.placing import Kind

    return found.placement is not None and found.placement.kind is Kind.SUSPICIOUS


def _newer(one: Understood, other: Understood) -> bool:
    from followup_cal.plan.model import copy_order

    a, b = one.event, other.event
    assert a is not None and b is not None
    order = copy_order(a.copy(), b.copy())
    return order > 0 or (order == 0 and a.cancelled and not b.cancelled)


def _mail_line(mail: InvitationMail) -> str:
    message = mail.message
    subject = one_line(message.subject, 80) or "(no subject)"
    return f"{mail.label}: {message.shown_from(60)}  {subject}"


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
        guess = guess_company(event, people, search.me.name)
        company = f"{guess.name} ({guess.why})" if guess else "(not guessed)"
        click.echo(f"  {when} with {names}; company: {company}")
        click.echo(f"  add it: {save} followup-cal add --from-invite FILE{reach}")
    else:
        click.echo("  nothing in the file to cancel")

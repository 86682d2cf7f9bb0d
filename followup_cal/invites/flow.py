"""`add --from-invite`'s way through the invitation rooms, in one call, as plain values:
the file read within its bound, the invitation in it, its people, where it belongs in
the file and the company it may be. The command line asks, prints and records; the
inbox places the invitations it finds the same way (mail/inbox_invitations.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from followup_cal.invites.people import CompanyGuess, People, guess_company, people_of
from followup_cal.invites.placing import Kind, Placement, place
from followup_cal.invites.reading import MAX_MAIL_BYTES, Invitation, read_invitation

if TYPE_CHECKING:
    from followup_cal.journal.invited import NewTime
    from followup_cal.plan.model import SearchFile


@dataclass(frozen=True)
class Placed:
    """An invitation read, its people, and what it is to the file."""

    invitation: Invitation
    people: People
    placement: Placement


def my_addresses(search: SearchFile, extra: tuple[str, ...]) -> frozenset[str]:
    """The user's own addresses, never an interviewer."""
    known = [search.me.email, *extra]
    known += [s.user for s in (search.imap, search.caldav) if s and s.user]
    return frozenset(a.strip().lower() for a in known if "@" in a)


def read_file(path: str, search: SearchFile) -> Invitation:
    """The invitation in the file ``path``: its size is known before it is read, and no
    more than the largest mail taken is ever read (a pipe or a device has no size)."""
    from followup_cal.errors import BadInvitation, FileAccessError

    try:
        with Path(path).open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            data = b"" if size > MAX_MAIL_BYTES else file.read(MAX_MAIL_BYTES + 1)
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read the invitation: {exc.strerror}") from None
    if size > MAX_MAIL_BYTES or len(data) > MAX_MAIL_BYTES:
        raise BadInvitation(
            f"{path}: is over {MAX_MAIL_BYTES >> 20} MB, too large for an invitation or a mail "
            "with one; nothing was written"
        )
    return read_invitation(path, data, search.me.timezone)


def place_file(
    path: str,
    search: SearchFile,
    into: str | None,
    extra_addresses: tuple[str, ...],
    company: str | None,
) -> Placed:
    """Read the invitation in ``path`` and place it in ``search``: ``into``, the
    interview add-round names; ``company``, the one --company names."""
    from followup_cal.journal.record import find_interview

    target = find_interview(search, into) if into else None
    invitation = read_file(path, search)
    people = people_of(invitation, my_addresses(search, extra_addresses), search.me.name)
    placement = place(search, invitation, people, target)
    if (
        placement.kind is Kind.NEXT_ROUND
        and target is None
        and company
        and placement.interview is not None
        and company.casefold() != placement.interview.company.casefold()
    ):
        # Their domain is that interview's, but you named another company.
        why = f"--company {company} is not {placement.interview.company}"
        placement = replace(placement, kind=Kind.NEW, why=why, interview=None)
    return Placed(invitation, people, placement)


def company_of(invitation: Invitation, people: People, search: SearchFile) -> CompanyGuess | None:
    """The company a new interview's invitation may be from, and why."""
    return guess_company(invitation, people, search.me.name)


def start_text(invitation: Invitation) -> str:
    """The start as the file writes it: the reader gave it in its zone, or in the user's."""
    return f"{invitation.start:%Y-%m-%d %H:%M}"


def minutes(invitation: Invitation) -> str:
    if invitation.duration is None:
        return ""
    return str(max(1, round(invitation.duration.total_seconds() / 60)))


def new_time(invitation: Invitation) -> NewTime:
    """The round's time as a move writes it."""
    from followup_cal.journal.invited import NewTime

    return NewTime(start_text(invitation), invitation.zone, minutes(invitation))

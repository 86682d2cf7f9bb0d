"""An invitation from the company (a calendar part, or an .ics file attached) is most
likely a next round, which is more than "they answered": recording it as a plain reply
would say the wrong thing. ``invitation_from`` is the one place inbox decides what such
a message means; reading the invitation itself (its time, so as to propose the round)
belongs to the invitations reader (followup_cal/invites/).

Invitations are also looked for whoever sent them (a new company, a reschedule of a
round to come): ``InvitationMail`` is such a message read whole, and ``understand``
hands it to the reader and places it in the file, as `add --from-invite` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup_cal.columns import one_line
from followup_cal.mail.message import Message
from followup_cal.plan.model import Interview

if TYPE_CHECKING:
    from followup_cal.invites.people import People
    from followup_cal.invites.placing import Placement
    from followup_cal.invites.reading import Invitation as Event
    from followup_cal.plan.model import SearchFile

CALENDAR_TYPES = ("text/calendar", "application/ics")


def carries_invitation(message: Message) -> bool:
    """A calendar part (text/calendar, as calendar apps send an invitation) or a
    file named *.ics anywhere in the message's structure."""
    return parts_carry_invitation(message.parts) or message.content_type in CALENDAR_TYPES


def parts_carry_invitation(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(CALENDAR_TYPES) or part.endswith(".ics") for part in parts)


@dataclass(frozen=True)
class Invitation:
    """What inbox reports of an invitation: who sent it, and what it may mean."""

    interview: Interview
    message: Message
    why: str  # the evidence that it is the company's: "from priya@northwind.example"

    @property
    def meaning(self) -> str:
        return "an invitation: a next round?"

    @property
    def advice(self) -> str:
        return (
            "if it is a next round, save the mail (or its .ics) and add it: "
            f"followup-cal add-round {self.interview.id} --from-invite FILE"
        )


def invitation_from(interview: Interview, message: Message, why: str) -> Invitation | None:
    """The invitation ``message`` (already known to be the company's) carries, or None.
    Today it is reported for the user to decide; the invitations reader will read the
    event here and propose the round itself."""
    if not carries_invitation(message):
        return None
    return Invitation(interview, message, why)


@dataclass(frozen=True)
class InvitationMail:
    """A message with an invitation, whoever sent it, read whole (BODY.PEEK[])."""

    message: Message
    data: bytes

    @property
    def label(self) -> str:
        """How a line about it names it: the folder and the message's UID there."""
        return f"{one_line(self.message.folder, 100)} message {self.message.uid}"


@dataclass(frozen=True)
class Understood:
    """What an invitation in the mailbox is to the file, as `add --from-invite` sees it;
    ``problem``: the one line when it cannot be taken (broken, recurring, ...)."""

    mail: InvitationMail
    event: Event | None = None
    people: People | None = None
    placement: Placement | None = None
    problem: str = ""


def understand(
    mail: InvitationMail, search: SearchFile, mine: frozenset[str], sent: Invitation | None = None
) -> Understood:
    """Read the invitation and place it: a new interview, a next round, a move, a
    cancellation, or nothing new; ``sent``: how inbox knew it for an interview's. Pure."""
    from followup_cal.errors import BadInvitation
    from followup_cal.invites.people import people_of
    from followup_cal.invites.placing import place
    from followup_cal.invites.reading import read_invitation

    try:
        event = read_invitation(mail.label, mail.data, search.me.timezone)
    except BadInvitation as exc:
        return Understood(mail, problem=str(exc))
    people = people_of(event, mine, search.me.name)
    into = sent.interview if sent else None
    why = f"the mail is {sent.interview.id}'s ({sent.why})" if sent else ""
    placement = place(search, event, people, into, why, mail.message.sender)
    return Understood(mail, event, people, placement)

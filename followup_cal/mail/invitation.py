"""An invitation from the company (a calendar part, or an .ics file attached) is most
likely a next round, which is more than "they answered": recording it as a plain reply
would say the wrong thing. ``invitation_from`` is the one place inbox decides what such
a message means; reading the invitation itself (its time, so as to propose the round)
belongs to the invitations reader, which this function is meant to hand over to.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup_cal.mail.message import Message
from followup_cal.plan.model import Interview

CALENDAR_TYPES = ("text/calendar", "application/ics")


def carries_invitation(message: Message) -> bool:
    """A calendar part (text/calendar, as calendar apps send an invitation) or a
    file named *.ics anywhere in the message's structure."""
    return (
        any(part.startswith(CALENDAR_TYPES) or part.endswith(".ics") for part in message.parts)
        or message.content_type in CALENDAR_TYPES
    )


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

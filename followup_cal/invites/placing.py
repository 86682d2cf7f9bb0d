"""Where an invitation belongs in the file: a round it already follows (by its UID: moved,
cancelled, or an older copy that changes nothing), a next round of an interview whose
people share its domain, or a new interview. Pure: the loaded file in, a decision out.

Anyone who knows a round's UID can write a copy of its invitation: a move or a
cancellation counts only when it comes from the organizer of the invitation that made
the round, or from the company's own domain; any other is suspicious (shown, never
recorded unasked, and its SEQUENCE never shadows a genuine copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from followup_cal.domains import registrable
from followup_cal.invites.people import People, company_domains
from followup_cal.invites.reading import Invitation
from followup_cal.plan.model import Interview, Round, SearchFile, copy_order


class Kind(StrEnum):
    NEW = "a new interview"
    NEXT_ROUND = "a next round"
    MOVE = "a move of a round"
    CANCEL = "a cancellation of a round"
    SUSPICIOUS = "a change of a round from someone else"
    UNCHANGED = "nothing new"
    NOTHING_TO_CANCEL = "a cancellation of nothing in the file"


@dataclass(frozen=True)
class Placement:
    kind: Kind
    why: str
    interview: Interview | None = None
    round: Round | None = None


def round_with_uid(search: SearchFile, uid: str) -> tuple[Interview, Round] | None:
    if not uid:
        return None
    for interview in search.interviews:
        for rnd in interview.rounds:
            if rnd.invitation_uid == uid:
                return interview, rnd
    return None


def interview_domains(interview: Interview) -> set[str]:
    return set(company_domains([p.email for p in interview.people() if p.email]))


def place(
    search: SearchFile,
    invitation: Invitation,
    people: People,
    into: Interview | None = None,
    into_why: str = "",
    sender: str = "",
) -> Placement:
    """What ``invitation`` is to the file; ``into``: the interview add-round names, or
    whose people mailed it (``into_why`` says how it is known); ``sender``: the From
    address of the mail it came in ("" for a file)."""
    known = round_with_uid(search, invitation.uid)
    if known is not None:
        placement = _follow(invitation, *known)
        if placement.kind in (Kind.MOVE, Kind.CANCEL):
            doubt = _not_their_side(invitation, *known, sender)
            if doubt:
                return Placement(Kind.SUSPICIOUS, doubt, *known)
        return placement
    if invitation.cancelled:
        return Placement(
            Kind.NOTHING_TO_CANCEL,
            f"no round in {search.path} follows this invitation (UID {invitation.uid or '?'})",
        )
    if into is not None:
        return Placement(Kind.NEXT_ROUND, into_why or f"you named '{into.id}'", into)
    domains = set(company_domains([g.email for g in people.interviewers]))
    if domains:
        # The latest interview at that company that is still open, else the latest one.
        matches = [i for i in search.interviews if interview_domains(i) & domains]
        open_ones = [i for i in matches if i.outcome is None]
        if open_ones or matches:
            interview = (open_ones or matches)[-1]
            shared = sorted(interview_domains(interview) & domains)[0]
            why = f"its people are at {shared}, as those of '{interview.id}' are"
            if invitation.start > interview.latest_round.start:
                return Placement(Kind.NEXT_ROUND, why, interview)
            # Rounds go in the order they happen: one before the latest is no next round.
            return Placement(Kind.NEW, f"{why}, but it starts before that interview's latest round")
    return Placement(Kind.NEW, "no interview in the file has its UID or its people's domain")


def _follow(invitation: Invitation, interview: Interview, rnd: Round) -> Placement:
    """A copy of the invitation a round follows: later ones (RFC 5546: a higher SEQUENCE,
    or the same one with a later DTSTAMP) move or cancel it, others change nothing."""
    where = f"round {rnd.number} of '{interview.id}' follows this invitation"
    order = copy_order(invitation.copy(), rnd.invitation_copy)
    said = f"SEQUENCE {invitation.sequence}; the file has {rnd.invitation_sequence}"
    if order < 0:
        return Placement(
            Kind.UNCHANGED, f"{where}, and this copy is older ({said})", interview, rnd
        )
    if invitation.cancelled:
        if rnd.cancelled:
            return Placement(Kind.UNCHANGED, f"{where}; it is cancelled already", interview, rnd)
        return Placement(Kind.CANCEL, f"{where}; the organizer cancelled it", interview, rnd)
    if order == 0:
        return Placement(
            Kind.UNCHANGED, f"{where}, and this copy is the one recorded ({said})", interview, rnd
        )
    return Placement(Kind.MOVE, f"{where}; this copy is newer ({said})", interview, rnd)


def _not_their_side(invitation: Invitation, interview: Interview, rnd: Round, sender: str) -> str:
    """Why a move or cancellation of ``rnd`` may not come from the company, or "": its
    ORGANIZER (and the mail's sender) must be the organizer of the invitation that made
    the round, or at the company's own domain."""
    domains = interview_domains(interview)
    allowed = " or ".join(
        ([rnd.invitation_organizer] if rnd.invitation_organizer else [])
        + ([f"an address at {', '.join(sorted(domains))}"] if domains else [])
    )

    def theirs(address: str) -> bool:
        return bool(address) and (
            address == rnd.invitation_organizer
            or registrable(address.rpartition("@")[2]) in domains
        )

    where = f"round {rnd.number} of '{interview.id}' follows this invitation's UID"
    organizer = invitation.organizer
    if not theirs(organizer):
        who = f"its organizer is {organizer}" if organizer else "it names no organizer"
        return f"{where}, but {who}, not {allowed or 'who organized the round'}; not recorded"
    if sender and sender != organizer and not theirs(sender):
        return f"{where}, but the mail is from {sender}, not {allowed}; not recorded"
    return ""

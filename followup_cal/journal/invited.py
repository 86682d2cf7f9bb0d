"""A round follows its invitation: a newer copy moves it, a cancellation cancels it.

The round is found by the invitation's UID in the file as it is when locked (see
``record.rewrite``), and a copy older than the one recorded changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from followup_cal.errors import NotFound
from followup_cal.journal.entries import invitation_node, keep_entry_rounds
from followup_cal.journal.record import find_interview, rewrite
from followup_cal.journal.yamledit import EditableYaml
from followup_cal.plan.model import Round, SearchFile, copy_order


@dataclass(frozen=True)
class NewTime:
    """Where the invitation now puts the round, as the file writes it."""

    start: str  # 'YYYY-MM-DD HH:MM'
    timezone: str  # "" for the user's zone
    duration: str  # minutes; "" when the invitation gives no end (the round keeps its own)


def round_of(search: SearchFile, interview_id: str, uid: str) -> Round:
    for interview in search.interviews:
        if interview.id == interview_id:
            for rnd in interview.rounds:
                if rnd.invitation_uid == uid:
                    return rnd
    raise NotFound(f"{search.path}: no round of '{interview_id}' follows the invitation {uid}")


def _round_node(doc: EditableYaml, interview_id: str, number: int) -> object:
    node = doc.interview(interview_id)
    if node is None:
        raise NotFound(f"{doc.path}: no interview '{interview_id}'")
    return node["rounds"][number - 1]


def record_round_moved(
    path: str, interview_id: str, uid: str, copy: tuple[int, str], when: NewTime
) -> SearchFile:
    """The round that follows ``uid`` at its new time, with the new copy's SEQUENCE and
    DTSTAMP; a round cancelled before and invited to again is held again."""

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        rnd = round_of(search, interview_id, uid)
        if copy_order(copy, rnd.invitation_copy) <= 0:
            return  # recorded meanwhile, or not later: nothing changes
        days = [r.start.date() for r in find_interview(search, interview_id).rounds]
        moved = [*days[: rnd.number - 1], date.fromisoformat(when.start[:10]), *days[rnd.number :]]
        keep_entry_rounds(doc.interview(interview_id), days, moved)  # type: ignore[arg-type]
        node = _round_node(doc, interview_id, rnd.number)
        doc.set_key(node, "start", when.start)  # type: ignore[arg-type]
        if when.timezone or "timezone" in node:  # type: ignore[operator]
            doc.set_key(node, "timezone", when.timezone or search.me.timezone.key)  # type: ignore[arg-type]
        if when.duration:
            doc.set_key(node, "duration", int(when.duration))  # type: ignore[arg-type]
        if rnd.cancelled:
            doc.set_key(node, "cancelled", False)  # type: ignore[arg-type]
        doc.set_key(node, "invitation", invitation_node(uid, *copy, rnd.invitation_organizer))  # type: ignore[arg-type]

    return rewrite(path, edit, interview_id)


def record_round_cancelled(
    path: str, interview_id: str, uid: str, copy: tuple[int, str]
) -> SearchFile:
    """The round that follows ``uid`` marked ``cancelled: true``: the planner plans
    nothing from it."""

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        rnd = round_of(search, interview_id, uid)
        if rnd.cancelled or copy_order(copy, rnd.invitation_copy) < 0:
            return
        node = _round_node(doc, interview_id, rnd.number)
        doc.set_key(node, "cancelled", True)  # type: ignore[arg-type]
        doc.set_key(node, "invitation", invitation_node(uid, *copy, rnd.invitation_organizer))  # type: ignore[arg-type]

    return rewrite(path, edit, interview_id)

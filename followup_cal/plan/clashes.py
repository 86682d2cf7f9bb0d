"""Two planned items with one UID: a calendar keeps only one of them, so the file is
refused, by every command and before any write-back (``journal.record.rewrite``). Pure."""

from __future__ import annotations

from followup_cal.errors import Problem
from followup_cal.plan.followups import PlannedFollowup
from followup_cal.plan.model import SearchFile


def uid_clashes(search: SearchFile, items: list[PlannedFollowup]) -> list[Problem]:
    """Two planned items with one UID: a calendar would keep only one of them, so every
    command refuses the file (one line per pair of people, at the second one)."""
    first: dict[str, PlannedFollowup] = {}
    problems: dict[tuple[int, int], Problem] = {}
    for item in items:
        seen = first.setdefault(item.uid, item)
        if seen is item:
            continue
        # Point at whichever of the two comes later in the file.
        one, two = sorted(
            (seen.recipient or seen.interview.contact, item.recipient or item.interview.contact),
            key=lambda person: (person.pos.line, person.pos.column),
        )
        who, other = two, one.name
        pos = who.pos if who.pos.line else item.interview.pos
        problems.setdefault(
            (pos.line, pos.column),
            Problem(
                search.path,
                pos.line,
                pos.column,
                f"'{who.name}' and '{other}' get one calendar UID ({item.uid}), so a "
                "calendar would keep only one of their events; expected names that differ "
                "in more than case, accents or punctuation",
            ),
        )
    return list(problems.values())

"""The new entries add and add-round write: a person, a round, an interview, as nodes of
the round-trip YAML (keys in the order a person writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from followup_cal.errors import NotFound
from followup_cal.plan.model import Interview


def plain_scalar(value: str) -> str:
    """``value`` as one YAML scalar for a line written as text (quoted where a reader
    would take it for something else: a date, a number, ``yes``), on one line."""
    dumped: str = yaml.safe_dump(value, width=1 << 16, allow_unicode=True)
    return dumped.removesuffix("\n").removesuffix("\n...")


@dataclass(frozen=True)
class NewPerson:
    name: str
    email: str = ""
    title: str = ""
    talked_about: str = ""

    def node(self) -> CommentedMap:
        person = CommentedMap()
        for key in ("name", "title", "email", "talked_about"):
            if getattr(self, key):
                person[key] = getattr(self, key)
        return person


@dataclass(frozen=True)
class NewRound:
    start: str  # 'YYYY-MM-DD HH:MM', as the user writes it in the file
    interviewers: tuple[NewPerson, ...]
    timezone: str = ""
    duration: str = ""
    notes: str = ""  # from an invitation: its video link or place
    # its UID, SEQUENCE, DTSTAMP and organizer's address
    invitation: tuple[str, int, str, str] | None = None

    @property
    def day(self) -> date | None:
        """The day it starts on, as the loader reads it; None when that is no date."""
        try:
            return date.fromisoformat(self.start[:10])
        except ValueError:
            return None

    def node(self) -> CommentedMap:
        rnd = CommentedMap()
        rnd["start"] = self.start
        if self.timezone:
            rnd["timezone"] = self.timezone
        if self.duration:
            # Minutes as a number; a number of thousands of digits stays text, for the
            # check of the new entry to refuse (int() of it raised ValueError: exit 70).
            short = self.duration.isdigit() and len(self.duration) <= 9
            rnd["duration"] = int(self.duration) if short else self.duration
        rnd["interviewers"] = CommentedSeq(p.node() for p in self.interviewers)
        if self.notes:
            rnd["notes"] = self.notes
        if self.invitation:
            rnd["invitation"] = invitation_node(*self.invitation)
        return rnd


def invitation_node(uid: str, sequence: int, stamp: str = "", organizer: str = "") -> CommentedMap:
    node = CommentedMap()
    node["uid"] = uid
    node["sequence"] = sequence
    if stamp:
        node["stamp"] = stamp
    if organizer:
        node["organizer"] = organizer
    node.fa.set_flow_style()
    return node


@dataclass(frozen=True)
class NewInterview:
    company: str
    role: str
    round: NewRound
    id: str = ""
    pitch: str = ""
    contact: str | NewPerson = ""  # a name met in the round, or someone written out
    decision_expected: str = ""
    channel: str = ""
    no_follow_up: bool = False


def _person_name(interview: Interview, name: str) -> str | None:
    """The name of the one person of the interview ``name`` means (the whole name, or a
    part of only one), or None."""
    people = [p.name for p in (*interview.people(), *interview.network)]
    for person in people:
        if person.casefold() == name.casefold():
            return person
    matches = sorted({p for p in people if name.casefold() in p.casefold()})
    return matches[0] if len(matches) == 1 else None


def person_value(interview: Interview, who: NewPerson) -> str | CommentedMap:
    """How the file names ``who``: by name when met (or already named), written out
    with name and email when not. A bare name no one has is refused, since a typo of a
    name met would otherwise become a stranger."""
    known = _person_name(interview, who.name)
    if known is not None and not who.title:
        return known
    if known is None and not who.email:
        people = [p.name for p in (*interview.people(), *interview.network)]
        raise NotFound(
            f"no one called '{who.name}' in '{interview.id}'; expected one of: "
            f"{', '.join(dict.fromkeys(people))}, or someone you did not meet as "
            f"'Name <email>'"
        )
    node = who.node()
    node["name"] = known or who.name
    node.fa.set_flow_style()
    return node


def keep_entry_rounds(node: CommentedMap, before: Sequence[date], after: Sequence[date]) -> None:
    """A done:, moved: or skipped: line of a debrief, thank-you or inquiry written without
    round: belongs to the round held by its date. When the rounds' days change from
    ``before`` to ``after`` (a round added or moved), each such line that would then
    belong to another round gets the round it has now: a new round never takes over a
    thank-you recorded for the one before it."""
    from followup_cal.loader.interview import STEP_NUMBER_RE
    from followup_cal.loader.reader import ROUND_STEP_RE

    def held_by(days: Sequence[date], on: date) -> int:
        return max((n for n, day in enumerate(days, 1) if day <= on), default=1)

    for kind in ("done", "moved", "skipped"):
        entries = node.get(kind)
        if not isinstance(entries, CommentedSeq):
            continue
        for entry in entries:
            if not isinstance(entry, CommentedMap) or "round" in entry:
                continue
            step = STEP_NUMBER_RE.sub(r"-\1", str(entry.get("step", "")).replace("-", "_"))
            try:
                on = date.fromisoformat(str(entry.get("date", ""))[:10])
            except ValueError:
                continue
            if ROUND_STEP_RE.fullmatch(step) and held_by(before, on) != held_by(after, on):
                keys = list(entry)
                entry.insert(keys.index("step") + 1 if "step" in keys else 0, "round",
                             held_by(before, on))  # fmt: skip

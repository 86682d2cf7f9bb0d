"""The people met and the rounds: each interviewer once, then named by later rounds."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import yaml

from followup_cal.loader.profile import _read_greeting
from followup_cal.loader.reader import (
    INVITATION_KEYS,
    PERSON_KEYS,
    ROUND_KEYS,
    STAMP_RE,
    _Collect,
    _did_you_mean,
    _pos,
    _Reader,
)
from followup_cal.plan.model import (
    Person,
    Round,
)


def _read_person(r: _Reader, node: yaml.Node, what: str) -> Person:
    entries = r.mapping(node, PERSON_KEYS, what)
    name = r.required_text(r.required(entries, "name", node, what), "name", "the person's name")
    return Person(
        name=name,
        email=r.field(entries, "email", r.email, ""),
        phone=r.field(entries, "phone", r.text, ""),
        title=r.field(entries, "title", r.text, ""),
        talked_about=r.field(entries, "talked_about", r.text, ""),
        away_until=r.field(entries, "away_until", r.date, None),
        call_me=r.field(entries, "call_me", r.text, ""),
        greeting=_read_greeting(r, entries, None),
        pos=_pos(node),
        field_pos={key: _pos(entry.value) for key, entry in entries.items()},
    )


def _merge(first: Person, later: Person) -> Person:
    """One person met twice: keep every detail given, the later entry winning."""
    values = {
        name: getattr(later, name) or getattr(first, name)
        for name in ("email", "phone", "title", "talked_about", "away_until", "call_me", "greeting")
    }
    return replace(first, **values)


def _read_round(r: _Reader, node: yaml.Node, number: int, default_zone: ZoneInfo) -> Round:
    what = f"round {number}"
    entries = r.mapping(node, ROUND_KEYS, what)
    c = _Collect()
    zone = r.field(entries, "timezone", r.zone, default_zone)
    start = c(lambda: r.datetime_in(r.required(entries, "start", node, what), "start", zone))
    duration = r.field(entries, "duration", r.duration, timedelta(hours=1))
    people_node = c(lambda: r.required(entries, "interviewers", node, what))
    interviewers = []
    if people_node is not None:
        items = c(lambda: r.sequence(people_node, "interviewers"), [])
        for item in items:
            person = c(lambda item=item: _read_person(r, item, "interviewer"))
            if person is not None:
                interviewers.append(person)
        if isinstance(people_node, yaml.SequenceNode) and not items:
            r.problem(people_node, "interviewers is empty; expected everyone you met")
            c.failed = True
    uid, sequence, stamp, organizer = r.field(
        entries, "invitation", lambda n, w: _read_invitation(r, n), ("", 0, "", "")
    )
    cancelled = r.field(entries, "cancelled", r.boolean, False)
    c.check()
    return Round(
        number, start, duration, tuple(interviewers), _pos(node), uid, sequence, cancelled, stamp,
        organizer,
    )  # fmt: skip


def _read_invitation(r: _Reader, node: yaml.Node) -> tuple[str, int, str, str]:
    """``invitation: {uid: ..., sequence: N, stamp: ..., organizer: ...}``: which calendar
    invitation the round follows, which copy of it was recorded (its SEQUENCE and
    DTSTAMP), and who organized it (who may move or cancel the round)."""
    entries = r.mapping(node, INVITATION_KEYS, "invitation")
    uid = r.required_text(r.required(entries, "uid", node, "invitation"), "uid", "the UID")
    sequence = r.field(entries, "sequence", lambda n, w: r.integer(n, w, 0, 10**9), 0)
    stamp = r.field(entries, "stamp", r.text, "")
    if stamp and not STAMP_RE.fullmatch(stamp):
        r.problem(
            entries["stamp"].value, f"stamp '{stamp}' is not a UTC time like 20261201T141503Z"
        )
        stamp = ""
    organizer = r.field(entries, "organizer", r.text, "").strip().lower()
    return uid, sequence, stamp, organizer


def _resolve_person(r: _Reader, node: yaml.Node, what: str, people: dict[str, Person]) -> Person:
    """A person given by the name of someone met, or written out in full."""
    if isinstance(node, yaml.MappingNode):
        person = _read_person(r, node, what)
        return _merge(people[person.name], person) if person.name in people else person
    name = r.required_text(node, what, "a name")
    if name in people:
        return people[name]
    hint = _did_you_mean(name, people)
    if hint:
        raise r.invalid(node, f"{what} '{name}' is not someone you met{hint}")
    raise r.invalid(
        node,
        f"{what} '{name}' is not someone you met; expected one of {', '.join(people)}, "
        "or a mapping with name: and email:",
    )

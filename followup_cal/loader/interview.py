"""An interview and the facts the user records on it: heard_back, outcome, and the
steps done, moved or skipped."""

from __future__ import annotations

import contextlib
import operator
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import yaml

from followup_cal.loader.profile import _read_policy
from followup_cal.loader.reader import (
    DATE_RE,
    DONE_KEYS,
    HEARD_BACK_KEYS,
    ID_RE,
    INTERVIEW_KEYS,
    MAX_RELATIVE_DAYS,
    OUTCOME_KEYS,
    RELATIVE_RE,
    ROUND_STEP_RE,
    STEP_KEY_HINT,
    STEP_KEY_RE,
    _Collect,
    _Entry,
    _Invalid,
    _pos,
    _Reader,
)
from followup_cal.loader.rounds import _merge, _read_round, _resolve_person
from followup_cal.plan.model import (
    Channel,
    Done,
    Interview,
    Moved,
    Outcome,
    Person,
    Profile,
    Result,
    Round,
    Skipped,
    StepFact,
)
from followup_cal.plan.policy import Policy

# 'follow_up_2' as written by hand -> 'follow_up-2', the key the plan uses.
STEP_NUMBER_RE = re.compile(r"_(\d+)$")


def _read_decision(
    r: _Reader, node: yaml.Node, what: str, after: datetime, me: Profile | None
) -> date:
    raw = r.scalar(node, what)
    match = RELATIVE_RE.fullmatch(raw)
    if not match:
        if not DATE_RE.fullmatch(raw):
            raise r.invalid(
                node, f"{what} '{raw}' is not a date; expected YYYY-MM-DD or 'in 2 weeks'"
            )
        return r.date(node, what)
    count, unit = int(match[1]), match[2]
    span = count * 7 if unit.startswith("week") else count * 7 // 5 if unit[0] == "b" else count
    if span > MAX_RELATIVE_DAYS:
        raise r.invalid(node, f"{what} '{raw}' is more than ten years away; expected a date")
    return r.in_range(node, what, raw, _relative_day(after.date(), count, unit, me))


def _relative_day(start: date, count: int, unit: str, me: Profile | None) -> date:
    if unit.startswith("week"):
        return start + timedelta(weeks=count)
    if unit.startswith("business"):
        # Business days as everywhere else (policy rule 8): the user's work week and
        # public holidays, so "5 business days" before Thanksgiving is not the Thursday.
        from followup_cal.loader.business_calendar import calendar_for
        from followup_cal.plan.workdays import WorkCalendar

        cal = calendar_for(me) if me else WorkCalendar()
        return cal.add_business_days(start, count)
    return start + timedelta(days=count)


def _read_heard_back(
    r: _Reader, node: yaml.Node, me: Profile | None, people: dict[str, Person]
) -> tuple[date, date | None, Person | None]:
    """``heard_back: DATE``, or ``{date: DATE, decision_expected: DATE, by: PERSON}`` when
    the reply brought a new decision date (only then is the inquiry chain planned again)
    or came from someone else than the contact (the notes after it go to them)."""
    if not isinstance(node, yaml.MappingNode):
        return r.date(node, "heard_back"), None, None
    entries = r.mapping(node, HEARD_BACK_KEYS, "heard_back")
    on = r.date(r.required(entries, "date", node, "heard_back"), "date")
    by = _resolve_person(r, entries["by"].value, "by", people) if "by" in entries else None
    if "decision_expected" not in entries:
        return on, None, by
    value = entries["decision_expected"].value
    zone = me.timezone if me else ZoneInfo("UTC")
    decision = _read_decision(r, value, "decision_expected", datetime.combine(on, time(), zone), me)
    if decision < on:
        raise r.invalid(
            value, f"decision_expected {decision} is before the reply ({on}); expected a later date"
        )
    return on, decision, by


def _read_id(r: _Reader, entries: dict[str, _Entry], node: yaml.Node) -> str:
    id_node = r.required(entries, "id", node, "interview")
    ident = r.required_text(id_node, "id", "a short name such as acme-backend")
    if not ID_RE.fullmatch(ident):
        raise r.invalid(
            id_node,
            f"id '{ident}' has characters other than a-z, 0-9, - and _; expected e.g. acme-backend",
        )
    return ident


def _read_outcome(
    r: _Reader, node: yaml.Node, people: dict[str, Person], first_day: date
) -> Outcome:
    if isinstance(node, yaml.ScalarNode):
        result = r.choice(node, "outcome", [x.value for x in Result])
        raise r.invalid(
            node,
            f"outcome '{result}' has no date; expected a mapping such as "
            f"{{result: {result}, date: YYYY-MM-DD}}",
        )
    entries = r.mapping(node, OUTCOME_KEYS, "outcome")
    result = Result(r.choice(r.required(entries, "result", node, "outcome"), "result", Result))
    if "date" not in entries:
        raise r.invalid(node, f"outcome '{result.value}' has no date; expected date: YYYY-MM-DD")
    on = r.date(entries["date"].value, "date")
    if on < first_day:
        raise r.invalid(
            entries["date"].value,
            f"outcome date {on} is before the first interview ({first_day}); expected a later date",
        )
    by = None
    if "by" in entries:
        by = _resolve_person(r, entries["by"].value, "by", people)
    return Outcome(result, on, by)


# The lists of step facts an interview may hold, and what each entry becomes.
STEP_FACTS: dict[str, type[StepFact]] = {"done": Done, "moved": Moved, "skipped": Skipped}


def _read_step_fact(
    r: _Reader,
    node: yaml.Node,
    people: dict[str, Person],
    rounds: list[Round],
    first_day: date,
    kind: str = "done",
    zone: ZoneInfo | None = None,
) -> StepFact:
    what = f"{kind} entry"
    entries = r.mapping(node, DONE_KEYS, what)
    c = _Collect()
    step_node = c(lambda: r.required(entries, "step", node, what))
    step = ""
    if step_node is not None:
        raw = c(lambda: r.scalar(step_node, "step"), "")
        step = STEP_NUMBER_RE.sub(r"-\1", raw.replace("-", "_"))
        if raw and not STEP_KEY_RE.fullmatch(step):
            r.problem(step_node, f"step '{raw}' is not a follow-up step; expected {STEP_KEY_HINT}")
            c.failed = True
    date_node = c(lambda: r.required(entries, "date", node, what))
    on, at = None, None
    if kind == "moved" and zone and date_node is not None and " " in str(date_node.value):
        # A moved step may keep the hour the user gave it, in their zone.
        when = c(lambda: r.datetime_in(date_node, "date", zone))
        on, at = (when.date(), when.time()) if when else (None, None)
    elif date_node is not None:
        on = c(lambda: r.date(date_node, "date"))
    if on is not None and on < first_day and kind != "moved":  # a move may go anywhere
        r.problem(
            entries["date"].value,
            f"{kind} date {on} is before the first interview ({first_day}); expected a later date",
        )
        c.failed = True
    to = ""
    if "to" in entries:
        to = c(lambda: _resolve_person(r, entries["to"].value, "to", people).name, "")
    number = None
    if "round" in entries:
        number = c(lambda: r.integer(entries["round"].value, "round", 1, len(rounds)))
    c.check()
    if number is None and ROUND_STEP_RE.fullmatch(step):
        # Written without a round (or by an older version): it belongs to the round
        # held by then, so a follow-up sent between rounds is not the next round's.
        number = max((rnd.number for rnd in rounds if rnd.start.date() <= on), default=1)
    return STEP_FACTS[kind](step=step, on=on, to=to, round=number, at=at, pos=_pos(node))


def _read_interview(
    r: _Reader, node: yaml.Node, me: Profile | None, base: Policy, lines: tuple[int, int]
) -> Interview:
    entries = r.mapping(node, INTERVIEW_KEYS, "interview")
    c = _Collect()
    ident = c(lambda: _read_id(r, entries, node))
    company = c(
        lambda: r.required_text(
            r.required(entries, "company", node, "interview"), "company", "the company's name"
        )
    )
    role = c(
        lambda: r.required_text(r.required(entries, "role", node, "interview"), "role", "the role")
    )
    policy = base
    if "policy" in entries:
        policy = _read_policy(r, entries["policy"].value, base, explicit=True)
    channel = r.field(entries, "channel", lambda n, w: r.choice(n, w, Channel), "email")
    no_follow_up = r.field(entries, "no_follow_up", r.boolean, False)
    after_holidays: bool | None = r.field(entries, "decision_after_holidays", r.boolean, None)
    pitch = r.field(entries, "pitch", r.text, "")

    zone = me.timezone if me else ZoneInfo("UTC")
    rounds: list[Round] = []
    rounds_node = c(lambda: r.required(entries, "rounds", node, "interview"))
    items = [] if rounds_node is None else c(lambda: r.sequence(rounds_node, "rounds"), [])
    if isinstance(rounds_node, yaml.SequenceNode) and not items:
        r.problem(rounds_node, "rounds is empty; expected at least one interview round")
        c.failed = True
    for number, item in enumerate(items, start=1):
        rnd = c(lambda item=item, number=number: _read_round(r, item, number, zone))
        if rnd is None:
            continue
        # A cancelled round keeps its place (done: entries name rounds by number); the
        # one that replaces it may come earlier.
        held = [x for x in rounds if not x.cancelled]
        if held and not rnd.cancelled and rnd.start <= held[-1].start:
            r.problem(
                item,
                f"round {number} starts before round {held[-1].number}; expected rounds "
                "in the order they happened",
            )
        rounds.append(rnd)
    c.check()

    people: dict[str, Person] = {}
    for rnd in rounds:
        for person in rnd.interviewers:
            people[person.name] = (
                _merge(people[person.name], person) if (person.name in people) else person
            )
    contact = rounds[0].interviewers[0]
    contact = people[contact.name]
    if "contact" in entries:
        contact = _resolve_person(r, entries["contact"].value, "contact", people)
    people.setdefault(contact.name, contact)

    network: tuple[Person, ...] = (contact,)
    if "network" in entries:
        network = tuple(
            _resolve_person(r, item, "network", people)
            for item in r.sequence(entries["network"].value, "network")
        )
    for person in network:
        people.setdefault(person.name, person)
    # One person met in several rounds: each round's entry carries every detail given
    # anywhere (round 1's address for round 2's thank-you), and its own talked_about.
    whole = {**people, **{p.name: p for p in network}, contact.name: contact}

    def as_met(p: Person) -> Person:
        known = whole[p.name]
        if known is p:  # met once, named nowhere else: nothing to add (most people)
            return p
        return replace(known, talked_about=p.talked_about, pos=p.pos, field_pos=p.field_pos)

    def with_all_details(rnd: Round) -> Round:
        met = tuple(map(as_met, rnd.interviewers))
        same = all(map(operator.is_, met, rnd.interviewers))
        return rnd if same else replace(rnd, interviewers=met)

    rounds = list(map(with_all_details, rounds))

    # A relative decision counts from the latest round that takes place.
    latest = ([x for x in rounds if not x.cancelled] or rounds)[-1].start
    first_day = rounds[0].start.date()
    decision, decision_said = None, ""
    if "decision_expected" in entries:
        decision = _read_decision(
            r, entries["decision_expected"].value, "decision_expected", latest, me
        )
        said = str(entries["decision_expected"].value.value).strip()
        decision_said = said if RELATIVE_RE.fullmatch(said) else ""
        if decision < first_day:
            r.problem(
                entries["decision_expected"].value,
                f"decision_expected {decision} is before the first interview ({first_day}); "
                "expected a later date",
            )
    heard_back, new_decision, answered_by = None, None, None
    if "heard_back" in entries:
        with contextlib.suppress(_Invalid):
            heard_back, new_decision, answered_by = _read_heard_back(
                r, entries["heard_back"].value, me, people
            )
    if heard_back and heard_back < first_day:
        r.problem(
            entries["heard_back"].value,
            f"heard_back {heard_back} is before the first interview ({first_day}); "
            "expected a later date",
        )
    outcome = None
    if "outcome" in entries:
        try:
            outcome = _read_outcome(r, entries["outcome"].value, people, first_day)
        except _Invalid:
            outcome = None
    facts: dict[str, list] = {kind: [] for kind in STEP_FACTS}
    for kind, found in facts.items():
        if kind in entries:
            with contextlib.suppress(_Invalid):
                for item in r.sequence(entries[kind].value, kind):
                    with contextlib.suppress(_Invalid):
                        found.append(
                            _read_step_fact(r, item, people, rounds, first_day, kind, zone)
                        )

    return Interview(
        id=ident,
        company=company,
        role=role,
        rounds=tuple(rounds),
        contact=contact,
        policy=policy,
        pitch=pitch,
        network=network,
        decision_expected=decision,
        decision_said=decision_said,
        decision_after_holidays=after_holidays,
        no_follow_up=no_follow_up,
        channel=Channel(channel),
        heard_back=heard_back,
        new_decision=new_decision,
        answered_by=answered_by,
        outcome=outcome,
        done=tuple(facts["done"]),
        moved=tuple(facts["moved"]),
        skipped=tuple(facts["skipped"]),
        pos=_pos(node),
        field_pos={key: _pos(entry.value) for key, entry in entries.items()},
        lines=lines,
    )

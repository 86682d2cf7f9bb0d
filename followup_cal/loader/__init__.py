"""Read the interviews YAML into a checked :class:`SearchFile`, or report every problem.

PyYAML composes the file into nodes that remember their line and column; we walk those
nodes ourselves instead of letting PyYAML build Python objects, so that every problem
(unknown key, duplicate key, impossible date, ...) is reported as ``FILE:LINE:COL:`` and
all of them are found in one run. YAML's own typing is not trusted: ``2026-11-02`` and
``2026-11-02 14:00`` are parsed from their text, strictly, by python-dateutil.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.parser import isoparse

from followup_cal.bounds import FIRST_YEAR, LAST_YEAR
from followup_cal.errors import FileAccessError, InvalidInput, Problem
from followup_cal.model import (
    WEEKDAYS,
    CalDAVSettings,
    Channel,
    Done,
    Greeting,
    ImapSettings,
    Interview,
    Moved,
    Outcome,
    Person,
    Pos,
    Profile,
    Result,
    Round,
    SearchFile,
    Skipped,
    StepFact,
)
from followup_cal.policy import DEFAULT_POLICY, SETTINGS, Policy, Setting

if TYPE_CHECKING:
    from followup_cal.yamlchunks import Chunks

T = TypeVar("T")

TOP_KEYS = ("me", "policy", "interviews", "templates", "calendar_name", "caldav", "imap", "sync_id")
SYNC_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
CALDAV_KEYS = ("url", "user", "calendar")
IMAP_KEYS = ("url", "user", "folder")
ME_KEYS = (
    "name",
    "email",
    "phone",
    "signature",
    "greeting",
    "timezone",
    "country",
    "subdivision",
    "work_week",
)
INTERVIEW_KEYS = (
    "id",
    "company",
    "role",
    "pitch",
    "rounds",
    "contact",
    "network",
    "decision_expected",
    "decision_after_holidays",
    "no_follow_up",
    "channel",
    "heard_back",
    "outcome",
    "done",
    "moved",
    "skipped",
    "policy",
    "notes",
)
ROUND_KEYS = ("start", "timezone", "duration", "interviewers", "notes")
PERSON_KEYS = (
    "name",
    "call_me",
    "greeting",
    "email",
    "phone",
    "title",
    "talked_about",
    "away_until",
)
OUTCOME_KEYS = ("result", "date", "by")
HEARD_BACK_KEYS = ("date", "decision_expected")
DONE_KEYS = ("step", "to", "round", "date")
# The step keys `plan` prints and `done:` records: numbered for inquiries and check-ins.
STEP_KEY_RE = re.compile(
    r"debrief|thank_you|rejection_reply|holiday_note|follow_up-[1-3]|check_in-\d{1,2}"
)
# Steps that belong to one round: its debrief and thank-yous, and the inquiry chain after it.
ROUND_STEP_RE = re.compile(r"debrief|thank_you|follow_up-[1-3]")
STEP_KEY_HINT = "debrief, thank_you, follow_up-N, check_in-N, rejection_reply or holiday_note"

log = logging.getLogger(__name__)

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
DURATION_RE = re.compile(r"(?:(\d{1,9})\s*h)?\s*(?:(\d{1,9})\s*(?:m|min|minutes?))?")
RELATIVE_RE = re.compile(r"(?:in\s+)?(\d{1,9})\s+(business days?|days?|weeks?)")
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
# The shape of an IANA zone name, checked before the zone database is asked at all (a
# name of 3,000 path segments sent it into a RecursionError).
ZONE_NAME_RE = re.compile(r"[A-Za-z0-9_+-]{1,30}(?:/[A-Za-z0-9_+-]{1,30}){0,3}")
# Control characters, and the line breaks a one-line field must not carry (calendar
# properties, mail headers and the agenda are one line each).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK_RE = re.compile(r"[\n\r\u2028\u2029]")
# Whole numbers in the file are small; int() of thousands of digits would raise.
SMALL_INT_RE = re.compile(r"-?\d{1,9}")
MAX_RELATIVE_DAYS = 3660
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# We read every scalar from its text, so YAML's implicit typing is skipped (BaseLoader);
# libyaml's composer keeps line and column marks too, and is several times faster.
_YAML_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


class _Invalid(Exception):
    """A value could not be read; the problem is already recorded."""


# The line the node tree being read starts on: 0 for a whole file, an interview's first
# line when a large file is read one interview at a time (yamlchunks).
_FIRST_LINE: ContextVar[int] = ContextVar("first_line", default=0)


def _pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1 + _FIRST_LINE.get(), node.start_mark.column + 1)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'"


@dataclass
class _Entry:
    key: yaml.Node
    value: yaml.Node


class _Reader:
    """Walks the node tree, converting values and collecting problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        # (parent node id, key) pairs already reported as a misspelling of that key, so
        # "unknown key 'compnay'; did you mean 'company'?" is not followed by "no company".
        self.misspelt: set[tuple[int, str]] = set()
        self.kept: list[yaml.Node] = []

    # -- reporting -------------------------------------------------------------------

    def problem(self, node: yaml.Node | Pos, message: str) -> None:
        pos = node if isinstance(node, Pos) else _pos(node)
        self.problems.append(Problem(self.path, pos.line, pos.column, message))

    def invalid(self, node: yaml.Node | Pos, message: str) -> _Invalid:
        self.problem(node, message)
        return _Invalid()

    # -- structure -------------------------------------------------------------------

    def mapping(self, node: yaml.Node, allowed: Iterable[str], what: str) -> dict[str, _Entry]:
        if not isinstance(node, yaml.MappingNode):
            raise self.invalid(node, f"{what} is {_kind(node)}; expected a mapping of keys")
        allowed = tuple(allowed)
        entries: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"a key in {what} is {_kind(key_node)}; expected a name")
                continue
            key = key_node.value
            if key in entries:
                first = _pos(entries[key].key).line
                self.problem(key_node, f"duplicate key '{key}'; first given at line {first}")
                continue
            if key not in allowed:
                self.problem(key_node, _unknown_key_message(key, allowed, what))
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                if close:
                    self.misspelt.add((id(node), close[0]))
                    self.kept.append(node)  # its id stays its own while nodes come and go
                continue
            entries[key] = _Entry(key_node, value_node)
        return entries

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        raise self.invalid(node, f"{what} is {_kind(node)}; expected a list")

    def required(self, entries: dict[str, _Entry], key: str, parent: yaml.Node, what: str) -> Any:
        if key not in entries:
            if (id(parent), key) in self.misspelt:
                raise _Invalid()
            raise self.invalid(parent, f"{what} has no '{key}'; expected '{key}:'")
        return entries[key].value

    def field(
        self,
        entries: dict[str, _Entry],
        key: str,
        convert: Callable[[yaml.Node, str], T],
        default: T,
    ) -> T:
        """Convert one optional field; on a bad value record it and fall back to default."""
        entry = entries.get(key)
        if entry is None:
            return default
        try:
            return convert(entry.value, key)
        except _Invalid:
            return default

    # -- scalars ---------------------------------------------------------------------

    def scalar(self, node: yaml.Node, what: str, *, multiline: bool = False) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.invalid(node, f"{what} is {_kind(node)}; expected a single value")
        if node.style is None and node.value in _NULLS:
            return ""
        value = str(node.value).strip()
        if (control := CONTROL_RE.search(value)) is not None:
            raise self.invalid(
                node, f"{what} has the control character U+{ord(control[0]):04X}; expected text"
            )
        if not multiline and LINE_BREAK_RE.search(value):
            raise self.invalid(node, f"{what} has a line break; expected one line")
        return value

    def text(self, node: yaml.Node, what: str) -> str:
        return self.scalar(node, what)

    def lines(self, node: yaml.Node, what: str) -> str:
        return self.scalar(node, what, multiline=True)

    def required_text(self, node: yaml.Node, what: str, expected: str) -> str:
        value = self.scalar(node, what)
        if not value:
            raise self.invalid(node, f"{what} is empty; expected {expected}")
        return value

    def email(self, node: yaml.Node, what: str) -> str:
        value = self.scalar(node, what)
        if value and not EMAIL_RE.fullmatch(value):
            raise self.invalid(node, f"{what} '{value}' is not an e-mail address; expected a@b.c")
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node, what).lower()
        if value not in ("true", "false"):
            raise self.invalid(node, f"{what} is '{value}'; expected true or false")
        return value == "true"

    def integer(self, node: yaml.Node, what: str, low: int, high: int, why: str = "") -> int:
        raw = self.scalar(node, what)
        if not SMALL_INT_RE.fullmatch(raw):
            raise self.invalid(node, f"{what} is '{_short(raw)}'; expected a whole number")
        value = int(raw)
        if not low <= value <= high:
            note = f" ({why})" if why else ""
            raise self.invalid(node, f"{what} is {value}; expected {low} to {high}{note}")
        return value

    def date(self, node: yaml.Node, what: str) -> date:
        raw = self.scalar(node, what)
        if not DATE_RE.fullmatch(raw):
            raise self.invalid(node, f"{what} '{raw}' is not a date; expected YYYY-MM-DD")
        try:
            day = isoparse(raw).date()
        except ValueError as exc:
            raise self.invalid(
                node, f"{what} '{raw}' is impossible ({exc}); expected a real date"
            ) from None
        return self.in_range(node, what, raw, day)

    def in_range(self, node: yaml.Node, what: str, raw: str, day: date) -> date:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise self.invalid(
                node, f"{what} '{raw}' is out of range; expected a year {FIRST_YEAR} to {LAST_YEAR}"
            )
        return day

    def datetime_in(self, node: yaml.Node, what: str, zone: ZoneInfo) -> datetime:
        raw = self.scalar(node, what)
        if not DATETIME_RE.fullmatch(raw):
            raise self.invalid(
                node, f"{what} '{raw}' is not a date and time; expected YYYY-MM-DD HH:MM"
            )
        try:
            naive = isoparse(raw)
        except ValueError as exc:
            raise self.invalid(
                node, f"{what} '{raw}' is impossible ({exc}); expected a real time"
            ) from None
        self.in_range(node, what, raw, naive.date())
        local = naive.replace(tzinfo=zone)
        back = local.astimezone(ZoneInfo("UTC")).astimezone(zone)
        if back.replace(tzinfo=None) != naive:
            raise self.invalid(
                node, f"{what} '{raw}' does not exist in {zone.key} (the clocks skip it)"
            )
        if local.utcoffset() != local.replace(fold=1).utcoffset():
            raise self.invalid(
                node,
                f"{what} '{raw}' happens twice in {zone.key} (the clocks go back); "
                "expected an unambiguous time",
            )
        return local

    def clock(self, node: yaml.Node, what: str) -> time:
        raw = self.scalar(node, what)
        match = TIME_RE.fullmatch(raw)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise self.invalid(node, f"{what} is '{raw}'; expected a time of day as HH:MM")
        return time(int(match[1]), int(match[2]))

    def zone(self, node: yaml.Node, what: str) -> ZoneInfo:
        raw = self.scalar(node, what)
        if not ZONE_NAME_RE.fullmatch(raw):
            raise self.invalid(
                node, f"unknown {what} '{_short(raw)}'; expected an IANA name such as Europe/Berlin"
            )
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise self.invalid(node, _unknown_zone_message(raw, what)) from None

    def duration(self, node: yaml.Node, what: str) -> timedelta:
        raw = self.scalar(node, what)
        if SMALL_INT_RE.fullmatch(raw) and not raw.startswith("-"):
            minutes = int(raw)
        else:
            match = DURATION_RE.fullmatch(raw)
            if not raw or not match or not (match[1] or match[2]):
                raise self.invalid(
                    node, f"{what} is '{_short(raw)}'; expected minutes (45) or hours (1h, 1h30m)"
                )
            minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
        if not 1 <= minutes <= 24 * 60:
            raise self.invalid(node, f"{what} is {minutes} minutes; expected 1 to 1440")
        return timedelta(minutes=minutes)

    def choice(self, node: yaml.Node, what: str, options: Iterable[str]) -> str:
        raw = self.scalar(node, what)
        options = tuple(options)
        if raw not in options:
            raise self.invalid(
                node,
                f"{what} is '{raw}'; expected one of {', '.join(options)}"
                + _did_you_mean(raw, options),
            )
        return raw


class _Collect:
    """Read several fields, recording every failure instead of stopping at the first."""

    def __init__(self) -> None:
        self.failed = False

    def __call__(self, read: Callable[[], T], default: Any = None) -> T:
        try:
            return read()
        except _Invalid:
            self.failed = True
            return default

    def check(self) -> None:
        if self.failed:
            raise _Invalid()


def _short(text: str) -> str:
    """A value as quoted in a message: a runaway one is cut (it is at LINE:COL anyway)."""
    return text if len(text) <= 40 else text[:40] + "…"


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# Words people reach for that spelling distance does not catch.
KEY_ALIASES = {"on": "date", "when": "date", "tz": "timezone", "zone": "timezone"}


def _unknown_key_message(key: str, allowed: tuple[str, ...], what: str) -> str:
    alias = KEY_ALIASES.get(key)
    hint = f"; did you mean '{alias}'?" if alias in allowed else _did_you_mean(key, allowed)
    if hint:
        return f"unknown key '{key}' in {what}{hint}"
    return f"unknown key '{key}' in {what}; expected one of {', '.join(allowed)}"


def _unknown_zone_message(raw: str, what: str) -> str:
    import zoneinfo  # the full list is only needed on this error path

    names = zoneinfo.available_timezones()
    lowered = {name.lower(): name for name in names}
    if raw.lower() in lowered:
        return f"unknown {what} '{raw}'; did you mean '{lowered[raw.lower()]}'?"
    hint = _did_you_mean(raw, names)
    return f"unknown {what} '{raw}'" + (hint or "; expected an IANA name such as Europe/Berlin")


# -- sections ------------------------------------------------------------------------------


def _read_policy(r: _Reader, node: yaml.Node, base: Policy, *, explicit: bool) -> Policy:
    try:
        entries = r.mapping(node, SETTINGS, "policy")
    except _Invalid:
        return base
    overrides: dict[str, Any] = {}
    for key, entry in entries.items():
        setting = SETTINGS[key]
        try:
            if setting.kind == "int":
                overrides[key] = r.integer(
                    entry.value, key, setting.minimum, setting.maximum, setting.why
                )
            elif setting.kind == "time":
                overrides[key] = r.clock(entry.value, key)
            else:
                overrides[key] = _read_days(r, entry.value, setting)
        except _Invalid:
            continue
    policy = base.with_overrides(overrides, explicit=explicit)
    if policy.work_day_start >= policy.work_day_end:
        r.problem(node, "work_day_start is not before work_day_end; expected a working day")
    return policy


def _read_days(r: _Reader, node: yaml.Node, setting: Setting) -> tuple[int, ...]:
    items = r.sequence(node, setting.key)
    days = [r.integer(item, setting.key, setting.minimum, setting.maximum) for item in items]
    if not days or any(b <= a for a, b in itertools.pairwise(days)):
        raise r.invalid(node, f"{setting.key} is {days}; expected increasing day counts")
    return tuple(days)


def _read_me(r: _Reader, node: yaml.Node) -> Profile:
    entries = r.mapping(node, ME_KEYS, "me")
    c = _Collect()
    name = c(
        lambda: r.required_text(r.required(entries, "name", node, "me"), "name", "your full name")
    )
    email = c(lambda: _my_email(r, entries, node))
    zone = c(lambda: r.zone(r.required(entries, "timezone", node, "me"), "timezone"))
    country = r.field(entries, "country", r.text, "").upper()
    subdivision = r.field(entries, "subdivision", r.text, "").upper()
    if country:
        _check_country(r, entries, country, subdivision)
    work_week = r.field(entries, "work_week", lambda n, w: _read_week(r, n, w), (0, 1, 2, 3, 4))
    c.check()
    return Profile(
        name=name,
        email=email,
        timezone=zone,
        phone=r.field(entries, "phone", r.text, ""),
        signature=r.field(entries, "signature", r.lines, "") or name,
        greeting=_read_greeting(r, entries, Greeting.CASUAL),
        country=country,
        subdivision=subdivision,
        work_week=work_week,
    )


def _read_greeting(r: _Reader, entries: dict[str, _Entry], default: T) -> Greeting | T:
    raw = r.field(entries, "greeting", lambda n, w: r.choice(n, w, Greeting), "")
    return Greeting(raw) if raw else default


def _my_email(r: _Reader, entries: dict[str, _Entry], node: yaml.Node) -> str:
    email = r.email(r.required(entries, "email", node, "me"), "email")
    if not email:
        raise r.invalid(entries["email"].value, "email is empty; expected your e-mail address")
    return email


def _check_country(r: _Reader, entries: dict[str, _Entry], country: str, subdiv: str) -> None:
    from followup_cal.workdays import supported_countries  # only when a country is given

    supported = supported_countries()
    if country not in supported:
        r.problem(
            entries["country"].value,
            f"country '{country}' is not known to the holidays package; "
            "expected an ISO 3166 code such as US or DE" + _did_you_mean(country, supported),
        )
    elif subdiv and subdiv not in supported[country]:
        r.problem(
            entries["subdivision"].value,
            f"subdivision '{subdiv}' is not one of {country}'s; expected one of "
            + ", ".join(supported[country][:12])
            + (" ..." if len(supported[country]) > 12 else ""),
        )


def _read_week(r: _Reader, node: yaml.Node, what: str) -> tuple[int, ...]:
    days = {WEEKDAYS.index(r.choice(item, what, WEEKDAYS)) for item in r.sequence(node, what)}
    if not days:
        raise r.invalid(node, f"{what} is empty; expected at least one day such as mon")
    return tuple(sorted(days))


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
    c.check()
    return Round(number, start, duration, tuple(interviewers), _pos(node))


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
        from followup_cal.workdays import WorkCalendar, calendar_for

        cal = calendar_for(me) if me else WorkCalendar()
        return cal.add_business_days(start, count)
    return start + timedelta(days=count)


def _read_heard_back(r: _Reader, node: yaml.Node, me: Profile | None) -> tuple[date, date | None]:
    """``heard_back: DATE``, or ``{date: DATE, decision_expected: DATE}`` when the reply
    brought a new decision date: only then is the inquiry chain planned again."""
    if not isinstance(node, yaml.MappingNode):
        return r.date(node, "heard_back"), None
    entries = r.mapping(node, HEARD_BACK_KEYS, "heard_back")
    on = r.date(r.required(entries, "date", node, "heard_back"), "date")
    if "decision_expected" not in entries:
        return on, None
    value = entries["decision_expected"].value
    zone = me.timezone if me else ZoneInfo("UTC")
    decision = _read_decision(r, value, "decision_expected", datetime.combine(on, time(), zone), me)
    if decision < on:
        raise r.invalid(
            value, f"decision_expected {decision} is before the reply ({on}); expected a later date"
        )
    return on, decision


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
        step = re.sub(r"_(\d+)$", r"-\1", raw.replace("-", "_"))
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
        if rounds and rnd.start <= rounds[-1].start:
            r.problem(
                item,
                f"round {number} starts before round {number - 1}; expected rounds "
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
    rounds = [
        replace(
            rnd,
            interviewers=tuple(
                replace(
                    whole[p.name], talked_about=p.talked_about, pos=p.pos, field_pos=p.field_pos
                )
                for p in rnd.interviewers
            ),
        )
        for rnd in rounds
    ]

    latest = rounds[-1].start
    first_day = rounds[0].start.date()
    decision = None
    if "decision_expected" in entries:
        decision = _read_decision(
            r, entries["decision_expected"].value, "decision_expected", latest, me
        )
        if decision < first_day:
            r.problem(
                entries["decision_expected"].value,
                f"decision_expected {decision} is before the first interview ({first_day}); "
                "expected a later date",
            )
    heard_back, new_decision = None, None
    if "heard_back" in entries:
        with contextlib.suppress(_Invalid):
            heard_back, new_decision = _read_heard_back(r, entries["heard_back"].value, me)
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
        decision_after_holidays=after_holidays,
        no_follow_up=no_follow_up,
        channel=Channel(channel),
        heard_back=heard_back,
        new_decision=new_decision,
        outcome=outcome,
        done=tuple(facts["done"]),
        moved=tuple(facts["moved"]),
        skipped=tuple(facts["skipped"]),
        pos=_pos(node),
        field_pos={key: _pos(entry.value) for key, entry in entries.items()},
        lines=lines,
    )


def _item_lines(seq: yaml.Node, items: list[yaml.Node]) -> list[tuple[int, int]]:
    """Each list item's lines, 0-based [first, end): from its own first line to the next
    item's, so comments between two items go with the one before (as ruamel keeps them);
    the last item runs to the end of the list."""
    end = seq.end_mark.line + (1 if seq.end_mark.column else 0)
    starts = [item.start_mark.line for item in items]
    return list(zip(starts, [*starts[1:], end], strict=True))


def _server_entries(
    r: _Reader, node: yaml.Node, keys: tuple[str, ...], section: str, password_from: str
) -> dict[str, _Entry] | None:
    """The keys of a server section (caldav:, imap:); a password key is refused, since
    the file is meant to be kept in git."""
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and "pass" in key_node.value.lower():
                r.problem(
                    key_node,
                    f"'{key_node.value}' does not belong in a file kept in git; expected the "
                    f"password in {password_from}, ~/.netrc, the keyring or --password-command",
                )
        node = yaml.MappingNode(
            node.tag,
            [(k, v) for k, v in node.value if "pass" not in str(k.value).lower()],
            node.start_mark,
            node.end_mark,
        )
    try:
        return r.mapping(node, keys, section)
    except _Invalid:
        return None


def _read_caldav(r: _Reader, node: yaml.Node) -> CalDAVSettings | None:
    entries = _server_entries(r, node, CALDAV_KEYS, "caldav", "FOLLOWUP_CAL_PASSWORD")
    if entries is None:
        return None
    url = r.field(entries, "url", r.text, "")
    if url and not re.match(r"https?://", url):
        r.problem(entries["url"].value, f"url '{url}' is not an http(s) URL; expected https://...")
    return CalDAVSettings(
        url=url,
        user=r.field(entries, "user", r.text, ""),
        calendar=r.field(entries, "calendar", r.text, ""),
    )


def _read_imap(r: _Reader, node: yaml.Node) -> ImapSettings | None:
    entries = _server_entries(r, node, IMAP_KEYS, "imap", "FOLLOWUP_CAL_IMAP_PASSWORD")
    if entries is None:
        return None
    url = r.field(entries, "url", r.text, "")
    if url and not re.match(r"imaps?://[^/:]", url):
        r.problem(
            entries["url"].value,
            f"url '{url}' is not an IMAP URL; expected imaps://HOST or imap://HOST:PORT",
        )
    return ImapSettings(
        url=url,
        user=r.field(entries, "user", r.text, ""),
        folder=r.field(entries, "folder", r.text, ""),
    )


# -- entry points --------------------------------------------------------------------------


def decode(path: str, data: bytes) -> str:
    """UTF-8 text of the file, or a problem pointing at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        byte = data[exc.start]
        raise InvalidInput(
            [Problem(path, line, column, f"byte 0x{byte:02x} is not UTF-8; save the file as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


def compose(path: str, text: str) -> yaml.Node:
    """The YAML node tree, or the syntax error as one located problem."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise InvalidInput(
            [Problem(path, 1, 1, "the file is empty; expected a mapping with me: and interviews:")]
        )
    try:
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "not valid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise InvalidInput(
            [Problem(path, line, column, f"YAML syntax error: {what}{context}")]
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, e.g. NUL
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InvalidInput(
            [
                Problem(
                    path,
                    line,
                    column,
                    f"the character U+{ord(character):04X} is not allowed in YAML; remove it",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. several documents
        message = " ".join(str(exc).split())  # one line, whatever PyYAML's layout
        raise InvalidInput([Problem(path, 1, 1, f"YAML error: {message}")]) from None
    if node is None:
        raise InvalidInput(
            [Problem(path, 1, 1, "the file is empty; expected a mapping with me: and interviews:")]
        )
    return node


# The last text parse() read and what it gave: a command that reads the file, then reads
# it again to write it back (under its lock), parses it once. SearchFile is immutable.
_last_parsed: list[tuple[str, str, SearchFile]] = []


def parse(path: str, text: str) -> SearchFile:
    """Check and convert the text of an interviews file; raise InvalidInput with every problem."""
    if _last_parsed and _last_parsed[0][:2] == (path, text):
        return _last_parsed[0][2]
    search = _parse(path, text)
    _last_parsed[:] = [(path, text, search)]
    return search


# Above this size a file is composed one interview at a time (see yamlchunks).
CHUNKED_FROM = 1 << 20


class _NotChunkable(Exception):
    """An interview's text does not stand alone: the file is read whole."""


def _parse(path: str, text: str, chunked: bool | None = None) -> SearchFile:
    chunks = None
    if chunked or (chunked is None and len(text) >= CHUNKED_FROM):
        from followup_cal.yamlchunks import split_interviews

        chunks = split_interviews(text)
    if chunks is not None:
        with contextlib.suppress(_NotChunkable):
            return _read_file(path, compose(path, chunks.skeleton), chunks)
    return _read_file(path, compose(path, text), None)


def _item_nodes(path: str, chunks: Chunks) -> Iterator[tuple[yaml.Node, tuple[int, int]]]:
    """Each interview's node, composed alone, while _FIRST_LINE says where it starts."""
    ends = [line for line, _ in chunks.items[1:]] + [chunks.end]
    for (first, part), end in zip(chunks.items, ends, strict=True):
        try:
            node = yaml.compose(part, Loader=_YAML_LOADER)
        except yaml.YAMLError:
            raise _NotChunkable from None
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
            raise _NotChunkable
        token = _FIRST_LINE.set(first)
        try:
            yield node.value[0], (first, end)
        finally:
            _FIRST_LINE.reset(token)


def _read_file(path: str, root: yaml.Node, chunks: Chunks | None) -> SearchFile:
    r = _Reader(path)
    try:
        top = r.mapping(root, TOP_KEYS, "the file")
    except _Invalid:
        raise InvalidInput(r.problems) from None

    me = None
    with contextlib.suppress(_Invalid):
        me = _read_me(r, r.required(top, "me", root, "the file"))
    policy = DEFAULT_POLICY
    if "policy" in top:
        policy = _read_policy(r, top["policy"].value, DEFAULT_POLICY, explicit=False)

    interviews: list[Interview] = []
    first_use: dict[str, int] = {}
    if chunks is not None:
        items_and_lines: Iterable[tuple[yaml.Node, tuple[int, int]]] = _item_nodes(path, chunks)
    else:
        try:
            items_node = r.required(top, "interviews", root, "the file")
            items = r.sequence(items_node, "interviews")
        except _Invalid:
            items = []
        spans = _item_lines(items_node, items) if items else []
        items_and_lines = zip(items, spans, strict=True)
    for item, lines in items_and_lines:
        try:
            interview = _read_interview(r, item, me, policy, lines)
        except _Invalid:
            continue
        if interview.id in first_use:
            r.problem(
                interview.pos,
                f"duplicate interview id '{interview.id}'; first used at line "
                f"{first_use[interview.id]}",
            )
            continue
        first_use[interview.id] = interview.pos.line
        interviews.append(interview)

    templates = None
    if "templates" in top:
        templates = r.field(top, "templates", r.text, "") or None
        if templates:
            folder = Path(path).parent / templates
            if not folder.is_dir():
                r.problem(
                    top["templates"].value,
                    f"templates folder '{templates}' does not exist; expected a folder "
                    "of .txt drafts",
                )
            templates = str(folder)

    caldav = None
    if "caldav" in top:
        caldav = _read_caldav(r, top["caldav"].value)
    imap = _read_imap(r, top["imap"].value) if "imap" in top else None
    sync_id = r.field(top, "sync_id", r.text, "")
    if sync_id and not re.match(SYNC_ID_PATTERN, sync_id):
        r.problem(
            top["sync_id"].value,
            f"sync_id '{sync_id}' is not an id; expected letters, digits, '.', '_' or '-' "
            "(sync writes it; keep it as it is)",
        )

    calendar_name = r.field(top, "calendar_name", r.text, "")
    if r.problems or me is None:
        raise InvalidInput(r.problems)
    return SearchFile(
        path=path,
        me=me,
        interviews=tuple(interviews),
        policy=policy,
        templates_dir=templates,
        calendar_name=calendar_name,
        caldav=caldav,
        imap=imap,
        sync_id=sync_id,
    )


def load(path: str) -> SearchFile:
    """Read and check an interviews file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read: {exc.strerror or exc}") from None
    log.info("read %s (%d bytes)", path, len(data))
    return parse(path, decode(path, data))

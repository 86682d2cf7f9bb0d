"""How a section is read: the key tables and patterns, the node reader that records
every problem at its ``FILE:LINE:COL:``, and the messages shared by the sections."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from followup_cal.errors import Problem
from followup_cal.plan.bounds import FIRST_YEAR, LAST_YEAR
from followup_cal.plan.model import (
    Pos,
)

T = TypeVar("T")

TOP_KEYS = ("me", "policy", "interviews", "templates", "calendar_name", "caldav", "imap", "sync_id")
SYNC_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
CALDAV_KEYS = ("url", "user", "calendar", "auth")
IMAP_KEYS = ("url", "user", "folder", "folders", "sent", "auth")
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
ROUND_KEYS = ("start", "timezone", "duration", "interviewers", "notes", "invitation", "cancelled")
# The calendar invitation a round came from: its UID and the SEQUENCE last recorded.
INVITATION_KEYS = ("uid", "sequence", "stamp", "organizer")
STAMP_RE = re.compile(r"\d{8}T\d{6}Z")
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
HEARD_BACK_KEYS = ("date", "decision_expected", "by")
DONE_KEYS = ("step", "to", "round", "date")
# The step keys `plan` prints and `done:` records: numbered for inquiries and check-ins.
STEP_KEY_RE = re.compile(
    r"debrief|thank_you|rejection_reply|holiday_note|follow_up-[1-3]|check_in-\d{1,2}"
)
# Steps that belong to one round: its debrief and thank-yous, and the inquiry chain after it.
ROUND_STEP_RE = re.compile(r"debrief|thank_you|follow_up-[1-3]")
STEP_KEY_HINT = "debrief, thank_you, follow_up-N, check_in-N, rejection_reply or holiday_note"

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


def _iso_datetime(raw: str) -> datetime:
    """The datetime of a checked YYYY-MM-DD[ HH:MM[:SS]]. The standard library reads it as
    python-dateutil's isoparse does (same values, same errors), except for the hour 24
    that isoparse takes as the next midnight: only then is dateutil.parser imported (it
    costs a tenth of the start-up of `plan`)."""
    if raw[11:13] != "24":
        return datetime.fromisoformat(raw)
    from dateutil.parser import isoparse

    return isoparse(raw)


def _close_match(word: str, options: Iterable[str]) -> str | None:
    """The option a misspelt word was meant to be, if any (difflib, loaded for typos only)."""
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


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
                close = _close_match(key, allowed)
                if close:
                    self.misspelt.add((id(node), close))
                    self.kept.append(node)  # its id stays its own while nodes come and go
                continue
            # One string per key name, not one per key written: a large file's positions
            # (field_pos) are keyed by them, hundreds of thousands of times.
            entries[sys.intern(key)] = _Entry(key_node, value_node)
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
            day = _iso_datetime(raw).date()
        except (ValueError, OverflowError) as exc:
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
            naive = _iso_datetime(raw)
        except (ValueError, OverflowError) as exc:
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
    close = _close_match(word, options)
    return f"; did you mean '{close}'?" if close else ""


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

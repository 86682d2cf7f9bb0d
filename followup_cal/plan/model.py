"""What the YAML file describes, as plain immutable values."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Generic, TypeVar, overload
from zoneinfo import ZoneInfo

from followup_cal.plan.policy import Policy


@dataclass(frozen=True, slots=True)  # slots: a large file has a hundred per interview
class Pos:
    """Where a value stands in the YAML file (1-based), so warnings can point at it."""

    line: int = 0
    column: int = 0

    def warning(self, path: str, about: str, message: str) -> str:
        """'FILE:LINE:COL: warning: ABOUT: MESSAGE', the form every warning takes."""
        return f"{path}:{self.line}:{self.column}: warning: {about}: {message}"


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class Greeting(StrEnum):
    """How drafts open: 'Hi Dana,' or 'Dear Dana Lee,' / 'Dear Dr. Smith,'."""

    CASUAL = "casual"
    FORMAL = "formal"


class Result(StrEnum):
    OFFER = "offer"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Words around a name that are not the name: "Dr. Jane Smith", "Jane Smith, PhD".
# A word of two letters or more ending in '.' before the name is a title too ('Capt.',
# 'Sra.', 'Dr. med.'); an initial ('J. Robert Oppenheimer') is not.
HONORIFICS = frozenset(
    {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "rev"}
    | {"herr", "frau", "mme", "mlle", "sra", "srta", "dott", "capt"}
)
INITIALS_RE = re.compile(r"(\w\.)+")
# Titles that go with the first name: 'Sir Tim', 'Dame Judi'.
FIRST_NAME_TITLES = frozenset({"sir", "dame"})
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
# Lower-case words that start a surname: 'Dr. van Beethoven', 'Ms. de la Cruz'.
SURNAME_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "la", "le", "ter", "ten"}
)


T = TypeVar("T")


class lazy(Generic[T]):  # a decorator, like cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on each first
    read, and a large search reads a UID first for each of 150,000 items): the value is
    kept in the instance, where the next read finds it before this descriptor."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object, owner: type | None = None) -> T | lazy[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


SLUG_GAP_RE = re.compile(r"[^a-z0-9]+")


def _ascii_slug(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # ASCII letters and digits are what str.isalnum() keeps of ASCII text.
    return SLUG_GAP_RE.sub("-", text.lower()).strip("-")


def _latin_only(text: str) -> bool:
    return text.isascii() or all(
        not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text
    )


def slugify(text: str) -> str:
    """ASCII slug for UIDs and ids: 'José Núñez' -> 'jose-nunez', '李伟' -> 'liwei-5ed4d5'.

    Latin names keep the slug they always had (accents dropped): their UIDs are in users'
    calendars. Other scripts are transliterated by anyascii, and a short digest of the
    name keeps two names that sound alike (王伟, 汪伟) apart; a name with nothing to
    transliterate is the digest alone.
    """
    if _latin_only(text):
        slug = _ascii_slug(text)
        if slug:
            return slug
    import hashlib

    from anyascii import anyascii  # imported for names in other scripts only

    digest = hashlib.sha256(text.encode()).hexdigest()[:6]
    # anyascii writes soft signs and ayin as apostrophes: they split no word.
    spelt = _ascii_slug(re.sub("['`]", "", anyascii(text)))
    return f"{spelt}-{digest}" if spelt else digest


@lru_cache(maxsize=1024)  # each draft asks several times, and a person gets several drafts
def name_parts(name: str) -> tuple[str, tuple[str, ...]]:
    """(titles, the name's own words): 'Prof. Dr. Jane Smith, PhD' -> ('Prof. Dr.', (Jane,
    Smith))."""
    surname, comma, rest = name.partition(",")
    given = [
        w for w in rest.replace(",", " ").split() if w.rstrip(".").lower() not in NAME_SUFFIXES
    ]
    if comma and given:  # 'Lee, Dana' as a directory writes it: Dana Lee
        name = " ".join([*given, surname])
    words = name.replace(",", " ").split()
    titles = []
    while len(words) > 1 and (
        words[0].rstrip(".").lower() in HONORIFICS
        or (words[0].endswith(".") and len(words[0]) > 2 and words[0][:-1].isalpha())
    ):
        titles.append(words.pop(0))
    while len(words) > 1 and words[-1].rstrip(".").lower() in NAME_SUFFIXES:
        words.pop()
    return " ".join(titles), tuple(words)


def given_name(name: str) -> str:
    """The first name a person goes by: 'J. Robert Oppenheimer' is Robert; 'J. Smith'
    gives only 'J.', which is all the name tells."""
    words = name_parts(name)[1]
    return next((w for w in words[:-1] if not INITIALS_RE.fullmatch(w)), words[0])


def _formal_name(name: str) -> str:
    honorific, words = name_parts(name)
    if not honorific:
        return " ".join(words)
    if honorific.split()[-1].rstrip(".").lower() in FIRST_NAME_TITLES:
        return f"{honorific} {words[0]}"
    start = next(
        (i for i, w in enumerate(words[1:-1], 1) if w in SURNAME_PARTICLES), len(words) - 1
    )
    return " ".join([honorific, *words[start:]])


# Kept by name, not on the Person: a large search holds tens of thousands of them, and
# two more values kept on each made plan --html's peak 40 MB higher at 10,000 interviews.
# Drafts are made an interview at a time, so a person's drafts find their name here.
@lru_cache(maxsize=1024)
def _call_name(name: str, greeting: Greeting) -> str:
    honorific, words = name_parts(name)
    # An initial is not what anyone is called: 'J. Robert Oppenheimer' is Robert.
    given = [w for w in words[:-1] if not INITIALS_RE.fullmatch(w)]
    if greeting is Greeting.CASUAL and (given or (len(words) == 1 and not honorific)):
        return (given or words)[0]
    return _formal_name(name)  # formal, or all we know is 'Dr. Smith' or 'J. Smith'


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""
    phone: str = ""
    title: str = ""
    talked_about: str = ""
    away_until: date | None = None
    call_me: str = ""  # how the user addresses them, when not by the name's usual parts
    greeting: Greeting | None = None  # this person's formality, when not the profile's
    pos: Pos = field(default=Pos(), compare=False)
    # Where each key's value stands, so a warning about one field points at it.
    field_pos: dict[str, Pos] = field(default_factory=dict, compare=False, repr=False)

    @lazy  # in every draft the person gets or the user sends
    def first_name(self) -> str:
        return given_name(self.name)

    @property
    def formal_name(self) -> str:
        """'Dr. Smith' when the name carries a title, else the name in full."""
        return _formal_name(self.name)

    def call_name(self, greeting: Greeting) -> str:
        """The name a draft addresses them by."""
        return self.call_me or _call_name(self.name, greeting)

    @lazy  # in every UID of this person's follow-ups
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Round:
    number: int
    start: datetime  # aware, in the round's own zone
    duration: timedelta
    interviewers: tuple[Person, ...]
    pos: Pos = field(default=Pos(), compare=False)
    # The calendar invitation it came from (invitation: in the YAML): a later copy with a
    # higher sequence moves it, a cancellation marks it cancelled.
    invitation_uid: str = ""
    invitation_sequence: int = 0
    cancelled: bool = False  # its debrief, thank-yous and inquiries are not planned
    invitation_stamp: str = ""  # its DTSTAMP, 20261201T141503Z: which copy is later
    # Who sent the invitation that made it: with the company's domain, who may move it.
    invitation_organizer: str = ""

    @property
    def invitation_copy(self) -> tuple[int, str]:
        return self.invitation_sequence, self.invitation_stamp

    @property
    def end(self) -> datetime:
        return self.start + self.duration


def copy_order(one: tuple[int, str], other: tuple[int, str]) -> int:
    """Which of two copies (SEQUENCE, DTSTAMP) of one invitation is the later, as RFC 5546
    orders them: the higher sequence, then the later stamp; 0 when they tie or a stamp
    is not known."""
    if one[0] != other[0]:
        return 1 if one[0] > other[0] else -1
    if not one[1] or not other[1] or one[1] == other[1]:
        return 0
    return 1 if one[1] > other[1] else -1


@dataclass(frozen=True)
class Outcome:
    result: Result
    on: date
    by: Person | None = None


@dataclass(frozen=True)
class StepFact:
    """Something the user said about one planned step, on a day.

    ``step`` is the key ``plan`` shows (``thank_you``, ``follow_up-2``); ``to`` and
    ``round`` narrow it to one recipient or round, and match every one when empty.
    """

    step: str
    on: date
    to: str = ""
    round: int | None = None
    at: time | None = None  # moved: the hour too, when the user moved it to another one
    pos: Pos = field(default=Pos(), compare=False)

    def matches(self, key: str, round_number: int, recipient: str | None) -> bool:
        if self.step != key or (self.round is not None and self.round != round_number):
            return False
        return not self.to or (recipient is not None and self.to == recipient)


class Done(StepFact):
    """A follow-up the user recorded as done on ``on`` (``done:`` in the YAML)."""


class Moved(StepFact):
    """A step the user moved to ``on`` in their calendar (``moved:``): the plan keeps it
    there, and the inquiries after it keep their spacing from it."""


class Skipped(StepFact):
    """A step the user deleted in their calendar on ``on`` (``skipped:``): not planned
    again until the line is removed."""


def _fact_on(
    facts: tuple[StepFact, ...], key: str, round_number: int, recipient: str | None
) -> date | None:
    for entry in facts:
        if entry.matches(key, round_number, recipient):
            return entry.on
    return None


@dataclass(frozen=True)
class Interview:
    id: str
    company: str
    role: str
    rounds: tuple[Round, ...]
    contact: Person
    policy: Policy
    pitch: str = ""
    network: tuple[Person, ...] = ()
    decision_expected: date | None = None
    # 'in 2 weeks' as written, when it was no date: counted from the latest round held,
    # so a new round (or a moved or cancelled one) moves the decision with it.
    decision_said: str = ""
    # None: as the decision date says (past a holiday season gets the holiday note).
    decision_after_holidays: bool | None = None
    no_follow_up: bool = False
    channel: Channel = Channel.EMAIL
    heard_back: date | None = None
    new_decision: date | None = None  # the decision date their reply gave, if it gave one
    answered_by: Person | None = None  # who wrote that reply, when not the contact
    outcome: Outcome | None = None
    done: tuple[Done, ...] = ()
    moved: tuple[Moved, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    pos: Pos = field(default=Pos(), compare=False)
    field_pos: dict[str, Pos] = field(default_factory=dict, compare=False, repr=False)
    # Its lines in the file, 0-based [first, end): where a write-back edits it.
    lines: tuple[int, int] = field(default=(0, 0), compare=False)

    def done_on(self, key: str, round_number: int, recipient: str | None) -> date | None:
        """When the step was recorded as done, or None."""
        return _fact_on(self.done, key, round_number, recipient)

    def moved_to(
        self, key: str, round_number: int, recipient: str | None
    ) -> tuple[date, time | None] | None:
        """The day (and hour, if they changed it) the user moved the step to, or None.
        Moved again later, the last line's day counts, at the last hour any line gave: a
        drag to another day at the same hour is written without one."""
        day: date | None = None
        for entry in reversed(self.moved):
            if entry.matches(key, round_number, recipient):
                day = day or entry.on
                if entry.at is not None:
                    return day, entry.at
        return (day, None) if day else None

    def skipped_on(self, key: str, round_number: int, recipient: str | None) -> date | None:
        """When the user deleted the step from their calendar, or None."""
        return _fact_on(self.skipped, key, round_number, recipient)

    @lazy  # asked for by nearly every step of the plan, and the rounds never change
    def held_rounds(self) -> tuple[Round, ...]:
        """The rounds not cancelled: the ones follow-ups are planned from."""
        return tuple(r for r in self.rounds if not r.cancelled)

    @lazy
    def latest_round(self) -> Round:
        """The latest round not cancelled (the last one when all are)."""
        held = self.held_rounds
        return held[-1] if held else self.rounds[-1]

    @property
    def addressee(self) -> Person:
        """Who the notes we start (inquiries, the holiday note) go to: whoever wrote
        their reply, when the user said so, else the contact."""
        return self.answered_by or self.contact

    def people(self) -> tuple[Person, ...]:
        """Everyone met or named, once each, in order of appearance."""
        seen: dict[str, Person] = {}
        for rnd in self.rounds:
            for person in rnd.interviewers:
                seen.setdefault(person.name, person)
        seen.setdefault(self.contact.name, self.contact)
        return tuple(seen.values())


@dataclass(frozen=True)
class Profile:
    """Who I am: the sender of every draft and the owner of the calendar."""

    name: str
    email: str
    timezone: ZoneInfo
    phone: str = ""
    signature: str = ""
    greeting: Greeting = Greeting.CASUAL
    country: str = ""
    subdivision: str = ""
    work_week: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday=0, as date.weekday()

    @lazy  # in every draft the person gets or the user sends
    def first_name(self) -> str:
        return given_name(self.name)


@dataclass(frozen=True)
class CalDAVSettings:
    """Where ``sync`` pushes to; the password is never part of the file."""

    url: str = ""
    user: str = ""
    calendar: str = ""
    auth: str = ""  # "password", "google" (OAuth), "" = not said


@dataclass(frozen=True)
class ImapSettings:
    """Where ``inbox`` reads mail (imaps://HOST or imap://HOST:PORT); never a password."""

    url: str = ""
    user: str = ""
    folder: str = ""
    folders: tuple[str, ...] = ()
    sent: str = ""  # where the user's sent mail is; "": the server's \Sent folder
    auth: str = ""  # "password", "google" (OAuth), "" = not said

    @property
    def every_folder(self) -> tuple[str, ...]:
        """folder: and folders:, in order, once each."""
        return tuple(dict.fromkeys(f for f in (self.folder, *self.folders) if f))


@dataclass(frozen=True)
class SearchFile:
    """The whole YAML file, loaded and checked."""

    path: str
    me: Profile
    interviews: tuple[Interview, ...]
    policy: Policy
    templates_dir: str | None = None
    calendar_name: str = ""
    caldav: CalDAVSettings | None = None
    imap: ImapSettings | None = None
    sync_id: str = ""  # names this file's events on a CalDAV server; sync writes it

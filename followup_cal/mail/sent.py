"""What the user sent: which planned step each message in their Sent folder is. Pure:
no I/O, no clock.

A message is a step's when it went to the step's own person (a thank-you to each of a
panel is each one's: To, never a Cc), after the step's cause (the round it follows, the
outcome a rejection reply answers) and inside its window, and its subject or thread says
which step it is. Each message is one step's at most, and each step takes the first
message that fits, the earliest step first: the thank-you before the first inquiry, the
first inquiry before the second. Steps already recorded as done keep the mail of their
day, so it never counts again for the next one. A mail sent before any step was planned
(the application, arranging the date) is no step's.

Certain when the message carries the Message-ID of the draft this tool put in Drafts
for that step, or continues a thread with its subject fitting (an inquiry written into
the user's own earlier thread counts by the thread alone); a subject alone, or a
contact's colleague at their domain, is only likely. ``--yes`` records only the certain.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from followup_cal.domains import registrable
from followup_cal.mail.matching import Sureness
from followup_cal.mail.message import Message
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_day
from followup_cal.plan.uids import UID_DOMAIN

# The steps sent by mail to a person (a debrief is a note to oneself; a call or a letter
# leaves no mail behind).
MAIL_STEPS = frozenset(
    {Step.THANK_YOU, Step.FOLLOW_UP, Step.CHECK_IN, Step.REJECTION_REPLY, Step.HOLIDAY_NOTE}
)
# How long before its planned day a check-in or a holiday note may go: a note to the same
# person weeks earlier is something else.
EARLY_NOTE = timedelta(days=14)
# A done step keeps the mail sent within a day of the day it was recorded on.
DONE_SLACK = timedelta(days=1)

_THANKS = re.compile(
    r"\b(thank|thanks|thx|danke|dankesch|vielen dank|merci|remerci|gracias|agradec|grazie|"
    r"obrigad|bedankt)",
    re.IGNORECASE,
)
_INQUIRY = re.compile(
    r"(follow(ing)?[ -]?up|check(ing)?[ -]?in|touching base|status|update|any news|"
    r"next steps|nachfrage|stand der|r[ée]sultat|relance|suivi|seguimiento|novedades)",
    re.IGNORECASE,
)
_HOLIDAY = re.compile(
    r"(holiday|season|new year|christmas|greetings|wishes|weihnacht|neujahr|f[êe]tes|"
    r"nouvel an|navidad|fiestas|a[ñn]o nuevo|\bbest wishes\b)",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|tr|rv|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)


def draft_message_id(item: PlannedFollowup, search_id: str) -> str:
    """The Message-ID of the draft put in Drafts for ``item``: the same on every run, for
    this file's steps only (``search_id`` tells two files apart), and known again in
    Sent when the mail app sends the draft as it is."""
    step = item.uid.rpartition("@")[0]
    return f"<followup-cal.{search_id}.{step}@{UID_DOMAIN}>"


@dataclass(frozen=True)
class SentStep:
    """``done ID STEP --on DATE`` for one step, with the message that shows it."""

    item: PlannedFollowup
    on: date
    message: Message
    sureness: Sureness
    why: str

    @property
    def certain(self) -> bool:
        return self.sureness is Sureness.CERTAIN

    def command(self, file_args: Sequence[str] = ()) -> str:
        item = self.item
        words = ["followup-cal", "done", item.interview.id, item.key, "--on", self.on.isoformat()]
        if item.step in (Step.THANK_YOU, Step.CHECK_IN) and item.recipient:
            words += ["--to", item.recipient.name]
        if item.step is Step.THANK_YOU and len(item.interview.rounds) > 1:
            words += ["--round", str(item.round)]
        return shlex.join([*words, *file_args])


@dataclass(frozen=True)
class _Window:
    opens: datetime  # aware: mail sent at or before this is not the step's
    closes: datetime | None  # aware, exclusive; None: open still


def _round_window(item: PlannedFollowup) -> _Window:
    """From the end of the round the step follows to the start of the next round (a new
    round starts its own thank-you and inquiries)."""
    rounds = item.interview.rounds
    this = next((r for r in rounds if r.number == item.round), item.interview.latest_round)
    later = [r.start for r in rounds if r.start > this.start and not r.cancelled]
    return _Window(this.end, min(later, default=None))


def window(item: PlannedFollowup) -> _Window:
    """When mail for ``item`` can have been sent."""
    interview = item.interview
    if item.step is Step.REJECTION_REPLY and interview.outcome is not None:
        start = datetime.combine(interview.outcome.on, datetime.min.time(), item.start.tzinfo)
        return _Window(start, None)
    if item.step is Step.CHECK_IN:
        return _Window(item.start - EARLY_NOTE, None)
    if item.step is Step.HOLIDAY_NOTE:
        return _Window(item.start - EARLY_NOTE, item.start + EARLY_NOTE)
    return _round_window(item)


def _subject_fits(item: PlannedFollowup, subject: str) -> bool:
    bare = _REPLY_PREFIX.sub("", subject).strip().casefold()
    if item.step in (Step.THANK_YOU, Step.REJECTION_REPLY):
        return bool(_THANKS.search(bare))
    if item.step is Step.HOLIDAY_NOTE:
        return bool(_HOLIDAY.search(bare))
    if item.step is Step.CHECK_IN:
        return True  # a hello months later: any subject
    role, company = item.interview.role.casefold(), item.interview.company.casefold()
    return bool(_INQUIRY.search(bare)) or (role and role in bare) or company in bare


@dataclass(frozen=True)
class _Reach:
    """How the message reached the step's person."""

    address: str
    exact: bool  # their own address (else a colleague at their domain)


def _reaches(item: PlannedFollowup, message: Message, others: frozenset[str]) -> _Reach | None:
    person = item.recipient
    if person is None or not person.email:
        return None
    email = person.email.lower()
    # A thank-you is each one's own: To them, not a copy of someone else's.
    heard = message.to if item.step is Step.THANK_YOU else message.recipients
    if email in heard:
        return _Reach(email, True)
    if item.step is Step.THANK_YOU or person != item.interview.addressee:
        return None
    # The contact (a recruiter) is reached at their company: a colleague there who is
    # none of the interview's own people (each of those has steps of their own).
    domain = registrable(email.rpartition("@")[2])
    for address in message.recipients:
        if address not in others and registrable(address.rpartition("@")[2]) == domain:
            return _Reach(address, False)
    return None


def _evidence(
    item: PlannedFollowup,
    message: Message,
    reach: _Reach,
    mine: dict[str, datetime],
    zone: ZoneInfo,
) -> tuple[Sureness, str] | None:
    fits = _subject_fits(item, message.subject)
    own_thread = [mine[i] for i in message.answers if i in mine]
    to = f"to {reach.address}" if reach.exact else f"to {reach.address}, at their company"
    if own_thread and item.step is Step.FOLLOW_UP and reach.exact:
        day = fmt_day(min(own_thread).astimezone(zone).date())
        return Sureness.CERTAIN, f"{to}, continuing your thread of {day}"
    if message.answers and fits and reach.exact:
        return Sureness.CERTAIN, f"{to}, in a thread, subject '{message.subject}'"
    if fits:
        return Sureness.LIKELY, f"{to}, subject '{message.subject}'"
    if message.answers and reach.exact:
        return Sureness.LIKELY, f"{to}, in a thread"
    return None


def find_sent(
    items: Iterable[PlannedFollowup],
    messages: Iterable[Message],
    zone: ZoneInfo,
    today: date,
    search_id: str,
) -> list[SentStep]:
    """The steps not yet done that the user's sent ``messages`` show as sent."""
    steps = sorted(
        (i for i in items if i.step in MAIL_STEPS and i.recipient and i.recipient.email),
        key=lambda i: (i.start, i.sort_key),
    )
    steps = [i for i in steps if not (i.by_phone or i.by_letter)]
    sent = sorted(
        (m for m in messages if m.when is not None),
        key=lambda m: (m.when, m.uid),  # type: ignore[arg-type, return-value]
    )
    mine = {m.message_id: m.when for m in sent if m.message_id and m.when}
    ours = {draft_message_id(i, search_id): i.uid for i in steps if not i.done}
    people: dict[str, frozenset[str]] = {}
    claimed: dict[str, SentStep | None] = {}  # uid -> what took it (None: done before)
    for message in sent:
        assert message.when is not None
        when = message.when
        if message.message_id in ours and ours[message.message_id] not in claimed:
            item = next(i for i in steps if i.uid == ours[message.message_id])
            why = "carries the Message-ID of the draft followup-cal put in your Drafts"
            claimed[item.uid] = _found(item, message, Sureness.CERTAIN, why, zone, today)
            continue
        for item in steps:
            if item.uid in claimed:
                continue
            ident = item.interview.id
            if ident not in people:
                people[ident] = frozenset(p.email.lower() for p in item.interview.people())
            span = window(item)
            if when <= span.opens or (span.closes is not None and when >= span.closes):
                continue
            reach = _reaches(item, message, people[ident])
            if reach is None:
                continue
            if item.done:
                sent_on = when.astimezone(zone).date()
                if abs(sent_on - item.done) <= DONE_SLACK and _subject_fits(item, message.subject):
                    claimed[item.uid] = None  # the mail of a step already recorded
                    break
                continue
            evidence = _evidence(item, message, reach, mine, zone)
            if evidence is None:
                continue
            claimed[item.uid] = _found(item, message, *evidence, zone, today)
            break
    return sorted(
        (s for s in claimed.values() if s is not None),
        key=lambda s: (s.on, s.item.sort_key),
    )


def _found(
    item: PlannedFollowup,
    message: Message,
    sureness: Sureness,
    why: str,
    zone: ZoneInfo,
    today: date,
) -> SentStep:
    assert message.when is not None
    return SentStep(item, min(message.when.astimezone(zone).date(), today), message, sureness, why)


def search_terms(items: Iterable[PlannedFollowup]) -> dict[str, tuple[list[list[str]], date]]:
    """What SEARCH asks the Sent folder, per interview with a step to find: mail to its
    people (and the contact's domain), since the day before the earliest window."""
    found: dict[str, tuple[set[str], date]] = {}
    for item in items:
        if item.done or item.step not in MAIL_STEPS or not item.recipient:
            continue
        email = item.recipient.email.lower()
        if not email:
            continue
        who, since = found.get(item.interview.id, (set(), date.max))
        who.add(email)
        if item.step is not Step.THANK_YOU and item.recipient == item.interview.addressee:
            who.add(registrable(email.rpartition("@")[2]))
        day = window(item).opens.date() - timedelta(days=1)
        found[item.interview.id] = (who, min(since, day))
    return {
        ident: ([[key, w] for w in sorted(who) for key in ("TO", "CC")], since)
        for ident, (who, since) in found.items()
    }

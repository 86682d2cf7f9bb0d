"""Planned follow-ups as iCalendar: one VEVENT per step and recipient.

Every event is free time (TRANSP:TRANSPARENT), short, private and with a display alarm.
None carries ATTENDEE or ORGANIZER: a server with scheduling would e-mail the
interviewer an invitation. Recipients appear only in the text and the mailto: link.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from followup_cal import __version__
from followup_cal.journal.state import ExportState, Revision
from followup_cal.plan.drafts import MAILTO_LIMIT, Draft
from followup_cal.plan.followups import PlannedFollowup
from followup_cal.plan.model import Profile
from followup_cal.plan.uids import task_uid

if TYPE_CHECKING:
    import icalendar  # imported where used: a no-op sync never serializes anything

PRODID = f"-//followup-cal//followup-cal {__version__}//EN"
REFRESH = timedelta(hours=12)
FORBIDDEN = ("ATTENDEE", "ORGANIZER", "METHOD")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class FeedStyle:
    """How follow-ups are written: as events or tasks, private or safe to publish.

    ``public`` keeps only what a stranger may read: the step, the company and the date.
    No names (not even in the UID), addresses, phone numbers, drafts or links.
    """

    public: bool = False
    as_todo: bool = False
    salt: str = field(default="", repr=False)  # the public UIDs' secret (see secret.py)

    def uid(self, item: PlannedFollowup) -> str:
        if not self.public:
            return item.uid
        # The private UID names the recipient. A keyed digest of it is just as stable,
        # and without the key a guessed name cannot be checked against a published UID.
        digest = hmac.new(self.salt.encode(), item.uid.encode(), hashlib.sha256)
        return digest.hexdigest()[:24] + "@followup-cal"

    def written_uid(self, item: PlannedFollowup) -> str:
        """The UID as written into a calendar: a task's has a mark of its own, so a
        server that keeps a UID once per account (Fastmail's Cyrus) takes the step's
        event and its task side by side (see ``plan.uids``). Everything else (the content
        hash, the state file, sync's decisions) goes by ``uid``."""
        return task_uid(self.uid(item)) if self.as_todo else self.uid(item)

    def state_key(self, item: PlannedFollowup) -> str:
        """Each style keeps its own revision history, so exporting events and syncing
        tasks in turn does not bump SEQUENCE on every run."""
        return self.uid(item) + (" todo" if self.as_todo else "")


EVENTS = FeedStyle()


@dataclass(frozen=True)
class FollowupEvent:
    """A planned follow-up together with its filled draft."""

    item: PlannedFollowup
    draft: Draft


def summary(item: PlannedFollowup) -> str:
    """Short enough for a month view: 'Thank-you → Dana Lee · Acme', '✓ ...' once done."""
    company = item.interview.company
    mark = "✓ " if item.done else ""
    if item.recipient is None:
        rounds = len(item.interview.rounds)
        suffix = f" (round {item.round})" if rounds > 1 else ""
        return f"{mark}{item.label} · {company}{suffix}"
    return f"{mark}{item.label} → {item.recipient.name} · {company}"


def public_summary(item: PlannedFollowup) -> str:
    """'Thank-you · Acme': no one's name."""
    mark = "✓ " if item.done else ""
    return f"{mark}{item.label} · {item.interview.company}"


def description(event: FollowupEvent) -> str:
    item, draft = event.item, event.draft
    lines = []
    if item.by_phone and item.recipient is not None:
        phone = f" ({item.recipient.phone})" if item.recipient.phone else ""
        lines.append(f"Call: {item.recipient.name}{phone}")
    elif draft.recipient is not None:
        lines.append(f"To: {draft.to_header}")
    lines += [f"Subject: {draft.subject}", "", draft.body.rstrip("\n"), "", "—"]
    lines.append(f"Why this date: {item.reason}.")
    interview = item.interview
    lines.append(f"Interview: {interview.company}, {interview.role} ({interview.id}).")
    return "\n".join(lines)


def link(event: FollowupEvent) -> str | None:
    item, draft = event.item, event.draft
    if item.recipient is None:
        return None
    if item.by_phone:
        return f"tel:{quote(item.recipient.phone, safe='+')}" if item.recipient.phone else None
    return draft.mailto() if item.recipient.email else None


class Link:
    """The event's URL, built only when the event is serialized.

    Its text (a percent-encoded draft) is the costliest property to make, and it follows
    from what the description already holds (recipient, subject, body), so the content
    hash takes this short key instead: sync decides "unchanged" without building it.
    """

    def __init__(self, event: FollowupEvent) -> None:
        self.event = event
        recipient = event.item.recipient
        kind = "tel" if event.item.by_phone else "mailto"
        address = "" if recipient is None else recipient.phone if kind == "tel" else recipient.email
        self.key = f"{kind}:{address}:{MAILTO_LIMIT}"

    def __repr__(self) -> str:
        return f"Link({self.key!r})"


def event_properties(event: FollowupEvent, style: FeedStyle = EVENTS) -> list[tuple[str, Any]]:
    """Everything a calendar app shows of the event (or task), in the order it is written."""
    item = event.item
    end = item.start + item.duration
    props: list[tuple[str, Any]] = [
        ("uid", style.uid(item)),
        ("summary", public_summary(item) if style.public else summary(item)),
        ("dtstart", item.start),
        ("due" if style.as_todo else "dtend", end),
    ]
    if not style.public:
        props += [("description", description(event)), ("url", Link(event))]
    props.append(("categories", ["followup-cal", item.step.value, item.interview.company]))
    if style.as_todo:
        if item.done:
            # The task was completed on the day recorded, at the time it is shown.
            props += [
                ("status", "COMPLETED"),
                ("completed", item.start.astimezone(UTC)),
                ("percent-complete", 100),
            ]
        else:
            props.append(("status", "NEEDS-ACTION"))
    else:
        props.append(("transp", "TRANSPARENT"))
    props.append(("class", "PRIVATE"))
    return props


def content_hash(props: list[tuple[str, Any]], alarm_minutes: int | None) -> str:
    """A digest of what would change in a calendar app (not DTSTAMP or SEQUENCE).

    Taken from the values rather than the serialized event, which would cost a second
    serialization of every event.
    """
    digest = hashlib.sha256()
    for name, value in props:
        digest.update(f"{name}\x1f{value!r}\x1e".encode())
    digest.update(f"alarm\x1f{alarm_minutes}".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class RevisedEvent:
    """An event's properties, content hash and revision, before any serialization."""

    event: FollowupEvent
    props: list[tuple[str, Any]]
    content_hash: str
    revision: Revision
    style: FeedStyle = EVENTS

    def vevent(
        self, *, marks: Mapping[str, str] | None = None, uid: str = ""
    ) -> icalendar.Event | icalendar.Todo:
        """The VEVENT (a VTODO for tasks); ``marks`` are the X- properties only sync adds
        (content hash, search id, fingerprint: see ``sync.edits``); ``uid``: the UID the
        calendar already holds it under, when not the one this style writes (a task
        written before tasks had a UID of their own keeps its own)."""
        import icalendar

        vevent = icalendar.Todo() if self.style.as_todo else icalendar.Event()
        for name, value in self.props:
            if name == "uid":
                value = uid or self.style.written_uid(self.event.item)
            if isinstance(value, Link):
                value = link(value.event)
                if value is None:
                    continue
            vevent.add(name, value)
        vevent.add("dtstamp", datetime.combine(self.revision.stamp, time(0), tzinfo=UTC))
        vevent.add("sequence", self.revision.sequence)
        for name, value in (marks or {}).items():
            vevent.add(name, value)
        if self.event.item.done or self.event.item.overtaken:
            return vevent  # done, or no longer due: nothing to be reminded of
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", dict(self.props)["summary"])  # in this style's words
        reminder = self.event.item.interview.policy.reminder_minutes
        alarm.add("trigger", timedelta(minutes=-reminder))
        vevent.add_component(alarm)
        return vevent


def revise_event(
    event: FollowupEvent, state: ExportState, today: date, style: FeedStyle = EVENTS
) -> RevisedEvent:
    """Hash the content and record the revision (SEQUENCE, DTSTAMP day) in the state."""
    props = event_properties(event, style)
    item = event.item
    alarm = None if item.done or item.overtaken else item.interview.policy.reminder_minutes
    content = content_hash(props, alarm)
    revision = state.revise(style.state_key(item), content, today)
    return RevisedEvent(event, props, content, revision, style)


def calendar_head(me: Profile, name: str = "", style: FeedStyle = EVENTS) -> icalendar.Calendar:
    """The calendar's own properties, before any component."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    title = name or ("Follow-ups" if style.public else f"Follow-ups · {me.name}")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", me.timezone.key)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    return cal


def build_calendar(
    events: Iterable[FollowupEvent],
    me: Profile,
    state: ExportState,
    today: date,
    name: str = "",
    style: FeedStyle = EVENTS,
) -> icalendar.Calendar:
    import icalendar

    cal = calendar_head(me, name, style)
    days = []
    for event in events:
        cal.add_component(revise_event(event, state, today, style).vevent())
        days.append(event.item.start.date())
    if days:
        # VTIMEZONEs cover whole years around the events, so they stay put as plans move.
        # Added in sorted order ourselves: icalendar's add_missing_timezones walks a set,
        # whose order changes from run to run.
        first, last = date(min(days).year, 1, 1), date(max(days).year, 12, 31)
        zones = [
            icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
            for tzid in sorted(cal.get_missing_tzids())
        ]
        cal.subcomponents[:0] = zones
    return cal


def calendar_bytes(cal: icalendar.Calendar) -> bytes:
    data = cal.to_ical()
    for name in FORBIDDEN:
        # Belt and braces: nothing above adds these, and nothing ever may.
        if b"\r\n" + name.encode() in data:
            raise AssertionError(f"refusing to write a calendar with {name}")
    return data

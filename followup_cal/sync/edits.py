"""What the user changed in a calendar app, told from the server's copy alone.

Every event sync writes carries ``X-FOLLOWUP-CAL-PUSHED``: a short digest of each field a
calendar app lets the user change (start, end, summary, description, location, status,
alarms, completed), as we wrote it. Reading the event back, the same digests are taken of
what the server holds now; a field whose digest differs was changed by someone else. No
local file is needed, so this works on any machine and after any cache is lost.

Values are compared in a canonical form (instants in UTC, text with ``\\n`` line ends,
alarm triggers in seconds), so a server that re-serializes the event (another time zone
block, other line folding) does not look like an edit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from followup_cal.calendar.ics import RevisedEvent

PUSHED_PROPERTY = "X-FOLLOWUP-CAL-PUSHED"
SEARCH_PROPERTY = "X-FOLLOWUP-CAL-SEARCH"
HASH_PROPERTY = "X-FOLLOWUP-CAL-HASH"
FIELDS = ("start", "end", "summary", "description", "location", "status", "alarms", "completed")
MOVED = ("start", "end")
UTC = ZoneInfo("UTC")


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")  # floating time, as written
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


def _trigger(value: Any) -> str:
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    return _instant(value)


def fingerprint(values: Mapping[str, str]) -> str:
    """``start=1a2b3c4d end=...``: eight hex digits of each field's canonical text."""
    parts = []
    for name in FIELDS:
        digest = hashlib.sha256(values.get(name, "").encode()).hexdigest()[:8]
        parts.append(f"{name}={digest}")
    return " ".join(parts)


def _decode(text: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in text.split())
    return {name: digest for name, _sep, digest in pairs if name in FIELDS}


def planned_fingerprint(revised: RevisedEvent) -> str:
    """The fingerprint of an event as we are about to write it, from its values."""
    props = dict(revised.props)
    item = revised.event.item
    alarms = ""
    if not item.done:
        alarms = f"DISPLAY:{-60 * item.interview.policy.reminder_minutes}"
    return fingerprint(
        {
            "start": _instant(props["dtstart"]),
            "end": _instant(props.get("dtend", props.get("due"))),
            "summary": _text(props["summary"]),
            "description": _text(props.get("description")),
            "location": _text(props.get("location")),
            "status": _text(props.get("status")),
            "alarms": alarms,
            "completed": _instant(props.get("completed")),
        }
    )


def component_of(text: str, uid: str) -> Any:
    """The VEVENT or VTODO with this UID in a calendar object (the master, not an
    exception of a recurrence), or None when it cannot be read."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        return None
    for component in calendar.subcomponents:
        ours = component.name in ("VEVENT", "VTODO") and str(component.get("UID", "")) == uid
        if ours and "RECURRENCE-ID" not in component:
            return component
    return None


def _decoded(component: Any, name: str) -> Any:
    try:
        return component.decoded(name) if name in component else None
    except (ValueError, TypeError, KeyError):
        return None


def server_fingerprint(component: Any) -> str:
    """The fingerprint of the event as the server holds it now."""
    start = _decoded(component, "DTSTART")
    end = _decoded(component, "DTEND") or _decoded(component, "DUE")
    duration = _decoded(component, "DURATION")
    if end is None and start is not None and isinstance(duration, timedelta):
        end = start + duration
    alarms = []
    for alarm in component.walk("VALARM"):
        action = _text(alarm.get("ACTION", "")).upper()
        alarms.append(f"{action}:{_trigger(_decoded(alarm, 'TRIGGER'))}")
    return fingerprint(
        {
            "start": _instant(start),
            "end": _instant(end),
            "summary": _text(component.get("SUMMARY")),
            "description": _text(component.get("DESCRIPTION")),
            "location": _text(component.get("LOCATION")),
            "status": _text(component.get("STATUS")).upper(),
            "alarms": "|".join(sorted(alarms)),
            "completed": _instant(_decoded(component, "COMPLETED")),
        }
    )


@dataclass(frozen=True)
class ServerEdit:
    """What someone changed in one event since we wrote it."""

    uid: str
    fields: tuple[str, ...]  # the changed fields, in FIELDS order; () when deleted
    deleted: bool = False
    completed_now: bool = False  # the task is marked completed on the server

    @property
    def kinds(self) -> tuple[str, ...]:
        """Any of "deleted", "moved", "completed", "edited" (other fields)."""
        if self.deleted:
            return ("deleted",)
        kinds = []
        if any(f in MOVED for f in self.fields):
            kinds.append("moved")
        completion = {"status", "completed"} if self.completed_now else set()
        if completion & set(self.fields):
            kinds.append("completed")
        if set(self.fields) - set(MOVED) - completion:
            kinds.append("edited")
        return tuple(kinds)

    def describe(self) -> str:
        return ", ".join(self.kinds)


def compare(
    uid: str, pushed: str, now: str | None, *, completed_now: bool = False
) -> ServerEdit | None:
    """The edit between what we pushed and what the server holds (``now`` None: the event
    is gone), or None when nothing a user can change differs. An empty or unreadable
    ``now`` counts as edited in every field: when in doubt, never overwrite."""
    if now is None:
        return ServerEdit(uid, (), deleted=True)
    before, after = _decode(pushed), _decode(now)
    changed = tuple(f for f in FIELDS if before.get(f) != after.get(f))
    return ServerEdit(uid, changed, completed_now=completed_now) if changed else None


def retag(data: str, uid: str, marks: Mapping[str, str | None]) -> bytes:
    """The server's calendar object with our X- properties set (None: removed), and
    nothing else changed: what --adopt writes back to keep the user's version."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(data)
    calendar.pop("METHOD", None)  # an object stored on a CalDAV server carries none
    for component in calendar.subcomponents:
        if component.name in ("VEVENT", "VTODO") and str(component.get("UID", "")) == uid:
            for name, value in marks.items():
                component.pop(name, None)
                if value is not None:
                    component.add(name, value)
    return calendar.to_ical()

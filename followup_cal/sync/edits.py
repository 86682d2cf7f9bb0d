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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from followup_cal.plan.uids import step_uid

if TYPE_CHECKING:
    from followup_cal.calendar.ics import RevisedEvent

PUSHED_PROPERTY = "X-FOLLOWUP-CAL-PUSHED"
SEARCH_PROPERTY = "X-FOLLOWUP-CAL-SEARCH"
HASH_PROPERTY = "X-FOLLOWUP-CAL-HASH"
# On a task whose tick sync recorded as done: (its day): un-ticking it takes that back.
TICKED_PROPERTY = "X-FOLLOWUP-CAL-TICKED"
# On an event whose user version was kept: the fingerprint of what we would have written
# then, so a later update of ours knows whether the YAML moved it since (see ``merge``).
OURS_PROPERTY = "X-FOLLOWUP-CAL-OURS"
# Beside it: the fields the user changed (``end,summary``), which stay theirs.
EDITED_PROPERTY = "X-FOLLOWUP-CAL-EDITED"
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


def decode_fingerprint(text: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in text.split())
    return {name: digest for name, _sep, digest in pairs if name in FIELDS}


def planned_fingerprint(revised: RevisedEvent) -> str:
    """The fingerprint of an event as we are about to write it, from its values."""
    props = dict(revised.props)
    item = revised.event.item
    alarms = ""
    if not (item.done or item.overtaken):  # as ``RevisedEvent.vevent`` writes it
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
    exception of a recurrence), or None when it cannot be read. A step's UID finds its
    task under the task's own UID too (``plan.uids``)."""
    import icalendar

    uid = step_uid(uid)

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        return None
    for component in calendar.subcomponents:
        named = step_uid(str(component.get("UID", ""))) == uid
        ours = component.name in ("VEVENT", "VTODO") and named
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
            "completed": _completion(component),
        }
    )


# RFC 5545 3.8.1.11: a task in these states is not done, whatever else it carries
# (todoman un-ticks to NEEDS-ACTION and leaves PERCENT-COMPLETE:100 behind).
OPEN_STATUSES = ("NEEDS-ACTION", "IN-PROCESS")


def _completion(component: Any) -> str:
    """When the task was completed, "" when it is not. STATUS decides: an open status
    is not done; COMPLETED is; with no STATUS, a task at 100% with no date (jtx Board
    keeps its progress apart from its status) is complete too."""
    if _text(component.get("STATUS")).strip().upper() in OPEN_STATUSES:
        return ""
    when = _instant(_decoded(component, "COMPLETED"))
    if when:
        return when
    percent = _text(component.get("PERCENT-COMPLETE")).strip()
    return "100%" if percent == "100" else ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _is_complete(digests: Mapping[str, str]) -> bool:
    return digests.get("completed", _digest("")) != _digest("") or digests.get("status") == _digest(
        "COMPLETED"
    )


@dataclass(frozen=True)
class ServerEdit:
    """What someone changed in one event since we wrote it."""

    uid: str
    fields: tuple[str, ...]  # the changed fields, in FIELDS order; () when deleted
    deleted: bool = False
    completed_now: bool = False  # the task is marked completed on the server
    completed_before: bool = False  # it was when we wrote it
    cancelled_now: bool = False  # STATUS:CANCELLED

    @property
    def kinds(self) -> tuple[str, ...]:
        """Any of "deleted", "moved", "completed", "uncompleted", "cancelled", "edited"
        (other fields)."""
        if self.deleted:
            return ("deleted",)
        kinds = []
        if any(f in MOVED for f in self.fields):
            kinds.append("moved")
        completion = {"status", "completed"} & set(self.fields)
        if completion and self.cancelled_now:
            kinds.append("cancelled")
        elif completion and self.completed_now:
            kinds.append("completed")
        elif completion and self.completed_before:
            kinds.append("uncompleted")
        else:
            completion = set()  # another status (IN-PROCESS): an edit like any other
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
    before, after = decode_fingerprint(pushed), decode_fingerprint(now)
    changed = tuple(f for f in FIELDS if before.get(f) != after.get(f))
    if not changed:
        return None
    return ServerEdit(
        uid,
        changed,
        completed_now=completed_now or _is_complete(after),
        completed_before=_is_complete(before),
        cancelled_now=after.get("status") == _digest("CANCELLED"),
    )


def logical_lines(data: str) -> list[list[str]]:
    """Each content line with its folded continuations, as written."""
    groups: list[list[str]] = []
    for raw in re.split(r"\r?\n", data):
        if raw[:1] in (" ", "\t") and groups:
            groups[-1].append(raw)
        elif raw:
            groups.append([raw])
    return groups


def joined(group: list[str]) -> str:
    return group[0] + "".join(part[1:] for part in group[1:])


def property_name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].upper()


def folded(line: str) -> list[str]:
    """A content line folded at 75 octets, never inside a UTF-8 character."""
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return [parts[0], *(" " + part for part in parts[1:])]


# What our own rendering says; anything else on the server is a client's addition.
WRITTEN = {
    "UID", "SUMMARY", "DTSTART", "DTEND", "DUE", "DURATION", "DESCRIPTION", "URL",
    "CATEGORIES", "STATUS", "COMPLETED", "PERCENT-COMPLETE", "TRANSP", "CLASS", "DTSTAMP",
    "SEQUENCE", "LOCATION",
}  # fmt: skip


def carries_theirs(server: str, uid: str) -> bool:
    """Whether a later update of ours must merge: the object keeps fields the user made
    theirs, or properties a client added that we never write."""
    groups = logical_lines(server)
    try:
        start, end = component_range(groups)
    except (StopIteration, ValueError):
        return False
    own, _subs = split_component(groups[start + 1 : end])
    names = {property_name(joined(group)) for group in own}
    return OURS_PROPERTY in names or any(
        name not in WRITTEN and not name.startswith("X-FOLLOWUP-CAL-") for name in names
    )


def component_range(groups: list[list[str]]) -> tuple[int, int]:
    """(BEGIN, END) of the first VEVENT or VTODO, its own lines between."""
    start = next(
        i for i, g in enumerate(groups) if joined(g).upper() in ("BEGIN:VEVENT", "BEGIN:VTODO")
    )
    depth = 0
    for index in range(start, len(groups)):
        line = joined(groups[index]).upper()
        if line.startswith("BEGIN:"):
            depth += 1
        elif line.startswith("END:"):
            depth -= 1
            if depth == 0:
                return start, index
    raise ValueError("an unclosed component")


def split_component(groups: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """A component's own lines and its sub-components' (alarms), between BEGIN and END."""
    own: list[list[str]] = []
    subs: list[list[str]] = []
    depth = 0
    for group in groups:
        line = joined(group).upper()
        if line.startswith("BEGIN:"):
            depth += 1
        (subs if depth else own).append(group)
        if line.startswith("END:"):
            depth -= 1
    return own, subs


def edited_mark(fields: Iterable[str]) -> str | None:
    """The EDITED mark's value: the field names, the commas escaped (RFC 5545 3.3.11).
    An X- property is TEXT, and a server that parses it (Radicale through vobject) cuts
    an unescaped list at its first comma."""
    return "\\,".join(sorted(fields)) or None


def edited_fields(component: Any) -> set[str]:
    """The fields an event's EDITED mark names as the user's, in every form it was
    written (``end\\,summary``, older ``end,summary``) or a server gave it back (one
    property per value, a comma escaped twice)."""
    if component is None:
        return set()
    value = component.get(EDITED_PROPERTY)
    values = value if isinstance(value, list) else [value]
    names = re.findall(r"[a-z]+", " ".join(_text(v) for v in values if v is not None))
    return {name for name in names if name in FIELDS}


def retag(data: str, uid: str, marks: Mapping[str, str | None]) -> bytes:
    """The server's calendar object with our X- properties set (None: removed), and
    nothing else changed, line for line: what keeps the user's version as the new base.
    The marks go after the component's own properties, before its alarms (RFC 5545)."""
    groups = logical_lines(data)
    names = {name.upper() for name in marks}
    out: list[list[str]] = []
    depth, ours_at, pending = 0, -1, False
    for index, group in enumerate(groups):
        line = joined(group)
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            if pending and depth == ours_at:
                out += [folded(f"{k}:{v}") for k, v in marks.items() if v is not None]
                pending = False
            depth += 1
            if upper in ("BEGIN:VEVENT", "BEGIN:VTODO") and _is_master(groups, index, uid):
                ours_at, pending = depth, True
        elif upper.startswith("END:"):
            if pending and depth == ours_at:
                out += [folded(f"{k}:{v}") for k, v in marks.items() if v is not None]
                pending = False
            if depth == ours_at:
                ours_at = -1
            depth -= 1
        elif depth == 1 and property_name(line) == "METHOD":
            continue  # an object stored on a CalDAV server carries none
        elif depth == ours_at and property_name(line) in names:
            continue
        out.append(group)
    return ("\r\n".join(part for group in out for part in group) + "\r\n").encode()


def _is_master(groups: list[list[str]], start: int, uid: str) -> bool:
    """Whether the component opened at ``start`` is the one with this UID (not an
    exception of a recurrence)."""
    depth, found = 0, False
    for group in groups[start:]:
        line = joined(group)
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
        elif upper.startswith("END:"):
            depth -= 1
            if depth == 0:
                return found
        elif depth == 1:
            name = property_name(line)
            if name == "RECURRENCE-ID":
                return False
            if name == "UID" and step_uid(line.partition(":")[2]) == step_uid(uid):
                found = True
    return found

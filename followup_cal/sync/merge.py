"""A change of the YAML written over an event the user changed before: theirs stays.

When sync keeps the user's version of an event (they moved, ticked or edited it), it
marks it with the fingerprint of what it would have written then
(``X-FOLLOWUP-CAL-OURS``) beside the fingerprint of what the user saved
(``X-FOLLOWUP-CAL-PUSHED``). The fields where the two differ are the user's. When the
YAML later changes that event, our new rendering is written with the user's fields taken
from the server's copy, line for line:

- their times (an end they moved, all-day, another zone), unless the YAML moved the
  step itself: then both ends are ours;
- their title, notes, location and alarms;
- never the status or completion: the YAML says whether the step is done;
- and, on every update, any property a client added that we never write (PRIORITY,
  X-APPLE-*, X-MOZ-*...), with the time zone blocks their times need.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from followup_cal.calendar.ics import FORBIDDEN
from followup_cal.sync.algorithm import Write
from followup_cal.sync.caldav_remote import CalDAVRemote
from followup_cal.sync.edits import (
    EDITED_PROPERTY,
    OURS_PROPERTY,
    PUSHED_PROPERTY,
    WRITTEN,
    component_of,
    component_range,
    decode_fingerprint,
    edited_fields,
    edited_mark,
    joined,
    logical_lines,
    property_name,
    retag,
    server_fingerprint,
    split_component,
)

TIMES = ("DTSTART", "DTEND", "DUE", "DURATION")
TEXTS = {"summary": ("SUMMARY",), "description": ("DESCRIPTION",), "location": ("LOCATION",)}


def users_fields(server: str, uid: str, planned: str) -> set[str]:
    """The fields the user made theirs, that our new rendering (fingerprint
    ``planned``) must not take back; the times only while the YAML has not moved the
    step since."""
    component = component_of(server, uid)
    if component is None:
        return set()
    ours = decode_fingerprint(str(component.get(OURS_PROPERTY, "")))
    fields = edited_fields(component)
    new = decode_fingerprint(planned)
    if any(new.get(name) != ours.get(name) for name in ("start", "end")):
        fields -= {"start", "end"}  # the YAML moved the step: its times are ours
    return fields - {"status", "completed"}


def _zones(groups: list[list[str]]) -> dict[str, list[list[str]]]:
    """Each VTIMEZONE block of a calendar object, by its TZID."""
    zones: dict[str, list[list[str]]] = {}
    block: list[list[str]] | None = None
    depth = 0
    for group in groups:
        line = joined(group)
        if line.upper() == "BEGIN:VTIMEZONE":
            block, depth = [], 0
        if block is not None:
            block.append(group)
            if line.upper().startswith("BEGIN:"):
                depth += 1
            elif line.upper().startswith("END:"):
                depth -= 1
                if depth == 0:
                    tzid = next(
                        (joined(g).partition(":")[2] for g in block
                         if property_name(joined(g)) == "TZID"), ""
                    )  # fmt: skip
                    zones[tzid] = block
                    block = None
    return zones


def merge(rendered: bytes, server: str, uid: str, planned: str) -> bytes:
    """Our ``rendered`` object (fingerprint ``planned``) with the user's fields and a
    client's own properties taken from the server's copy (see the module docstring),
    and our marks saying so."""
    fields = users_fields(server, uid, planned)
    ours = logical_lines(rendered.decode())
    theirs = logical_lines(server)
    o_start, o_end = component_range(ours)
    t_start, t_end = component_range(theirs)
    our_own, our_subs = split_component(ours[o_start + 1 : o_end])
    their_own, their_subs = split_component(theirs[t_start + 1 : t_end])
    taken = {name for field in fields for name in TEXTS.get(field, ())}
    if "start" in fields or "end" in fields:
        taken |= set(TIMES)
    keep = [g for g in our_own if property_name(joined(g)) not in taken]
    forbidden = set(FORBIDDEN)
    for group in their_own:
        name = property_name(joined(group))
        added = name not in WRITTEN and not name.startswith("X-FOLLOWUP-CAL-")
        if (name in taken or added) and name not in forbidden:
            keep.append(group)
    subs = their_subs if "alarms" in fields else our_subs
    head = ours[:o_start]
    if "start" in fields or "end" in fields:
        present = _zones(head)
        for tzid, block in _zones(theirs[:t_start]).items():
            named = (f"TZID={tzid}:", f'TZID="{tzid}"')
            if tzid not in present and any(n in joined(g) for g in keep for n in named):
                head = [*head, *block]
    body = [*head, ours[o_start], *keep, *subs, *ours[o_end:]]
    text = "\r\n".join(part for group in body for part in group) + "\r\n"
    component = component_of(text, uid)
    now = server_fingerprint(component) if component is not None else planned
    marks = {
        PUSHED_PROPERTY: now,
        OURS_PROPERTY: planned if fields else None,
        EDITED_PROPERTY: edited_mark(fields),
    }
    return retag(text, uid, marks)


def with_their_copies(remote: CalDAVRemote, calendar_url: str, writes: list[Write]) -> list[Write]:
    """The updates to merge with what the user made theirs get the server's copy: read
    (one multiget) only for those the cache knew without it."""

    def lacks(write: Write) -> bool:
        return write.source is not None and write.source.theirs and not write.source.data

    missing = [w for w in writes if lacks(w)]
    if not missing:
        return writes
    paths = [urlsplit(urljoin(calendar_url, w.href or "")).path for w in missing]
    found = {e.uid: e for e in remote.fetch(calendar_url, paths)}
    wanted = {w.uid for w in missing}
    # An event that changed meanwhile answers 412 to the update's If-Match, as before.
    return [
        replace(w, source=found[w.uid]) if w.uid in wanted and w.uid in found else w for w in writes
    ]

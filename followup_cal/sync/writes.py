"""One write of a sync: what to PUT (our rendering, the user's copy with our marks, or
the two merged) and the conditional request that puts it there."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from followup_cal.calendar.ics import FORBIDDEN
from followup_cal.columns import one_line
from followup_cal.errors import FollowupCalError, WriteRefused
from followup_cal.sync.algorithm import Write
from followup_cal.sync.cache import SyncStatus
from followup_cal.sync.caldav_remote import CalDAVRemote, WriteResult, event_href
from followup_cal.sync.edits import (
    EDITED_PROPERTY,
    HASH_PROPERTY,
    OURS_PROPERTY,
    PUSHED_PROPERTY,
    SEARCH_PROPERTY,
    TICKED_PROPERTY,
    component_of,
    edited_fields,
    edited_mark,
    retag,
)
from followup_cal.sync.merge import merge
from followup_cal.sync.transport import redact

log = logging.getLogger(__name__)
STAMP = "%Y%m%dT%H%M%SZ"


def write_one(
    remote: CalDAVRemote, write: Write, calendar_url: str, search_id: str
) -> tuple[str, WriteResult | None]:
    """(where, what came of it): one conditional PUT or DELETE; None when the server's
    copy cannot be written back as it is (see ``_body``)."""
    try:
        if write.kind == "delete":
            href = write.href or ""
            return href, remote.delete(href, etag=write.etag)
        data = _body(write, search_id)
        href = write.href or event_href(calendar_url, write.uid)
        if data is None:
            return href, None
        return href, remote.put(href, data, etag=write.etag)
    except WriteRefused as exc:
        raise WriteRefused(f"{one_line(write.summary)} ({write.uid}): {exc}") from None


def write_again(
    remote: CalDAVRemote, write: Write, calendar_url: str, search_id: str
) -> tuple[str, WriteResult | None]:
    """A create the server failed on (5xx), sent once more, alone. Its If-None-Match
    makes that safe: a 412 says the first one was stored after all."""
    href, result = write_one(remote, write, calendar_url, search_id)
    if result is not None and result.status == 412:
        return href, WriteResult(True, None, 412)  # there, its ETag read next time
    return href, result


def _body(write: Write, search_id: str) -> bytes | None:
    """What to PUT: our rendering, or the server's own copy with our marks changed
    (adopt: it becomes the new base; release: it is no longer ours). None when the
    server's copy carries what we never write."""
    if write.render is not None:
        if write.source is not None and write.source.theirs and write.source.data:
            return merge(write.render(), write.source.data, write.uid, write.pushed)
        if write.over is not None and write.over.data:
            return moved_on(write.render(), write.over.data, write.uid)
        return write.render()
    assert write.source is not None
    source = write.source
    marks: dict[str, str | None]
    if write.kind == "adopt":
        marks = {
            HASH_PROPERTY: write.content_hash,
            SEARCH_PROPERTY: search_id,
            PUSHED_PROPERTY: source.now,
        }
        # What the user changed stays theirs, through later updates of ours (``merge``).
        edited = set(write.edited) | edited_fields(component_of(source.data, write.uid))
        edited -= {"status", "completed"}  # the YAML says whether a step is done
        marks[OURS_PROPERTY] = write.ours if edited else None
        marks[EDITED_PROPERTY] = edited_mark(edited)
        if write.ticked:
            marks[TICKED_PROPERTY] = write.ticked
    else:
        names = (HASH_PROPERTY, SEARCH_PROPERTY, PUSHED_PROPERTY, TICKED_PROPERTY, OURS_PROPERTY,
                 EDITED_PROPERTY)  # fmt: skip
        marks = dict.fromkeys(names)
    data = retag(source.data, write.uid, marks)
    if any(b"\n" + name.encode() in data for name in FORBIDDEN):
        return None  # written back by us, an invitation could go out
    return data


def discard_calendar(remote: CalDAVRemote, url: str, status: SyncStatus) -> None:
    """Remove a calendar this sync made when none of its events got there, and forget
    it: the next sync makes it again (a failure here is only logged)."""
    try:
        remote.request(url, "DELETE", "", {}, safe=False)
    except FollowupCalError as exc:
        log.info("the empty calendar %s was not removed (%s)", redact(url), exc)
    status.forget_calendar(url)
    for key in [k for k, v in status.calendars.items() if v == url]:
        del status.calendars[key]


def moved_on(rendered: bytes, server: str, uid: str) -> bytes:
    """Our version put back over the user's, with SEQUENCE and DTSTAMP past both
    theirs and what we wrote before: the object differs from every earlier one, so a
    client that compares what it last saw (vdirsyncer, pimutils/vdirsyncer#1155) picks
    it up. Derived from the two objects alone, never from the clock."""
    theirs = component_of(server, uid)
    if theirs is None:
        return rendered
    text = rendered.decode()
    ours_seq = re.search(r"^SEQUENCE:(\d+)\r?$", text, re.MULTILINE)
    ours_stamp = re.search(r"^DTSTAMP:(\d{8}T\d{6}Z)\r?$", text, re.MULTILINE)
    if ours_seq is None or ours_stamp is None:
        return rendered
    try:
        their_seq = int(str(theirs.get("SEQUENCE", 0)))
    except ValueError:
        their_seq = 0
    stamp = datetime.strptime(ours_stamp.group(1), STAMP).replace(tzinfo=UTC)
    their_stamp = theirs.decoded("DTSTAMP") if "DTSTAMP" in theirs else None
    if isinstance(their_stamp, datetime) and their_stamp.tzinfo is not None:
        stamp = max(stamp, their_stamp.astimezone(UTC) + timedelta(seconds=1))
    sequence = max(int(ours_seq.group(1)), their_seq) + 1
    text = text.replace(ours_seq.group(0), f"SEQUENCE:{sequence}\r", 1)
    text = text.replace(ours_stamp.group(0), f"DTSTAMP:{stamp.strftime(STAMP)}\r", 1)
    return text.encode()

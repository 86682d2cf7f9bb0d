"""One write of a sync: what to PUT (our rendering, the user's copy with our marks, or
the two merged) and the conditional request that puts it there."""

from __future__ import annotations

from followup_cal.calendar.ics import FORBIDDEN
from followup_cal.sync.algorithm import Write
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


def write_one(
    remote: CalDAVRemote, write: Write, calendar_url: str, search_id: str
) -> tuple[str, WriteResult | None]:
    """(where, what came of it): one conditional PUT or DELETE; None when the server's
    copy cannot be written back as it is (see ``_body``)."""
    if write.kind == "delete":
        href = write.href or ""
        return href, remote.delete(href, etag=write.etag)
    data = _body(write, search_id)
    href = write.href or event_href(calendar_url, write.uid)
    if data is None:
        return href, None
    return href, remote.put(href, data, etag=write.etag)


def _body(write: Write, search_id: str) -> bytes | None:
    """What to PUT: our rendering, or the server's own copy with our marks changed
    (adopt: it becomes the new base; release: it is no longer ours). None when the
    server's copy carries what we never write."""
    if write.render is not None:
        if write.source is not None and write.source.theirs and write.source.data:
            return merge(write.render(), write.source.data, write.uid, write.pushed)
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

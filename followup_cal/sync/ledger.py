"""Which of this file's events the server is known to hold, kept on the server itself.

A deletion made in a calendar app leaves nothing behind to read; the cache beside the
YAML remembers which events were there, but a second machine (or a deleted cache) does
not. So sync keeps, as a WebDAV dead property of the calendar collection (one per
``sync_id``), a sorted list of short digests of the UIDs it saw confirmed on the server:

- a digest is added only after its event is confirmed there (a read, or a PUT answered
  2xx), and is removed BEFORE sync deletes or releases that event itself;
- so a planned UID that is absent while its digest is in the record was deleted by
  someone else: the user. Anything unsure (the server refuses the property, it is
  missing, unreadable or garbled) recognises nothing, and the event is created again,
  as without the record. Never a ``skipped:`` that the user did not make.

Read only when a planned event is absent and the cache does not know it (one PROPFIND);
written (one PROPPATCH, the whole list) only when this sync changed what is there.

Known limit: two machines syncing the same file at the very same moment can overwrite
each other's record (last write wins). The record can then lack an event (a later
deletion of it is not recognised: the event comes back) or, if one machine deletes an
event while the other writes the record it read before, keep one that sync itself
deleted: planned again on a machine that has no cache of it, it would read as deleted.
Radicale keeps dead properties; Xandikos and sabre/dav 1.8 refuse them (403), and
there sync behaves as without the record.
"""

from __future__ import annotations

import hashlib
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

from followup_cal.errors import FollowupCalError
from followup_cal.sync.algorithm import Remote, Write
from followup_cal.sync.transport import Transport, redact

log = logging.getLogger(__name__)

NAMESPACE = "urn:followup-cal:pushed"
VERSION = "v1"
DIGEST_CHARS = 12  # 48 bits: no two of a file's few hundred UIDs share one
DAV = "DAV:"
HEADERS = {"Content-Type": "application/xml; charset=utf-8"}


def digest(uid: str) -> str:
    return hashlib.sha256(uid.encode()).hexdigest()[:DIGEST_CHARS]


def property_name(search_id: str) -> str:
    # A sync_id is letters, digits, '.', '_' and '-': an XML name after the 'S-'.
    return f"S-{search_id}"


def encode(uids: Iterable[str]) -> str:
    return " ".join([VERSION, *sorted({digest(uid) for uid in uids})])


def decode(text: str) -> set[str] | None:
    """The digests in a record's text; None when it is not one we wrote."""
    parts = text.split()
    if not parts or parts[0] != VERSION:
        return None
    digests = set(parts[1:])
    hexdigits = set("0123456789abcdef")
    if any(len(d) != DIGEST_CHARS or not set(d) <= hexdigits for d in digests):
        return None
    return digests


def _fetch(transport: Transport, calendar_url: str, search_id: str) -> str | None:
    """The record's text; "" when the server says it has none; None when unreadable."""
    name = property_name(search_id)
    body = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:" '
        f'xmlns:F="{NAMESPACE}"><D:prop><F:{name}/></D:prop></D:propfind>'
    )
    try:
        response = transport.request(
            calendar_url, "PROPFIND", body, {"Depth": "0", **HEADERS}, safe=True
        )
    except FollowupCalError as exc:
        log.info("the record of this file's events was not read (%s)", exc)
        return None
    if response.status != 207:
        log.info("%s: reading the record of this file's events: HTTP %d",
                 redact(calendar_url), response.status)  # fmt: skip
        return None
    text = _ok_value(response.body, name)
    return "" if text is None and _is_multistatus(response.body) else text


def read(transport: Transport, calendar_url: str, search_id: str) -> set[str] | None:
    """The digests recorded for this search; None when there is no usable record."""
    text = _fetch(transport, calendar_url, search_id)
    digests = decode(text) if text else None
    if digests is None:
        log.info(
            "%s: no usable record of this file's events: an event missing there is created again",
            redact(calendar_url),
        )
    return digests


def holds_none_of(transport: Transport, calendar_url: str, search_id: str,
                  uids: Iterable[str]) -> bool:  # fmt: skip
    """Whether the record surely names none of ``uids``: so sync may delete them."""
    text = _fetch(transport, calendar_url, search_id)
    if text is None:
        return False  # unreadable: it may name them
    digests = decode(text)
    # None recorded, or a record we never trust: nothing in it can read as a deletion.
    return digests is None or not digests & {digest(uid) for uid in uids}


def write(transport: Transport, calendar_url: str, search_id: str, uids: Iterable[str]) -> bool:
    """Replace the record with ``uids``; whether the server says it keeps it. A whole
    value set: the same request twice does the same, so it is retried as a read is."""
    name = property_name(search_id)
    body = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<D:propertyupdate xmlns:D="DAV:" '
        f'xmlns:F="{NAMESPACE}"><D:set><D:prop><F:{name}>{encode(uids)}</F:{name}>'
        f"</D:prop></D:set></D:propertyupdate>"
    )
    try:
        response = transport.request(calendar_url, "PROPPATCH", body, HEADERS, safe=True)
    except FollowupCalError as exc:
        log.info("the record of events on the server was not written (%s)", exc)
        return False
    kept = response.status in (200, 204) or (
        response.status == 207 and _ok_value(response.body, name) is not None
    )
    if not kept:
        log.info(
            "%s: the server does not keep the record of this file's events (HTTP %d): "
            "an event deleted in the calendar is recognised only by this machine's cache",
            redact(calendar_url),
            response.status,
        )
    return kept


def _tree(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body) if body else None
    except ET.ParseError:
        return None


def _is_multistatus(body: bytes) -> bool:
    tree = _tree(body)
    return tree is not None and tree.tag == f"{{{DAV}}}multistatus"


def _ok_value(body: bytes, name: str) -> str | None:
    """The text of our property where the multistatus says 200 for it, else None."""
    tree = _tree(body)
    if tree is None:
        return None
    for propstat in tree.iter(f"{{{DAV}}}propstat"):
        code = (propstat.findtext(f"{{{DAV}}}status") or "").split()
        element = propstat.find(f"{{{DAV}}}prop/{{{NAMESPACE}}}{name}")
        if element is not None and len(code) > 1 and code[1] == "200":
            return element.text or ""
    return None


def removed_by_us(writes: Iterable[Write], owned: Mapping[str, Remote]) -> set[str]:
    """The UIDs these writes take off the server (deleted, or released as the user's);
    not a second copy of one, whose first stays."""
    return {
        w.uid
        for w in writes
        if w.kind in ("delete", "release") and w.uid in owned and owned[w.uid].href == w.href
    }


def before_writes(
    transport: Transport,
    calendar_url: str,
    search_id: str,
    owned: Mapping[str, Remote],
    writes: list[Write],
) -> tuple[list[Write], set[str] | None]:
    """(the writes that may go ahead, the UIDs now recorded or None): before sync
    deletes an event itself, its digest leaves the record. When the server does not
    take the new record and may still hold the old one, those deletions wait."""
    removed = removed_by_us(writes, owned)
    if not removed:
        return writes, None
    present = set(owned) - removed
    if write(transport, calendar_url, search_id, present):
        return writes, present
    if holds_none_of(transport, calendar_url, search_id, removed):
        return writes, None
    log.info("%d deletion(s) wait for the next sync: the record still names them", len(removed))
    return [w for w in writes if w.uid not in removed or w.kind not in ("delete", "release")], None

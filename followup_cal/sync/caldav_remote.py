"""The CalDAV side: discovery, one REPORT for everything we own, conditional writes.

The requests are ours (five kinds, with exact conditional headers); they are sent by
``transport`` (the caldav package's DAVClient). Only requests that are safe to repeat
(PROPFIND, REPORT) are retried; writes are conditional, so a re-run after a failure is
safe.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from followup_cal.errors import (
    AuthFailed,
    CalendarNotFound,
    ServerBusy,
    ServerError,
    WriteRefused,
)
from followup_cal.plan.uids import step_uid
from followup_cal.sync.algorithm import OWNED_SUFFIX, Remote, has_our_suffix
from followup_cal.sync.edits import (
    HASH_PROPERTY,
    PUSHED_PROPERTY,
    SEARCH_PROPERTY,
    carries_theirs,
    component_of,
    server_fingerprint,
)
from followup_cal.sync.refusals import explain
from followup_cal.sync.transport import PATH_SAFE, Response, Transport, redact, same_site

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"

# Only events whose UID holds our suffix: a shared calendar's other events cost nothing.
# A server that ignores the filter sends them all, and the decision leaves them alone.
REPORT_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/>{data}</D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="{component}">
      <C:prop-filter name="UID"><C:text-match collation="i;octet">{suffix}</C:text-match>
      </C:prop-filter>
    </C:comp-filter></C:comp-filter>
  </C:filter>
</C:calendar-query>"""
MULTIGET_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  {hrefs}
</C:calendar-multiget>"""
XML = {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"}
# RFC 6578: what changed since the token, ETags only (a foreign event costs a line).
SYNC_COLLECTION_BODY = """<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>
  <D:prop><D:getetag/></D:prop>
</D:sync-collection>"""
SYNC_TOKEN = "<D:sync-token/>"

COMPONENTS = "<C:supported-calendar-component-set/>"
WELL_KNOWN = "/.well-known/caldav"
PROPFIND_BODY = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>{props}</D:prop>
</D:propfind>"""


def unfold(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")


@dataclass(frozen=True)
class Changes:
    """A sync-collection answer: the new token, what changed (href as sent -> ETag), and
    which hrefs are gone."""

    token: str
    changed: dict[str, str]
    deleted: list[str]


def canonical(href: str) -> str:
    """An href in one spelling (percent-encoding differs between what we PUT and what a
    server lists): to compare, never to send."""
    return quote(unquote(urlsplit(href).path), safe=PATH_SAFE.replace("%", ""))


@dataclass(frozen=True)
class WriteResult:
    ok: bool
    etag: str | None  # the new ETag, when the server sent one
    status: int


def _tree(response: Response) -> ET.Element | None:
    try:
        return ET.fromstring(response.body) if response.body else None
    except ET.ParseError:
        return None


class CalDAVRemote:
    """One calendar server seen as CalDAV: every request goes through ``transport``."""

    def __init__(self, transport: Transport) -> None:
        self.url = transport.url
        self.transport = transport
        self.request = self.transport.request
        self.components: dict[str, set[str]] = {}  # calendar URL -> what it takes, when said

    def clone(self) -> CalDAVRemote:
        """Another client for the same server and user, for a second connection."""
        return CalDAVRemote(self.transport.clone())

    @property
    def requests(self) -> int:
        return self.transport.requests

    @property
    def final_url(self) -> str:
        return self.transport.final_url

    def close(self) -> None:
        self.transport.close()

    # -- reading -------------------------------------------------------------------------

    def _multistatus(self, response: Response, url: str, what: str) -> ET.Element:
        if response.status == 404:
            raise CalendarNotFound(f"{redact(url)}: calendar not found (404)")
        if response.status in (400, 405, 501):
            raise ServerError(
                f"{redact(url)}: not a CalDAV server or calendar (it answered HTTP "
                f"{response.status}); check the URL"
            )
        if response.status >= 400:
            raise ServerError(f"{redact(url)}: {what} failed with HTTP {response.status}")
        tree = _tree(response) if response.status == 207 else None
        if tree is None or tree.tag != f"{{{DAV}}}multistatus":
            raise ServerError(f"{redact(url)}: not a CalDAV server (no multistatus answer)")
        return tree

    def owned_events(
        self,
        calendar_url: str,
        component: str = "VEVENT",
        known: Mapping[str, Remote] | None = None,
    ) -> list[Remote]:
        """Every VEVENT (or VTODO) of ours in the calendar with its ETag.

        With ``known`` (the cache: what an href held at an ETag), one REPORT of ETags only
        and a multiget of just the events whose ETag changed; without, one REPORT with the
        data. Both read the same thing: an ETag names one content.
        """
        body = REPORT_BODY.format(
            component=component,
            suffix=OWNED_SUFFIX,
            data="" if known is not None else "<C:calendar-data/>",
        )
        response = self.request(calendar_url, "REPORT", body, XML, safe=True)
        tree = self._multistatus(response, calendar_url, "reading the calendar")
        if known is None:
            return self._events(tree, calendar_url)
        events, stale = [], []
        for item in tree.iter(f"{{{DAV}}}response"):
            raw = item.findtext(f"{{{DAV}}}href") or ""
            href = urljoin(calendar_url, raw)
            etag = item.findtext(f".//{{{DAV}}}getetag") or ""
            cached = known.get(href)
            if cached is not None and cached.etag == etag and etag:
                events.append(cached)
            elif raw and href.rstrip("/") != calendar_url.rstrip("/"):
                stale.append(raw)  # as the server wrote it
        return events + self.fetch(calendar_url, stale)

    def fetch(self, calendar_url: str, hrefs: list[str]) -> list[Remote]:
        """The events at these hrefs (one calendar-multiget; none sent for none); an
        href with nothing there is left out."""
        if not hrefs:
            return []
        body = MULTIGET_BODY.format(
            hrefs="".join(f"<D:href>{_xml_text(h)}</D:href>" for h in hrefs)
        )
        response = self.request(calendar_url, "REPORT", body, XML, safe=True)
        if response.status == 404 and self._exists(calendar_url):
            # sabre/dav 1.8 answers a multiget that names a missing event with a 404 for
            # the whole of it: asked again in halves, down to the one that is gone.
            if len(hrefs) == 1:
                return []
            half = len(hrefs) // 2
            return self.fetch(calendar_url, hrefs[:half]) + self.fetch(calendar_url, hrefs[half:])
        tree = self._multistatus(response, calendar_url, "reading the calendar")
        return self._events(tree, calendar_url)

    def _exists(self, url: str) -> bool:
        body = PROPFIND_BODY.format(props="<D:resourcetype/>")
        headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        return self.request(url, "PROPFIND", body, headers, safe=True).status == 207

    def sync_token(self, calendar_url: str) -> str:
        """The calendar's current sync token (RFC 6578), "" when the server offers none."""
        try:
            tree = self._propfind(calendar_url, SYNC_TOKEN, "0")
        except ServerError:
            return ""  # not offered (or not readable): the filtered query does without
        return (tree.findtext(f".//{{{DAV}}}sync-token") or "").strip()

    def changes_since(self, calendar_url: str, token: str) -> Changes | None:
        """What changed in the calendar since ``token``, in one REPORT; None when the
        server no longer accepts the token (403/409 valid-sync-token), cut the answer
        short (507), or does not do sync-collection: then everything is read again."""
        body = SYNC_COLLECTION_BODY.format(token=_xml_text(token))
        headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        response = self.request(calendar_url, "REPORT", body, headers, safe=True)
        # 403/409 valid-sync-token (RFC 6578; Xandikos says 412); 400, 415 or 501: a
        # server without sync-collection.
        if response.status in (400, 403, 409, 412, 415, 501):
            return None
        tree = self._multistatus(response, calendar_url, "reading the calendar")
        changed: dict[str, str] = {}
        deleted: list[str] = []
        own = canonical(calendar_url)
        for item in tree.iter(f"{{{DAV}}}response"):
            raw = item.findtext(f"{{{DAV}}}href") or ""
            status = item.findtext(f"{{{DAV}}}status") or ""
            if not raw:
                continue
            if canonical(urljoin(calendar_url, raw)) == own:
                if " 507" in status:
                    return None  # truncated: what is missing cannot be known
                continue
            if " 404" in status:
                deleted.append(raw)
            else:
                changed[raw] = item.findtext(f".//{{{DAV}}}getetag") or ""
        new_token = (tree.findtext(f"{{{DAV}}}sync-token") or "").strip()
        return Changes(new_token, changed, deleted) if new_token else None

    def _events(self, tree: ET.Element, calendar_url: str) -> list[Remote]:
        events = []
        for item in tree.iter(f"{{{DAV}}}response"):
            href = item.findtext(f"{{{DAV}}}href") or ""
            etag = item.findtext(f".//{{{DAV}}}getetag") or ""
            data = item.findtext(f".//{{{CALDAV}}}calendar-data") or ""
            event = read_event(urljoin(calendar_url, href), etag, data) if href else None
            if event is not None:
                events.append(event)
        return events

    def _propfind(self, url: str, props: str, depth: str) -> ET.Element:
        response = self.request(
            url,
            "PROPFIND",
            PROPFIND_BODY.format(props=props),
            {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            safe=True,
        )
        return self._multistatus(response, url, "PROPFIND")

    def _note_components(self, url: str, item: ET.Element) -> None:
        names = {
            comp.get("name", "").upper()
            for comp in item.iter(f"{{{CALDAV}}}comp")
            if comp.get("name")
        }
        if names:  # none listed: the calendar takes every kind
            self.components[url] = names

    def is_calendar(self, url: str) -> bool:
        try:
            tree = self._propfind(url, "<D:resourcetype/>" + COMPONENTS, "0")
        except CalendarNotFound:
            return False  # discovery says what was tried
        if tree.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
            return False
        self._note_components(url, tree)
        return True

    def accepts(self, calendar_url: str, component: str) -> bool:
        """Whether the calendar takes events (VEVENT) or tasks (VTODO), as far as known."""
        return component in self.components.get(calendar_url, {component})

    def _principal(self, url: str) -> ET.Element:
        """The PROPFIND for the current user's principal; /.well-known/caldav when the URL
        given has nothing (404), and a message naming both when neither has."""
        body = "<D:current-user-principal/>"
        try:
            return self._propfind(url, body, "0")
        except CalendarNotFound:
            well_known = urljoin(url, WELL_KNOWN)
            tried = [redact(url)]
            if well_known != url:
                tried.append(redact(well_known))
                try:
                    return self._propfind(well_known, body, "0")
                except CalendarNotFound:
                    pass
        raise ServerError(
            f"{redact(url)}: no CalDAV service found (404 at {' and at '.join(tried)}); give "
            "the server's CalDAV URL (Nextcloud: https://HOST/remote.php/dav/) or the "
            "calendar's own URL"
        )

    def discover_calendars(self, url: str) -> tuple[str, dict[str, str]]:
        """(calendar home, {display name: calendar URL}) in three PROPFINDs (one more when
        the URL given has nothing and /.well-known/caldav is tried)."""
        tree = self._principal(url)
        principal = tree.findtext(f".//{{{DAV}}}current-user-principal/{{{DAV}}}href")
        if not principal and not (self.transport.user or self.transport.bearer):
            # Cyrus answers a request without a login at its root, naming no one: the
            # principal is the user's, and no user was given.
            raise AuthFailed(
                f"{redact(url)}: the server names no user's calendars without a login "
                "(no current-user-principal); no user: give --user or FOLLOWUP_CAL_USER"
            )
        if not principal:
            raise ServerError(f"{redact(url)}: not a CalDAV server (no current-user-principal)")
        principal_url = self._named(url, principal)
        tree = self._propfind(principal_url, "<C:calendar-home-set/>", "0")
        home = tree.findtext(f".//{{{CALDAV}}}calendar-home-set/{{{DAV}}}href")
        if not home:
            raise ServerError(f"{redact(url)}: the server names no calendar home")
        home_url = self._named(url, home)
        tree = self._propfind(home_url, "<D:resourcetype/><D:displayname/>" + COMPONENTS, "1")
        calendars: dict[str, str] = {}
        for item in tree.iter(f"{{{DAV}}}response"):
            if item.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
                continue
            href = self._named(url, item.findtext(f"{{{DAV}}}href") or "")
            name = item.findtext(f".//{{{DAV}}}displayname") or href.rstrip("/").rsplit("/", 1)[-1]
            self._note_components(href, item)
            calendars.setdefault(name, href)
        return home_url, calendars

    def _named(self, url: str, href: str) -> str:
        """Where an href from the last answer points. It may be another host of the
        same provider (iCloud keeps calendars on pNN-caldav.icloud.com), and the
        credentials go there; a host of another site is refused."""
        target = urljoin(self.final_url, href)
        if not same_site(url, target):
            raise ServerError(
                f"{redact(url)}: the server puts your calendars on {redact(target)}, another "
                "site; credentials are not sent there on their own: give that URL with "
                "--url if you trust it"
            )
        return target

    def make_calendar(self, home_url: str, name: str, component: str = "VEVENT") -> str:
        """MKCALENDAR under the home, named ``name``, for events or tasks; returns its URL.

        The path is a slug ('Übersicht' -> ubersicht, other scripts transliterated with a
        short digest, the same for the same name); the display name is ``name`` exactly."""
        from followup_cal.plan.model import slugify

        slug = slugify(name) or "followups"
        url = urljoin(home_url, quote(slug) + "/")
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{_xml_text(name)}</D:displayname>
  <C:supported-calendar-component-set>
    <C:comp name="{component}"/>
  </C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        response = self.request(url, "MKCALENDAR", body, headers, safe=False)
        if response.status in (403, 409):
            raise WriteRefused(
                f"{redact(url)}: creating the calendar refused: "
                + explain(response.status, response.body)
            )
        if response.status not in (200, 201):
            raise ServerError(
                f"{redact(url)}: creating the calendar failed with HTTP {response.status}"
            )
        return url

    # -- writing -------------------------------------------------------------------------

    # Every write is conditional on the ETag this run read, --force too: --force overwrites
    # an edit the user made before the sync, never one made while it runs (412), and
    # Open-Xchange refuses an overwrite without If-Match (409).
    def put(self, href: str, data: bytes, *, etag: str | None) -> WriteResult:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is None:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = etag
        response = self.request(href, "PUT", data, headers, safe=False)
        return self._write_result(response, href, "saving an event")

    def delete(self, href: str, *, etag: str | None) -> WriteResult:
        headers = {"If-Match": etag} if etag else {}
        # A DELETE bound to one ETag is safe to send again after a 5xx or a dropped
        # connection (Xandikos answers 500 when several meet its repository's lock): if
        # the first went through, the second finds nothing (404) or another ETag (412).
        response = self.request(href, "DELETE", "", headers, safe=bool(etag))
        if response.status == 404:
            return WriteResult(True, None, 404)  # already gone: what we wanted
        return self._write_result(response, href, "deleting an event")

    def _write_result(self, response: Response, href: str, what: str) -> WriteResult:
        if response.status == 412:
            return WriteResult(False, None, 412)
        if response.status in (403, 409):
            raise WriteRefused(f"{what} refused: {explain(response.status, response.body)}")
        if response.status >= 500:
            raise ServerBusy(f"{redact(href)}: {what} failed with HTTP {response.status}")
        if response.status >= 400:
            raise ServerError(f"{redact(href)}: {what} failed with HTTP {response.status}")
        etag = response.headers.get("etag")
        return WriteResult(True, etag, response.status)


def _property(text: str, name: str) -> str:
    found = re.search(rf"^{name}(?:;[^:\r\n]*)?:(.*)$", text, re.MULTILINE)
    return found.group(1).strip() if found else ""


def read_event(href: str, etag: str, data: str) -> Remote | None:
    """One calendar object as the sync decision sees it; None when it has no UID.

    Our own marks are found with a line match; the user-editable fields are parsed only
    for events that carry our suffix (a foreign event's content is never looked at).
    """
    text = unfold(data)
    held_as = _property(text, "UID")
    if not held_as:
        return None
    uid = step_uid(held_as)  # a task's UID names its step (``plan.uids``)
    now, completed, theirs, kind = "", False, False, ""
    if has_our_suffix(uid):
        component = component_of(data, uid)
        if component is not None:
            kind = component.name
            now = server_fingerprint(component)
            completed = str(component.get("STATUS", "")).upper() == "COMPLETED"
            theirs = carries_theirs(data, uid)
    return Remote(
        uid=uid,
        href=href,
        etag=etag,
        content_hash=_property(text, HASH_PROPERTY),
        search=_property(text, SEARCH_PROPERTY),
        pushed=_property(text, PUSHED_PROPERTY),
        now=now,
        completed=completed,
        data=data,
        theirs=theirs,
        wire=held_as if held_as != uid else "",
        kind=kind,
    )


def event_href(calendar_url: str, uid: str) -> str:
    """Where a new event of ours lives: derived from its UID, so a retry hits the same one."""
    base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
    return base + quote(uid.replace("@", "-at-"), safe="") + ".ics"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

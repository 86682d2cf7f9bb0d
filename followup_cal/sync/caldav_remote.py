"""The CalDAV side: discovery, one REPORT for everything we own, conditional writes.

The HTTP is the standard library's (one kept-alive connection, Basic credentials sent
up front, TLS verified by default), because sync needs exactly these five requests with
exact conditional headers, and a no-op sync must start fast: the caldav package's
client alone took 0.13 s to import, more than half the no-op budget (see README).
Only requests that are safe to repeat (PROPFIND, REPORT) are retried, with backoff;
writes are conditional, so a re-run after a failure is safe.
"""

from __future__ import annotations

import base64
import http.client
import logging
import re
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from followup_cal import __version__
from followup_cal.errors import AuthFailed, CalendarNotFound, ServerError, ServerUnreachable
from followup_cal.sync.algorithm import Remote, has_our_suffix
from followup_cal.sync.edits import (
    HASH_PROPERTY,
    PUSHED_PROPERTY,
    SEARCH_PROPERTY,
    component_of,
    server_fingerprint,
)

log = logging.getLogger(__name__)
DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
USER_AGENT = f"followup-cal/{__version__}"
RETRY_DELAYS = (0.5, 1.5)
REDIRECTS = (301, 302, 307, 308)  # seconds before the 2nd and 3rd try of a safe request

REPORT_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="{component}"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""

PROPFIND_BODY = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>{props}</D:prop>
</D:propfind>"""


def redact(url: str) -> str:
    """The URL without any user:password@ part, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def unfold(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")


@dataclass(frozen=True)
class WriteResult:
    ok: bool
    etag: str | None  # the new ETag, when the server sent one
    status: int


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def tree(self) -> ET.Element | None:
        try:
            return ET.fromstring(self.body) if self.body else None
        except ET.ParseError:
            return None


class CalDAVRemote:
    """One server, one user, one kept-alive connection: every request goes through
    :meth:`request`, so each one is chosen and counted here."""

    def __init__(
        self,
        url: str,
        user: str | None,
        password: str | None,
        *,
        verify_tls: bool = True,
        timeout: int = 30,
    ) -> None:
        self.url = url
        self.requests = 0
        self.timeout = timeout
        self.verify_tls = verify_tls
        self.auth = ""
        if user:
            # Sent with every request: a 401 round trip costs time (Radicale delays it).
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.auth = f"Basic {token}"
        self._connection: http.client.HTTPConnection | None = None
        self._origin = ""
        self._redirects = 0
        self.final_url = url

    def _connect(self, parts: SplitResult) -> http.client.HTTPConnection:
        origin = f"{parts.scheme}://{parts.netloc}"
        if self._connection is not None and origin == self._origin:
            return self._connection
        self.close()
        host, port = parts.hostname or "", parts.port
        if parts.scheme == "https":
            context = ssl.create_default_context()
            if not self.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=context
            )
        elif parts.scheme == "http":
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        else:
            raise ServerError(f"{redact(self.url)}: expected an http:// or https:// URL")
        self._connection, self._origin = connection, origin
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _send(self, url: str, method: str, body: bytes, headers: dict[str, str]) -> Response:
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        all_headers = {"User-Agent": USER_AGENT, **headers}
        if self.auth:
            all_headers["Authorization"] = self.auth
        while True:
            reused = self._connection is not None and self._origin == (
                f"{parts.scheme}://{parts.netloc}"
            )
            connection = self._connect(parts)
            try:
                connection.request(method, path, body=body, headers=all_headers)
                reply = connection.getresponse()
                data = reply.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed while idle: try once more on a
                # fresh one. Writes are conditional, so a repeat cannot do harm.
                self.close()
                if not reused:
                    raise
                continue
            if reply.will_close:
                self.close()
            # The URL without credentials or query; headers (Authorization) never.
            log.info("%s %s -> %d", method, redact(url).partition("?")[0], reply.status)
            log.debug("  %d bytes sent, %d received", len(body), len(data))
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, data)

    def request(
        self,
        url: str,
        method: str,
        body: str | bytes = "",
        headers: dict[str, str] | None = None,
        *,
        safe: bool,
    ) -> Response:
        data = body.encode() if isinstance(body, str) else body
        tries = len(RETRY_DELAYS) + 1 if safe else 1
        for attempt in range(tries):
            self.requests += 1
            try:
                response = self._send(url, method, data, headers or {})
            except ssl.SSLError:
                self.close()
                raise ServerUnreachable(
                    f"{redact(url)}: TLS failed: the certificate is not trusted, or the server "
                    "does not speak TLS there; --insecure skips the check, at your own risk"
                ) from None
            except TimeoutError:
                self.close()
                if attempt + 1 < tries:
                    time.sleep(RETRY_DELAYS[attempt])
                    continue
                message = f"{redact(url)}: the server did not answer in time"
                raise ServerUnreachable(message) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt + 1 < tries:
                    time.sleep(RETRY_DELAYS[attempt])
                    continue
                raise ServerUnreachable(
                    f"{redact(url)}: cannot reach the server ({_reason(exc)})"
                ) from None
            if response.status in (401, 403):
                raise AuthFailed(
                    f"{redact(url)}: the server refused the credentials ({response.status}); "
                    "check the user name and password"
                )
            if response.status >= 500 and attempt + 1 < tries:
                time.sleep(RETRY_DELAYS[attempt])
                continue
            location = response.headers.get("location")
            if safe and response.status in REDIRECTS and location and self._redirects < 3:
                # e.g. /.well-known/caldav -> the DAV root; only reads follow redirects.
                self._redirects += 1
                return self.request(urljoin(url, location), method, body, headers, safe=safe)
            self._redirects = 0
            self.final_url = url  # where the answer came from, for resolving its hrefs
            return response
        raise AssertionError("unreachable")  # pragma: no cover

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
        tree = response.tree if response.status == 207 else None
        if tree is None or tree.tag != f"{{{DAV}}}multistatus":
            raise ServerError(f"{redact(url)}: not a CalDAV server (no multistatus answer)")
        return tree

    def owned_events(self, calendar_url: str, component: str = "VEVENT") -> list[Remote]:
        """Every VEVENT (or VTODO) in the calendar with its ETag, in one REPORT."""
        response = self.request(
            calendar_url,
            "REPORT",
            REPORT_BODY.format(component=component),
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            safe=True,
        )
        tree = self._multistatus(response, calendar_url, "reading the calendar")
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

    def is_calendar(self, url: str) -> bool:
        tree = self._propfind(url, "<D:resourcetype/>", "0")
        return tree.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is not None

    def discover_calendars(self, url: str) -> tuple[str, dict[str, str]]:
        """(calendar home, {display name: calendar URL}) in at most three PROPFINDs."""
        tree = self._propfind(url, "<D:current-user-principal/>", "0")
        principal = tree.findtext(f".//{{{DAV}}}current-user-principal/{{{DAV}}}href")
        if not principal:
            raise ServerError(f"{redact(url)}: not a CalDAV server (no current-user-principal)")
        principal_url = urljoin(self.final_url, principal)
        tree = self._propfind(principal_url, "<C:calendar-home-set/>", "0")
        home = tree.findtext(f".//{{{CALDAV}}}calendar-home-set/{{{DAV}}}href")
        if not home:
            raise ServerError(f"{redact(url)}: the server names no calendar home")
        home_url = urljoin(self.final_url, home)
        tree = self._propfind(home_url, "<D:resourcetype/><D:displayname/>", "1")
        calendars: dict[str, str] = {}
        for item in tree.iter(f"{{{DAV}}}response"):
            if item.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
                continue
            href = urljoin(self.final_url, item.findtext(f"{{{DAV}}}href") or "")
            name = item.findtext(f".//{{{DAV}}}displayname") or href.rstrip("/").rsplit("/", 1)[-1]
            calendars.setdefault(name, href)
        return home_url, calendars

    def make_calendar(self, home_url: str, name: str, component: str = "VEVENT") -> str:
        """MKCALENDAR under the home, named ``name``, for events or tasks; returns its URL."""
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "followups"
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
        if response.status not in (200, 201):
            raise ServerError(
                f"{redact(url)}: creating the calendar failed with HTTP {response.status}"
            )
        return url

    # -- writing -------------------------------------------------------------------------

    def put(self, href: str, data: bytes, *, etag: str | None, force: bool) -> WriteResult:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is None:
            headers["If-None-Match"] = "*"
        elif not force:
            headers["If-Match"] = etag
        response = self.request(href, "PUT", data, headers, safe=False)
        return self._write_result(response, href, "saving an event")

    def delete(self, href: str, *, etag: str | None, force: bool) -> WriteResult:
        headers = {} if force or not etag else {"If-Match": etag}
        response = self.request(href, "DELETE", "", headers, safe=False)
        if response.status == 404:
            return WriteResult(True, None, 404)  # already gone: what we wanted
        return self._write_result(response, href, "deleting an event")

    def _write_result(self, response: Response, href: str, what: str) -> WriteResult:
        if response.status == 412:
            return WriteResult(False, None, 412)
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
    uid = _property(text, "UID")
    if not uid:
        return None
    now, completed = "", False
    if has_our_suffix(uid):
        component = component_of(data, uid)
        if component is not None:
            now = server_fingerprint(component)
            completed = str(component.get("STATUS", "")).upper() == "COMPLETED"
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
    )


def event_href(calendar_url: str, uid: str) -> str:
    """Where a new event of ours lives: derived from its UID, so a retry hits the same one."""
    base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
    return base + quote(uid.replace("@", "-at-"), safe="") + ".ics"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "host name not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = str(exc)
    for hint, reason in (
        ("Name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("getaddrinfo", "host name not found"),
        ("Failed to resolve", "host name not found"),
        ("Connection refused", "connection refused"),
        ("timed out", "timed out"),
    ):
        if hint in text:
            return reason
    return type(exc).__name__

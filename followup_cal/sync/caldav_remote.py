"""The CalDAV side: discovery, one REPORT for everything we own, conditional writes.

Built on caldav's DAVClient for the HTTP session (credentials sent up front with Basic
auth, TLS, timeouts); the few WebDAV bodies we need are written here so every request
is one we chose and counted. Only requests that are safe to repeat (PROPFIND, REPORT)
are retried, with backoff; writes are conditional, so a re-run after a failure is safe.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from followup_cal.errors import AuthFailed, ServerError, ServerUnreachable
from followup_cal.sync.algorithm import Remote

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
HASH_RE = re.compile(r"^X-FOLLOWUP-CAL-HASH(?:;[^:\r\n]*)?:(.*)$", re.MULTILINE)
UID_RE = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*)$", re.MULTILINE)
RETRY_DELAYS = (0.5, 1.5)  # seconds before the 2nd and 3rd try of a safe request

REPORT_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
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


class CalDAVRemote:
    """One server, one user: every request goes through :meth:`request`."""

    def __init__(
        self,
        url: str,
        user: str | None,
        password: str | None,
        *,
        verify_tls: bool = True,
        timeout: int = 30,
    ) -> None:
        from caldav import DAVClient  # heavy: only when syncing

        self.url = url
        self.requests = 0
        self.client = DAVClient(
            url=url,
            username=user or None,
            password=password or None,
            auth_type="basic" if user else None,  # sent up front: a 401 costs a round trip
            enable_rfc6764=False,
            timeout=timeout,
            ssl_verify_cert=verify_tls,
        )

    # -- transport -----------------------------------------------------------------------

    def request(
        self,
        url: str,
        method: str,
        body: str | bytes = "",
        headers: dict[str, str] | None = None,
        *,
        safe: bool,
    ) -> Any:
        from caldav.lib import error as dav_error
        from niquests import exceptions as http_error

        tries = len(RETRY_DELAYS) + 1 if safe else 1
        for attempt in range(tries):
            self.requests += 1
            try:
                response = self.client.request(url, method, body, headers or {})
            except dav_error.AuthorizationError as exc:
                status = getattr(exc, "status", None) or "401/403"
                raise AuthFailed(
                    f"{redact(url)}: the server refused the credentials ({status}); "
                    "check the user name and password"
                ) from None
            except http_error.SSLError:
                raise ServerUnreachable(
                    f"{redact(url)}: TLS failed: the certificate is not trusted, or the server "
                    "does not speak TLS there; --insecure skips the check, at your own risk"
                ) from None
            except http_error.Timeout:
                if attempt + 1 < tries:
                    time.sleep(RETRY_DELAYS[attempt])
                    continue
                message = f"{redact(url)}: the server did not answer in time"
                raise ServerUnreachable(message) from None
            except (http_error.ConnectionError, OSError) as exc:
                if attempt + 1 < tries:
                    time.sleep(RETRY_DELAYS[attempt])
                    continue
                raise ServerUnreachable(
                    f"{redact(url)}: cannot reach the server ({_reason(exc)})"
                ) from None
            except (http_error.RequestException, dav_error.DAVError) as exc:
                raise ServerError(f"{redact(url)}: {type(exc).__name__}") from None
            if response.status >= 500 and attempt + 1 < tries:
                time.sleep(RETRY_DELAYS[attempt])
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reading -------------------------------------------------------------------------

    def _multistatus(self, response: Any, url: str, what: str) -> Any:
        if response.status == 404:
            raise ServerError(f"{redact(url)}: calendar not found (404)")
        if response.status in (400, 405, 501):
            raise ServerError(
                f"{redact(url)}: not a CalDAV server or calendar (it answered HTTP "
                f"{response.status}); check the URL"
            )
        if response.status >= 400:
            raise ServerError(f"{redact(url)}: {what} failed with HTTP {response.status}")
        tree = getattr(response, "tree", None)
        if response.status != 207 or tree is None or not str(tree.tag).endswith("multistatus"):
            raise ServerError(f"{redact(url)}: not a CalDAV server (no multistatus answer)")
        return tree

    def owned_events(self, calendar_url: str) -> list[Remote]:
        """Every VEVENT in the calendar with its ETag, in one REPORT."""
        response = self.request(
            calendar_url,
            "REPORT",
            REPORT_BODY,
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            safe=True,
        )
        tree = self._multistatus(response, calendar_url, "reading the calendar")
        events = []
        for item in tree.iter(f"{{{DAV}}}response"):
            href = item.findtext(f"{{{DAV}}}href") or ""
            etag = item.findtext(f".//{{{DAV}}}getetag") or ""
            data = item.findtext(f".//{{{CALDAV}}}calendar-data") or ""
            text = unfold(data)
            uid = UID_RE.search(text)
            if not href or not uid:
                continue
            content = HASH_RE.search(text)
            events.append(
                Remote(
                    uid=uid.group(1).strip(),
                    href=urljoin(calendar_url, href),
                    etag=etag,
                    content_hash=content.group(1).strip() if content else "",
                )
            )
        return events

    def _propfind(self, url: str, props: str, depth: str) -> Any:
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
        principal_url = urljoin(url, principal)
        tree = self._propfind(principal_url, "<C:calendar-home-set/>", "0")
        home = tree.findtext(f".//{{{CALDAV}}}calendar-home-set/{{{DAV}}}href")
        if not home:
            raise ServerError(f"{redact(url)}: the server names no calendar home")
        home_url = urljoin(principal_url, home)
        tree = self._propfind(home_url, "<D:resourcetype/><D:displayname/>", "1")
        calendars: dict[str, str] = {}
        for item in tree.iter(f"{{{DAV}}}response"):
            if item.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
                continue
            href = urljoin(home_url, item.findtext(f"{{{DAV}}}href") or "")
            name = item.findtext(f".//{{{DAV}}}displayname") or href.rstrip("/").rsplit("/", 1)[-1]
            calendars.setdefault(name, href)
        return home_url, calendars

    def make_calendar(self, home_url: str, name: str) -> str:
        """MKCALENDAR under the home, named ``name``; returns its URL."""
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "followups"
        url = urljoin(home_url, quote(slug) + "/")
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{_xml_text(name)}</D:displayname>
  <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
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

    def _write_result(self, response: Any, href: str, what: str) -> WriteResult:
        if response.status == 412:
            return WriteResult(False, None, 412)
        if response.status >= 400:
            raise ServerError(f"{redact(href)}: {what} failed with HTTP {response.status}")
        etag = response.headers.get("ETag") or response.headers.get("etag")
        return WriteResult(True, etag, response.status)


def event_href(calendar_url: str, uid: str) -> str:
    """Where a new event of ours lives: derived from its UID, so a retry hits the same one."""
    base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
    return base + quote(uid.replace("@", "-at-"), safe="") + ".ics"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reason(exc: BaseException) -> str:
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

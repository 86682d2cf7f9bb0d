"""Sync's HTTP: the caldav package's DAVClient, with our rules on top.

DAVClient brings the authentication schemes (Basic, Digest, Bearer), TLS options, proxies
from the environment and Retry-After handling; its request methods pass our conditional
headers through and give a 412 back as a status. It is imported here only, when sync
first sends something: it costs about 0.3 s, which no other command pays.

Ours: every URL is quoted before it is sent (a calendar named "Job search" or
"Übersicht"); redirects are followed by us, only for reads and only on the same origin,
so credentials never go to another host; reads are retried with backoff; 401 and 403
get messages that say which. With an OAuth token source (Google), each request carries
``Authorization: Bearer``; a 401 gets one fresh token and one retry, and a rate limit
(429, or Google's 403 ``rateLimitExceeded``) waits with exponential backoff and jitter,
a bounded number of times, before one line says so.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from followup_cal import __version__
from followup_cal.errors import AuthFailed, ServerError, ServerUnreachable
from followup_cal.origins import is_loopback, origin, same_origin, shown

if TYPE_CHECKING:
    from followup_cal.google.tokens import TokenSource

log = logging.getLogger(__name__)
USER_AGENT = f"followup-cal/{__version__}"
RETRY_DELAYS = (0.5, 1.5)  # seconds before the 2nd and 3rd try of a safe request
LOCKED_TRIES = 8  # 423 Locked: the same request again, after 0.1 s, 0.2 s, ...
# Rate limited: the same request again after these many seconds, each times 0.5-1.5
# (jitter, so that parallel requests do not come back together): 46 s at the most.
RATE_LIMIT_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
RATE_LIMIT_REASONS = (b"rateLimitExceeded", b"userRateLimitExceeded")
REDIRECTS = (301, 302, 307, 308)
WRITES = ("PUT", "DELETE", "MKCALENDAR", "PROPPATCH")
# RFC 3986: what may stand unquoted in a path ('%' too: it is quoted already).
PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def redact(url: str) -> str:
    """The URL without any user:password@ part, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def quote_url(url: str) -> str:
    """The URL with its path and query percent-encoded (UTF-8), already-quoted parts kept."""
    parts = urlsplit(url)
    path = quote(parts.path, safe=PATH_SAFE)
    query = quote(parts.query, safe=PATH_SAFE + "?")
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def is_local(url: str) -> bool:
    """This machine, as the HTTP library reads the URL (an odd URL is not)."""
    return is_loopback(origin(url))


# Country-code domains where names are registered one level down (example.co.uk).
SECOND_LEVELS = {"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or", "go"}


def _site(host: str) -> str:
    """The registered domain of a host name: caldav.icloud.com -> icloud.com."""
    labels = host.split(".")
    one_down = len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVELS
    return ".".join(labels[-3:] if one_down else labels[-2:])


def same_site(url: str, other: str) -> bool:
    """Whether credentials given for ``url`` may go to ``other`` when the server itself
    names it (a calendar home on another host: iCloud's pNN-caldav.icloud.com): the same
    host, this machine for both, or hosts of one registered domain; never from https
    to plain http."""
    mine, theirs = origin(url), origin(other)
    if mine is None or theirs is None or (mine.scheme == "https" and theirs.scheme != "https"):
        return False
    host, other_host = mine.host, theirs.host
    if host == other_host or (is_loopback(mine) and is_loopback(theirs)):
        return True
    if not re.search("[a-z]", host) or not re.search("[a-z]", other_host):
        return False  # an IP address is a site of its own
    return _site(host) == _site(other_host)


def plain_http_warning(url: str) -> str:
    """A warning when the password would cross the network unencrypted, else ""."""
    if urlsplit(url).scheme == "http" and not is_local(url):
        return (
            f"warning: {redact(url)} is plain http: the password and the events cross the "
            "network unencrypted; use https:// if the server offers it"
        )
    return ""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class Transport:
    """One server, one user, one session: every request is counted here."""

    def __init__(
        self,
        url: str,
        user: str | None,
        password: str | None,
        *,
        verify_tls: bool = True,
        timeout: int = 30,
        auth_scheme: str = "",
        bearer: TokenSource | None = None,
        pause: Callable[[float], None] | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.url = quote_url(url)
        self.bearer = bearer  # OAuth: the access token for each request
        self.pause = pause or time.sleep  # injected by the tests: no real waiting
        self.jitter = jitter or random.random
        self.user = user or ""
        self.password = password
        self.verify_tls = verify_tls
        self.timeout = timeout
        # Basic is sent up front where it is safe to (https, this machine): no 401 round
        # trip. A server that wants Digest answers 401 once and is asked what it wants.
        local_or_tls = self.url.startswith("https://") or is_local(self.url)
        self.auth_scheme = auth_scheme or ("basic" if local_or_tls else "")
        self.requests = 0
        self.final_url = self.url
        self._client: Any = None
        self._asked_scheme = False
        self._challenge = ""  # WWW-Authenticate of the last 401

    def may_send(self, url: str) -> bool:
        """Whether this session's credentials may go to ``url``: a Google token to the
        very origin it was given for, a password also to another host of the same site
        that the server named (iCloud's calendar home); never to a URL that parsers may
        read differently."""
        if self.bearer is not None:
            return same_origin(url, self.url)
        return same_site(self.url, url)

    def clone(self) -> Transport:
        """A transport of its own (one session per thread), with the scheme this one
        found the server wants."""
        return Transport(
            self.url,
            self.user,
            self.password,
            verify_tls=self.verify_tls,
            timeout=self.timeout,
            auth_scheme=self.scheme_in_use(),
            bearer=self.bearer,
            pause=self.pause,
            jitter=self.jitter,
        )

    def scheme_in_use(self) -> str:
        """The authentication scheme the server took ("basic", "digest", "bearer"), or
        the one we would try first when nothing was sent yet."""
        if self.bearer is not None:
            return "bearer"
        auth = self._client.auth if self._client is not None else None
        if auth is None:
            return self.auth_scheme
        name = type(auth).__name__.lower()  # HTTPDigestAuth, HTTPBasicAuth, HTTPBearerAuth
        return next((s for s in ("digest", "basic", "bearer") if s in name), self.auth_scheme)

    def _dav(self) -> Any:
        if self._client is None:
            from caldav.davclient import DAVClient

            headers = {"User-Agent": USER_AGENT}
            if self.bearer is not None:
                headers["Authorization"] = "Bearer " + self.bearer.token()
            with_password = bool(self.user) and self.bearer is None
            client = DAVClient(
                self.url,
                username=self.user if with_password else None,
                password=(self.password or "") if with_password else None,
                auth_type=self.auth_scheme if with_password and self.auth_scheme else None,
                timeout=self.timeout,
                ssl_verify_cert=self.verify_tls,
                headers=headers,
                enable_rfc6764=False,  # the URL is given; no DNS lookups behind the user's back
                # 429/503 with Retry-After: wait as told; with OAuth (Google) our backoff.
                rate_limit_handle=self.bearer is None,
                rate_limit_max_sleep=30,
            )
            session_request = client.session.request

            def no_redirects(*args: Any, **kwargs: Any) -> Any:
                # Redirects are ours to follow (see the module docstring).
                kwargs["allow_redirects"] = False
                response = session_request(*args, **kwargs)
                if response.status_code == 401:  # what the server asks for instead
                    self._challenge = response.headers.get("WWW-Authenticate", "")
                return response

            client.session.request = no_redirects
            self._client = client
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _send(
        self, url: str, method: str, body: bytes, headers: dict[str, str], renewed: bool = False
    ) -> Response:
        from caldav.lib import error

        client = self._dav()
        try:
            reply = client.request(url, method, body, headers)
        except error.RateLimitError:
            return Response(429 if self.bearer is not None else 503, {}, b"")
        except error.AuthorizationError as exc:
            status = exc.status or 401
            log.info("%s %s -> %d", method, redact(url).partition("?")[0], status)
            if self.bearer is not None:
                answer = exc.body.encode() if isinstance(exc.body, str) else exc.body or b""
                if status == 403 and any(r in answer for r in RATE_LIMIT_REASONS):
                    return Response(429, {}, answer)  # Google's way to say 429
                if status == 401 and not renewed:
                    # Expired or revoked: one fresh token (a refused refresh is exit 6).
                    stale = client.headers.get("Authorization", "").removeprefix("Bearer ")
                    client.headers["Authorization"] = "Bearer " + self.bearer.refreshed(stale)
                    return self._send(url, method, body, headers, renewed=True)
                raise self._refused(url, status) from None
            if status == 403 and (method in WRITES or _a_precondition(exc.preconditions)):
                # A write refused (a UID the account holds...) or a read refused for a
                # precondition (an expired sync token, a report the server lacks): not
                # the credentials; the caller's to say which.
                body = exc.body.encode() if isinstance(exc.body, str) else exc.body or b""
                return Response(403, {}, body)
            if status == 401 and client.auth is not None and not self._asked_scheme:
                # Our guess was not taken. The 401 says which scheme the server wants:
                # Digest is set up at once (no round trip to ask); a server that wants
                # Basic has refused the credentials. Without a word, it is asked.
                self._asked_scheme = True
                offered = client.extract_auth_types(self._challenge) if self._challenge else set()
                if self.scheme_in_use() in offered:
                    raise self._refused(url, status) from None
                client.auth, client.auth_type = None, None
                if offered:
                    client.build_auth_object(list(offered))
                return self._send(url, method, body, headers)
            raise self._refused(url, status) from None
        raw = reply.raw if reply.status != 204 else ""
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw or b"")
        # The URL without credentials or query; headers (Authorization) never.
        log.info("%s %s -> %d", method, redact(url).partition("?")[0], reply.status)
        log.debug("  %d bytes sent, %d received", len(body), len(data))
        return Response(reply.status, {k.lower(): v for k, v in reply.headers.items()}, data)

    def _refused(self, url: str, status: int) -> AuthFailed:
        if self.bearer is not None:
            from followup_cal.google.oauth import LOGIN_AGAIN

            if status == 403:
                return AuthFailed(
                    f"{redact(url)}: Google refuses this account access to the calendar (403): "
                    "check the calendar ID, and that the sign-in allowed the calendar"
                )
            return AuthFailed(f"{redact(url)}: Google refused a fresh access token (401); "
                              + LOGIN_AGAIN)  # fmt: skip
        if status == 403:
            return AuthFailed(
                f"{redact(url)}: the server refuses this account access to {redact(url)} (403)"
                + (f"; logged in as '{self.user}'" if self.user else "")
            )
        if not self.user:
            return AuthFailed(
                f"{redact(url)}: the server asks who you are (401); no user: give --user or "
                "FOLLOWUP_CAL_USER"
            )
        return AuthFailed(
            f"{redact(url)}: the server refused the credentials of user '{self.user}' (401); "
            "check the user name and password"
        )

    def request(
        self,
        url: str,
        method: str,
        body: str | bytes = "",
        headers: dict[str, str] | None = None,
        *,
        safe: bool,
        redirects: int = 3,
    ) -> Response:
        """Send one request; reads (``safe``) are retried, and follow same-origin redirects."""
        url = quote_url(url)
        if not self.may_send(url):
            # Not for a message of the server's to decide: the credentials stay home.
            raise ServerError(
                f"{redact(self.url)}: a request to {shown(url)}, another server, was not sent "
                "(credentials go only to the server they were given for)"
            )
        data = body.encode() if isinstance(body, str) else body
        tries = len(RETRY_DELAYS) + 1 if safe else 1
        locked = 0
        for attempt in range(tries):
            response = self._attempt(url, method, data, headers, attempt, tries)
            while response is not None and response.status == 423 and locked < LOCKED_TRIES:
                # The collection is busy with another of our writes (Xandikos locks
                # its repository): nothing was applied, so the same request is safe.
                locked += 1
                time.sleep(0.1 * locked)
                response = self._attempt(url, method, data, headers, attempt, tries)
            limited = 0
            while response is not None and response.status == 429 and self.bearer is not None:
                # Refused for the rate, so not applied: the same request, after a pause.
                if limited == len(RATE_LIMIT_DELAYS):
                    raise ServerError(
                        f"{redact(url)}: Google's rate limit: still refused after "
                        f"{limited + 1} tries (429/rateLimitExceeded); what was done is kept, "
                        "run sync again in a few minutes"
                    )
                self.pause(RATE_LIMIT_DELAYS[limited] * (0.5 + self.jitter()))
                limited += 1
                response = self._attempt(url, method, data, headers, attempt, tries)
            if response is None:
                continue  # a fault or a 5xx on a safe request: tried again after a pause
            location = response.headers.get("location")
            if response.status in REDIRECTS and location and safe and redirects:
                target = urljoin(url, location)
                if not same_origin(target, url):
                    raise ServerError(
                        f"{redact(url)}: the server sends us to {redact(target)}, another "
                        "server; credentials are not sent there on their own: give that URL "
                        "with --url if you trust it"
                    )
                return self.request(
                    target, method, body, headers, safe=safe, redirects=redirects - 1
                )
            self.final_url = url  # where the answer came from, for resolving its hrefs
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        url: str,
        method: str,
        data: bytes,
        headers: dict[str, str] | None,
        attempt: int,
        tries: int,
    ) -> Response | None:
        """One try: the response, or None when a fault or a 5xx leaves tries to go
        (after the pause before the next); the error when none is left."""
        from niquests import exceptions

        self.requests += 1
        try:
            response = self._send(url, method, data, headers or {})
        except exceptions.SSLError:
            raise ServerUnreachable(
                f"{redact(url)}: TLS failed: the certificate is not trusted, or the server "
                "does not speak TLS there; --insecure skips the check, at your own risk"
            ) from None
        except (exceptions.ConnectionError, exceptions.Timeout, OSError) as exc:
            if attempt + 1 < tries:
                time.sleep(RETRY_DELAYS[attempt])
                return None
            raise ServerUnreachable(
                f"{redact(url)}: cannot reach the server ({_reason(exc)})"
            ) from None
        if response.status >= 500 and attempt + 1 < tries:
            time.sleep(RETRY_DELAYS[attempt])
            return None
        return response


def _a_precondition(names: list[str]) -> bool:
    """Whether a 403 names a rule the request broke, not the account's rights
    (``need-privileges``, which is about who asks)."""
    return bool(names) and "{DAV:}need-privileges" not in names


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for hint, reason in (
        ("Name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("getaddrinfo", "host name not found"),
        ("Failed to resolve", "host name not found"),
        ("NameResolution", "host name not found"),
        ("Connection refused", "connection refused"),
        ("timed out", "timed out"),
        ("Read timed out", "timed out"),
    ):
        if hint in text or hint in type(exc).__name__:
            return reason
    if "Timeout" in type(exc).__name__:
        return "timed out"
    return type(exc).__name__

"""A stand-in for Google's documented endpoints, on 127.0.0.1, for the tests: Google
itself is not reachable from here (and must not be used by tests).

- An authorization server as Google documents it for installed apps: ``/o/oauth2/auth``
  (the consent page, approved at once: it redirects to the loopback address with a
  code), ``/token`` (authorization_code with PKCE S256 checked, refresh_token),
  ``/revoke`` (RFC 7009: the grant and its access tokens) and ``/tokeninfo`` (what
  Dovecot's oauth2 passdb asks about a token).
- A CalDAV front in Google's URL shape, ``/caldav/v2/CALENDAR_ID/events/``, in front of a
  real Radicale: it takes only ``Authorization: Bearer`` with a live token that allowed
  the calendar, and refuses what Google's CalDAV guide says it does not support:
  MKCALENDAR (and MKCOL, LOCK, COPY, MOVE), VTODO data, arbitrary WebDAV properties
  (PROPPATCH), and the If* headers other than If-Match (dropped, so If-None-Match does
  nothing). It can answer a number of requests with Google's rate-limit refusals (403
  rateLimitExceeded, or 429).

What it does not know: anything Google does that its documentation does not say.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from caldav_servers import HOP_HEADERS, PASSWORD, USER, QuietServer

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
MAIL_SCOPE = "https://mail.google.com/"
CLIENT_ID = "1234567890-standin.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-standin-secret"
ACCOUNT = "alex.doe@gmail.com"
RATE_LIMIT_BODY = json.dumps({
    "error": {
        "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded",
                    "message": "Rate Limit Exceeded"}],
        "code": 403,
        "message": "Rate Limit Exceeded",
    }
}).encode()  # fmt: skip
REFUSED_METHODS = {"MKCALENDAR", "MKCOL", "LOCK", "UNLOCK", "COPY", "MOVE"}


@dataclass
class Grant:
    refresh_token: str
    scopes: list[str]
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float


@dataclass
class GoogleStandIn:
    radicale_port: int
    access_lifetime: int = 3600
    codes: dict[str, dict] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # refresh token -> grant
    access: dict[str, AccessToken] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    auth_requests: list[dict[str, str]] = field(default_factory=list)
    caldav_requests: list[tuple[str, str, int]] = field(default_factory=list)
    refused: list[tuple[str, str, int]] = field(default_factory=list)
    rate_limited: int = 0  # the next this many CalDAV requests are refused for the rate
    rate_limit_status: int = 403
    deny_consent: bool = False
    # What Google's older CalDAV guide said: only properties of its data model are kept.
    # Its current guide says nothing of X- properties; this plays the stricter reading.
    drop_x_properties: bool = False
    # Fields that replace the token endpoint's own in each answer with tokens: what a
    # broken or hostile provider might send (an expires_in of 10**400).
    token_answer: dict = field(default_factory=dict)
    put_if_match: list[str] = field(default_factory=list)  # each PUT's If-Match ("" none)
    server: QuietServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- where things are ------------------------------------------------------------------

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def events_url(self, calendar_id: str) -> str:
        return f"{self.base}/caldav/v2/{calendar_id}/events/"

    def client_secrets(self) -> dict:
        """The JSON of a 'Desktop app' client, as Google Cloud's console gives it."""
        return {
            "installed": {
                "client_id": CLIENT_ID,
                "project_id": "followup-standin",
                "auth_uri": f"{self.base}/o/oauth2/auth",
                "token_uri": f"{self.base}/token",
                "auth_provider_x509_cert_url": f"{self.base}/oauth2/v1/certs",
                "client_secret": CLIENT_SECRET,
                "redirect_uris": ["http://localhost"],
            }
        }

    def writes(self) -> list[tuple[str, str, int]]:
        return [r for r in self.caldav_requests if r[0] in ("PUT", "DELETE", "PROPPATCH")]

    def expire_access_tokens(self) -> None:
        """Every access token given so far is past its hour (as Google's are)."""
        with self.lock:
            for token in self.access.values():
                token.expires_at = 0.0

    def revoke_all(self) -> None:
        """As the user removing the app at myaccount.google.com/permissions."""
        with self.lock:
            for grant in self.grants.values():
                grant.revoked = True

    def live(self, token: str) -> AccessToken | None:
        with self.lock:
            found = self.access.get(token)
            ok = found is not None and not found.grant.revoked and found.expires_at > time.time()
            return found if ok else None

    def _issue(self, grant: Grant) -> dict:
        token = "ya29.standin-" + secrets.token_urlsafe(24)
        self.access[token] = AccessToken(grant, time.time() + self.access_lifetime)
        return {"access_token": token, "expires_in": self.access_lifetime,
                "scope": " ".join(grant.scopes), "token_type": "Bearer"} | self.token_answer  # fmt: skip

    # -- the server --------------------------------------------------------------------

    def start(self) -> GoogleStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms wait

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: dict) -> None:
                self._reply(status, json.dumps(data).encode(), {"Content-Type": "application/json"})

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def dispatch(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/caldav/v2/"):
                    standin._caldav(self, self._body())
                elif path == "/o/oauth2/auth" and self.command == "GET":
                    standin._authorize(self)
                elif path == "/token" and self.command == "POST":
                    standin._token(self, parse_qs(self._body().decode()))
                elif path == "/revoke" and self.command == "POST":
                    standin._revoke(self, parse_qs(self._body().decode()))
                elif path == "/tokeninfo":
                    query = parse_qs(urlsplit(self.path).query)
                    body = parse_qs(self._body().decode()) if self.command == "POST" else {}
                    token = (query.get("access_token") or body.get("access_token") or [""])[0]
                    standin._tokeninfo(self, token)
                else:
                    self._reply(404)

            do_GET = do_POST = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = dispatch
            do_PROPPATCH = do_MKCALENDAR = do_MKCOL = do_OPTIONS = do_HEAD = dispatch
            do_LOCK = do_UNLOCK = do_COPY = do_MOVE = dispatch

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- OAuth -------------------------------------------------------------------------

    def _authorize(self, h) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(h.path).query).items()}
        self.auth_requests.append(query)
        redirect = query.get("redirect_uri", "")
        parts = urlsplit(redirect)
        checks = [
            query.get("client_id") == CLIENT_ID,
            query.get("response_type") == "code",
            parts.scheme == "http" and parts.hostname == "127.0.0.1" and bool(parts.port),
            query.get("code_challenge_method") == "S256",
            len(query.get("code_challenge", "")) == 43,
            bool(query.get("state")),
        ]
        if not all(checks):
            h._reply(400, b"invalid_request")  # Google shows an error page, no redirect
            return
        scopes = query.get("scope", "").split()
        answer = {"state": query["state"]}
        if self.deny_consent:
            answer["error"] = "access_denied"
        else:
            code = "4/standin-" + secrets.token_urlsafe(16)
            self.codes[code] = {"challenge": query["code_challenge"], "redirect": redirect,
                                "scopes": scopes}  # fmt: skip
            answer |= {"code": code, "scope": " ".join(scopes)}
        h._reply(302, b"", {"Location": f"{redirect}?{urlencode(answer)}"})

    def _token(self, h, form: dict[str, list[str]]) -> None:
        f = {k: v[0] for k, v in form.items()}
        self.token_requests.append(f)
        if f.get("client_id") != CLIENT_ID or f.get("client_secret") != CLIENT_SECRET:
            h._json(401, {"error": "invalid_client"})
            return
        with self.lock:
            if f.get("grant_type") == "authorization_code":
                issued = self.codes.pop(f.get("code", ""), None)
                verifier = f.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())
                if (
                    issued is None
                    or issued["redirect"] != f.get("redirect_uri")
                    or challenge.rstrip(b"=").decode() != issued["challenge"]
                ):
                    h._json(400, {"error": "invalid_grant", "error_description": "Bad Request"})
                    return
                grant = Grant("1//standin-" + secrets.token_urlsafe(24), issued["scopes"])
                self.grants[grant.refresh_token] = grant
                h._json(200, self._issue(grant) | {"refresh_token": grant.refresh_token})
            elif f.get("grant_type") == "refresh_token":
                grant = self.grants.get(f.get("refresh_token", ""))
                if grant is None or grant.revoked:
                    h._json(400, {"error": "invalid_grant",
                                  "error_description": "Token has been expired or revoked."})  # fmt: skip
                    return
                h._json(200, self._issue(grant))
            else:
                h._json(400, {"error": "unsupported_grant_type"})

    def _revoke(self, h, form: dict[str, list[str]]) -> None:
        token = (form.get("token") or [""])[0]
        with self.lock:
            grant = self.grants.get(token)
            if grant is None and token in self.access:
                grant = self.access[token].grant
            if grant is None or grant.revoked:
                h._json(400, {"error": "invalid_token"})
                return
            grant.revoked = True
        h._reply(200)

    def _tokeninfo(self, h, token: str) -> None:
        found = self.live(token)
        if found is None:
            h._json(400, {"error": "invalid_token"})
            return
        h._json(200, {"email": ACCOUNT, "scope": " ".join(found.grant.scopes),
                      "expires_in": str(int(found.expires_at - time.time())),
                      "azp": CLIENT_ID, "aud": CLIENT_ID, "active": True})  # fmt: skip

    # -- CalDAV --------------------------------------------------------------------------

    def _caldav(self, h, body: bytes) -> None:
        method, path = h.command, urlsplit(h.path).path
        auth = h.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        found = self.live(token) if token else None

        def refuse(status: int, text: bytes = b"", headers: dict | None = None) -> None:
            self.refused.append((method, path, status))
            self.caldav_requests.append((method, path, status))
            h._reply(status, text, headers)

        if found is None:
            refuse(401, b"", {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
            return
        if CALENDAR_SCOPE not in found.grant.scopes:
            refuse(403, b"insufficient scope")
            return
        with self.lock:
            limited = self.rate_limited > 0
            self.rate_limited -= 1 if limited else 0
        if limited:
            if self.rate_limit_status == 429:
                refuse(429, b"Too Many Requests")
            else:
                refuse(403, RATE_LIMIT_BODY, {"Content-Type": "application/json"})
            return
        if method in REFUSED_METHODS:
            refuse(405, b"", {"Allow": "GET, PUT, HEAD, DELETE, POST, OPTIONS, PROPFIND, "
                                       "PROPPATCH, REPORT"})  # fmt: skip
            return
        if method == "PROPPATCH":
            refuse(403, b"")  # no arbitrary (user-defined) WebDAV properties
            return
        if method == "PUT" and b"BEGIN:VTODO" in body:
            refuse(400, b"VTODO is not supported")
            return
        if method == "PUT":
            self.put_if_match.append(h.headers.get("If-Match", ""))
        if method == "PUT" and self.drop_x_properties:
            body = drop_x_properties(body)
        parts = path.split("/")  # "", caldav, v2, ID, events, [object]
        if len(parts) < 5 or parts[4] != "events":
            refuse(404)
            return
        calendar_id = parts[3]
        outside = f"/caldav/v2/{calendar_id}/events/"
        inside = f"/{USER}/{calendar_id}/"
        upstream_path = inside + "/".join(parts[5:])
        headers = {
            k: v
            for k, v in h.headers.items()
            if k.lower() not in HOP_HEADERS | {"authorization", "accept-encoding", "content-length"}
            and not (k.lower().startswith("if-") and k.lower() != "if-match")
        }
        basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
        body = body.replace(outside.encode(), inside.encode())
        upstream = http.client.HTTPConnection("127.0.0.1", self.radicale_port, timeout=30)
        try:
            upstream.request(method, upstream_path, body, headers)
            response = upstream.getresponse()
            data = response.read().replace(inside.encode(), outside.encode())
        finally:
            upstream.close()
        self.caldav_requests.append((method, path, response.status))
        passed = {
            k: v.replace(inside, outside)
            for k, v in response.getheaders()
            if k.lower() not in HOP_HEADERS | {"content-length"}
        }
        h._reply(response.status, data, passed)


def drop_x_properties(body: bytes) -> bytes:
    unfolded = body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    lines = unfolded.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.startswith(b"X-"))


def make_google_calendar(radicale_port: int, calendar_id: str) -> None:
    """A calendar as Google has it (events only), made in Radicale behind the front:
    what the user does at calendar.google.com, since CalDAV cannot."""
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{calendar_id}</D:displayname>
  <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>""".encode()
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", radicale_port, timeout=30)
    connection.request("MKCALENDAR", f"/{USER}/{calendar_id}/", body,
                       {"Authorization": f"Basic {basic}", "Content-Type": "application/xml"})  # fmt: skip
    status = connection.getresponse().status
    connection.close()
    assert status in (201, 409), status  # 409: made already (the module shares Radicale)

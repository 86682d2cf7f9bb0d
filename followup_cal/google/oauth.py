"""OAuth 2.0 for an installed app, as Google documents it for desktop clients.

The user's own client ("Desktop app" client-secrets JSON from Google Cloud's console)
names the endpoints (``auth_uri``, ``token_uri``). Sign-in is the authorization-code
flow with a loopback redirect to 127.0.0.1 on a free port (RFC 8252), PKCE with S256
(RFC 7636) and a random ``state`` the redirect must carry back. Revocation is RFC 7009
at the endpoint beside ``token_uri`` (Google's is https://oauth2.googleapis.com/revoke).

Written on the standard library rather than google-auth-oauthlib (which brings requests,
google-auth, requests-oauthlib, oauthlib and three more, and does not revoke) or oauthlib
alone (it refuses plain-http URLs and a token answer with fewer scopes than asked, which
is Google's granular consent, unless process-wide environment variables relax it): the
protocol here is a URL, two form POSTs and a redirect to catch.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from followup_cal.errors import (
    AuthFailed,
    FileAccessError,
    InvalidInput,
    Problem,
    ServerError,
    ServerUnreachable,
)

log = logging.getLogger(__name__)

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
MAIL_SCOPE = "https://mail.google.com/"  # the only scope Gmail's IMAP takes
LOGIN_AGAIN = "run `followup-cal login google --client-secrets FILE` again"
WAIT_SECONDS = 300  # for the browser to come back to the loopback redirect


class SignInNeeded(AuthFailed):
    """No usable Google sign-in: none saved, or Google no longer takes it."""


@dataclass(frozen=True)
class ClientSecrets:
    client_id: str
    client_secret: str
    auth_uri: str
    token_uri: str
    revoke_uri: str = ""  # the file's, when it names one; else beside token_uri

    def __post_init__(self) -> None:
        if not self.revoke_uri:
            # RFC 7009's endpoint beside the token endpoint (Google: .../token -> .../revoke).
            parts = urlsplit(self.token_uri)
            path = parts.path.rsplit("/", 1)[0] + "/revoke"
            revoke = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
            object.__setattr__(self, "revoke_uri", revoke)


def read_client_secrets(path: str) -> ClientSecrets:
    """The client of a client-secrets JSON file, or one line saying what is wrong."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileAccessError(
            f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput([Problem(path, exc.lineno, exc.colno, f"not JSON: {exc.msg}")]) from None
    if isinstance(data, dict) and "web" in data and "installed" not in data:
        raise InvalidInput([Problem(path, 1, 1, (
            "this is a 'Web application' client; create a 'Desktop app' client in Google "
            "Cloud's console (APIs & Services > Credentials) and give its JSON"))])  # fmt: skip
    client = data.get("installed") if isinstance(data, dict) else None
    keys = ("client_id", "client_secret", "auth_uri", "token_uri")
    missing = [k for k in keys if not isinstance(client, dict) or not client.get(k)]
    if missing:
        raise InvalidInput([Problem(path, 1, 1, (
            "not a Google 'Desktop app' client-secrets file: expected "
            f'{{"installed": {{...}}}} with {", ".join(missing)}'))])  # fmt: skip
    assert isinstance(client, dict)
    for key in ("auth_uri", "token_uri"):
        if not str(client[key]).startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise InvalidInput([Problem(path, 1, 1, f"{key} '{client[key]}' is not https")])
    revoke = client.get("revoke_uri")  # older client files (oauth2client's) may carry one
    return ClientSecrets(*(str(client[k]) for k in keys), str(revoke) if revoke else "")


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): 64 URL-safe characters and base64url(sha256) unpadded."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Tokens:
    """What a sign-in leaves: kept like a password (see ``tokens``), never printed."""

    client_id: str
    client_secret: str
    token_uri: str
    revoke_uri: str
    refresh_token: str
    access_token: str = ""
    expires_at: float = 0.0  # seconds since the epoch
    scopes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Tokens | None:
        try:
            data = json.loads(text)
            tokens = cls(**data)
        except (ValueError, TypeError):
            return None
        return tokens if tokens.refresh_token and tokens.token_uri else None

    def expired(self, now: float, margin: float = 60.0) -> bool:
        return not self.access_token or now + margin >= self.expires_at


def post_form(url: str, form: dict[str, str], timeout: int = 30) -> tuple[int, dict[str, Any]]:
    """POST a form; (status, JSON answer or {}). Unreachable: exit 7."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(f"{_where(url)}: cannot reach the server ({reason})") from None
    try:
        answer = json.loads(body) if body else {}
    except ValueError:
        answer = {}
    log.info("POST %s -> %d", _where(url), status)  # never the form: it holds secrets
    return status, answer if isinstance(answer, dict) else {}


def _where(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _token_answer(
    client: ClientSecrets | Tokens, status: int, answer: dict[str, Any], now: float
) -> tuple[str, str, float, list[str]]:
    """(access token, refresh token or "", expiry, scopes) from a token endpoint's answer."""
    if status == 400 and answer.get("error") in ("invalid_grant", "invalid_token"):
        raise SignInNeeded(
            f"Google no longer accepts the saved sign-in (revoked or expired); {LOGIN_AGAIN}"
        )
    if status in (400, 401) and answer.get("error") in ("invalid_client", "unauthorized_client"):
        raise SignInNeeded(
            f"{_where(client.token_uri)}: the OAuth client is refused ({answer['error']}): "
            "was it deleted in Google Cloud's console? Create one and " + LOGIN_AGAIN
        )
    token = answer.get("access_token")
    if status != 200 or not isinstance(token, str) or not token:
        error = answer.get("error") or f"HTTP {status}"
        raise ServerError(f"{_where(client.token_uri)}: the token request failed ({error})")
    lifetime = answer.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
    scope = answer.get("scope")
    scopes = scope.split() if isinstance(scope, str) else []
    refresh = answer.get("refresh_token")
    return token, refresh if isinstance(refresh, str) else "", now + seconds, scopes


def refresh(tokens: Tokens, now: float | None = None) -> Tokens:
    """A new access token from the refresh token (the tokens are updated and returned)."""
    now = time.time() if now is None else now
    status, answer = post_form(tokens.token_uri, {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": tokens.client_id,
        "client_secret": tokens.client_secret,
    })  # fmt: skip
    access, new_refresh, expires_at, scopes = _token_answer(tokens, status, answer, now)
    tokens.access_token, tokens.expires_at = access, expires_at
    tokens.refresh_token = new_refresh or tokens.refresh_token
    tokens.scopes = scopes or tokens.scopes
    return tokens


def revoke(tokens: Tokens) -> bool:
    """Ask the server to forget the grant; whether it says it did (or had already)."""
    try:
        status, answer = post_form(tokens.revoke_uri, {"token": tokens.refresh_token})
    except ServerUnreachable:
        return False
    return status == 200 or answer.get("error") == "invalid_token"


class _Redirect:
    """What the browser brought back to the loopback address, once."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.code = ""
        self.error = ""
        self.done = threading.Event()


def _handler(redirect: _Redirect) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass  # the query holds the code: never in a log

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            state = query.get("state", [""])[0]
            if "code" not in query and "error" not in query:
                self._answer(404, "Nothing here.")
                return
            if not secrets.compare_digest(state, redirect.state):
                # Not the answer to our request (another page, a forged link): ignored.
                self._answer(400, "This sign-in answer does not match the one asked for.")
                return
            redirect.code = query.get("code", [""])[0]
            redirect.error = query.get("error", [""])[0]
            ok = bool(redirect.code) and not redirect.error
            self._answer(200, "Signed in: you can close this page and go back to the terminal."
                         if ok else "Sign-in was not completed; see the terminal.")  # fmt: skip
            redirect.done.set()

        def _answer(self, status: int, text: str) -> None:
            body = f"<!doctype html><title>followup-cal</title><p>{text}</p>\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def sign_in(
    client: ClientSecrets,
    scopes: list[str],
    *,
    show: Callable[[str], None],
    show_url: Callable[[str], None],
    open_browser: Callable[[str], bool] | None,
    wait_seconds: float = WAIT_SECONDS,
) -> Tokens:
    """The whole flow: the URL to the browser (or printed), the code from the loopback
    redirect, exchanged with the PKCE verifier for tokens."""
    verifier, challenge = pkce_pair()
    redirect = _Redirect(secrets.token_urlsafe(24))
    server = HTTPServer(("127.0.0.1", 0), _handler(redirect))
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/"
    url = client.auth_uri + ("&" if "?" in client.auth_uri else "?") + urlencode({
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": redirect.state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",  # a refresh token, so sync runs without the browser
        "prompt": "consent",  # a new refresh token even when one was given before
    })  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        opened = open_browser(url) if open_browser is not None else False
        if opened:
            show("Your browser was opened to sign in to Google. If it did not, open:")
        else:
            show("Open this address in a browser and sign in to Google:")
        show_url(url)
        show(f"Waiting for the browser to come back to {redirect_uri} ...")
        if not redirect.done.wait(wait_seconds):
            raise AuthFailed(
                f"no answer from the browser within {int(wait_seconds)} s; nothing saved"
            )
    finally:
        server.shutdown()
        server.server_close()
    if redirect.error or not redirect.code:
        reason = redirect.error or "no code"
        raise AuthFailed(f"Google did not grant access ({reason}); nothing saved")
    now = time.time()
    status, answer = post_form(client.token_uri, {
        "grant_type": "authorization_code",
        "code": redirect.code,
        "redirect_uri": redirect_uri,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "code_verifier": verifier,
    })  # fmt: skip
    access, refresh_token, expires_at, granted = _token_answer(client, status, answer, now)
    if not refresh_token:
        raise AuthFailed(
            "Google gave no refresh token; remove followup-cal's access at "
            "https://myaccount.google.com/permissions and sign in again"
        )
    return Tokens(client.client_id, client.client_secret, client.token_uri, client.revoke_uri,
                  refresh_token, access, expires_at, granted or list(scopes))  # fmt: skip

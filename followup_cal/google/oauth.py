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
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from followup_cal.errors import (
    AuthFailed,
    FileAccessError,
    InvalidInput,
    Problem,
    ServerError,
    ServerUnreachable,
)
from followup_cal.origins import is_loopback, origin, problem, shown

log = logging.getLogger(__name__)

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
MAIL_SCOPE = "https://mail.google.com/"  # the only scope Gmail's IMAP takes
LOGIN_AGAIN = "run `followup-cal login google --client-secrets FILE` again"
WAIT_SECONDS = 300  # for the browser to come back to the loopback redirect
# Where Google's documented OAuth endpoints live (auth_uri, token_uri, revocation; older
# client files name www.googleapis.com/oauth2/v4/token): only these, over TLS, are sent
# a client secret, a code or a token, or this machine for a test stand-in.
OAUTH_HOSTS = ("accounts.google.com", "oauth2.googleapis.com", "www.googleapis.com")
# RFC 6749 section 5.2 and Appendix A: an error code is printable ASCII; shown only when
# it is a plain word (what Google sends), never a provider's free text.
ERROR_CODE = re.compile(r"[a-z][a-z0-9_.-]{0,63}", re.I)
# RFC 6750's b64token (what goes after "Bearer "); Google's tokens and codes are of it
# ("ya29.…", "1//0g…", "4/0A…"): a value with anything else is not taken.
TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,4096}=*")
LONGEST_LIFETIME = 86400.0  # seconds an access token is taken to last at the most


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
    revoke = client.get("revoke_uri")  # older client files (oauth2client's) may carry one
    for key in ("auth_uri", "token_uri", "revoke_uri"):
        if key in client and (why := endpoint_problem(str(client[key]))):
            raise InvalidInput([Problem(path, 1, 1, f"{key} {why}")])
    return ClientSecrets(*(str(client[k]) for k in keys), str(revoke) if revoke else "")


def endpoint_problem(url: str) -> str:
    """Why ``url`` is not one of Google's OAuth endpoints (or this machine's), or ""."""
    found = origin(url)
    if found is None:
        return f"'{shown(url)}': {problem(url)}"
    if is_loopback(found) or (found.scheme == "https" and found.host in OAUTH_HOSTS):
        return ""
    return (
        f"'{shown(url)}' is not Google's: only https:// on {', '.join(OAUTH_HOSTS)} (or this "
        "machine, for a test stand-in) is sent the client secret and tokens"
    )


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


class _NoRedirects:
    """A redirect of a token request is an answer, not an order: the form (a secret, a
    code, a token) is never sent on to another address."""

    def redirect_request(self, *_args: object) -> None:
        return None


def post_form(url: str, form: dict[str, str], timeout: int = 30) -> tuple[int, dict[str, Any]]:
    """POST a form to one of Google's endpoints; (status, JSON answer or {}). An
    endpoint that is not Google's is refused unsent (exit 6); unreachable: exit 7."""
    import urllib.error
    import urllib.request

    if why := endpoint_problem(url):
        raise SignInNeeded(f"the Google sign-in's endpoint {why}; nothing sent; {LOGIN_AGAIN}")
    handler = type("NoRedirects", (_NoRedirects, urllib.request.HTTPRedirectHandler), {})
    opener = urllib.request.build_opener(handler)

    request = urllib.request.Request(
        url,
        data=urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with opener.open(request, timeout=timeout) as response:
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
    if status != 200 or not _is_token(token):
        error = _error_code(answer.get("error")) or f"HTTP {status}"
        if status == 200:
            error = "no usable access token in the answer"
        raise ServerError(f"{_where(client.token_uri)}: the token request failed ({error})")
    scope = answer.get("scope")
    scopes = scope.split() if isinstance(scope, str) and len(scope) < 4096 else []
    refresh = answer.get("refresh_token")
    return (token, refresh if _is_token(refresh) else "", now + _lifetime(answer),
            [s for s in scopes if s.isprintable()])  # fmt: skip


def _is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN.fullmatch(value) is not None


def _error_code(value: object) -> str:
    """An OAuth error code fit to print (a plain word), or "" for anything else."""
    return value if isinstance(value, str) and ERROR_CODE.fullmatch(value) else ""


def _lifetime(answer: dict[str, Any]) -> float:
    """``expires_in`` in seconds, kept between a minute and a day: a value that is not a
    plain number (10**400, NaN, a string) is the hour Google gives."""
    value = answer.get("expires_in")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 3600.0
    if isinstance(value, int) and value.bit_length() > 64:
        return 3600.0  # float() of it would overflow
    seconds = float(value)
    return min(max(seconds, 60.0), LONGEST_LIFETIME) if math.isfinite(seconds) else 3600.0


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
    except (ServerUnreachable, SignInNeeded) as exc:  # unreachable, or not Google's: unsent
        log.info("the sign-in was not revoked: %s", exc)
        return False
    return status == 200 or answer.get("error") == "invalid_token"


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
    from followup_cal.google.loopback import Listener, Redirect

    verifier, challenge = pkce_pair()
    redirect = Redirect(secrets.token_urlsafe(24))
    listener = Listener(redirect)
    redirect_uri = listener.uri
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
        listener.close()
    if redirect.error:
        reason = _error_code(redirect.error) or "an error that is not an OAuth error code"
        raise AuthFailed(f"Google did not grant access ({reason}); nothing saved")
    if not _is_token(redirect.code):
        raise AuthFailed("the browser came back with no usable code; nothing saved")
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

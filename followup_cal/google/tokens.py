"""Where the Google sign-in is kept: like a password, never in the YAML, the config, a
log or a command line.

The system keyring (service ``followup-cal``, entry ``google-oauth``) where there is
one that keeps what is put in it; else ``$XDG_DATA_HOME/followup-cal/google-token.json``
(default ``~/.local/share``), created readable and writable by the user alone (0600) in
a folder only they can enter (0700).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from followup_cal.errors import FileAccessError
from followup_cal.google.oauth import LOGIN_AGAIN, MAIL_SCOPE, SignInNeeded, Tokens, refresh

log = logging.getLogger(__name__)
KEYRING_SERVICE = "followup-cal"
KEYRING_ENTRY = "google-oauth"


def token_file() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "followup-cal" / "google-token.json"


def _keyring() -> object | None:
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def _keyring_get() -> str | None:
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_ENTRY)  # type: ignore[attr-defined]
    except Exception as exc:
        log.info("the keyring could not be read (%s)", type(exc).__name__)
        return None


def _keyring_set(text: str) -> bool:
    """Whether the keyring took the text and gives it back (a null backend does not)."""
    keyring = _keyring()
    if keyring is None:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_ENTRY, text)  # type: ignore[attr-defined]
    except Exception as exc:
        log.info("no keyring to keep the sign-in in (%s)", type(exc).__name__)
        return False
    return _keyring_get() == text


def _keyring_delete() -> bool:
    keyring = _keyring()
    if keyring is None or _keyring_get() is None:
        return False
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_ENTRY)  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


def _write_private(path: Path, text: str) -> None:
    """The file written whole, 0600 from its creation (never readable by others, even for
    an instant), in a 0700 folder."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(0o600)  # an existing temp kept its mode: made private again
        temp.replace(path)
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot write: {exc.strerror or exc}") from None


def save(tokens: Tokens) -> str:
    """Keep the tokens; returns where (for the user)."""
    text = tokens.to_json()
    if _keyring_set(text):
        with contextlib.suppress(FileNotFoundError):
            token_file().unlink()  # one place only: an older file would outlive a logout
        return f"the system keyring ({KEYRING_SERVICE} / {KEYRING_ENTRY})"
    path = token_file()
    _write_private(path, text)
    return str(path)


def load() -> Tokens | None:
    text = _keyring_get()
    if text is None:
        path = token_file()
        try:
            info = path.stat()
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise FileAccessError(f"{path}: cannot read: {exc}") from None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise FileAccessError(
                f"{path} is readable by others; it holds your Google sign-in: "
                f"chmod 600 it, or delete it and {LOGIN_AGAIN}"
            )
    return Tokens.from_json(text)


def forget() -> list[str]:
    """Remove the tokens wherever they are; the places they were removed from."""
    removed = []
    if _keyring_delete():
        removed.append("the system keyring")
    path = token_file()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        removed.append(str(path))
    return removed


class TokenSource:
    """The access token for each request: the saved one while it lasts, a refreshed one
    (saved again) when it has expired or the server refused it. One per run, shared by
    the threads of a sync."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None
        self.refreshes = 0

    def _loaded(self) -> Tokens:
        if self._tokens is None:
            self._tokens = load()
            if self._tokens is None:
                raise SignInNeeded(
                    "not signed in to Google: run `followup-cal login google "
                    "--client-secrets FILE` first"
                )
        return self._tokens

    def has_scope(self, scope: str) -> bool:
        return scope in self._loaded().scopes

    def token(self) -> str:
        with self._lock:
            tokens = self._loaded()
            if tokens.expired(self.clock()):
                self._refresh(tokens)
            return tokens.access_token

    def refreshed(self, stale: str) -> str:
        """A new access token after the server refused ``stale`` (unless another thread
        got one meanwhile)."""
        with self._lock:
            tokens = self._loaded()
            if tokens.access_token == stale:
                self._refresh(tokens)
            return tokens.access_token

    def _refresh(self, tokens: Tokens) -> None:
        refresh(tokens, self.clock())
        self.refreshes += 1
        save(tokens)


def mail_token_source() -> TokenSource:
    """The tokens for Gmail's IMAP: a sign-in that allowed mail, else exit 6."""
    source = TokenSource()
    source.token()
    if not source.has_scope(MAIL_SCOPE):
        raise SignInNeeded(
            "the Google sign-in does not allow mail: run `followup-cal login google "
            "--client-secrets FILE --mail` (or use an app password with --auth password)"
        )
    return source

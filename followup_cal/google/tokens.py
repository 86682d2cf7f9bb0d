"""Where the Google sign-in is kept: like a password, never in the YAML, the config, a
log or a command line.

The system keyring (service ``followup-cal``, entry ``google-oauth``) where there is
one that keeps what is put in it; else ``$XDG_DATA_HOME/followup-cal/google-token.json``
(default ``~/.local/share``), created readable and writable by the user alone (0600) in
a folder only they can enter (0700).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from followup_cal.atomic import write_private
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


def save(tokens: Tokens) -> str:
    """Keep the tokens; returns where (for the user)."""
    text = tokens.to_json()
    if _keyring_set(text):
        with contextlib.suppress(FileNotFoundError):
            token_file().unlink()  # one place only: an older file would outlive a logout
        return f"the system keyring ({KEYRING_SERVICE} / {KEYRING_ENTRY})"
    path = token_file()
    write_private(path, text.encode("utf-8"))
    return str(path)


def load() -> Tokens | None:
    text = _keyring_get()
    if text is None:
        text = _read_private(token_file())
        if text is None:
            return None
    return Tokens.from_json(text)


def _read_private(path: Path) -> str | None:
    """The token file's text, if it is a file of the user's own that no one else can
    read (never through a symbolic link); None when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileAccessError(
                f"{path} is a symbolic link; your Google sign-in is read only from a file "
                f"of its own: delete it and {LOGIN_AGAIN}"
            ) from None
        raise FileAccessError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise FileAccessError(
                f"{path} is not a file of yours; it cannot hold your Google sign-in: "
                f"delete it and {LOGIN_AGAIN}"
            )
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise FileAccessError(
                f"{path} is readable by others; it holds your Google sign-in: "
                f"chmod 600 it, or delete it and {LOGIN_AGAIN}"
            )
        data = handle.read(1 << 20)  # a sign-in is a few hundred bytes
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileAccessError(f"{path}: cannot read: not UTF-8 text") from None


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

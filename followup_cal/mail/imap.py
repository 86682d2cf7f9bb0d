"""Read-only IMAP at the edge: connect (TLS verified), EXAMINE a folder, SEARCH, and
FETCH a few header fields. Nothing here can change the mailbox: the folder is opened
with EXAMINE, headers come with BODY.PEEK (no \\Seen flag), and no body is fetched.

Errors become the package's own: 6 credentials, 7 unreachable (DNS, connection, TLS,
timeout), 5 no such folder, 8 any other answer that is not what IMAP promises.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from followup_cal.errors import AuthFailed, NotFound, ServerError, ServerUnreachable, UsageProblem
from followup_cal.mail.matching import HEADER_FIELDS, Message, parse_headers

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from imapclient import IMAPClient

FETCH_HEADERS = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
FETCHED_HEADERS = FETCH_HEADERS.replace(".PEEK", "").encode()  # how the answer names it


@dataclass(frozen=True)
class Account:
    """Where the mail is. ``imaps://host[:993]`` is TLS from the start; ``imap://host[:143]``
    upgrades with STARTTLS, and may stay plain only on this machine (or with insecure)."""

    url: str
    user: str
    password: str
    insecure: bool = False
    timeout: float = 30.0

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def tls_from_start(self) -> bool:
        return urlsplit(self.url).scheme == "imaps"

    @property
    def port(self) -> int:
        try:
            port = urlsplit(self.url).port
        except ValueError:
            raise UsageProblem(f"{self.url}: the port is not a number") from None
        return port or (993 if self.tls_from_start else 143)

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise UsageProblem(f"'{url}' is not an IMAP URL; expected imaps://HOST or imap://HOST:PORT")


def _tls_context(account: Account) -> ssl.SSLContext:
    context = ssl.create_default_context()  # the system's CAs, host name checked
    if account.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _connect(account: Account, warn: Any) -> IMAPClient:
    from imapclient import IMAPClient

    where = f"{account.host}:{account.port}"
    try:
        client = IMAPClient(
            account.host,
            account.port,
            ssl=account.tls_from_start,
            ssl_context=_tls_context(account),
            timeout=account.timeout,
        )
        if not account.tls_from_start:
            if client.has_capability("STARTTLS"):
                client.starttls(_tls_context(account))
            elif account.loopback:
                pass  # this machine: nothing crosses a network
            elif account.insecure:
                warn(f"warning: {where} offers no STARTTLS; the password goes in the clear")
            else:
                client.shutdown()
                raise ServerUnreachable(
                    f"{where} offers no STARTTLS, so the password would cross the network in "
                    "the clear; use imaps://, or --insecure to accept that"
                )
    except ssl.SSLCertVerificationError as exc:
        raise ServerUnreachable(
            f"{where}: its TLS certificate could not be verified ({exc.verify_message})"
        ) from None
    except (ssl.SSLError, socket.gaierror, TimeoutError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ServerUnreachable(f"{where} could not be reached: {reason}") from None
    client.normalise_times = False  # keep the zones the server sends
    return client


def _folders(client: IMAPClient) -> list[str]:
    return sorted(str(name) for _flags, _sep, name in client.list_folders())


@dataclass
class Mailbox:
    """One open, read-only folder; every request it sends is counted."""

    client: IMAPClient
    folder: str
    requests: int = 0

    def search(self, senders: Sequence[str], sent_since: date) -> list[int]:
        """UIDs of messages sent since that day whose From contains any of ``senders``."""
        if not senders:
            return []
        # FROM a OR FROM b ...: IMAP's OR takes two keys, so the list nests.
        criteria: list[Any] = ["FROM", senders[-1]]
        for sender in reversed(senders[:-1]):
            criteria = ["OR", "FROM", sender, criteria]
        self.requests += 1
        return list(self._call(self.client.search, ["SENTSINCE", sent_since, *criteria]))

    def headers(self, uids: Sequence[int]) -> list[Message]:
        """From, Date and Subject of each message, read with BODY.PEEK."""
        if not uids:
            return []
        self.requests += 1
        answer = self._call(self.client.fetch, sorted(set(uids)), [FETCH_HEADERS, "INTERNALDATE"])
        return [
            parse_headers(uid, data.get(FETCHED_HEADERS, b""), data.get(b"INTERNALDATE"))
            for uid, data in sorted(answer.items())
        ]

    def _call(self, method: Any, *args: Any) -> Any:
        from imapclient.exceptions import IMAPClientError

        try:
            answer = method(*args)
        except (TimeoutError, OSError) as exc:
            raise ServerUnreachable(f"the IMAP server stopped answering: {exc}") from None
        except IMAPClientError as exc:
            raise ServerError(f"the IMAP server refused {method.__name__.upper()}: {exc}") from None
        log.info("IMAP %s in %s: %d answer(s)", method.__name__.upper(), self.folder, len(answer))
        return answer


@contextmanager
def open_folder(account: Account, folder: str, warn: Any) -> Iterator[Mailbox]:
    """Log in and open ``folder`` read-only (EXAMINE); log out however it ends."""
    from imapclient.exceptions import IMAPClientError, LoginError

    client = _connect(account, warn)
    try:
        try:
            client.login(account.user, account.password)
            log.info("IMAP logged in to %s as %s", account.host, account.user)  # no password
        except LoginError:
            raise AuthFailed(
                f"{account.host}: the IMAP server refused the credentials of {account.user}"
            ) from None
        try:
            client.select_folder(folder, readonly=True)
        except IMAPClientError:
            try:
                known = ", ".join(_folders(client))
            except IMAPClientError:
                known = "(the server did not list them)"
            raise NotFound(
                f"{account.host}: no folder '{folder}'; the folders are: {known}"
            ) from None
    except (TimeoutError, OSError) as exc:
        client.shutdown()
        raise ServerUnreachable(f"{account.host}: the connection broke: {exc}") from None
    try:
        yield Mailbox(client, folder)
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            client.shutdown()

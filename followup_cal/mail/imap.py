"""Read-only IMAP at the edge: connect (TLS verified), EXAMINE folders, SEARCH, and
FETCH a few header fields and the message's structure. Nothing here can change the
mailbox: folders are opened with EXAMINE, headers come with BODY.PEEK (no \\Seen flag),
and no part's content is fetched, except a message that carries an invitation, read
whole with BODY.PEEK[] (it stays unread) so that the invitation can be read.

Errors become the package's own: 6 credentials, 7 unreachable (DNS, connection, TLS,
timeout, a BYE), 5 no such folder, 8 any other answer that is not what IMAP promises.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from followup_cal.columns import one_line
from followup_cal.errors import AuthFailed, NotFound, ServerError, ServerUnreachable, UsageProblem
from followup_cal.mail.folders import Folder, folders_of, special
from followup_cal.mail.message import HEADER_FIELDS, Message, parse_headers

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from imapclient import IMAPClient

FETCH_HEADERS = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"


def _header_block(data: dict[bytes, Any]) -> bytes:
    """The header fields in a FETCH answer. Servers name the item differently: Dovecot
    echoes the fields as asked, pymap sorts them, others change their case; whichever
    BODY[HEADER.FIELDS ...] item there is, it is the one asked for."""
    for key, value in data.items():
        if key.upper().startswith(b"BODY[HEADER.FIELDS") and isinstance(value, bytes):
            return value
    return b""


@dataclass(frozen=True)
class Account:
    """Where the mail is. ``imaps://host[:993]`` is TLS from the start; ``imap://host[:143]``
    upgrades with STARTTLS, and may stay plain only on this machine (or with insecure)."""

    url: str
    user: str
    password: str
    insecure: bool = False
    timeout: float = 30.0
    # OAuth (Gmail): a google.tokens.TokenSource; XOAUTH2 with its token, no password.
    oauth: Any = None

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


def _said(exc: BaseException) -> str:
    """What the server or the connection said, made safe to print: the server's text."""
    return one_line(str(exc), 200)


def _folders(client: IMAPClient) -> list[str]:
    """The folders' names as the server lists them, made safe to print."""
    return sorted(one_line(str(name), 100) for _flags, _sep, name in client.list_folders())


def _any_of(terms: Sequence[Sequence[str]]) -> list[str]:
    """IMAP's OR takes two keys, written before them: OR a OR b c. Flat, so that the
    charset given to SEARCH applies to every key (imapclient encodes nested lists
    without it)."""
    flat: list[str] = []
    for term in terms[:-1]:
        flat += ["OR", *term]
    return flat + list(terms[-1])


def _part_names(structure: Any) -> tuple[str, ...]:
    """Each part's type ("text/calendar") and every file name ("invite.ics") found in a
    BODYSTRUCTURE: enough to see an invitation without fetching any part."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):  # imapclient's list of a multipart's parts
            for part in node:
                walk(part)
            return
        if not isinstance(node, tuple):
            return
        if len(node) >= 2 and isinstance(node[0], bytes) and isinstance(node[1], bytes):
            found.append(
                f"{node[0].decode(errors='replace')}/{node[1].decode(errors='replace')}".lower()
            )
        for item in node:
            if isinstance(item, bytes) and item.lower().endswith(b".ics"):
                found.append(item.decode(errors="replace").lower())
            elif isinstance(item, (tuple, list)):
                walk(item)

    walk(structure)
    return tuple(found)


@dataclass
class Mailbox:
    """A logged-in, read-only session: folders are opened with EXAMINE; every request
    sent after login is counted."""

    client: IMAPClient
    host: str
    warn: Any = print
    folder: str = ""
    requests: int = 0
    refused: set[str] = field(default_factory=set)  # what this server would not do
    listed: list[Folder] | None = None  # the LIST answer, once asked

    def examine(self, folder: str) -> int:
        """Open ``folder`` read-only (EXAMINE); how many messages it holds."""
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

        self.requests += 1
        try:
            answer = self.client.select_folder(folder, readonly=True)
        except IMAPClientAbortError as exc:
            # BYE, or the connection closed: the server went away, whatever the folder.
            raise ServerUnreachable(f"{self.host}: the connection broke: {_said(exc)}") from None
        except IMAPClientError:
            try:
                known = ", ".join(_folders(self.client))
            except IMAPClientAbortError as exc:
                raise ServerUnreachable(
                    f"{self.host}: the connection broke: {_said(exc)}"
                ) from None
            except IMAPClientError:
                known = "(the server did not list them)"
            raise NotFound(f"{self.host}: no folder '{folder}'; the folders are: {known}") from None
        self.folder = folder
        log.info("IMAP EXAMINE %s: %s message(s)", one_line(folder, 100), answer.get(b"EXISTS"))
        exists = answer.get(b"EXISTS")
        return exists if isinstance(exists, int) else 1  # unknown: searched all the same

    def folders(self) -> list[Folder]:
        """The server's folders (one LIST per session, asked once)."""
        if self.listed is None:
            self.requests += 1
            self.listed = folders_of(self._call(self.client.list_folders))
        return self.listed

    def sent_folder(self) -> str | None:
        """The folder the server marks \\Sent, else one of the usual names, else None."""
        return special(self.folders(), "\\Sent")

    def search(
        self,
        terms: Sequence[Sequence[str]],
        since: date,
        without_header: Sequence[Sequence[str]] = (),
    ) -> list[int]:
        """UIDs of messages received since that day (the server's date) that match any
        of ``terms`` (each a SEARCH key and its value); ``without_header`` instead where
        the server refuses SEARCH HEADER."""
        if "HEADER" in self.refused:
            terms = without_header or [t for t in terms if t[0] != "HEADER"]
        if not terms:
            return []
        criteria = ["SINCE", since, *_any_of(terms)]
        charset = None if all(v.isascii() for t in terms for v in t) else "UTF-8"
        self.requests += 1
        try:
            return list(self._call(self.client.search, criteria, charset))
        except ServerError:
            if not any(t[0] == "HEADER" for t in terms):
                raise
        # Some servers search only some header fields: then by sender alone, and the
        # Reply-To and thread of what that finds are still read from its headers.
        self.refused.add("HEADER")
        self.warn(
            f"note: {self.host} refused SEARCH HEADER; searching by sender only, so a reply "
            "known only by its Reply-To or thread can be missed"
        )
        return self.search(terms, since, without_header)

    def headers(self, uids: Sequence[int], structure: bool = True) -> list[Message]:
        """The header fields inbox reads (BODY.PEEK: no \\Seen flag), the server's
        date, and the names of the parts (BODYSTRUCTURE), never a part's content."""
        if not uids:
            return []
        structure = structure and "BODYSTRUCTURE" not in self.refused
        self.requests += 1
        items = [FETCH_HEADERS, "INTERNALDATE", *(["BODYSTRUCTURE"] if structure else [])]
        try:
            answer = self._call(self.client.fetch, sorted(set(uids)), items)
        except ServerError:
            if not structure:
                raise
            # A structure the server will not give (or imapclient cannot read): the
            # answers are still known, only an invitation is not told apart.
            self.refused.add("BODYSTRUCTURE")
            self.warn(
                f"note: {self.host} gave no readable BODYSTRUCTURE; invitations are "
                "reported as answers"
            )
            return self.headers(uids, structure=False)
        return [
            parse_headers(
                uid,
                _header_block(data),
                data.get(b"INTERNALDATE"),
                self.folder,
                _part_names(data.get(b"BODYSTRUCTURE")),
            )
            for uid, data in sorted(answer.items())
        ]

    def structures(self, since: date, limit: int) -> dict[int, tuple[str, ...]]:
        """The part names (BODYSTRUCTURE) of the latest ``limit`` messages received since
        that day: where invitations are looked for, whoever sent them."""
        if "BODYSTRUCTURE" in self.refused:
            return {}
        self.requests += 1
        uids = sorted(self._call(self.client.search, ["SINCE", since]))[-limit:]
        if not uids:
            return {}
        self.requests += 1
        try:
            answer = self._call(self.client.fetch, uids, ["BODYSTRUCTURE"])
        except ServerError:
            return {}  # said once by headers(); invitations are then not looked for
        return {uid: _part_names(data.get(b"BODYSTRUCTURE")) for uid, data in answer.items()}

    def starts(self, uids: Sequence[int], size: int) -> dict[int, bytes]:
        """The first ``size`` bytes of each message (BODY.PEEK[]<0.size>: it stays
        unread), for the text of an answer; a larger message is cut there."""
        if not uids:
            return {}
        self.requests += 1
        answer = self._call(self.client.fetch, sorted(set(uids)), [f"BODY.PEEK[]<0.{size}>"])
        found = {}
        for uid, data in answer.items():
            for key, value in data.items():
                if key.upper().startswith(b"BODY[]") and isinstance(value, bytes):
                    found[uid] = value[:size]
        return found

    def whole(self, uid: int, limit: int) -> bytes:
        """One whole message, for the invitation it carries (BODY.PEEK[]: it stays unread);
        of a larger one, its first ``limit`` + 1 bytes only (a partial FETCH), which tell
        it is too large without bringing it all."""
        self.requests += 1
        answer = self._call(self.client.fetch, [uid], [f"BODY.PEEK[]<0.{limit + 1}>"])
        for key, value in answer.get(uid, {}).items():
            if key.upper().startswith(b"BODY[") and isinstance(value, bytes):
                return value
        return b""

    def call(self, method: Any, *args: Any) -> Any:
        """One request of imapclient's, its errors the package's (drafts_folder.py)."""
        return self._call(method, *args)

    def _call(self, method: Any, *args: Any) -> Any:
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

        try:
            answer = method(*args)
        except IMAPClientAbortError as exc:
            # BYE, or the connection closed: said as EXAMINE says it, whichever command
            # the server's goodbye reached first.
            raise ServerUnreachable(f"{self.host}: the connection broke: {_said(exc)}") from None
        except (TimeoutError, OSError) as exc:
            raise ServerUnreachable(f"the IMAP server stopped answering: {_said(exc)}") from None
        except IMAPClientError as exc:
            raise ServerError(
                f"the IMAP server refused {method.__name__.upper()}: {_said(exc)}"
            ) from None
        # The IMAP command, as a server's log names it; "in FOLDER" once one is open.
        command = IMAP_COMMAND.get(method.__name__, method.__name__.upper())
        where = f" in {self.folder}" if self.folder else ""
        log.info("IMAP %s%s: %d answer(s)", command, where, len(answer) if answer else 0)
        return answer


# imapclient's method -> the command it sends, for -v.
IMAP_COMMAND = {
    "list_folders": "LIST",
    "list_sub_folders": "LSUB",
    "select_folder": "SELECT",
    "folder_status": "STATUS",
    "get_flags": "FETCH FLAGS",
    "uid_expunge": "UID EXPUNGE",
}


def _oauth_login(client: IMAPClient, account: Account) -> None:
    """AUTHENTICATE XOAUTH2 (Gmail's); a refused token gets one fresh one."""
    from imapclient.exceptions import LoginError

    token = account.oauth.token()
    try:
        client.oauth2_login(account.user, token)
    except LoginError:
        client.oauth2_login(account.user, account.oauth.refreshed(token))


@contextmanager
def open_mailbox(account: Account, warn: Any) -> Iterator[Mailbox]:
    """Log in; log out however it ends. Folders are then opened read-only."""
    from imapclient.exceptions import IMAPClientError, LoginError

    client = _connect(account, warn)
    try:
        try:
            if account.oauth is not None:
                _oauth_login(client, account)
            else:
                client.login(account.user, account.password)
            log.info("IMAP logged in to %s as %s", account.host, account.user)  # no password
        except LoginError:
            raise AuthFailed(
                f"{account.host}: the IMAP server refused the credentials of {account.user}"
            ) from None
    except (TimeoutError, OSError) as exc:
        client.shutdown()
        raise ServerUnreachable(f"{account.host}: the connection broke: {_said(exc)}") from None
    try:
        yield Mailbox(client, account.host, warn)
    except (TimeoutError, OSError) as exc:
        raise ServerUnreachable(f"{account.host}: the connection broke: {_said(exc)}") from None
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            client.shutdown()

"""Serve the feed over HTTP for calendar apps to subscribe to (``followup-cal serve``).

The feed is rebuilt when the YAML changes (its size, mtime or inode), and answered with
an ETag and Last-Modified so that clients polling it get a 304 when nothing changed. A
broken edit does not take the feed down: the last good one is served, and the problem
is logged once. No click here; the CLI wires it up.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

from followup_cal.errors import FileAccessError, FollowupCalError
from followup_cal.ics import FeedStyle
from followup_cal.loader import load
from followup_cal.state import ExportState

FEED_NAME = "followups.ics"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime  # whole seconds, UTC: what HTTP dates can say


class FeedSource:
    """The current feed of one YAML file, rebuilt only when the file changed."""

    def __init__(
        self,
        path: str,
        style: FeedStyle,
        state: ExportState,
        today: Callable[[], date],
        log: Callable[[str], None],
    ) -> None:
        self.path = path
        self.style = style
        self.state = state  # kept in memory: the server never writes into the user's repo
        self.today = today
        self.log = log
        self._lock = threading.Lock()
        self._key: tuple[int, int, int, date] | None = None
        self._feed: Feed | None = None

    def _file_key(self) -> tuple[int, int, int, date]:
        info = Path(self.path).stat()
        return (info.st_mtime_ns, info.st_size, info.st_ino, self.today())

    def current(self) -> Feed:
        """The feed, rebuilt if the file (or the day) changed since the last build."""
        from followup_cal import service

        with self._lock:
            try:
                key = self._file_key()
            except OSError as exc:
                if self._feed is None:
                    raise FileAccessError(f"{self.path}: cannot read: {exc.strerror}") from None
                self.log(f"{self.path}: cannot read ({exc.strerror}); serving the last feed")
                return self._feed
            if key == self._key and self._feed is not None:
                return self._feed
            try:
                body = service.export_ics(load(self.path), key[3], self.state, self.style)
            except FollowupCalError as exc:
                if self._feed is None:
                    raise
                for line in exc.lines():
                    self.log(line)
                self.log("serving the last good feed until the file is fixed")
                self._key = key  # log once per change, not once per request
                return self._feed
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if self._feed is None or self._feed.etag != etag:
                modified = datetime.fromtimestamp(key[0] // 1_000_000_000, UTC)
                if self._feed is not None:
                    modified = max(modified, self._feed.last_modified)
                self._feed = Feed(body, etag, modified)
                if self._key is not None:
                    self.log(f"{self.path} changed: feed rebuilt ({body.count(b'UID:')} items)")
            self._key = key
            return self._feed


def feed_path(token: str) -> str:
    return f"/{quote(token, safe='')}/{FEED_NAME}" if token else f"/{FEED_NAME}"


def _not_modified(headers: dict[str, str], feed: Feed) -> bool:
    match = headers.get("if-none-match")
    if match is not None:
        tags = {t.strip() for t in match.split(",")}
        return "*" in tags or feed.etag in tags or f"W/{feed.etag}" in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return feed.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def make_server(
    host: str, port: int, token: str, source: FeedSource, log: Callable[[str], None]
) -> ThreadingHTTPServer:
    path = feed_path(token)

    class FeedHandler(BaseHTTPRequestHandler):
        server_version = "followup-cal"
        sys_version = ""

        def do_GET(self) -> None:  # the name http.server calls
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _answer(self, *, with_body: bool) -> None:
            if urlsplit(self.path).path != path:
                # The same answer for a wrong token and a wrong path: nothing to probe.
                self._plain(HTTPStatus.NOT_FOUND, b"not found\n", with_body)
                return
            try:
                feed = source.current()
            except (OSError, FollowupCalError):
                self._plain(HTTPStatus.SERVICE_UNAVAILABLE, b"feed unavailable\n", with_body)
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = HTTPStatus.NOT_MODIFIED if _not_modified(headers, feed) else HTTPStatus.OK
            self.send_response(status)
            self.send_header("ETag", feed.etag)
            self.send_header("Last-Modified", format_datetime(feed.last_modified, usegmt=True))
            self.send_header("Cache-Control", "no-cache")
            if status is HTTPStatus.OK:
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Disposition", f'inline; filename="{FEED_NAME}"')
                self.send_header("Content-Length", str(len(feed.body)))
            self.end_headers()
            if with_body and status is HTTPStatus.OK:
                self.wfile.write(feed.body)

        def _plain(self, status: HTTPStatus, body: bytes, with_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # The token never reaches the log.
            line = format % args
            if token:
                line = line.replace(quote(token, safe=""), "…").replace(token, "…")
            log(f"{self.address_string()} {line}")

    server_class = ThreadingHTTPServer
    if ":" in host:
        import socket

        class V6Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        server_class = V6Server
    server = server_class((host, port), FeedHandler)
    server.daemon_threads = True
    return server


def public_urls(host: str, port: int, token: str) -> tuple[str, str]:
    """(http URL, webcal URL) to paste into a calendar app."""
    shown = host
    if host in ("0.0.0.0", "::"):
        shown = os.uname().nodename  # the address others reach this machine by
    if ":" in shown:
        shown = f"[{shown}]"
    where = f"{shown}:{port}{feed_path(token)}"
    return f"http://{where}", f"webcal://{where}"

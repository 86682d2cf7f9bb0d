"""Serve the feed over HTTP for calendar apps to subscribe to (``followup-cal serve``).

The port opens at once; the feed is built, and rebuilt when the YAML changes (its size,
mtime or inode) or the day does, by a thread of its own, while requests get the last good
feed with an ETag and Last-Modified (a 304 when nothing changed). A failed build, for any
reason, keeps the last good feed and logs one line. Requests must name this server in
their Host header (against DNS rebinding); idle connections are closed. No click here;
the CLI wires it up.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from followup_cal.calendar.ics import FeedStyle
from followup_cal.columns import one_line
from followup_cal.errors import FileAccessError, FollowupCalError
from followup_cal.journal.state import ExportState

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
    """A built feed. Its bytes live in an unnamed temporary file, not in memory (a coach's
    10,000 interviews make a feed of hundreds of MB); requests read it with pread, so
    several read at once, and it is removed when the last request holding it ends."""

    file: BinaryIO
    size: int
    etag: str
    last_modified: datetime  # whole seconds, UTC: what HTTP dates can say

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        for offset in range(0, self.size, size):
            yield os.pread(self.file.fileno(), min(size, self.size - offset), offset)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks())


class FeedSource:
    """The last good feed of one YAML file, rebuilt in the background when the file (or
    the day) changes. A request never waits for a build: it gets the last good feed, and
    a build that fails for any reason keeps it and logs one line."""

    def __init__(
        self,
        path: str,
        style: FeedStyle,
        state: ExportState,
        today: Callable[[], date],
        log: Callable[[str], None],
        poll_seconds: float = 1.0,
    ) -> None:
        self.path = path
        self.style = style
        self.state = state  # kept in memory: the server never writes into the user's repo
        self.today = today
        self.log = log
        self.poll_seconds = poll_seconds
        self._key: tuple[int, int, int, date] | None = None
        self._unreadable = False
        self._feed: Feed | None = None
        self.first_error: BaseException | None = None  # why there is no feed at all yet
        self._wake = threading.Event()
        self._tried = threading.Event()  # the first build has ended, well or not
        self._stopping = threading.Event()
        self._builder = threading.Thread(target=self._run, name="feed-builder", daemon=True)

    # -- for requests: never blocks --------------------------------------------------------

    def current(self) -> Feed | None:
        """The last good feed (None before the first build); asks the builder to look."""
        self._wake.set()
        return self._feed

    # -- the builder ------------------------------------------------------------------------

    def start(self) -> None:
        self._builder.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def wait_first(self, timeout: float | None = None) -> bool:
        """Wait until the first build ended; True when there is a feed to serve."""
        self._tried.wait(timeout)
        return self._feed is not None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.refresh()
            self._tried.set()
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def refresh(self) -> None:
        """Rebuild if the file or the day changed since the last attempt; never raises."""
        try:
            info = Path(self.path).stat()
        except OSError as exc:
            if not self._unreadable:  # once, not on every look
                problem = FileAccessError(f"{self.path}: cannot read: {exc.strerror}")
                self._failed(problem, str(problem))
            self._unreadable = True
            return
        self._unreadable = False
        key = (info.st_mtime_ns, info.st_size, info.st_ino, self.today())
        if key == self._key:
            return
        self._key = key  # a broken edit is reported once per change, not once per look
        try:
            built, size, digest, items = self._build(key[3])
        except FollowupCalError as exc:
            lines = exc.lines()
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            self._failed(exc, f"{lines[0]}{more}")
            return
        except Exception as exc:  # a bug must not take the feed down either
            self._failed(exc, f"{self.path}: internal error {type(exc).__name__}: {exc}")
            return
        etag = '"' + digest[:32] + '"'
        if self._feed is not None and self._feed.etag == etag:
            built.close()
            return
        modified = datetime.fromtimestamp(key[0] // 1_000_000_000, UTC)
        previous = self._feed
        if previous is not None:
            modified = max(modified, previous.last_modified)
        self._feed = Feed(built, size, etag, modified)  # one assignment: old or new
        self.first_error = None
        if previous is None:
            self.log(f"feed ready ({items} items)")
        else:
            self.log(f"{self.path} changed: feed rebuilt ({items} items)")

    def _build(self, today: date) -> tuple[BinaryIO, int, str, int]:
        """The feed written to an unnamed temporary file: the file, its size, its SHA-256
        and the number of items. A large YAML is read one interview at a time, as export
        reads it."""
        from followup_cal import service
        from followup_cal.loader import open_lazily

        search, interviews, read_whole = open_lazily(self.path)
        stream = service.export_stream(
            search, today, self.state, self.style, interviews=interviews, read_whole=read_whole
        )
        built = tempfile.TemporaryFile()  # noqa: SIM115 (it outlives this call: the feed)
        try:
            for chunk in stream.chunks():
                built.write(chunk)
            built.flush()
        except BaseException:
            built.close()
            raise
        # The stream hashed and counted what it gave out.
        return built, stream.size, stream.sha256, stream.count

    def _failed(self, exc: BaseException, line: str) -> None:
        if self._feed is None:
            self.first_error = exc
            if self._tried.is_set():  # the first failure is the caller's to report
                self.log(f"{line}; no feed yet, until the file is fixed")
        else:
            self.log(f"{line}; serving the last good feed until the file is fixed")


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


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets, case or a final dot."""
    name = header.strip().lower()
    if name.startswith("["):
        return name[1:].partition("]")[0]
    if name.count(":") == 1:
        name = name.partition(":")[0]
    return name.rstrip(".")


def allowed_hosts(host: str, extra: tuple[str, ...] = ()) -> Callable[[str | None], bool]:
    """Which Host headers a request may carry: the bound address, names the user allowed,
    and any address literal. A name is what DNS rebinding needs (a page of evil.example
    whose name now points at 127.0.0.1), so no other name is answered."""
    names = {host_name(host), *(host_name(h) for h in extra)}
    if is_loopback(host):
        names.add("localhost")
    if host in ("0.0.0.0", "::"):
        names.add(host_name(os.uname().nodename))  # the name public_urls prints

    def allowed(header: str | None) -> bool:
        if header is None:  # HTTP/1.0 without Host: no name, nothing to rebind
            return True
        name = host_name(header)
        if name in names:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    return allowed


def make_server(
    host: str,
    port: int,
    token: str,
    source: FeedSource,
    log: Callable[[str], None],
    allow_hosts: tuple[str, ...] = (),
    idle_timeout: float = 10.0,
) -> ThreadingHTTPServer:
    path = feed_path(token)
    host_allowed = allowed_hosts(host, allow_hosts)

    class FeedHandler(BaseHTTPRequestHandler):
        server_version = "followup-cal"
        sys_version = ""
        timeout = idle_timeout  # a connection that sends nothing for this long is closed

        def do_GET(self) -> None:  # the name http.server calls
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _answer(self, *, with_body: bool) -> None:
            if not host_allowed(self.headers.get("Host")):
                said = one_line(str(self.headers.get("Host")), 100)
                log(f"refused a request for Host '{said}' (see --allow-host)")
                self._plain(HTTPStatus.FORBIDDEN, b"host not allowed\n", with_body)
                return
            if urlsplit(self.path).path != path:
                # The same answer for a wrong token and a wrong path: nothing to probe.
                self._plain(HTTPStatus.NOT_FOUND, b"not found\n", with_body)
                return
            feed = source.current()
            if feed is None:
                self._plain(HTTPStatus.SERVICE_UNAVAILABLE, b"feed not built yet\n", with_body)
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
                self.send_header("Content-Length", str(feed.size))
            self.end_headers()
            if with_body and status is HTTPStatus.OK:
                for chunk in feed.chunks():
                    self.wfile.write(chunk)

        def _plain(self, status: HTTPStatus, body: bytes, with_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status is HTTPStatus.SERVICE_UNAVAILABLE:
                self.send_header("Retry-After", "5")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # The token never reaches the log.
            line = format % args
            if token:
                line = line.replace(quote(token, safe=""), "…").replace(token, "…")
            # What a client sent (its path, a broken request line) is printed clean.
            log(f"{self.address_string()} {one_line(line, 300)}")

    class FeedServer(ThreadingHTTPServer):
        # Room for a burst of calendar apps polling at once (the default, 5, dropped
        # connections under 200 clients); the kernel caps it at net.core.somaxconn.
        request_queue_size = 1024
        daemon_threads = True

        def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
            import sys

            exc = sys.exc_info()[1]
            why = one_line(f"{type(exc).__name__}: {exc}", 200)
            log(f"{client_address[0]} connection failed: {why}")

    server_class = FeedServer
    if ":" in host:
        import socket

        class V6Server(FeedServer):
            address_family = socket.AF_INET6

        server_class = V6Server
    return server_class((host, port), FeedHandler)


def public_urls(host: str, port: int, token: str) -> tuple[str, str]:
    """(http URL, webcal URL) to paste into a calendar app."""
    shown = host
    if host in ("0.0.0.0", "::"):
        shown = os.uname().nodename  # the address others reach this machine by
    if ":" in shown:
        shown = f"[{shown}]"
    where = f"{shown}:{port}{feed_path(token)}"
    return f"http://{where}", f"webcal://{where}"

"""Real CalDAV servers for the tests, on 127.0.0.1, and a proxy that counts requests.

Radicale (with htpasswd auth) and Xandikos run as subprocesses from this virtualenv,
each on a free port with a temporary storage. Debian's sabre/dav (Digest auth) runs
under `php -S`; `make test` installs it (php-cli php-sqlite3 php-sabre-dav). Cyrus and
DAViCal: tests/cyrus_server.py, tests/davical_server.py. SERVERS names them all.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.client
import itertools
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

USER = "alex"
PASSWORD = "s3cret-Pa55word"
ACCOUNTS = itertools.count(2)  # alex2, alex3...: accounts made for one test each


# Under pytest-xdist each worker hands out ports of its own block, below the kernel's
# ephemeral range (32768 and up, where the clients' own ports come from): between the
# check here and the server's bind, no other worker of the run nor any connection can
# take the port. A run without workers lets the kernel choose.
PORT_BLOCK = 2000
_port_draws = itertools.count(random.randrange(PORT_BLOCK))


def _candidates() -> Iterator[int]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        yield 0
        return
    block = 20000 + int(worker[2:]) % 6 * PORT_BLOCK
    for _ in range(PORT_BLOCK):
        yield block + next(_port_draws) % PORT_BLOCK


def free_port() -> int:
    for port in _candidates():
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port in this worker's block")


def memory_folder(prefix: str) -> Path:
    """A temporary folder in memory where there is a tmpfs (/dev/shm): a server that
    syncs each write to disk (Cyrus does, per mailbox) waits on nothing there. Not under
    pytest's tmp_path, which only its owner can enter: the caller gives it away."""
    memory = Path("/dev/shm")
    where = memory if memory.is_dir() and os.access(memory, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=where))


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    root_path: str  # where discovery starts
    calendar_path: str  # an existing calendar, or where the tests make one
    user: str | None
    password: str | None
    others: list[subprocess.Popen] = field(default_factory=list)  # stopped after process
    folders: list[Path] = field(default_factory=list)  # removed once all are stopped
    # Adds a user with PASSWORD, where a test needs an account of its own (below).
    add_account: Callable[[str], None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.root_path}"

    def own_account(self) -> Server:
        """The server as a new user of it sees it. Cyrus keeps a UID unique across all
        calendars of an account, so tests that share it (each syncing the same example
        into a calendar of its own) each need an account of their own."""
        if self.add_account is None:
            return self
        user = f"{USER}{next(ACCOUNTS)}"
        self.add_account(user)
        path = self.calendar_path.replace(f"/{USER}/", f"/{user}/")
        return dataclasses.replace(self, user=user, calendar_path=path, add_account=None)

    def stop(self) -> None:
        for process in (self.process, *self.others):
            if process.poll() is None:
                if os.getpgid(process.pid) == process.pid:  # its own group: php -S workers too
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


def start_radicale(tmp: Path) -> Server:
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    users = tmp / "htpasswd"
    users.write_text(f"{USER}:{PASSWORD}\n")
    store = memory_folder("followup-radicale-")  # it syncs each event it stores to disk
    command = [
        sys.executable, "-m", "radicale", "--config", "",
        "--server-hosts", f"127.0.0.1:{port}",
        "--storage-filesystem-folder", str(store / "collections"),
        "--auth-type", "htpasswd",
        "--auth-htpasswd-filename", str(users),
        "--auth-htpasswd-encryption", "plain",
        "--rights-type", "owner_only",
        "--logging-level", "warning",
        # Radicale waits 1 s before each 401 (a client's first, unauthenticated request
        # too) and each 5xx, against guessing: nothing to guess here, and the suite's
        # clients meet hundreds of them.
        "--auth-delay", "0",
        "--server-delay-on-error", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return Server("radicale", process, port, "/", f"/{USER}/followups/", USER, PASSWORD,
                  folders=[store])  # fmt: skip


def start_xandikos(tmp: Path) -> Server:
    port = free_port()
    script = Path(sys.executable).with_name("xandikos")
    store = memory_folder("followup-xandikos-")  # its git store syncs each commit to disk
    command = [
        str(script), "serve", "-d", str(store / "xandikos"), "--defaults",
        "-l", "127.0.0.1", "-p", str(port), "--no-detect-systemd",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return Server("xandikos", process, port, "/", "/user/calendars/calendar/", None, None,
                  folders=[store])  # fmt: skip


SABRE_SCRIPT = Path(__file__).parent / "sabredav" / "server.php"
SABRE_REALM = "SabreDAV"
SABRE_SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY ASC, username TEXT UNIQUE, digesta1 TEXT);
CREATE TABLE principals (id INTEGER PRIMARY KEY ASC, uri TEXT UNIQUE, email TEXT,
    displayname TEXT, vcardurl TEXT);
CREATE TABLE groupmembers (id INTEGER PRIMARY KEY ASC, principal_id INTEGER,
    member_id INTEGER, UNIQUE(principal_id, member_id));
CREATE TABLE calendarobjects (id INTEGER PRIMARY KEY ASC, calendardata BLOB, uri TEXT,
    calendarid INTEGER, lastmodified INTEGER, etag TEXT, size INTEGER, componenttype TEXT,
    firstoccurence INTEGER, lastoccurence INTEGER);
CREATE TABLE calendars (id INTEGER PRIMARY KEY ASC, principaluri TEXT, displayname TEXT,
    uri TEXT, ctag INTEGER, description TEXT, calendarorder INTEGER, calendarcolor TEXT,
    timezone TEXT, components TEXT, transparent BOOL);
CREATE TABLE locks (id INTEGER PRIMARY KEY ASC, owner TEXT, timeout INTEGER,
    created INTEGER, token TEXT, scope INTEGER, depth INTEGER, uri TEXT);
"""
OTHER_USER = "sam"  # a second account, whose calendar alex may not open (403)
OTHER_PASSWORD = PASSWORD + "-sam"


def sabredav_available() -> bool:
    return shutil.which("php") is not None and Path("/usr/share/php/Sabre/autoload.php").exists()


def start_sabredav(tmp: Path) -> Server:
    """sabre/dav 1.8 with Digest auth: users alex and sam, each with a calendar."""
    tmp.mkdir(parents=True, exist_ok=True)
    store = memory_folder("followup-sabredav-")  # SQLite syncs each write to disk
    db = store / "sabre.sqlite"
    with sqlite3.connect(db) as connection:
        connection.executescript(SABRE_SCHEMA)
        for user, password in ((USER, PASSWORD), (OTHER_USER, OTHER_PASSWORD)):
            digest = hashlib.md5(f"{user}:{SABRE_REALM}:{password}".encode()).hexdigest()
            connection.execute(
                "INSERT INTO users (username, digesta1) VALUES (?, ?)", (user, digest)
            )
            for uri in ("", "/calendar-proxy-read", "/calendar-proxy-write"):
                connection.execute(
                    "INSERT INTO principals (uri) VALUES (?)", (f"principals/{user}{uri}",)
                )
            connection.execute(
                "INSERT INTO calendars (principaluri, displayname, uri, ctag, components) "
                "VALUES (?, 'Default', 'default', 1, 'VEVENT,VTODO')",
                (f"principals/{user}",),
            )
    port = free_port()
    command = ["php", "-S", f"127.0.0.1:{port}", str(SABRE_SCRIPT)]
    env = {**os.environ, "SABRE_DB": str(db)}
    process = subprocess.Popen(
        command, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port, process)
    return Server("sabredav", process, port, "/", f"/calendars/{USER}/default/", USER, PASSWORD,
                  folders=[store])  # fmt: skip


# Every CalDAV server the sync suites run on. Cyrus (Fastmail's) and DAViCal run from
# Debian's packages (tests/cyrus_server.py, tests/davical_server.py); being slower to
# set up, each is started once per test session and shared (every test makes a calendar
# of its own), where the others are started per test module.
SERVERS = ("radicale", "xandikos", "sabredav", "cyrus", "davical")
SHARED = ("cyrus", "davical")


def start_server(name: str, tmp: Path) -> Server:
    """Start one of SERVERS, or say which `make` target installs what it lacks."""
    if name == "cyrus":
        from cyrus_server import cyrus_available, start_cyrus

        available, start = cyrus_available(), start_cyrus
    elif name == "davical":
        from davical_server import davical_available, start_davical

        available, start = davical_available(), start_davical
    else:
        starts = {"radicale": start_radicale, "xandikos": start_xandikos}
        available = name != "sabredav" or sabredav_available()
        start = starts.get(name, start_sabredav)
    if not available:
        raise ServerMissing(f"{name} is not installed here: `make {name}` installs it")
    return start(tmp)


class ServerMissing(RuntimeError):
    pass


class QuietServer(ThreadingHTTPServer):
    """A client hanging up on the proxy (a timeout test) is expected: no traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


LOCK = threading.Lock()
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "host"}


@dataclass
class RecordingProxy:
    """Forwards to the server and records every request; can play a dead server."""

    upstream_port: int
    requests: list[tuple[str, str]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)  # request index -> status
    sizes: dict[int, int] = field(default_factory=dict)  # request index -> bytes answered
    sent: dict[int, dict[str, str]] = field(default_factory=dict)  # index -> request headers
    in_flight: int = 0
    peak: int = 0  # the most requests forwarded at once
    connections: int = 0  # connections the client opened to the proxy
    fail_after: int | None = None  # forward this many, then drop every connection
    status_override: int | None = None  # answer every request with this status instead
    delay: float = 0.0  # seconds to wait before answering
    before_forward: Callable[[str, str], None] | None = None  # e.g. a concurrent edit
    # Changes an answer's body before the client sees it:
    # (method, path, request body, answer body) -> answer body.
    rewrite: Callable[[str, str, bytes, bytes], bytes] | None = None
    # Answers a request itself when it returns (status, body): (method, path) -> or None.
    answer: Callable[[str, str], tuple[int, bytes] | None] | None = None
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def clear(self) -> None:
        """Forget the requests recorded so far."""
        self.requests.clear()
        self.sent.clear()
        self.statuses.clear()
        self.sizes.clear()
        self.peak = 0
        self.connections = 0

    def reset(self) -> None:
        self.clear()
        self.fail_after = None
        self.status_override = None
        self.delay = 0.0
        self.before_forward = None
        self.rewrite = None
        self.answer = None

    def bytes_read(self) -> int:
        """The bytes of every answer's body: what the client downloaded."""
        return sum(self.sizes.values())

    def methods(self) -> list[str]:
        """The methods of the requests that did work: not a 401 that only asks for
        credentials (Digest's first round trip), nor a 423 Locked (tried again)."""
        return [
            m for n, (m, _) in enumerate(self.requests) if self.statuses.get(n) not in (401, 423)
        ]

    def start(self) -> RecordingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: with Nagle's algorithm the
            # body waits for the client's delayed ACK of the headers, 40 ms a request.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                with LOCK:
                    proxy.connections += 1
                super().setup()

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.fail_after is not None and len(proxy.requests) >= proxy.fail_after:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                proxy.requests.append((self.command, self.path))
                index = len(proxy.requests) - 1
                proxy.sent[index] = {k.lower(): v for k, v in self.headers.items()}
                if proxy.delay:
                    time.sleep(proxy.delay)
                if proxy.status_override is not None:
                    self.send_response(proxy.status_override)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                own = proxy.answer(self.command, self.path) if proxy.answer else None
                if own is not None:
                    proxy.statuses[index] = own[0]
                    self.send_response(own[0])
                    self.send_header("Content-Type", "application/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(own[1])))
                    self.end_headers()
                    self.wfile.write(own[1])
                    return
                if proxy.before_forward is not None:
                    proxy.before_forward(self.command, self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                if proxy.rewrite is not None:
                    headers.pop("Accept-Encoding", None)  # a body it can read
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                with LOCK:
                    proxy.in_flight += 1
                    proxy.peak = max(proxy.peak, proxy.in_flight)
                try:
                    upstream.request(self.command, self.path, body, headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    with LOCK:
                        proxy.in_flight -= 1
                if proxy.rewrite is not None:
                    data = proxy.rewrite(self.command, self.path, body, data)
                proxy.statuses[index] = response.status
                proxy.sizes[index] = len(data)
                self.send_response_only(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = forward
            do_MKCALENDAR = do_OPTIONS = do_PROPPATCH = do_HEAD = do_POST = forward

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # Stopping waits for the loop's next poll: 0.5 s by default, paid by every test.
        poll = {"poll_interval": 0.05}
        threading.Thread(target=self.server.serve_forever, kwargs=poll, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class HttpResult:
    status_code: int
    content: bytes


CALENDAR_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"/></C:filter>
</C:calendar-query>"""


def calendar_objects(url: str, auth: tuple[str, str] | None) -> list[tuple[str, str, str]]:
    """(href, etag, text) of every object of the calendar at ``url``: one REPORT with
    plain HTTP, the tests' own view of what the server holds, not the code under test's."""
    response = http_request("REPORT", url, data=CALENDAR_QUERY, auth=auth,
                            headers={"Depth": "1", "Content-Type": "application/xml"})  # fmt: skip
    assert response.status_code == 207, (response.status_code, response.content)
    found = []
    for item in ElementTree.fromstring(response.content).iter("{DAV:}response"):
        text = item.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data")
        if text:
            etag = item.findtext(".//{DAV:}getetag") or ""
            found.append((item.findtext("{DAV:}href") or "", etag, text))
    return found


def http_request(
    method: str,
    url: str,
    data: bytes | str = b"",
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    """One plain HTTP request, independent of the code under test: Basic credentials, or
    Digest (RFC 7616, MD5, qop=auth) when the server answers 401 asking for it."""
    parts = urlsplit(url)
    path = parts.path or "/"
    body = data.encode() if isinstance(data, str) else data
    all_headers = dict(headers or {})
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        all_headers["Authorization"] = f"Basic {token}"
    status, content, challenge = _send(parts, method, path, body, all_headers)
    if status == 401 and auth and challenge.lower().startswith("digest"):
        all_headers["Authorization"] = _digest(auth, method, path, challenge)
        status, content, _challenge = _send(parts, method, path, body, all_headers)
    return HttpResult(status, content)


def _send(parts, method: str, path: str, body: bytes, headers: dict[str, str]):
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("WWW-Authenticate") or ""
    finally:
        connection.close()


def _digest(auth: tuple[str, str], method: str, path: str, challenge: str) -> str:
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.partition(" ")[2]))
    realm, nonce = fields["realm"], fields["nonce"]

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    cnonce, count = os.urandom(8).hex(), "00000001"
    ha1, ha2 = md5(f"{auth[0]}:{realm}:{auth[1]}"), md5(f"{method}:{path}")
    answer = md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    opaque = f', opaque="{fields["opaque"]}"' if "opaque" in fields else ""
    return (
        f'Digest username="{auth[0]}", realm="{realm}", nonce="{nonce}", uri="{path}", '
        f'qop=auth, nc={count}, cnonce="{cnonce}", response="{answer}"{opaque}'
    )

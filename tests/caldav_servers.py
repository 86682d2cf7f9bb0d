"""Real CalDAV servers for the tests, on 127.0.0.1, and a proxy that counts requests.

Radicale (with htpasswd auth) and Xandikos run as subprocesses from this virtualenv,
each on a free port with a temporary storage; nothing is installed by hand.
"""

from __future__ import annotations

import base64
import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

USER = "alex"
PASSWORD = "s3cret-Pa55word"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.root_path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_radicale(tmp: Path) -> Server:
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    users = tmp / "htpasswd"
    users.write_text(f"{USER}:{PASSWORD}\n")
    command = [
        sys.executable, "-m", "radicale", "--config", "",
        "--server-hosts", f"127.0.0.1:{port}",
        "--storage-filesystem-folder", str(tmp / "collections"),
        "--auth-type", "htpasswd",
        "--auth-htpasswd-filename", str(users),
        "--auth-htpasswd-encryption", "plain",
        "--rights-type", "owner_only",
        "--logging-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return Server("radicale", process, port, "/", f"/{USER}/followups/", USER, PASSWORD)


def start_xandikos(tmp: Path) -> Server:
    port = free_port()
    script = Path(sys.executable).with_name("xandikos")
    command = [
        str(script), "serve", "-d", str(tmp / "xandikos"), "--defaults",
        "-l", "127.0.0.1", "-p", str(port), "--no-detect-systemd",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return Server("xandikos", process, port, "/", "/user/calendars/calendar/", None, None)


class QuietServer(ThreadingHTTPServer):
    """A client hanging up on the proxy (a timeout test) is expected: no traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "host"}


@dataclass
class RecordingProxy:
    """Forwards to the server and records every request; can play a dead server."""

    upstream_port: int
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_after: int | None = None  # forward this many, then drop every connection
    status_override: int | None = None  # answer every request with this status instead
    delay: float = 0.0  # seconds to wait before answering
    before_forward: Callable[[str, str], None] | None = None  # e.g. a concurrent edit
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset(self) -> None:
        self.requests.clear()
        self.fail_after = None
        self.status_override = None
        self.delay = 0.0
        self.before_forward = None

    def methods(self) -> list[str]:
        return [m for m, _ in self.requests]

    def start(self) -> RecordingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.fail_after is not None and len(proxy.requests) >= proxy.fail_after:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                proxy.requests.append((self.command, self.path))
                if proxy.delay:
                    time.sleep(proxy.delay)
                if proxy.status_override is not None:
                    self.send_response(proxy.status_override)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if proxy.before_forward is not None:
                    proxy.before_forward(self.command, self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                upstream.request(self.command, self.path, body, headers)
                response = upstream.getresponse()
                data = response.read()
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class HttpResult:
    status_code: int
    content: bytes


def http_request(
    method: str,
    url: str,
    data: bytes | str = b"",
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    """One plain HTTP request, independent of the code under test."""
    parts = urlsplit(url)
    all_headers = dict(headers or {})
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        all_headers["Authorization"] = f"Basic {token}"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        body = data.encode() if isinstance(data, str) else data
        connection.request(method, parts.path or "/", body=body, headers=all_headers)
        response = connection.getresponse()
        return HttpResult(response.status, response.read())
    finally:
        connection.close()

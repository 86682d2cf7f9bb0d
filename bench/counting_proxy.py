"""An HTTP proxy for the sync benchmark: counts what a client asks and reads, can add latency.

The figures come from here, not from the tool measured: every request, the bytes it
sent (request line, headers, body) and the bytes it read back (status line, headers,
body). Each client connection keeps one connection to the server, as a real server
would keep it alive, so the proxy adds no connection set-up of its own. With `delay`
set, every request waits that long before it is forwarded, in its own thread:
concurrent requests wait at the same time, as they would on a distant server.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers that belong to one hop; the proxy sets its own framing.
HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


@dataclass
class Counts:
    requests: int = 0
    bytes_sent: int = 0
    bytes_read: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up between requests is not news


@dataclass
class CountingProxy:
    upstream_port: int
    delay: float = 0.0
    counts: Counts = field(default_factory=Counts)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: _Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def reset(self) -> Counts:
        """Returns the counts so far and starts again from zero."""
        with self._lock:
            counts, self.counts = self.counts, Counts()
        return counts

    def start(self) -> CountingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            upstream: http.client.HTTPConnection | None = None

            def log_message(self, *args: object) -> None:
                pass

            def read_body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                        if size == 0:
                            return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def exchange(self, body: bytes) -> http.client.HTTPResponse:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                for attempt in (1, 2):
                    if self.upstream is None:
                        self.upstream = http.client.HTTPConnection(
                            "127.0.0.1", proxy.upstream_port, timeout=120
                        )
                    try:
                        self.upstream.request(self.command, self.path, body, headers)
                        return self.upstream.getresponse()
                    except (ConnectionError, http.client.HTTPException):
                        self.upstream.close()
                        self.upstream = None  # the server closed a kept connection
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

            def forward(self) -> None:
                body = self.read_body()
                sent = len(self.requestline) + 4 + len(body)
                sent += sum(len(k) + len(v) + 4 for k, v in self.headers.items())
                if proxy.delay:
                    time.sleep(proxy.delay)
                response = self.exchange(body)
                data = response.read()
                head = [f"HTTP/1.1 {response.status} {response.reason}"]
                head += [
                    f"{k}: {v}" for k, v in response.getheaders() if k.lower() not in HOP_HEADERS
                ]
                head.append(f"Content-Length: {len(data)}")
                raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data
                self.wfile.write(raw)
                self.wfile.flush()
                with proxy._lock:
                    proxy.counts.requests += 1
                    proxy.counts.bytes_sent += sent
                    proxy.counts.bytes_read += len(raw)

            def finish(self) -> None:
                if self.upstream is not None:
                    self.upstream.close()
                super().finish()

            do_GET = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = forward
            do_MKCALENDAR = do_OPTIONS = do_PROPPATCH = do_HEAD = do_POST = forward

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

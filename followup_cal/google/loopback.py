"""The loopback address the browser comes back to after sign-in (RFC 8252), on 127.0.0.1.

Anything on this machine can connect to it, so nothing that connects can hold it or
crash it: each connection has a thread of its own and a time limit, a few at a time;
shutting it down never waits for a client; a client that hangs up or stalls is dropped
without a word (never a traceback). The first answer that carries the state asked for
is kept the moment it is read, and the wait ends once the page is written back or the
browser has gone: one that closes the tab at once loses nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)
CONNECTION_SECONDS = 10.0  # to send a request and read the page: a browser needs far less
MOST_CONNECTIONS = 16  # at once; more are closed unanswered
LONGEST_VALUE = 4096  # characters of a code or an error kept; anything longer is not one


class Redirect:
    """What the browser brought back to the loopback address, once."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.code = ""
        self.error = ""
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._taken = False

    def take(self, code: str, error: str) -> bool:
        """Keep the first answer (``done`` is the caller's to set, once the page is
        written or the client is gone); whether this one was it."""
        with self._lock:
            if self._taken:
                return False
            self.code, self.error, self._taken = code, error, True
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stalled client never keeps the program alive
    block_on_close = False  # nor holds server_close()

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.slots = threading.BoundedSemaphore(MOST_CONNECTIONS)
        super().__init__(("127.0.0.1", 0), handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: this one is not answered
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A hang-up, a stall past the time limit, a request that is not HTTP: that
        # client's business, not the user's (and never a traceback in their terminal).
        log.debug("the loopback listener dropped a connection")


def _handler(redirect: Redirect) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = CONNECTION_SECONDS  # each read and write of this connection

        def log_message(self, *args: object) -> None:
            pass  # the query holds the code: never in a log

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query, max_num_fields=20)
            state = query.get("state", [""])[0]
            if "code" not in query and "error" not in query:
                self._answer(404, "Nothing here.")
                return
            if not secrets.compare_digest(state.encode(), redirect.state.encode()):
                # Not the answer to our request (another page, a forged link): ignored.
                self._answer(400, "This sign-in answer does not match the one asked for.")
                return
            code = query.get("code", [""])[0][:LONGEST_VALUE]
            error = query.get("error", [""])[0][:LONGEST_VALUE] or ("" if code else "no code")
            if not redirect.take(code, error):
                self._answer(200, "Already answered; see the terminal.")
                return
            try:  # the page first (the program may end once done), done whatever happens
                if error:
                    self._answer(200, "Sign-in was not completed; see the terminal.")
                else:
                    self._answer(200, "Signed in: you can close this page and go back to the "
                                 "terminal.")  # fmt: skip
            finally:
                redirect.done.set()

        def _answer(self, status: int, text: str) -> None:
            body = f"<!doctype html><title>followup-cal</title><p>{text}</p>\n".encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                self.close_connection = True  # gone already: what it sent is kept

    return Handler


class Listener:
    """The loopback listener, serving from a thread of its own until closed."""

    def __init__(self, redirect: Redirect) -> None:
        self.server = _Server(_handler(redirect))
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()  # the accept loop only: no client is waited for
        self.server.server_close()

"""`followup-cal serve` as a real process on 127.0.0.1, asked by a real HTTP client."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, needs_a_timer

from followup_cal.cli import cli

TOKEN = "0123456789abcdef0123"


class Served:
    def __init__(self, path: Path, *args: str, token: str = "", wait: bool = True) -> None:
        env = {**os.environ, "TZ": "UTC", "FOLLOWUP_CAL_TOKEN": token}
        # Ctrl-C (SIGINT) is how it is stopped. A suite started in the background (`make
        # test &`, a pytest-xdist worker) ignores SIGINT, and a process inherits that: give
        # the server the default back, or each stop waits out its timeout and kills it.
        ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        if ignored:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "followup_cal", "serve", str(path), "--port", "0", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        finally:
            if ignored:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.log: list[str] = []
        self.logged = threading.Condition()
        self.reader = threading.Thread(target=self._read_log, daemon=True)
        self.reader.start()
        self.lines = [self.process.stdout.readline() for _ in range(3)]
        if wait:
            self.wait_for_log("feed ready")
        assert self.lines[0].startswith("Serving "), self.lines
        self.url = self.lines[1].strip()
        self.webcal = self.lines[2].strip()
        parts = urlsplit(self.url)
        self.port = parts.port
        self.path = parts.path

    def _read_log(self) -> None:
        for line in self.process.stderr:
            with self.logged:
                self.log.append(line)
                self.logged.notify_all()

    def wait_for_log(self, text: str, seconds: float = 60) -> str:
        """The first log line holding ``text``; fails if none comes in ``seconds``."""
        with self.logged:
            found = self.logged.wait_for(
                lambda: any(text in line for line in self.log), timeout=seconds
            )
            assert found, (text, self.log)
            return next(line for line in self.log if text in line)

    def wait_for_new_feed(self, etag: str, seconds: float = 60) -> tuple:
        """GET until the feed's ETag is no longer ``etag`` (it is rebuilt in the background)."""
        deadline = time.monotonic() + seconds
        while True:
            response, body = self.get()
            if response.getheader("ETag") != etag or time.monotonic() > deadline:
                return response, body
            time.sleep(0.05)

    def get(self, path: str | None = None, method: str = "GET", headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path or self.path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response, body

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.reader.join()  # the process has ended: its log is read to the end
        return self.process.returncode, "".join(self.log)


def save(path: Path, text: str) -> None:
    """As an editor saves: whole, by a rename (a reader never sees half a file)."""
    new = path.with_name(".saving")
    new.write_text(text, "utf-8")
    new.replace(path)


@pytest.fixture
def yaml_file(tmp_path) -> Path:
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


@pytest.fixture
def served(yaml_file):
    server = Served(yaml_file, "--today", "2026-11-23")
    yield server
    if server.process.poll() is None:
        print("STOP", server.stop())


def test_serves_the_public_feed_with_validators(served):
    assert served.url == f"http://127.0.0.1:{served.port}/followups.ics"
    assert served.webcal == f"webcal://127.0.0.1:{served.port}/followups.ics"
    response, body = served.get()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/calendar; charset=utf-8"
    assert response.getheader("ETag").startswith('"')
    assert response.getheader("Last-Modified").endswith(" GMT")
    cal = icalendar.Calendar.from_ical(body)
    assert len(cal.walk("VEVENT")) == 49
    assert b"Priya" not in body and b"DESCRIPTION:Hi" not in body  # public unless --private


def test_conditional_get_gives_304_without_a_body(served):
    first, _ = served.get()
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    again, body = served.get(headers={"If-None-Match": etag})
    assert (again.status, body, again.getheader("ETag")) == (304, b"", etag)
    since, body = served.get(headers={"If-Modified-Since": modified})
    assert (since.status, body) == (304, b"")
    stale, body = served.get(headers={"If-None-Match": '"something-else"'})
    assert stale.status == 200 and body
    head, body = served.get(method="HEAD")
    assert head.status == 200 and body == b"" and head.getheader("ETag") == etag


def test_a_yaml_edit_gives_a_new_etag_and_a_broken_edit_keeps_the_last_feed(served, yaml_file):
    first, old_body = served.get()
    old_etag = first.getheader("ETag")
    # Record a fact the way a user would; the file changes on disk.
    done = CliRunner().invoke(
        cli,
        ["done", "helio-analytics", "follow_up-1", "-f", str(yaml_file), "--today", "2026-11-23"],
    )
    assert done.exit_code == 0
    changed, new_body = served.wait_for_new_feed(old_etag)
    assert changed.status == 200
    assert changed.getheader("ETag") != old_etag
    assert new_body.count(b"SUMMARY:\xe2\x9c\x93") == old_body.count(b"SUMMARY:\xe2\x9c\x93") + 1
    # A broken edit: the last good feed is still served, and the problem is logged.
    text = yaml_file.read_text("utf-8")
    save(yaml_file, text.replace("role: Data", "rol: Data", 1))
    still, body = served.get()
    assert still.status == 200 and body == new_body
    line = served.wait_for_log("serving the last good feed until the file is fixed")
    again, body = served.get()
    assert again.status == 200 and body == new_body
    save(yaml_file, text)
    code, err = served.stop()
    assert code == 0
    assert "unknown key 'rol' in interview; did you mean 'role'?" in line
    assert err.count("serving the last good feed") == 1  # one line per broken edit
    assert err.rstrip().endswith("stopped")


def test_token_is_required_in_the_path_and_never_logged(yaml_file):
    server = Served(yaml_file, "--today", "2026-11-23", token=TOKEN)
    try:
        assert server.path == f"/{TOKEN}/followups.ics"
        assert server.get()[0].status == 200
        assert server.get("/followups.ics")[0].status == 404
        assert server.get("/wrong-token-wrong-token/followups.ics")[0].status == 404
    finally:
        code, err = server.stop()
    assert code == 0
    assert TOKEN not in err
    assert '"GET /…/followups.ics HTTP/1.1" 200' in err


def test_private_serves_everything(yaml_file):
    server = Served(yaml_file, "--private", "--today", "2026-11-23", token=TOKEN)
    try:
        assert server.lines[0].startswith("Serving everything in")
        assert b"Priya Shah" in server.get()[1]
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "my-laptop.local"])
def test_listening_beyond_loopback_needs_a_token(yaml_file, host):
    result = CliRunner().invoke(
        cli, ["serve", str(yaml_file), "--host", host], env={"FOLLOWUP_CAL_TOKEN": "short"}
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"{host} lets others in: give a token of 16 or more characters in FOLLOWUP_CAL_TOKEN "
        "or --token-file, e.g. from 'openssl rand -hex 16'\n"
    )


def test_a_broken_file_is_reported_before_serving(tmp_path):
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8").replace("role: Data", "rol: Data", 1), "utf-8")
    result = CliRunner().invoke(cli, ["serve", str(path), "--port", "0"])
    assert result.exit_code == 1
    assert "unknown key 'rol'" in result.stderr


def test_a_missing_file_is_one_line_and_exit_3(tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nope.yaml"), "--port", "0"])
    assert result.exit_code == 3
    assert result.stderr == f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory\n"


def test_a_port_in_use_is_one_line_and_exit_3(served, yaml_file):
    port = str(served.port)
    result = CliRunner().invoke(cli, ["serve", str(yaml_file), "--port", port])
    assert result.exit_code == 3
    assert result.stderr == f"cannot listen on 127.0.0.1:{port}: Address already in use\n"


# -- safe by default -----------------------------------------------------------------------


def raw_get(port: int, host_header: str, path: str = "/followups.ics") -> int:
    """A GET with the Host header a browser would send for a page of ``host_header``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host_header)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_page_of_another_name_is_refused_dns_rebinding(yaml_file):
    server = Served(yaml_file, "--today", "2026-11-23", "--allow-host", "feed.example")
    try:
        port = server.port
        # evil.example now resolves to 127.0.0.1: the browser still says its name.
        assert raw_get(port, f"evil.example:{port}") == 403
        assert raw_get(port, "evil.example") == 403
        assert raw_get(port, f"127.0.0.1:{port}") == 200
        assert raw_get(port, f"localhost:{port}") == 200
        assert raw_get(port, f"Feed.Example.:{port}") == 200  # allowed with --allow-host
    finally:
        _code, err = server.stop()
    assert "refused a request for Host 'evil.example" in err


def test_the_token_never_goes_on_the_command_line(yaml_file):
    result = CliRunner().invoke(cli, ["serve", str(yaml_file), "--token", TOKEN])
    assert result.exit_code == 2
    assert result.stderr == (
        "a token on the command line is visible to every user of this machine (ps); "
        "put it in FOLLOWUP_CAL_TOKEN or in a file given with --token-file\n"
    )
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "--token-file" in help_text and "FOLLOWUP_CAL_TOKEN" in help_text
    assert "--token " not in help_text and '--token "' not in help_text


def test_the_token_comes_from_a_file(yaml_file, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", "utf-8")
    server = Served(yaml_file, "--today", "2026-11-23", "--token-file", str(token_file))
    try:
        assert server.path == f"/{TOKEN}/followups.ics"
        assert server.get()[0].status == 200
        assert server.get("/followups.ics")[0].status == 404
    finally:
        server.stop()


def test_private_always_needs_a_token_even_on_loopback(yaml_file):
    result = CliRunner().invoke(cli, ["serve", str(yaml_file), "--private"])
    assert result.exit_code == 2
    assert result.stderr.startswith("--private serves names and drafts: give a token of 16")


def public_uids(body: bytes) -> list[str]:
    return sorted(str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_public_uids_are_keyed_by_a_secret_kept_beside_the_yaml(yaml_file):
    from followup_cal.loader import load
    from followup_cal.service import plan

    server = Served(yaml_file, "--today", "2026-11-23")
    first = public_uids(server.get()[1])
    server.stop()
    secret = yaml_file.with_name("interviews.followup-secret")
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text("utf-8").strip()) == 64
    server = Served(yaml_file, "--today", "2026-11-23")
    assert public_uids(server.get()[1]) == first  # stable across runs
    server.stop()
    # A guessed name cannot be checked: the plain digest of a private UID is not there.
    items = plan(load(str(yaml_file)), date(2026, 11, 23))
    unsalted = {hashlib.sha256(i.uid.encode()).hexdigest()[:24] + "@followup-cal" for i in items}
    assert not unsalted & set(first)
    # The same file exported elsewhere (CI) with the secret in the environment: same UIDs.
    out = yaml_file.with_name("public.ics")
    secret_text = secret.read_text("utf-8").strip()
    secret.unlink()
    env = {"FOLLOWUP_CAL_FEED_SECRET": secret_text}
    args = ["export", str(yaml_file), "--public", "--no-state", "-o", str(out)]
    assert CliRunner().invoke(cli, [*args, "--today", "2026-11-23"], env=env).exit_code == 0
    assert public_uids(out.read_bytes()) == first
    assert not secret.exists()


def test_connections_queue_while_the_server_is_busy(served):
    # Stopped, the server accepts nothing: only the listen backlog holds connections. The
    # old backlog of 5 let 6 connect and dropped the rest; the kernel caps it at somaxconn.
    os.kill(served.process.pid, signal.SIGSTOP)
    sockets = []
    try:
        for _ in range(200):
            sockets.append(socket.create_connection(("127.0.0.1", served.port), timeout=2))
    finally:
        os.kill(served.process.pid, signal.SIGCONT)
    connected = len(sockets)
    request = f"GET {served.path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode()
    answers = []
    for sock in sockets:
        sock.settimeout(30)
        sock.sendall(request)
        answers.append(sock.makefile("rb").readline())
        sock.close()
    assert connected == 200
    assert answers == [b"HTTP/1.0 200 OK\r\n"] * 200


def test_a_silent_connection_is_closed(yaml_file):
    server = Served(yaml_file, "--today", "2026-11-23", "--idle-timeout", "0.5")
    try:
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        half = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        half.sendall(b"GET /followups.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never ends
        assert idle.recv(1024) == b""  # closed by the server, not by our 30 s
        assert half.recv(1024) == b""
        idle.close()
        half.close()
        assert server.get()[0].status == 200  # and it still serves
    finally:
        server.stop()


# -- building in the background (issue 13) -------------------------------------------------


class Gate:
    """A feed build that waits until the test lets it finish."""

    def __init__(self, build):
        self.build = build
        self.open = threading.Event()
        self.entered = threading.Event()

    def __call__(self, source, today):
        self.entered.set()
        assert self.open.wait(60)
        return self.build(source, today)


@pytest.fixture
def in_process(yaml_file, monkeypatch):
    from followup_cal.calendar.ics import FeedStyle
    from followup_cal.journal.state import ExportState
    from followup_cal.serve import FeedSource, make_server

    gate = Gate(FeedSource._build)
    monkeypatch.setattr(FeedSource, "_build", lambda self, today: gate(self, today))
    log: list[str] = []
    source = FeedSource(
        str(yaml_file), FeedStyle(public=True), ExportState(), lambda: date(2026, 11, 23),
        log.append, poll_seconds=0.05,
    )  # fmt: skip
    server = make_server("127.0.0.1", 0, "", source, log.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    source.start()

    def get() -> tuple[int, str | None]:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", "/followups.ics")
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, response.getheader("ETag")

    yield gate, source, get, log
    gate.open.set()
    source.stop()
    server.shutdown()
    server.server_close()


def test_the_port_answers_before_the_first_feed_is_built(in_process):
    gate, source, get, _log = in_process
    assert gate.entered.wait(30)
    assert get() == (503, None)  # at once, while the build is held: no wait
    gate.open.set()
    assert source.wait_first(30)
    assert get()[0] == 200


def test_a_request_never_waits_for_a_rebuild(in_process, yaml_file):
    gate, source, get, log = in_process
    gate.open.set()
    assert source.wait_first(30)
    _status, etag = get()
    gate.open.clear()
    gate.entered.clear()
    text = yaml_file.read_text("utf-8")
    save(yaml_file, text.replace("Helio Analytics", "Helio Data", 1))
    # The next request asks the builder to look (as its timer does, which libfaketime
    # stops: see tests/conftest.py) and gets the last good feed at once.
    assert get() == (200, etag)
    assert gate.entered.wait(30)  # the rebuild runs, held at the gate
    assert get() == (200, etag)  # the last good feed, answered while it runs
    gate.open.set()
    deadline = time.monotonic() + 30
    while get()[1] == etag and time.monotonic() < deadline:
        time.sleep(0.05)
    assert get()[1] != etag
    assert any("changed: feed rebuilt" in line for line in log)


def test_any_failure_to_rebuild_keeps_the_last_good_feed(in_process, yaml_file, monkeypatch):
    gate, source, get, log = in_process
    gate.open.set()
    assert source.wait_first(30)
    good = get()

    def crash(_source, _today):
        raise RecursionError("maximum recursion depth exceeded")

    gate.build = crash
    save(yaml_file, yaml_file.read_text("utf-8") + "\n")
    deadline = time.monotonic() + 30
    while not any("RecursionError" in line for line in log) and time.monotonic() < deadline:
        assert get() == good  # a calendar app polling meanwhile
        time.sleep(0.05)
    [line] = [entry for entry in log if "RecursionError" in entry]
    assert line.endswith("serving the last good feed until the file is fixed")
    assert get() == good  # logged once per change, not once per request
    assert len([entry for entry in log if "RecursionError" in entry]) == 1


@needs_a_timer
def test_the_file_is_watched_with_no_request(in_process, yaml_file):
    gate, source, _get, log = in_process
    gate.open.set()
    assert source.wait_first(30)
    save(yaml_file, yaml_file.read_text("utf-8").replace("role: Data", "rol: Data", 1))
    deadline = time.monotonic() + 30
    while not any("'rol'" in line for line in log) and time.monotonic() < deadline:
        time.sleep(0.05)  # no request: the builder's own timer finds the edit
    [line] = [entry for entry in log if "'rol'" in entry]
    assert "unknown key 'rol' in interview" in line
    assert line.endswith("serving the last good feed until the file is fixed")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_ctrl_c_is_left_to_the_thread_that_stops(served):
    # A signal the kernel gives another thread was lost: the main thread slept on.
    served.get()
    sigint = 1 << (signal.SIGINT - 1)
    blocked = {
        task.name: int(re.search(r"^SigBlk:\s*(\w+)", (task / "status").read_text(), re.M)[1], 16)
        for task in Path(f"/proc/{served.process.pid}/task").iterdir()
    }
    assert not blocked.pop(str(served.process.pid)) & sigint
    assert blocked and all(mask & sigint for mask in blocked.values())
    code, err = served.stop()
    assert code == 0 and err.endswith("stopped\n")

"""`followup-cal serve` as a real process on 127.0.0.1, asked by a real HTTP client."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli

TOKEN = "0123456789abcdef0123"


class Served:
    def __init__(self, path: Path, *args: str) -> None:
        env = {**os.environ, "TZ": "UTC"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "followup_cal", "serve", str(path), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines = [self.process.stdout.readline() for _ in range(3)]
        assert self.lines[0].startswith("Serving "), self.lines
        self.url = self.lines[1].strip()
        self.webcal = self.lines[2].strip()
        parts = urlsplit(self.url)
        self.port = parts.port
        self.path = parts.path

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
            _out, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return self.process.returncode, err


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
        server.stop()


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
    changed, new_body = served.get(headers={"If-None-Match": old_etag})
    assert changed.status == 200
    assert changed.getheader("ETag") != old_etag
    assert new_body.count(b"SUMMARY:\xe2\x9c\x93") == old_body.count(b"SUMMARY:\xe2\x9c\x93") + 1
    # A broken edit: the last good feed is still served, and the problem is logged.
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text.replace("role: Data", "rol: Data", 1), "utf-8")
    time.sleep(0.01)
    still, body = served.get()
    assert still.status == 200 and body == new_body
    yaml_file.write_text(text, "utf-8")
    code, err = served.stop()
    assert code == 0
    assert "unknown key 'rol' in interview; did you mean 'role'?" in err
    assert "serving the last good feed until the file is fixed" in err
    assert err.rstrip().endswith("stopped")


def test_token_is_required_in_the_path_and_never_logged(yaml_file):
    server = Served(yaml_file, "--token", TOKEN, "--today", "2026-11-23")
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
    server = Served(yaml_file, "--private", "--today", "2026-11-23")
    try:
        assert server.lines[0].startswith("Serving everything in")
        assert b"Priya Shah" in server.get()[1]
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "my-laptop.local"])
def test_listening_beyond_loopback_needs_a_token(yaml_file, host):
    result = CliRunner().invoke(cli, ["serve", str(yaml_file), "--host", host, "--token", "short"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"listening on {host} lets others reach the feed: give --token with 16 or more "
        'characters, e.g. --token "$(openssl rand -hex 16)"\n'
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

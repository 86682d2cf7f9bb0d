"""Calendar URLs and names as users have them, the tasks-into-events mistake, and the
password asked on a terminal; against every server of caldav_servers.SERVERS."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
import test_sync
from caldav_servers import PASSWORD, http_request
from test_sync import EXAMPLE_EVENTS

from followup_cal.plan.model import slugify

server, proxy, ws = test_sync.server, test_sync.proxy, test_sync.ws
isolated_home = test_sync.isolated_home

MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set>
</C:mkcalendar>"""


def home_path(ws) -> str:
    return ws.server.calendar_path.rstrip("/").rsplit("/", 1)[0] + "/"


def make_calendar(ws, name: str) -> str:
    """A calendar whose path is its name, as some servers make them; its quoted path."""
    path = home_path(ws) + quote(name) + "/"
    url = f"http://127.0.0.1:{ws.server.port}{path}"
    body = MKCALENDAR.format(name=name)
    headers = {"Content-Type": "application/xml"}
    response = http_request("MKCALENDAR", url, data=body.encode(), auth=ws.auth(), headers=headers)
    assert response.status_code in (200, 201), response.status_code
    return path


def test_calendar_urls_with_spaces_and_non_ascii_are_quoted(ws):
    if ws.server.name == "cyrus":
        pytest.skip("Cyrus refuses a percent-encoded path (403): it never makes one")
    for name in ("Job search", "Übersicht"):
        path = make_calendar(ws, name)
        raw_url = ws.proxy.url(home_path(ws) + name + "/")  # as pasted from an app
        ws.calendar = raw_url
        result = ws.sync()
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"created {EXAMPLE_EVENTS},")
        assert {p for _m, p in ws.proxy.requests} >= {path}
        assert all(p.isascii() and " " not in p for _m, p in ws.proxy.requests)


def displayname(ws, url: str) -> str:
    body = '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>'
    headers = {"Depth": "0", "Content-Type": "application/xml"}
    response = http_request("PROPFIND", url, data=body, auth=ws.auth(), headers=headers)
    return ET.fromstring(response.content).findtext(".//{DAV:}displayname")


def test_create_makes_a_readable_or_stable_path_and_keeps_the_name_exactly(ws):
    for name, slug in (("Übersicht Bewerbungen", "ubersicht-bewerbungen"), ("Работа", None)):
        ws.calendar = name
        result = ws.sync("--create")
        assert result.exit_code == 0, result.output
        url = ws.calendar_url()
        assert url.endswith("/" + (slug or slugify(name)) + "/")
        assert slugify("Работа").startswith("rabota-")  # transliterated, with a digest
        assert displayname(ws, url) == name
        (ws.path.parent / "interviews.followup-sync.json").unlink()
        again = ws.sync()  # found by its display name: not made twice
        assert again.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}"), again.output
        (ws.path.parent / "interviews.followup-sync.json").unlink()
        # Gone before the next: Cyrus keeps a UID unique across an account's calendars.
        assert http_request("DELETE", url, auth=ws.auth()).status_code in (200, 204)


def test_tasks_into_a_calendar_that_takes_only_events_are_refused_with_what_to_do(ws):
    assert ws.sync("--create").exit_code == 0  # makes an events-only calendar
    for extra in ((), ("--force",)):
        result = ws.sync("--as", "todo", *extra)
        assert result.exit_code == 8, result.output
        assert "this calendar takes only VEVENT, not VTODO; tasks need a task list" in (
            result.stderr
        )
        assert "PUT" not in ws.proxy.methods()


def test_plain_http_to_another_host_is_warned_about(ws):
    port = ws.server.port
    result = ws.sync("--create", url=f"http://127.0.0.2:{port + 1}/")
    if not ws.server.user:
        assert "plain http" not in result.stderr  # no credentials to warn about
        return
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"warning: http://127.0.0.2:{port + 1}/ is plain http")
    local = ws.sync("--create")
    assert "plain http" not in local.stderr


def test_on_a_terminal_the_password_is_asked_unseen(ws, tmp_path):
    if not ws.server.user:
        return
    command = [
        str(Path(sys.executable).with_name("followup-cal")), "sync", str(ws.path),
        "--url", ws.proxy.url(ws.server.root_path), "--user", ws.server.user, "--calendar", ws.calendar, "--create",
        "--today", test_sync.TODAY,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "FOLLOWUP_CAL_PASSWORD"}
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and f"password for {ws.server.user} at 127.0.0.1:".encode() in seen:
            os.write(leader, PASSWORD.encode() + b"\n")
            answered = True
        if process.poll() is not None and not ready:
            break
    process.wait(30)
    os.close(leader)
    text = seen.decode(errors="replace")
    assert answered, text
    assert process.returncode == 0, text
    assert PASSWORD not in text  # not echoed
    assert f"keyring set followup-cal {ws.server.user}@127.0.0.1" in text
    assert f"created {EXAMPLE_EVENTS}," in text

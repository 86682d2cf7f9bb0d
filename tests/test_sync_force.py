"""--force and the messages tell one story (issue 30, item 6): --force puts the planned
version back on every event whose server copy differs, adopted ones included; a second
file with the same interview ids in one calendar gets one line saying so and what to do,
not a 'left alone ... edited' line per event. On the real servers of test_sync."""

from __future__ import annotations

import re
import shutil

import test_sync
from caldav_servers import http_request
from test_sync import EXAMPLE_EVENTS, Workspace

proxy, ws, server = test_sync.proxy, test_sync.ws, test_sync.server
isolated_home = test_sync.isolated_home
STEP = "helio-analytics.follow-up-1@followup-cal"


def retitle(ws, uid: str, title: str) -> None:
    href, _event, text = ws.stored()[uid]
    text = re.sub(r"^SUMMARY:.*$", f"SUMMARY:{title}\r", text, count=1, flags=re.M)
    url = f"http://127.0.0.1:{ws.server.port}{href}"
    headers = {"Content-Type": "text/calendar"}
    assert http_request("PUT", url, text, ws.auth(), headers).status_code in (200, 201, 204)


def test_force_puts_the_planned_title_back_over_an_adopted_edit(ws):
    assert ws.sync("--create").exit_code == 0
    planned = str(ws.stored()[STEP][1]["SUMMARY"])
    retitle(ws, STEP, "Call Helio myself")
    kept = ws.sync()
    assert kept.exit_code == 0 and "adopted 1" in kept.output, kept.output
    assert str(ws.stored()[STEP][1]["SUMMARY"]) == "Call Helio myself"
    forced = ws.sync("--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith("created 0, updated 1,"), forced.output
    assert str(ws.stored()[STEP][1]["SUMMARY"]) == planned
    again = ws.sync()
    assert again.stdout.startswith("created 0, updated 0, deleted 0"), again.output


def test_a_second_file_with_the_same_ids_gets_one_line_saying_so(ws, tmp_path):
    assert ws.sync("--create").exit_code == 0
    (tmp_path / "copy").mkdir()
    other = Workspace(tmp_path / "copy", ws.server, ws.proxy)
    other.calendar = ws.calendar
    other.path = other.path.with_name("search-2026.yaml")  # another file: another sync_id
    shutil.copy(test_sync.EXAMPLE, other.path)
    for args in ((), ("--force",)):
        result = other.sync(*args)
        assert result.exit_code == 13, result.output
        assert "left alone" not in result.output
        lines = [line for line in result.output.splitlines() if "not written" in line]
        assert len(lines) == 1, result.output
        assert f"{EXAMPLE_EVENTS} planned event(s) not written" in lines[0]
        assert "interview ids brightpath," in lines[0] and "sync_id: s-" in lines[0]
    assert len(ws.stored()) == EXAMPLE_EVENTS  # the first file's events are untouched
    assert ws.sync().stdout.startswith("created 0, updated 0, deleted 0")

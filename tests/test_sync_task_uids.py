"""A task has a UID of its own (docs/calendar.md): `step_task@followup-cal` beside the
event's `step@followup-cal`, so a server that keeps a UID once per account (Fastmail's
Cyrus) takes both. On every server of caldav_servers.SERVERS: what a calendar app does
to such a task is read as before, and a task list synced before tasks had UIDs of their
own keeps its tasks, with no second copy and none left behind.

The objects are changed with plain HTTP, as a calendar app would, never with our code.
"""

from __future__ import annotations

import re
import uuid

import pytest
import test_sync
from caldav_servers import http_request
from client_replay import fold, unfold
from test_sync import EXAMPLE_EVENTS
from test_sync import task_uid as task

proxy, ws, server = test_sync.proxy, test_sync.ws, test_sync.server
isolated_home = test_sync.isolated_home

HELIO_1 = "helio-analytics.follow-up-1@followup-cal"  # Tue 17 Nov, to Lukas Becker
NORTHWIND_1 = "northwind-platform.follow-up-1@followup-cal"  # Tue 1 Dec
NORTHWIND_2 = "northwind-platform.follow-up-2@followup-cal"  # Tue 8 Dec, "Final follow-up"
TICKED = (
    "from your calendar: done: Follow-up 1 → Lukas Becker · Helio Analytics, done on Fri 20 Nov"
)


def changed(raw: str, replace: dict[str, str], add: tuple[str, ...] = ()) -> bytes:
    """The object with the task's own lines set (by property name) and some added, as a
    calendar app saves it."""
    lines, out, depth = unfold(raw), [], 0
    for line in lines:
        depth += line.startswith("BEGIN:") - line.startswith("END:")
        name = re.split(r"[;:]", line, maxsplit=1)[0]
        if line == "BEGIN:VALARM" or depth != 2:
            out.append(line)
        elif name in replace:
            if replace[name]:
                out.append(f"{name}:{replace[name]}")
        else:
            out.append(line)
        if line == "END:VTODO":
            out[-1:-1] = list(add)
    return fold(out)


def tick(ws, uid: str) -> None:
    """Ticked on Fri 20 Nov, 21:00 in New York (Saturday in UTC), as Thunderbird does."""
    href, _task, raw = ws.stored("VTODO")[uid]
    done = {"STATUS": "COMPLETED", "COMPLETED": "", "PERCENT-COMPLETE": ""}
    data = changed(raw, done, ("COMPLETED:20261121T020000Z", "PERCENT-COMPLETE:100"))
    assert ws.put_raw(href, data) in (200, 201, 204)


def as_before(ws) -> set[str]:
    """Every task put back as the version before this one wrote it: under the step's own
    UID, at the same href (the href always came from the step's UID). Returns the UIDs."""
    old = set()
    for uid, stored in ws.stored("VTODO").items():
        href, raw = stored.href, stored.raw
        assert uid.endswith("_task@followup-cal"), uid
        url = f"http://127.0.0.1:{ws.server.port}{href}"
        assert http_request("DELETE", url, auth=ws.auth()).status_code in (200, 204)
        step = uid.replace("_task@", "@")
        assert ws.put_raw(href, changed(raw, {"UID": step})) in (200, 201, 204)
        old.add(step)
    return old


def test_a_task_list_synced_before_keeps_its_tasks_with_no_copy_and_none_left_behind(ws):
    ws.calendar = f"Tasks {uuid.uuid4().hex[:8]}"
    assert ws.sync("--create", "--as", "todo").exit_code == 0
    old = as_before(ws)
    assert len(old) == EXAMPLE_EVENTS

    upgraded = ws.sync("--as", "todo")
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
    assert set(ws.stored("VTODO")) == old  # kept under their UIDs: no second copy

    tick(ws, HELIO_1)  # the user's tick on an old task is read
    before = ws.path.read_text()
    ticked = ws.sync("--as", "todo")
    assert ticked.exit_code == 0, ticked.output
    assert TICKED in ticked.stdout
    assert "- {step: follow_up-1, round: 1, date: 2026-11-20}" in ws.path.read_text()
    assert ws.path.read_text() != before
    stored = ws.stored("VTODO")
    assert set(stored) == old and str(stored[HELIO_1][1]["STATUS"]) == "COMPLETED"

    # Another interview id: its old tasks go (none left behind), its new ones have
    # UIDs of their own; the YAML's change to an old task is written under its UID.
    text = ws.path.read_text().replace("id: harbor-health", "id: harbor-care")
    ws.path.write_text(text.replace("for a payments company", "for a bank"), "utf-8")
    harbor = {uid for uid in old if uid.startswith("harbor-health.")}
    renamed = ws.sync("--as", "todo")
    assert renamed.exit_code == 0, renamed.output
    assert f"created {len(harbor)}, " in renamed.stdout
    assert f"deleted {len(harbor)}, " in renamed.stdout
    assert "updated 0," not in renamed.stdout  # the bank's tasks, in place
    stored = ws.stored("VTODO")
    fresh = {task(uid.replace("harbor-health.", "harbor-care.")) for uid in harbor}
    assert set(stored) == (old - harbor) | fresh
    assert all("for a payments company" not in raw for _h, _t, raw in stored.values())

    again = ws.sync("--as", "todo")
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {len(stored)}"


def test_a_tick_an_edit_and_a_deletion_of_a_task_are_read_back(ws):
    ws.calendar = f"Tasks {uuid.uuid4().hex[:8]}"
    assert ws.sync("--create", "--as", "todo").exit_code == 0
    stored = ws.stored("VTODO")
    assert HELIO_1 not in stored and task(HELIO_1) in stored
    tick(ws, task(HELIO_1))
    href, _task, raw = stored[task(NORTHWIND_1)]
    assert ws.put_raw(href, changed(raw, {"SUMMARY": "Call Priya first"})) in (200, 201, 204)
    href = stored[task(NORTHWIND_2)][0]
    url = f"http://127.0.0.1:{ws.server.port}{href}"
    assert http_request("DELETE", url, auth=ws.auth()).status_code in (200, 204)

    result = ws.sync("--as", "todo")
    assert result.exit_code == 0, result.output
    assert TICKED in result.stdout
    assert "from your calendar: skipped: Final follow-up → Priya Shah · Northwind" in result.stdout
    text = ws.path.read_text()
    assert "- {step: follow_up-1, round: 1, date: 2026-11-20}" in text
    after = ws.stored("VTODO")
    assert str(after[task(NORTHWIND_1)][1]["SUMMARY"]) == "Call Priya first"  # theirs
    assert task(NORTHWIND_2) not in after and NORTHWIND_2 not in after
    assert not any(uid in after for uid in (HELIO_1, NORTHWIND_1))  # no copy of the step's
    again = ws.sync("--as", "todo")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().endswith(f"unchanged {len(after)}")


MIXED = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>Everything</D:displayname></D:prop></D:set>
</C:mkcalendar>"""


def test_events_and_tasks_of_one_file_in_one_calendar_are_refused_before_any_write(ws):
    """A calendar that takes both (no component set, as Radicale's own): with UIDs of
    their own, the tasks would go in beside the events, and each sync would read the
    other's entries as its own. The second kind is refused; nothing is written."""
    if ws.server.name != "radicale":
        pytest.skip("one server is enough: the refusal comes before any request")
    path = ws.server.calendar_path.replace("/followups/", f"/mixed-{uuid.uuid4().hex[:8]}/")
    url = f"http://127.0.0.1:{ws.server.port}{path}"
    assert http_request("MKCALENDAR", url, MIXED, ws.auth()).status_code == 201
    ws.calendar = ws.proxy.url(path)
    ws.calendar_url = lambda: url  # given by URL: the cache names no calendar found
    assert ws.sync().exit_code == 0
    tasks = ws.sync("--as", "todo")
    assert tasks.exit_code == 8, tasks.output
    assert "this calendar holds this file's events; tasks need a calendar of their own" in (
        tasks.output
    )
    assert "PUT" not in ws.proxy.methods()
    assert ws.stored("VTODO") == {} and len(ws.stored()) == EXAMPLE_EVENTS
    assert ws.sync().stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")

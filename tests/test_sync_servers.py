"""What each server does differently (the table in docs/sync.md), checked on the servers
themselves, and what sync makes of it: every server of caldav_servers.SERVERS."""

from __future__ import annotations

import uuid

import pytest
import test_sync
from caldav_servers import RecordingProxy, http_request
from test_sync import EXAMPLE_EVENTS

proxy, ws, server = test_sync.proxy, test_sync.ws, test_sync.server
isolated_home = test_sync.isolated_home

LIST_EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//another app//EN\r
BEGIN:VEVENT\r
UID:x-list@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261201T150000Z\r
DTEND:20261201T160000Z\r
SUMMARY:A list in X- properties\r
X-PLAIN:one,two\r
X-ESCAPED:one\\,two\r
END:VEVENT\r
END:VCALENDAR\r
"""
# The two lines as each server gives them back (docs/sync.md): vobject reads an X-
# property as text, where an unescaped comma ends the value; libical drops the escape.
KEPT = {
    "radicale": ("X-PLAIN:one", "X-ESCAPED:one\\,two"),
    "cyrus": ("X-PLAIN:one,two", "X-ESCAPED:one,two"),
}
AS_SENT = ("X-PLAIN:one,two", "X-ESCAPED:one\\,two")


def test_a_list_in_an_x_property_as_each_server_keeps_it(ws):
    assert ws.sync("--create").exit_code == 0
    url = ws.calendar_url() + "x-list.ics"
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    assert http_request("PUT", url, LIST_EVENT, ws.auth(), headers).status_code in (201, 204)
    text = http_request("GET", url, auth=ws.auth()).content.decode().replace("\r\n ", "")
    lines = sorted(line for line in text.splitlines() if line.startswith("X-"))
    assert lines == sorted(KEPT.get(ws.server.name, AS_SENT))


def test_events_and_tasks_of_one_file_side_by_side_in_one_account(ws):
    """docs/calendar.md: the events in one calendar, the same steps as tasks in a list of
    their own, of the same account; on Cyrus too, which keeps a UID once per account
    (403 unique-scheduling-object-resource): a task has a UID of its own."""
    events = ws.calendar
    assert ws.sync("--create").exit_code == 0
    ws.calendar = f"Tasks {uuid.uuid4().hex[:8]}"
    tasks = ws.sync("--create", "--as", "todo")
    assert tasks.exit_code == 0, tasks.output
    assert tasks.stdout.strip().endswith(
        f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0"
    )
    tasks_list = ws.calendar
    ws.calendar = events
    again = ws.sync()
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"
    ws.calendar = tasks_list
    again = ws.sync("--as", "todo")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"


def test_a_first_sync_to_a_davical_that_never_stored_its_zones_completes(server, tmp_path):
    """DAViCal answers 500 to some parallel first writes of a zone it has not stored
    (docs/sync.md); sync sends those again, alone, and the first sync completes."""
    if server.name != "davical":
        pytest.skip("DAViCal's own: the others store any zone at once")
    from davical_server import start_davical

    fresh = start_davical(zones_seen=False)
    front = RecordingProxy(fresh.port).start()
    try:
        first = test_sync.Workspace(tmp_path, fresh, front)
        result = first.sync("--create")
        assert result.exit_code == 0, result.output
        assert result.stdout.strip().endswith(
            f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0"
        )
        assert len(first.stored()) == EXAMPLE_EVENTS
    finally:
        front.stop()
        fresh.stop()

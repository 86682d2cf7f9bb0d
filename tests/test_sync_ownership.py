"""Sync never loses a user's edit and touches only its own file's events, against real
servers (every one of caldav_servers.SERVERS). What is on the server is read with plain
HTTP and icalendar.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import icalendar
import test_sync
from conftest import interview, search_text
from test_sync import EXAMPLE_EVENTS

# The servers, the recording proxy and the workspace of test_sync.
server, proxy, ws = test_sync.server, test_sync.proxy, test_sync.ws
isolated_home = test_sync.isolated_home

MOVED_UID = "helio-analytics.follow-up-2@followup-cal"
# These tests are about how sync treats a server edit that stays on the server. A move
# is written into the YAML as moved: unless --no-pull (test_sync_from_calendar.py), so
# the syncs after a move here say --no-pull.
NO_PULL = "--no-pull"


def move_on_server(ws, uid: str, days: int = 2) -> None:
    """What a calendar app does when the user drags the event to another day."""
    href, _event, raw = ws.stored()[uid]
    calendar = icalendar.Calendar.from_ical(raw)
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            value = event.decoded(name) + timedelta(days=days)
            event.pop(name)
            event.add(name, value)
        event["SEQUENCE"] = int(event.get("SEQUENCE", 0)) + 1
    assert ws.put_raw(href, calendar.to_ical()) in (201, 204)


def change_helio_in_the_yaml(ws) -> None:
    doc = ws.doc()
    next(i for i in doc["interviews"] if i["id"] == "helio-analytics")["pitch"] = "new pitch"
    ws.write(doc)


def forget_local_state(ws) -> None:
    (ws.path.parent / "interviews.followup-sync.json").unlink()


def test_a_move_on_the_server_survives_a_lost_state_file_and_is_reported(ws):
    assert ws.sync("--create").exit_code == 0
    moved_to = ws.stored()[MOVED_UID][1].decoded("DTSTART") + timedelta(days=2)
    move_on_server(ws, MOVED_UID)
    calendar_url = ws.calendar_url()
    forget_local_state(ws)
    change_helio_in_the_yaml(ws)
    result = ws.sync(NO_PULL)
    assert result.exit_code == 10, result.output
    assert f"left alone: {MOVED_UID} was moved on the server" in result.stderr
    ws.calendar = calendar_url.replace(f":{ws.server.port}/", f":{ws.proxy.port}/")
    assert ws.stored()[MOVED_UID][1].decoded("DTSTART") == moved_to
    # --adopt keeps the user's day and ends the conflict; the next sync leaves it be.
    adopted = ws.sync("--adopt", NO_PULL)
    assert adopted.exit_code == 0, adopted.output
    assert "adopted 1" in adopted.stdout
    event = ws.stored()[MOVED_UID][1]
    assert event.decoded("DTSTART") == moved_to
    again = ws.sync(NO_PULL)
    assert again.exit_code == 0 and again.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
    assert ws.proxy.methods() == ["REPORT"]


def test_a_server_edit_the_yaml_does_not_touch_is_kept_with_a_note(ws):
    assert ws.sync("--create").exit_code == 0
    move_on_server(ws, MOVED_UID, days=1)
    forget_local_state(ws)
    result = ws.sync(NO_PULL)
    assert result.exit_code == 0, result.output
    assert f"kept: {MOVED_UID} was moved on the server" in result.stderr
    assert "kept as edited on the server 1" in result.stdout
    assert [m for m in ws.proxy.methods() if m in ("PUT", "DELETE")] == []
    forced = ws.sync("--force", NO_PULL)
    assert forced.exit_code == 0 and "updated 1" in forced.stdout


def test_two_working_copies_of_one_yaml_share_the_events(ws, tmp_path):
    first = ws.sync("--create")
    assert first.exit_code == 0, first.output
    assert "sync_id: s-" in ws.path.read_text("utf-8")  # written once, travels with the file
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    shutil.copy(ws.path, laptop / "interviews.yaml")
    home = ws.path
    ws.path = laptop / "interviews.yaml"
    second = ws.sync()
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"
    # The user moves an event on the phone; the laptop changes the YAML: a conflict.
    move_on_server(ws, MOVED_UID)
    change_helio_in_the_yaml(ws)
    third = ws.sync(NO_PULL)
    assert third.exit_code == 10 and MOVED_UID in third.stderr
    ws.path = home
    back_home = ws.sync(NO_PULL)
    assert back_home.exit_code == 0 and f"kept: {MOVED_UID}" in back_home.stderr


def test_two_yaml_files_on_one_calendar_leave_each_other_alone(ws, tmp_path):
    assert ws.sync("--create").exit_code == 0
    other = tmp_path / "partner" / "interviews.yaml"
    other.parent.mkdir()
    me = {"name": "Sam Rivera", "email": "sam@example.org", "timezone": "Europe/Berlin"}
    other.write_text(search_text(interview(), me=me), "utf-8")
    mine = ws.path
    ws.path = other
    partner = ws.sync()
    assert partner.exit_code == 0, partner.output
    assert partner.stdout.startswith("created ") and "deleted 0" in partner.stdout
    assert len(ws.stored()) > EXAMPLE_EVENTS
    ws.path = mine
    again = ws.sync()
    assert again.exit_code == 0
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"
    assert any(uid.startswith("acme.") for uid in ws.stored())


FOREIGN_WITH_OUR_SUFFIX = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//someone else//EN\r
BEGIN:VEVENT\r
UID:team-lunch@followup-cal\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261201T120000Z\r
DTEND:20261201T130000Z\r
SUMMARY:Team lunch\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_a_foreign_event_whose_uid_ends_in_our_suffix_is_left_alone(ws):
    assert ws.sync("--create").exit_code == 0
    href = "team-lunch.ics"
    assert ws.put_raw(href, FOREIGN_WITH_OUR_SUFFIX, {"If-None-Match": "*"}) in (201, 204)
    calendar_url = ws.calendar_url()
    forget_local_state(ws)
    result = ws.sync("--force")
    assert result.exit_code == 0, result.output
    assert "deleted 0" in result.stdout
    ws.calendar = calendar_url.replace(f":{ws.server.port}/", f":{ws.proxy.port}/")
    assert str(ws.stored()["team-lunch@followup-cal"][1]["SUMMARY"]) == "Team lunch"


def test_events_of_an_older_version_are_taken_over_without_user_action(ws):
    assert ws.sync("--create").exit_code == 0
    # As the previous release wrote them: our content hash, no search id, no fingerprint.
    for uid, stored in ws.stored().items():
        href, raw = stored.href, stored.raw
        old = "\r\n".join(
            line
            for line in raw.replace("\r\n ", "").replace("\n ", "").splitlines()
            if not line.startswith(("X-FOLLOWUP-CAL-SEARCH", "X-FOLLOWUP-CAL-PUSHED"))
        )
        assert ws.put_raw(href, old.encode()) in (201, 204), uid
    move_on_server(ws, MOVED_UID)
    forget_local_state(ws)
    result = ws.sync(NO_PULL)
    assert result.exit_code == 0, result.output
    assert f"marked as this file's {EXAMPLE_EVENTS - 1}" in result.stdout
    assert f"kept: {MOVED_UID} was moved on the server" in result.stderr
    again = ws.sync(NO_PULL)
    assert again.stdout.strip().startswith(
        f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"
    )
    # ETags, then the one event the user edited: read each time, its data is needed.
    assert ws.proxy.methods() == ["REPORT", "REPORT"]


def test_dry_run_writes_neither_the_server_nor_the_yaml(ws):
    assert ws.sync("--create").exit_code == 0
    text = ws.path.read_text("utf-8")
    assert "\nsync_id: s-" in text
    without_id = "".join(line for line in text.splitlines(True) if not line.startswith("sync_id:"))
    ws.path.write_text(without_id, "utf-8")
    result = ws.sync("--dry-run")
    assert result.exit_code == 0, result.output
    assert ws.path.read_text("utf-8") == without_id
    assert ws.proxy.methods() == ["REPORT"]
    assert ws.sync().exit_code == 0
    # The same id, derived again and written (at the end, after the server sync wrote).
    id_line = next(line for line in text.splitlines(True) if line.startswith("sync_id:"))
    assert ws.path.read_text("utf-8") == without_id + id_line

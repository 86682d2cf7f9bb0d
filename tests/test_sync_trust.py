"""A fact from the calendar never blocks the sync (issue 18): a step of a round still
ahead deleted in the calendar is a legitimate skipped:, and a fact the file does not
allow is reported with its reason and left out while the rest of the pull and the whole
push go on. Against the real servers of test_sync."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import caldav
import pytest
import test_sync
from caldav_servers import PASSWORD
from test_sync import task_uid as task
from test_sync_from_calendar import added_lines

proxy, ws, server = test_sync.proxy, test_sync.ws, test_sync.server
isolated_home = test_sync.isolated_home
AHEAD = "2026-11-25"  # harbor-health's only round is on Tue 8 Dec
HARBOR_CALL = "harbor-health.follow-up-1@followup-cal"
HELIO_2 = "helio-analytics.follow-up-2@followup-cal"  # Tue 24 Nov


def calendar_of(ws) -> caldav.Calendar:
    """A calendar app of the user's own (not our client), on the same calendar."""
    url = ws.calendar_url()
    if ws.server.user:
        client = caldav.DAVClient(url=url, username=ws.server.user, password=PASSWORD)
    else:
        client = caldav.DAVClient(url=url)
    return client.calendar(url=url)


def test_deleting_a_step_of_a_round_still_ahead_is_skipped_on_that_rounds_day(ws):
    assert ws.sync("--create", "--today", AHEAD).exit_code == 0
    assert HARBOR_CALL in ws.stored()
    calendar_of(ws).event_by_uid(HARBOR_CALL).delete()
    before = ws.path.read_text()

    result = ws.sync("--today", AHEAD)

    assert result.exit_code == 0, result.output
    said = [line for line in result.stdout.splitlines() if line.startswith("from your calendar")]
    assert len(said) == 1 and "skipped:" in said[0] and "Harbor Health" in said[0], said
    new = added_lines(before, ws.path.read_text())
    assert any("follow_up-1" in line and "2026-12-08" in line for line in new), new
    assert HARBOR_CALL not in ws.stored()
    # Settled: the next syncs neither create it again nor fail, whatever the day.
    for day in (AHEAD, "2026-12-09"):
        again = ws.sync("--today", day)
        assert again.exit_code == 0, again.output
        assert HARBOR_CALL not in ws.stored()
        assert "from your calendar" not in again.stdout


def test_a_fact_the_file_refuses_is_reported_and_the_rest_is_recorded_and_pushed(ws):
    if ws.server.name != "radicale":
        pytest.skip("the journal's side is the same on every server: tasks on Radicale")
    assert ws.sync("--create", "--as", "todo", "--today", AHEAD).exit_code == 0
    tasks = calendar_of(ws)
    # Ticked a week before the interview it follows: not a fact the file can hold.
    tasks.todo_by_uid(task(HARBOR_CALL)).complete(
        completion_timestamp=datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    )
    tasks.todo_by_uid(task(HELIO_2)).delete()  # and a fact it can
    before = ws.path.read_text()

    result = ws.sync("--as", "todo", "--today", AHEAD)

    assert result.exit_code == 12, result.output
    refused = [line for line in result.stderr.splitlines() if line.startswith("not recorded:")]
    assert len(refused) == 1 and "before the first interview" in refused[0], result.stderr
    new = added_lines(before, ws.path.read_text())
    # Helio's deletion is recorded; the tick that the file does not allow is not.
    assert any("follow_up-2" in line and "2026-11-25" in line for line in new), new
    assert not any("follow_up-1" in line for line in new), new
    assert "skipped: Final follow-up" in result.stdout, result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("created ")  # the push went on
    # The refused tick stays as the user left it: the task is still completed there.
    assert "STATUS:COMPLETED" in ws.stored("VTODO")[task(HARBOR_CALL)][2]


SECOND = """\
me:
  name: Alex Morgan
  email: alex@example.org
  timezone: America/New_York
  country: US
interviews:
  - id: orbit-labs
    company: Orbit Labs
    role: Data Engineer
    pitch: streaming pipelines
    rounds:
      - start: 2026-11-16 10:00
        interviewers:
          - name: Kai Moreno
            email: kai@orbit.example
            talked_about: their event bus
"""


def test_two_searches_of_one_person_named_alike_never_touch_each_others_events(ws, tmp_path):
    """Two folders, each with its own interviews.yaml and the same me.email, synced to one
    calendar: each keeps its own events, whichever syncs first and however often."""
    assert ws.sync("--create").exit_code == 0
    first = set(ws.stored())
    other = tmp_path / "second" / "interviews.yaml"
    other.parent.mkdir()
    other.write_text(SECOND, "utf-8")
    before = ws.path
    ws.path = other
    try:
        result = ws.sync()
        assert result.exit_code == 0, result.output
        assert "deleted 0" in result.stdout, result.stdout
        both = set(ws.stored())
        assert first < both and any(uid.startswith("orbit-labs.") for uid in both)
        assert ws.sync().exit_code == 0
    finally:
        ws.path = before
    ids = {line for path in (before, other) for line in path.read_text().splitlines()
           if line.startswith("sync_id:")}  # fmt: skip
    assert len(ids) == 2, ids  # each file named its own events
    again = ws.sync()
    assert again.exit_code == 0, again.output
    assert "deleted 0" in again.stdout and set(ws.stored()) == both


def test_one_file_on_two_machines_still_agrees_before_either_wrote_its_id(ws, tmp_path):
    """The same file, copied to a second machine before its first sync wrote sync_id:
    both choose the same id, and the second sync only finds its events there."""
    pristine = ws.path.read_text()
    assert ws.sync("--create").exit_code == 0
    copy = tmp_path / "laptop" / "interviews.yaml"
    copy.parent.mkdir()
    copy.write_text(pristine, "utf-8")
    before, ws.path = ws.path, copy
    try:
        result = ws.sync()
    finally:
        ws.path = before
    assert result.exit_code == 0, result.output
    assert "created 0" in result.stdout and "deleted 0" in result.stdout, result.stdout
    ids = [[line for line in p.read_text().splitlines() if line.startswith("sync_id:")]
           for p in (before, copy)]  # fmt: skip
    assert ids[0] == ids[1] and len(ids[0]) == 1, ids


def properties_after_subcomponents(raw: str) -> list[str]:
    """Lines of a VEVENT or VTODO that follow one of its alarms: RFC 5545 puts every
    property of a component before its sub-components (eventc = ... eventprop *alarmc)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", raw).splitlines()
    late: list[str] = []
    inside = ""  # the VEVENT or VTODO we are in; a VTIMEZONE may mix its parts
    depth, seen_sub = 0, False
    for line in unfolded:
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
            if depth == 2:
                inside, seen_sub = upper[6:], False
            seen_sub = seen_sub or depth == 3
        elif upper.startswith("END:"):
            depth -= 1
        elif depth == 2 and seen_sub and inside in ("VEVENT", "VTODO"):
            late.append(line)
    return late


@pytest.mark.parametrize("component", ["VEVENT", "VTODO"])
def test_our_properties_come_before_the_alarms(ws, proxy, component):
    """Created, then updated over the user's edit in the calendar: every object we send keeps RFC 5545's order, and the server keeps it (Radicale aside)."""
    sent: list[str] = []

    def record(method: str, _path: str, body: bytes, answer: bytes) -> bytes:
        if method == "PUT":
            sent.append(body.decode())
        return answer

    proxy.rewrite = record
    style = ["--as", "todo"] if component == "VTODO" else []
    assert ws.sync("--create", *style).exit_code == 0
    stored = ws.stored(component)
    uid = next(uid for uid, (_h, _e, raw) in stored.items()
               if "BEGIN:VALARM" in raw and "Kubernetes" in raw)  # fmt: skip
    calendar = calendar_of(ws)
    mine = calendar.todo_by_uid(uid) if component == "VTODO" else calendar.event_by_uid(uid)
    item = mine.icalendar_component
    item["SUMMARY"] = "My own title"
    item.add("PRIORITY", 1)  # a client's own property: kept through our updates
    mine.save()
    assert ws.sync(*style).exit_code == 0
    ws.path.write_text(ws.path.read_text().replace("for a payments company", "for a bank"), "utf-8")
    assert ws.sync(*style).exit_code == 0  # our update merged with the user's version
    stored = ws.stored(component)
    raw = stored[uid][2]
    assert "My own title" in raw and "PRIORITY:1" in raw and "X-FOLLOWUP-CAL-EDITED" in raw
    last = [body for body in sent if f"UID:{uid}" in body][-1]
    for text in ("My own title", "PRIORITY:1", "for a bank"):  # the user's and ours
        assert text in last.replace("\r\n ", ""), text
    for body in sent:
        assert "X-FOLLOWUP-CAL-SEARCH" in body
        assert properties_after_subcomponents(body) == [], body
    for each, (_href, _item, raw) in stored.items():
        late = properties_after_subcomponents(raw)
        if ws.server.name == "radicale":
            # Radicale stores each object as vobject serializes it: a component's
            # children sorted by name, sub-components among them, so every X- property
            # (ours, X-APPLE-*...) follows VALARM there whatever a client sends.
            assert all(line.split(":")[0].split(";")[0].upper() > "VALARM" for line in late), late
        else:
            assert late == [], (each, raw)

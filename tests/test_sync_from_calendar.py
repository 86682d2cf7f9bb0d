"""Calendar -> journal on sync, against real Radicale, Cyrus and DAViCal: the phone is
the `caldav` package, a client that is not ours, ticking, moving and deleting our events
the way a calendar app does. Whatever it did lands in the YAML as done:/moved:/skipped: lines.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import caldav
import pytest
import test_sync
from caldav_servers import PASSWORD, USER
from click.testing import CliRunner

from followup_cal.cli import cli

proxy, ws, isolated_home = test_sync.proxy, test_sync.ws, test_sync.isolated_home
task = test_sync.task_uid
NY = ZoneInfo("America/New_York")
NORTHWIND_1 = "northwind-platform.follow-up-1@followup-cal"  # Tue 1 Dec 09:30
NORTHWIND_2 = "northwind-platform.follow-up-2@followup-cal"  # Tue 8 Dec 09:30
HELIO_1 = "helio-analytics.follow-up-1@followup-cal"  # Tue 17 Nov 09:30
HELIO_2 = "helio-analytics.follow-up-2@followup-cal"  # Tue 24 Nov 09:30


# The servers the phone logs in to with Basic: sabre/dav here asks for Digest.
@pytest.fixture(scope="module", params=["radicale", "cyrus", "davical"])
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


class Phone:
    """A calendar app on the user's phone, talking CalDAV to the same calendar."""

    def __init__(self, ws) -> None:
        url = ws.calendar_url()
        # Basic up front, as a configured phone does (Radicale delays every 401).
        user = ws.server.user or USER  # the account of the test's own, where it has one
        client = caldav.DAVClient(url=url, username=user, password=PASSWORD, auth_type="basic")
        self.calendar = client.calendar(url=url)

    def move(self, uid: str, to: datetime) -> None:
        event = self.calendar.event_by_uid(uid)
        component = event.icalendar_component
        length = component.decoded("DTEND") - component.decoded("DTSTART")
        for name, value in (("DTSTART", to), ("DTEND", to + length)):
            component.pop(name)
            component.add(name, value)
        event.save()

    def delete(self, uid: str) -> None:
        self.calendar.event_by_uid(uid).delete()

    def tick(self, uid: str, when: datetime) -> None:
        self.calendar.todo_by_uid(uid).complete(completion_timestamp=when)


def added_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert all(line.startswith("+") for line in changed), changed  # nothing removed
    return [line[1:].strip() for line in changed]


def start_of(ws, uid: str) -> datetime:
    return ws.stored()[uid][1].decoded("DTSTART").astimezone(NY)


def test_moved_and_deleted_events_become_facts_in_the_yaml(ws):
    assert ws.sync("--create").exit_code == 0
    phone = Phone(ws)
    phone.move(NORTHWIND_1, datetime(2026, 12, 3, 14, 0, tzinfo=NY))  # Tue -> Thu 14:00
    phone.delete(HELIO_2)
    before = ws.path.read_text()

    result = ws.sync()

    assert result.exit_code == 0, result.output
    assert (
        "from your calendar: moved: Follow-up 1 → Priya Shah · Northwind Logistics, moved to Thu 3 Dec 14:00"
        in result.stdout
    )
    assert (
        "from your calendar: skipped: Final follow-up → Lukas Becker · Helio Analytics, deleted on Mon 23 Nov"
        in result.stdout
    )
    # What the move changed in the rest of the plan is said, as 'done' and 'reply' say it.
    lines = result.stdout.splitlines()
    told = [n for n, line in enumerate(lines) if line.startswith(
        "  moved: Final follow-up → Priya Shah (Tue 8 Dec 2026) to Thu 10 Dec (")]  # fmt: skip
    assert len(told) == 1 and lines[told[0] - 1].startswith("from your calendar: "), lines
    assert not any(line.startswith("  moved: Follow-up 1 → Priya Shah") for line in lines)
    assert added_lines(before, ws.path.read_text()) == [
        "moved:",  # under northwind-platform, whose second round this chain follows
        "- {step: follow_up-1, round: 2, date: 2026-12-03 14:00}",
        "skipped:",  # under helio-analytics
        "- {step: follow_up-2, round: 1, date: 2026-11-23}",
    ]
    stored = ws.stored()
    assert start_of(ws, NORTHWIND_1) == datetime(2026, 12, 3, 14, 0, tzinfo=NY)
    # The final follow-up keeps its week after the moved first one.
    assert start_of(ws, NORTHWIND_2).date() == datetime(2026, 12, 10).date()
    assert HELIO_2 not in stored  # not re-created
    # The next sync has nothing to learn and nothing to write.
    again = ws.sync()
    assert again.exit_code == 0, again.output
    assert "from your calendar" not in again.stdout
    assert again.stdout.strip().endswith(f"unchanged {len(stored)}")
    assert ws.proxy.methods() == ["REPORT"]


def test_a_ticked_task_is_done_dated_when_it_was_completed(ws):
    ws.calendar = ws.calendar + " tasks"
    assert ws.sync("--as", "todo", "--create").exit_code == 0
    # Fri 20 Nov, 21:00 in New York, is already Saturday in UTC.
    Phone(ws).tick(task(HELIO_1), datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    before = ws.path.read_text()

    result = ws.sync("--as", "todo")

    assert result.exit_code == 0, result.output
    assert (
        "from your calendar: done: Follow-up 1 → Lukas Becker · Helio Analytics, done on Fri 20 Nov"
        in result.stdout
    )
    assert added_lines(before, ws.path.read_text()) == [
        "- {step: follow_up-1, round: 1, date: 2026-11-20}"
    ]
    ticked = ws.stored("VTODO")[task(HELIO_1)][1]
    assert str(ticked["STATUS"]) == "COMPLETED"
    assert ws.sync("--as", "todo").stdout.count("from your calendar") == 0


def test_dry_run_shows_the_facts_and_writes_nothing(ws):
    assert ws.sync("--create").exit_code == 0
    Phone(ws).move(NORTHWIND_1, datetime(2026, 12, 2, 9, 30, tzinfo=NY))
    before = ws.path.read_text()
    result = ws.sync("--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "would record from your calendar: moved: Follow-up 1 → Priya Shah · Northwind Logistics, moved to Wed 2 Dec"
        in result.stdout
    )
    # What the sync would then write follows from the file with that fact in it.
    assert f"would update {NORTHWIND_2}" in result.stdout
    assert ws.path.read_text() == before
    assert start_of(ws, NORTHWIND_2).date() == datetime(2026, 12, 8).date()


def test_no_pull_leaves_the_yaml_alone(ws):
    assert ws.sync("--create").exit_code == 0
    Phone(ws).move(NORTHWIND_1, datetime(2026, 12, 2, 9, 30, tzinfo=NY))
    before = ws.path.read_text()
    result = ws.sync("--no-pull")
    assert result.exit_code == 0, result.output
    assert "from your calendar" not in result.stdout
    assert ws.path.read_text() == before
    assert start_of(ws, NORTHWIND_1).date() == datetime(2026, 12, 2).date()  # still theirs


def test_when_the_yaml_changed_the_same_step_the_yaml_wins_and_says_so(ws):
    assert ws.sync("--create").exit_code == 0
    Phone(ws).move(NORTHWIND_1, datetime(2026, 12, 2, 9, 30, tzinfo=NY))
    # Meanwhile, in the terminal: they answered and gave a new date.
    reply = CliRunner().invoke(
        cli,
        ["reply", "northwind-platform", "--on", "2026-11-20", "--decision", "2026-12-14",
         "-f", str(ws.path), "--today", test_sync.TODAY],
    )  # fmt: skip
    assert reply.exit_code == 0, reply.output
    before = ws.path.read_text()

    result = ws.sync()

    assert result.exit_code == 0, result.output
    assert (
        "conflict: northwind-platform follow_up-1 was moved in your calendar, but the file "
        "changed it too; the file wins" in result.stderr
    )
    assert ws.path.read_text() == before
    planned = start_of(ws, NORTHWIND_1).date()
    assert planned > datetime(2026, 12, 14).date()  # the file's date, after the decision

"""Server-side edits told from the server's copy alone (sync.edits), on real renderings."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import icalendar
import pytest
from conftest import EXAMPLE

from followup_cal import service
from followup_cal.calendar.ics import FeedStyle
from followup_cal.journal.state import ExportState
from followup_cal.loader import load
from followup_cal.sync.edits import (
    PUSHED_PROPERTY,
    compare,
    component_of,
    fingerprint,
    retag,
    server_fingerprint,
)
from followup_cal.sync.run import desired_events

TODAY = date(2026, 11, 23)


def rendered(as_todo: bool = False):
    search = load(str(EXAMPLE))
    events = service.draft_events(search, service.plan(search, TODAY))
    return desired_events(events, ExportState(), TODAY, FeedStyle(as_todo=as_todo), "s-test")


@pytest.mark.parametrize("as_todo", [False, True])
def test_what_we_push_reads_back_as_unedited(as_todo):
    for want in rendered(as_todo):
        text = want.render().decode()
        component = component_of(text, want.uid)
        assert str(component[PUSHED_PROPERTY]) == want.pushed
        assert server_fingerprint(component) == want.pushed, want.uid


def test_a_server_that_rewrites_the_event_in_utc_is_not_an_edit():
    want = rendered()[0]
    calendar = icalendar.Calendar.from_ical(want.render())
    calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    event = calendar.walk("VEVENT")[0]
    for name in ("DTSTART", "DTEND"):
        value = event.decoded(name).astimezone(UTC)
        event.pop(name)
        event.add(name, value)
    text = calendar.to_ical().decode()
    assert "TZID=" not in text
    assert compare(want.uid, want.pushed, server_fingerprint(component_of(text, want.uid))) is None


def test_moving_retitling_and_removing_the_alarm_are_each_told():
    want = next(w for w in rendered() if b"BEGIN:VALARM" in w.render())
    event = component_of(want.render().decode(), want.uid)
    start = event.decoded("DTSTART")
    event["DTSTART"] = icalendar.vDDDTypes(start + timedelta(days=2))
    edit = compare(want.uid, want.pushed, server_fingerprint(event))
    assert edit is not None and edit.fields == ("start",) and edit.kinds == ("moved",)
    event["SUMMARY"] = "Call them instead"
    event.subcomponents = []
    edit = compare(want.uid, want.pushed, server_fingerprint(event))
    assert edit is not None and edit.fields == ("start", "summary", "alarms")
    assert edit.kinds == ("moved", "edited")


def test_retag_changes_only_our_marks():
    want = rendered()[0]
    text = want.render().decode()
    kept = retag(text, want.uid, {PUSHED_PROPERTY: "start=0", "X-FOLLOWUP-CAL-SEARCH": None})
    event = component_of(kept.decode(), want.uid)
    assert str(event[PUSHED_PROPERTY]) == "start=0" and "X-FOLLOWUP-CAL-SEARCH" not in event
    assert server_fingerprint(event) == want.pushed


def test_retag_keeps_every_other_line_byte_for_byte_and_puts_marks_before_alarms():
    client = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17.4//EN\r\nMETHOD:PUBLISH\r\n"
        "BEGIN:VEVENT\r\nUID:a.follow-up-1@followup-cal\r\n"
        "DTSTART;TZID=Europe/Berlin:20261130T153000\r\n"
        'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE="Lumen, Coffee":geo:40.7\r\n'
        " 19,-74.008\r\nX-FOLLOWUP-CAL-PUSHED:start=old\r\n"
        "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nX-FOLLOWUP-CAL-PUSHED:not ours to touch\r\n"
        "END:VALARM\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:a.follow-up-1@followup-cal\r\nRECURRENCE-ID:20261207T093000Z\r\n"
        "X-FOLLOWUP-CAL-PUSHED:start=exception\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    marks = {PUSHED_PROPERTY: "start=" + "1" * 80, "X-FOLLOWUP-CAL-SEARCH": None}
    lines = retag(client, "a.follow-up-1@followup-cal", marks).decode().split("\r\n")
    assert "METHOD:PUBLISH" not in lines
    # The user's lines, folding included, exactly as they were; ours before the alarm,
    # folded at 75 octets; the alarm's and the exception's own lines untouched.
    start = lines.index('X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE="Lumen, Coffee":geo:40.7')
    assert lines[start + 1] == " 19,-74.008"
    assert lines[start + 2] == "X-FOLLOWUP-CAL-PUSHED:start=" + "1" * 47
    assert lines[start + 3] == " " + "1" * 33
    assert lines[start + 4] == "BEGIN:VALARM"
    assert "X-FOLLOWUP-CAL-PUSHED:not ours to touch" in lines
    assert "X-FOLLOWUP-CAL-PUSHED:start=exception" in lines
    assert "X-FOLLOWUP-CAL-PUSHED:start=old" not in lines


def test_ticks_unticks_progress_and_cancellations_are_told_apart():
    open_task = fingerprint({"status": "NEEDS-ACTION"})
    done = fingerprint({"status": "COMPLETED", "completed": "20261120T140000Z"})
    at_100 = fingerprint({"status": "NEEDS-ACTION", "completed": "100%"})  # jtx Board
    reopened = fingerprint({"status": ""})  # Tasks.org drops STATUS on un-ticking
    cancelled = fingerprint({"status": "CANCELLED"})
    in_process = fingerprint({"status": "IN-PROCESS"})

    def kinds(before: str, after: str) -> tuple[str, ...]:
        edit = compare("t", before, after)
        assert edit is not None
        return edit.kinds

    assert kinds(open_task, done) == ("completed",)
    assert kinds(open_task, at_100) == ("completed",)
    assert kinds(done, reopened) == ("uncompleted",)
    assert kinds(open_task, cancelled) == ("cancelled",)
    assert kinds(open_task, in_process) == ("edited",)


@pytest.mark.parametrize(
    ("lines", "done"),
    [
        (["STATUS:NEEDS-ACTION", "PERCENT-COMPLETE:100"], False),  # todoman's un-tick
        (["STATUS:IN-PROCESS", "PERCENT-COMPLETE:100", "COMPLETED:20261120T140000Z"], False),
        (["STATUS:COMPLETED"], True),
        (["STATUS:COMPLETED", "COMPLETED:20261120T140000Z", "PERCENT-COMPLETE:100"], True),
        (["PERCENT-COMPLETE:100"], True),  # jtx Board: progress apart from a status
        (["PERCENT-COMPLETE:50"], False),
    ],
)
def test_the_status_decides_whether_a_task_is_done(lines, done):
    """RFC 5545 3.8.1.11: an open status is not done, whatever the progress says."""
    from followup_cal.sync.edits import decode_fingerprint, fingerprint

    text = "\r\n".join(["BEGIN:VTODO", "UID:x", *lines, "END:VTODO", ""])
    now = decode_fingerprint(server_fingerprint(icalendar.Todo.from_ical(text)))
    undone = decode_fingerprint(fingerprint({}))
    is_done = now["completed"] != undone["completed"] or "STATUS:COMPLETED" in lines
    assert is_done is done

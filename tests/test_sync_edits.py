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

"""The .ics export, read back by two independent parsers (icalendar and ical)."""

from __future__ import annotations

import email
import email.policy
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from conftest import DATA, EXAMPLE, TODAY, interview, load_search, plan_of
from ical.calendar_stream import IcsCalendarStream

from followup_cal import service
from followup_cal.atomic import write_atomic
from followup_cal.errors import FileAccessError
from followup_cal.journal.state import ExportState
from followup_cal.loader import load
from followup_cal.plan.followups import Step

GOLDEN = DATA / "golden" / "example.ics"


def export(search, today=TODAY, state=None) -> bytes:
    return service.export_ics(search, today, state if state is not None else ExportState())


@pytest.fixture(scope="module")
def example_ics() -> bytes:
    return export(load(str(EXAMPLE)))


def test_every_event_has_uid_dtstamp_dtstart_with_icalendar(example_ics):
    cal = icalendar.Calendar.from_ical(example_ics)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(service.plan(load(str(EXAMPLE)), TODAY))
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
            assert prop in event, (prop, event.get("UID"))
        assert "ATTENDEE" not in event and "ORGANIZER" not in event
        assert event["TRANSP"] == "TRANSPARENT"
        alarms = list(event.walk("VALARM"))
        if str(event["SUMMARY"]).startswith("✓ "):
            assert alarms == []  # recorded as done: nothing to be reminded of
        else:
            assert len(alarms) == 1 and alarms[0]["ACTION"] == "DISPLAY"
        assert event.decoded("DTEND") - event.decoded("DTSTART") <= timedelta(minutes=30)
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    # The example records 16 done steps (tests/test_journal_cli.py checks the rest).
    assert sum(str(e["SUMMARY"]).startswith("✓ ") for e in events) == 16


def test_strict_parser_ical_reads_every_event(example_ics):
    cal = IcsCalendarStream.calendar_from_ics(example_ics.decode("utf-8"))
    assert len(cal.events) == example_ics.count(b"BEGIN:VEVENT")
    for event in cal.events:
        assert event.uid and event.dtstamp and event.dtstart
        assert not event.attendees and event.organizer is None
    assert len({e.uid for e in cal.events}) == len(cal.events)


def test_no_invitation_properties_anywhere(example_ics):
    for line in example_ics.split(b"\r\n"):
        assert not line.startswith((b"ATTENDEE", b"ORGANIZER", b"METHOD"))


def test_subscription_headers_and_a_timezone_for_every_tzid(example_ics):
    cal = icalendar.Calendar.from_ical(example_ics)
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) == "Follow-ups · Alex Morgan"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in example_ics
    assert str(cal["X-PUBLISHED-TTL"]) == "PT12H"
    tzids = {e["DTSTART"].params["TZID"] for e in cal.walk("VEVENT")}
    assert tzids == {"America/New_York", "Europe/Berlin"}
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == tzids


def test_description_holds_the_draft_the_recipient_and_why_this_date(example_ics):
    cal = icalendar.Calendar.from_ical(example_ics)
    by_uid = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    event = by_uid["northwind-platform.follow-up-1@followup-cal"]
    text = str(event["DESCRIPTION"])
    assert text.startswith("To: Priya Shah <priya.shah@northwind.example>\nSubject: ")
    assert "Hi Priya," in text
    assert "decides on Wed 25 Nov" in text and "Priya Shah is away until Mon 30 Nov" in text
    assert str(event["SUMMARY"]) == "Follow-up 1 → Priya Shah · Northwind Logistics"
    assert event["URL"].startswith("mailto:priya.shah@northwind.example?")


def test_mailto_link_opens_the_draft_ready_to_send(example_ics):
    cal = icalendar.Calendar.from_ical(example_ics)
    event = next(e for e in cal.walk("VEVENT") if "jose-nunez" in str(e["UID"]))
    parts = urlsplit(str(event["URL"]))
    assert parts.scheme == "mailto" and parts.path == "jose.nunez@northwind.example"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Thank you for yesterday, José"]
    assert "the caching layer in front of the routing service" in query["body"][0]
    assert "\r\n" in query["body"][0]


def test_a_long_mailto_link_is_cut_and_says_so():
    search = load_search(interview(pitch="word " * 400))
    item = next(i for i in service.plan(search, TODAY) if i.step is Step.FOLLOW_UP)
    (event,) = service.draft_events(search, [item])
    link = event.draft.mailto()
    assert len(link) <= 1500
    body = parse_qs(urlsplit(link).query)["body"][0]
    assert body.endswith("[Draft shortened for the link: the full text is in the calendar event.]")
    assert body.startswith("Hi Dana,")


def test_same_input_and_state_give_identical_bytes(tmp_path):
    search = load(str(EXAMPLE))
    state = ExportState()
    first = export(search, state=state)
    assert export(search, state=state) == first
    # A later day changes nothing when nothing changed: DTSTAMP does not churn.
    assert export(search, today=TODAY + timedelta(days=30), state=state) == first


def test_uids_do_not_depend_on_dates_or_positions():
    before = {i.uid for i in plan_of(interview(), interview(id="beta", company="Beta"))}
    moved = interview(
        rounds=[{"start": "2026-11-05 15:00", "interviewers": [{"name": "Dana Lee"}]}]
    )
    after = {i.uid for i in plan_of(interview(id="beta", company="Beta"), moved)}
    assert before == after


def test_changed_events_get_a_higher_sequence_and_a_new_dtstamp():
    state = ExportState()
    first = icalendar.Calendar.from_ical(export(load_search(interview()), state=state))
    later = TODAY + timedelta(days=3)
    edited = load_search(interview(decision_expected="2026-11-20"))
    second = icalendar.Calendar.from_ical(export(edited, today=later, state=state))
    old = {str(e["UID"]): e for e in first.walk("VEVENT")}
    changed = 0
    for event in second.walk("VEVENT"):
        uid = str(event["UID"])
        if event["DESCRIPTION"] != old[uid]["DESCRIPTION"]:
            changed += 1
            assert event["SEQUENCE"] == old[uid]["SEQUENCE"] + 1
            assert event.decoded("DTSTAMP").date() == later
        else:
            assert event["SEQUENCE"] == old[uid]["SEQUENCE"]
            assert event.decoded("DTSTAMP") == old[uid].decoded("DTSTAMP")
    assert changed >= 2  # both inquiries moved; check-ins followed them
    # Going back to the first content still counts up: never reuse a sequence.
    third = icalendar.Calendar.from_ical(export(load_search(interview()), state=state))
    follow_up = next(e for e in third.walk("VEVENT") if "follow-up-1" in str(e["UID"]))
    assert follow_up["SEQUENCE"] == 2


def test_dst_change_keeps_local_send_time_and_ships_both_offsets():
    # Fri 30 Oct 2026 is still daylight time in New York; clocks go back on 1 Nov.
    search = load_search(
        interview(rounds=[{"start": "2026-10-30 10:00", "interviewers": [{"name": "Dana Lee"}]}])
    )
    ics = export(search)
    cal = icalendar.Calendar.from_ical(ics)
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in cal.walk("VEVENT")}
    interview_day = starts["acme.r1.debrief@followup-cal"]
    follow_up = starts["acme.follow-up-1@followup-cal"]
    assert interview_day.utcoffset() == timedelta(hours=-4)
    assert follow_up.utcoffset() == timedelta(hours=-5)
    assert (follow_up.hour, follow_up.minute) == (9, 30)
    (tz,) = cal.walk("VTIMEZONE")
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    strict = IcsCalendarStream.calendar_from_ics(ics.decode())
    by_uid = {e.uid: e for e in strict.events}
    assert by_uid["acme.follow-up-1@followup-cal"].dtstart.utcoffset() == timedelta(hours=-5)


def test_golden_file_for_the_example(example_ics):
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(example_ics)
    assert example_ics == GOLDEN.read_bytes(), "run UPDATE_GOLDEN=1 pytest to accept a change"


def test_eml_opens_as_an_unsent_draft():
    search = load(str(EXAMPLE))
    events = service.draft_events(search, service.plan(search, TODAY))
    event = service.find_event(events, "northwind-platform", "thank_you", "José", None)
    message = email.message_from_bytes(bytes(event.draft.as_email()), policy=email.policy.default)
    assert message["To"] == "José Núñez <jose.nunez@northwind.example>"
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == event.draft.subject
    assert "caching layer" in message.get_content()


def test_atomic_write_failure_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "feed.ics"
    target.write_bytes(b"old")

    def broken_replace(self, other):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(FileAccessError, match="No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.ics"]


def test_atomic_write_keeps_the_file_mode(tmp_path):
    target = tmp_path / "feed.ics"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_check_ins_are_single_events_on_business_days(example_ics):
    assert b"RRULE" not in example_ics
    cal = icalendar.Calendar.from_ical(example_ics)
    for event in cal.walk("VEVENT"):
        if "check_in" in [str(c) for c in event["CATEGORIES"].cats]:
            assert event.decoded("DTSTART").weekday() < 5

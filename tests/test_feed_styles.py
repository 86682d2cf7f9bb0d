"""The public feed and the task (VTODO) export, read back by icalendar and ical."""

from __future__ import annotations

import re
from datetime import date

import icalendar
from conftest import EXAMPLE, TODAY
from ical.calendar_stream import IcsCalendarStream

from followup_cal import service
from followup_cal.calendar.ics import FeedStyle
from followup_cal.journal.state import ExportState
from followup_cal.loader import load

PUBLIC = FeedStyle(public=True)
TASKS = FeedStyle(as_todo=True)


def export(style: FeedStyle, state: ExportState | None = None) -> bytes:
    return service.export_ics(load(str(EXAMPLE)), TODAY, state or ExportState(), style)


def everyone(search) -> set[str]:
    names = {search.me.name}
    for interview in search.interviews:
        names |= {p.name for p in (*interview.people(), *interview.network)}
    return names


def test_public_feed_names_no_one_and_carries_no_address_phone_or_draft():
    data = export(PUBLIC)
    text = icalendar.Calendar.from_ical(data).to_ical().decode()  # unfolded by a parser
    unfolded = text.replace("\r\n ", "")
    search = load(str(EXAMPLE))
    for name in everyone(search):
        for word in name.split():
            assert word not in unfolded, word
    assert not re.search(r"[\w.+-]+@(?!followup-cal\b)[\w-]+\.", unfolded)  # e-mail
    phones = {search.me.phone} | {
        p.phone for i in search.interviews for p in (*i.people(), *i.network) if p.phone
    }
    assert len(phones) == 2
    for phone in phones:
        assert phone not in unfolded and phone.replace(" ", "") not in unfolded
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        for prop in ("DESCRIPTION", "URL", "ATTENDEE", "ORGANIZER"):
            assert prop not in event  # the alarm's own DESCRIPTION is the public summary
        for alarm in event.walk("VALARM"):
            assert alarm["DESCRIPTION"] == event["SUMMARY"]


def test_public_feed_keeps_step_company_and_date():
    public = icalendar.Calendar.from_ical(export(PUBLIC)).walk("VEVENT")
    private = icalendar.Calendar.from_ical(export(FeedStyle())).walk("VEVENT")
    assert len(public) == len(private) == 49
    for pub, priv in zip(public, private, strict=True):
        assert pub.decoded("DTSTART") == priv.decoded("DTSTART")
        company = re.sub(r" \(round \d\)$", "", str(priv["SUMMARY"]).rsplit(" · ", 1)[1])
        assert str(pub["SUMMARY"]).endswith(f" · {company}")
        step = str(priv["SUMMARY"]).split(" → ")[0].split(" · ")[0]
        assert str(pub["SUMMARY"]) == f"{step} · {company}"
    assert str(icalendar.Calendar.from_ical(export(PUBLIC))["X-WR-CALNAME"]) == "Follow-ups"


def test_public_uids_are_stable_distinct_and_opaque():
    first = [str(e["UID"]) for e in icalendar.Calendar.from_ical(export(PUBLIC)).walk("VEVENT")]
    again = [str(e["UID"]) for e in icalendar.Calendar.from_ical(export(PUBLIC)).walk("VEVENT")]
    assert first == again and len(set(first)) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{24}@followup-cal", uid) for uid in first)


def test_public_feed_reads_in_the_strict_parser():
    cal = IcsCalendarStream.calendar_from_ics(export(PUBLIC).decode())
    assert len(cal.events) == 49
    assert all(e.description is None and e.url is None for e in cal.events)


def test_tasks_have_due_status_and_uids_of_their_own():
    data = export(TASKS)
    tasks = icalendar.Calendar.from_ical(data).walk("VTODO")
    events = icalendar.Calendar.from_ical(export(FeedStyle())).walk("VEVENT")
    # A step's task beside its event in one account: Fastmail's Cyrus keeps a UID once
    # per account (docs/calendar.md), so the task's is the event's with `_task`.
    steps = [str(e["UID"]).replace("@followup-cal", "_task@followup-cal") for e in events]
    assert [str(t["UID"]) for t in tasks] == steps
    assert b"BEGIN:VEVENT" not in data
    for task, event in zip(tasks, events, strict=True):
        assert task.decoded("DUE") == event.decoded("DTEND")
        done = str(event["SUMMARY"]).startswith("✓ ")
        assert str(task["STATUS"]) == ("COMPLETED" if done else "NEEDS-ACTION")
        if done:
            assert task.decoded("COMPLETED").date() == event.decoded("DTSTART").date()
            assert int(task["PERCENT-COMPLETE"]) == 100


def test_tasks_read_in_the_strict_parser():
    cal = IcsCalendarStream.calendar_from_ics(export(TASKS).decode())
    assert len(cal.todos) == 49
    completed = [t for t in cal.todos if t.completed is not None]
    assert len(completed) == 16
    assert all(t.due is not None for t in cal.todos)


def test_each_style_keeps_its_own_sequence():
    """Exporting events and tasks in turn must not look like a change every time."""
    state = ExportState()
    export(FeedStyle(), state)
    export(TASKS, state)
    export(PUBLIC, state)
    before = dict(state.revisions)
    export(FeedStyle(), state)
    export(TASKS, state)
    assert state.revisions == before
    assert all(r.sequence == 0 for r in state.revisions.values())
    assert len(before) == 3 * 49


def test_export_command_public_and_todo(tmp_path):
    from click.testing import CliRunner

    from followup_cal.cli import cli

    out = tmp_path / "feed.ics"
    args = [
        "export",
        str(EXAMPLE),
        "-o",
        str(out),
        "--no-state",
        "--today",
        str(date(2026, 11, 23)),
    ]
    result = CliRunner().invoke(cli, [*args, "--public"])
    assert result.exit_code == 0
    assert result.stderr == f"wrote 49 events to {out} (49 new or changed)\n"
    assert b"Priya" not in out.read_bytes()
    result = CliRunner().invoke(cli, [*args, "--as", "todo"])
    assert result.stderr == f"wrote 49 tasks to {out} (49 new or changed)\n"
    assert out.read_bytes().count(b"BEGIN:VTODO") == 49

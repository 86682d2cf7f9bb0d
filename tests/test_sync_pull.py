"""Calendar -> journal, the pure decision: which change in the calendar becomes which fact.

The default interview (conftest): Mon 2 Nov 2026 in New York; follow-up 1 on Mon 9 Nov
09:30, the final one on Mon 16 Nov.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from conftest import interview, plan_of

from followup_cal.sync.pull import CalendarChange, pull

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)
FIRST = "acme.follow-up-1@followup-cal"
FINAL = "acme.follow-up-2@followup-cal"


def pulled(*changes: CalendarChange, **overrides):
    return pull(plan_of(interview(**overrides)), changes, NY, TODAY)


def facts(result) -> list[tuple[str, str, date, time | None]]:
    return [(f.kind, f.item.key, f.on, f.at) for f in result.facts]


def test_a_ticked_task_is_done_on_the_day_it_was_completed_in_my_zone():
    late_evening = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # Mon 9 Nov 21:00 in New York
    result = pulled(CalendarChange(FIRST, ("completed",), completed=late_evening))
    assert facts(result) == [("done", "follow_up-1", date(2026, 11, 9), None)]
    # The user's tick stays as they saved it, marked with the day recorded.
    assert (result.settled, result.agreed) == (set(), {FIRST: "20261109"})
    assert result.facts[0].describe() == ("done: Follow-up 1 → Dana Lee · Acme, done on Mon 9 Nov")


def test_completed_without_a_date_or_in_the_future_is_today():
    undated = pulled(CalendarChange(FIRST, ("completed",)))
    future = pulled(CalendarChange(FIRST, ("completed",), completed=date(2026, 12, 1)))
    assert facts(undated) == facts(future) == [("done", "follow_up-1", TODAY, None)]


def test_a_moved_event_keeps_the_new_day_and_the_hour_only_when_it_changed():
    same_hour = datetime(2026, 11, 12, 9, 30, tzinfo=NY)
    other_hour = datetime(2026, 11, 12, 19, 15, tzinfo=UTC)  # 14:15 in New York
    assert facts(pulled(CalendarChange(FIRST, ("moved",), start=same_hour))) == [
        ("moved", "follow_up-1", date(2026, 11, 12), None)
    ]
    result = pulled(CalendarChange(FIRST, ("moved",), start=other_hour))
    assert facts(result) == [("moved", "follow_up-1", date(2026, 11, 12), time(14, 15))]
    assert result.facts[0].describe().endswith("moved to Thu 12 Nov 14:15")
    all_day = pulled(CalendarChange(FIRST, ("moved",), start=date(2026, 11, 13)))
    assert facts(all_day) == [("moved", "follow_up-1", date(2026, 11, 13), None)]


def test_a_deleted_event_is_skipped_today():
    result = pulled(CalendarChange(FINAL, ("deleted",)))
    assert facts(result) == [("skipped", "follow_up-2", TODAY, None)]
    assert result.settled == {FINAL}


def test_what_the_file_says_already_is_not_recorded_again():
    # A move recorded by an earlier sync whose write back to the server did not happen.
    result = pulled(
        CalendarChange(FIRST, ("moved",), start=datetime(2026, 11, 12, 9, 30, tzinfo=NY)),
        CalendarChange(FINAL, ("completed",), completed=date(2026, 11, 16)),
        moved=[{"step": "follow_up-1", "date": "2026-11-12"}],
        done=[{"step": "follow_up-2", "date": "2026-11-16"}],
    )
    assert (result.facts, result.conflicts) == ([], [])
    # The file agrees: the user's versions stay; no tick of this sync to take back.
    assert (result.settled, result.agreed) == (set(), {FIRST: "", FINAL: ""})


def test_when_the_file_changed_the_same_step_the_file_wins_and_says_so():
    result = pulled(
        CalendarChange(FIRST, ("moved",), start=date(2026, 11, 12), file_changed=True),
        CalendarChange(FINAL, ("completed",), file_changed=True),
    )
    assert result.facts == []
    assert result.conflicts == [
        "conflict: acme follow_up-1 was moved in your calendar, but the file changed it too; "
        "the file wins",
        "conflict: acme follow_up-2 was completed in your calendar, but the file changed it "
        "too; the file wins",
    ]
    assert result.settled == {FIRST, FINAL}


def test_a_deleted_step_stays_deleted_when_the_file_only_gave_it_another_date():
    result = pulled(CalendarChange(FINAL, ("deleted",), file_changed=True))
    assert (facts(result), result.conflicts) == ([("skipped", "follow_up-2", TODAY, None)], [])


def test_done_in_the_file_or_no_longer_planned_wins_over_the_calendar():
    result = pulled(
        CalendarChange(FIRST, ("moved",), start=date(2026, 11, 12)),
        CalendarChange("acme.check-in-9.dana-lee@followup-cal", ("completed",)),
        CalendarChange("acme.check-in-8.dana-lee@followup-cal", ("deleted",)),
        done=[{"step": "follow_up-1", "date": "2026-11-10"}],
    )
    assert result.facts == []
    assert result.conflicts == [  # in the order of their UIDs
        "conflict: acme.check-in-9.dana-lee@followup-cal was completed in your calendar, but "
        "the file no longer plans it; the file wins",
        "conflict: acme follow_up-1 was moved in your calendar, but the file has it done on "
        "Tue 10 Nov; the file wins",
    ]


def test_text_edits_are_the_user_s_and_stay_as_they_saved_them():
    only_text = pulled(CalendarChange(FIRST, ("edited",)))
    assert (only_text.facts, only_text.settled, only_text.agreed) == ([], set(), {FIRST: ""})
    moved_and_text = pulled(CalendarChange(FIRST, ("moved", "edited"), start=date(2026, 11, 12)))
    assert facts(moved_and_text) == [("moved", "follow_up-1", date(2026, 11, 12), None)]
    assert (moved_and_text.settled, moved_and_text.agreed) == (set(), {FIRST: ""})
    changed_too = pulled(CalendarChange(FIRST, ("edited",), file_changed=True))
    assert changed_too.agreed == {}  # the file changed the event too: not agreed


def test_unticking_takes_back_only_the_done_the_calendar_put_there():
    ticked = pulled(
        CalendarChange(FIRST, ("uncompleted",), ticked=date(2026, 11, 10)),
        done=[{"step": "follow_up-1", "date": "2026-11-10"}],
    )
    assert facts(ticked) == [("undone", "follow_up-1", date(2026, 11, 10), None)]
    assert ticked.agreed == {FIRST: ""} and ticked.conflicts == []
    assert ticked.facts[0].describe() == (
        "done: Follow-up 1 → Dana Lee · Acme on Tue 10 Nov taken out: un-ticked in your calendar"
    )
    typed = pulled(
        CalendarChange(FIRST, ("uncompleted",)),
        done=[{"step": "follow_up-1", "date": "2026-11-10"}],
    )
    assert typed.facts == [] and typed.settled == {FIRST}  # the file's done goes back
    assert typed.conflicts == [
        "conflict: acme follow_up-1 was un-ticked in your calendar, but the file has it "
        "done on Tue 10 Nov; the file wins: it is ticked again there (to reopen it, take its "
        "done: line out)"
    ]


def test_a_cancelled_event_or_task_is_skipped_today():
    result = pulled(CalendarChange(FINAL, ("cancelled",)))
    assert facts(result) == [("skipped", "follow_up-2", TODAY, None)]
    assert result.agreed == {FINAL: ""}  # it stays in the calendar, as the user's
    assert result.facts[0].describe().endswith("cancelled on Mon 23 Nov")


def test_a_task_moves_with_its_due_time_and_its_seconds_do_not_count():
    # Thunderbird moved only DUE (the task lasts 15 minutes): the step starts 15 earlier.
    due = datetime(2026, 11, 12, 9, 45, tzinfo=NY)
    assert facts(pulled(CalendarChange(FIRST, ("moved",), due=due))) == [
        ("moved", "follow_up-1", date(2026, 11, 12), None)
    ]
    # Tasks.org writes a due time with :01 seconds: the same minute is no move.
    same = datetime(2026, 11, 9, 9, 45, 1, tzinfo=NY)
    assert pulled(CalendarChange(FIRST, ("moved",), due=same)).facts == []
    # Outlook's tasks carry a date only.
    assert facts(pulled(CalendarChange(FIRST, ("moved",), due=date(2026, 11, 13)))) == [
        ("moved", "follow_up-1", date(2026, 11, 13), None)
    ]


def test_a_step_of_a_round_still_ahead_says_the_day_it_was_deleted():
    """Deleted on Mon 23 Nov, a step of an interview on Tue 8 Dec: the journal dates the
    skip on that interview's day, and the line names both, the day seen first."""
    dana = interview()["rounds"][0]["interviewers"]
    ahead = {"rounds": [{"start": "2026-12-08 10:00", "interviewers": dana}]}
    result = pulled(CalendarChange(FIRST, ("deleted",)), **ahead)
    assert facts(result) == [("skipped", "follow_up-1", date(2026, 12, 8), None)]
    line = result.facts[0].describe()
    assert line.endswith(
        ", deleted on Mon 23 Nov (recorded as of Tue 8 Dec, the day of its interview)"
    )
    today = pulled(CalendarChange(FINAL, ("deleted",))).facts[0].describe()
    assert today.endswith(", deleted on Mon 23 Nov")  # a round held: one day, said once

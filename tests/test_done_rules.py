"""The planner honours what was recorded in ``done:`` (and replans on replies).

Reference interview (conftest.interview): Mon 2 Nov 2026, 10:00-11:00 New York; the
thank-you is planned that day at 13:00, follow-up 1 on Mon 9 Nov, the final one on
Mon 16 Nov, check-ins monthly from Wed 16 Dec.
"""

from __future__ import annotations

from datetime import date

from conftest import interview, load_search, plan_of, steps

from followup_cal.calendar.ics import FollowupEvent, RevisedEvent, revise_event, summary
from followup_cal.journal.state import ExportState


def test_done_step_is_marked_and_moves_to_the_day_it_was_done():
    items = plan_of(interview(done=[{"step": "thank_you", "date": "2026-11-03"}]))
    (thanks,) = steps(items, "thank_you")
    assert thanks.done == date(2026, 11, 3)
    assert thanks.status == "done"
    assert thanks.start.date() == date(2026, 11, 3)
    assert thanks.reason.startswith("done on Tue 3 Nov, planned for Mon 2 Nov")


def test_done_on_the_planned_day_keeps_the_planned_time():
    items = plan_of(interview(done=[{"step": "debrief", "date": "2026-11-02"}]))
    (debrief,) = steps(items, "debrief")
    assert debrief.done and debrief.start.hour == 11 and debrief.start.minute == 30


def test_done_step_keeps_its_uid_so_calendars_update_it_in_place():
    plain = plan_of(interview())
    marked = plan_of(interview(done=[{"step": "follow_up-1", "date": "2026-11-09"}]))
    assert [i.uid for i in plain] == [i.uid for i in marked]


def _event(item) -> RevisedEvent:
    from followup_cal.loader.templates import TemplateSet
    from followup_cal.plan.drafts import render_draft

    search = load_search(interview())
    draft = render_draft(item, search.me, TemplateSet(None))
    return revise_event(FollowupEvent(item, draft), ExportState(), date(2026, 11, 23))


def test_done_event_has_a_tick_and_no_alarm():
    item = steps(
        plan_of(interview(done=[{"step": "thank_you", "date": "2026-11-02"}])), "thank_you"
    )[0]
    assert summary(item) == "✓ Thank-you → Dana Lee · Acme"
    vevent = _event(item).vevent()
    assert vevent.walk("VALARM") == []
    open_item = steps(plan_of(interview()), "thank_you")[0]
    assert summary(open_item) == "Thank-you → Dana Lee · Acme"
    assert len(_event(open_item).vevent().walk("VALARM")) == 1
    assert _event(item).content_hash != _event(open_item).content_hash


def test_next_inquiry_keeps_seven_days_from_a_late_first_one():
    items = plan_of(interview(done=[{"step": "follow_up-1", "date": "2026-11-13"}]))
    first, final = steps(items, "follow_up")
    assert first.start.date() == date(2026, 11, 13)
    assert final.start.date() == date(2026, 11, 20)  # not Mon 16: 7 days after Fri 13
    assert "follow-ups stay 7 days apart" in final.reason


def test_reply_with_new_date_moves_the_first_inquiry_not_yet_sent():
    # Follow-up 1 went out; they answered on Wed 11 Nov and said they decide Fri 20 Nov.
    items = plan_of(
        interview(
            done=[{"step": "follow_up-1", "date": "2026-11-09"}],
            heard_back={"date": "2026-11-11", "decision_expected": "2026-11-20"},
        )
    )
    first, final = steps(items, "follow_up")
    assert first.done == date(2026, 11, 9)
    # Two weeks after their answer (Wed 25 Nov) is later than the business day after
    # Fri 20 Nov: the later of the two.
    assert final.start.date() == date(2026, 11, 25)
    assert "Acme answered on Wed 11 Nov, and the next inquiry waits 14 days" in final.reason
    later = plan_of(
        interview(
            done=[{"step": "follow_up-1", "date": "2026-11-09"}],
            heard_back={"date": "2026-11-11", "decision_expected": "2026-11-27"},
        )
    )
    final = steps(later, "follow_up")[-1]
    assert final.start.date() == date(2026, 11, 30)  # the business day after Fri 27 Nov
    assert "decides on Fri 27 Nov" in final.reason


def test_done_steps_survive_an_outcome_before_them():
    # Sent on Mon 16 Nov, but the rejection is dated Fri 13 Nov: the fact stays.
    items = plan_of(
        interview(
            done=[{"step": "follow_up-2", "date": "2026-11-16"}],
            outcome={"result": "rejected", "date": "2026-11-13"},
        )
    )
    assert [i.key for i in steps(items, "follow_up") if i.done] == ["follow_up-2"]


def test_done_with_to_marks_only_that_recipient():
    people = [{"name": "Ann Bo", "talked_about": "a"}, {"name": "Cy Do", "talked_about": "b"}]
    record = [{"step": "thank_you", "to": "Cy Do", "date": "2026-11-02"}]
    items = plan_of(
        interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}], done=record)
    )
    assert {i.recipient.name: bool(i.done) for i in steps(items, "thank_you")} == {
        "Ann Bo": False,
        "Cy Do": True,
    }


def test_done_with_round_marks_only_that_round():
    rounds = [
        {"start": "2026-11-02 10:00", "interviewers": [{"name": "Ann Bo"}]},
        {"start": "2026-11-05 10:00", "interviewers": [{"name": "Ann Bo"}]},
    ]
    record = [{"step": "thank_you", "round": 2, "date": "2026-11-05"}]
    items = plan_of(interview(rounds=rounds, done=record))
    assert [bool(i.done) for i in steps(items, "thank_you")] == [False, True]

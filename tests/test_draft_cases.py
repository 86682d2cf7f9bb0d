"""The words a user reads: drafts and reasons, asserted as exact texts.

Each case is one a job seeker meets; the rule behind them all is that a draft never
states something the user did not tell the tool, and reads as plain English.
"""

from __future__ import annotations

from conftest import TODAY, interview, load_search, plan_of, steps

from followup_cal import service


def drafted(*interviews, today=TODAY, **kwargs):
    search = load_search(*interviews, **kwargs)
    return service.draft_events(search, service.plan(search, today))


def draft_of(events, key, to=None):
    (event,) = [
        e for e in events if e.item.key == key and (to is None or e.item.recipient.name == to)
    ]
    return event.draft


# -- reasons -------------------------------------------------------------------------------


def test_reasons_count_months_and_days_in_words_not_month_s():
    items = plan_of(interview(outcome={"result": "rejected", "date": "2026-11-12"}))
    (reply,) = steps(items, "rejection_reply")
    assert reply.reason.startswith("1 business day after the rejection on Thu 12 Nov:")
    check_ins = steps(items, "check_in")
    assert check_ins[0].reason.startswith("1 month after the rejection on Thu 12 Nov")
    assert check_ins[1].reason.startswith("2 months after the rejection on Thu 12 Nov")
    assert not any("(s)" in i.reason for i in items)


def test_reasons_use_no_possessive_of_a_company_name():
    items = plan_of(
        interview(
            company="Northwind Logistics",
            rounds=[{"start": "2026-12-08 10:00", "interviewers": [{"name": "Dana Lee"}]}],
            decision_after_holidays=True,
        )
    )
    (note,) = steps(items, "holiday_note")
    assert note.reason.endswith("that the decision at Northwind Logistics waits on")
    assert not any("'s" in i.reason for i in items)

"""One test per step and hard rule of docs/policy.md.

The reference interview (conftest.interview) is Mon 2 Nov 2026, 10:00-11:00 in New York,
with US federal holidays: Veterans Day Wed 11 Nov, Thanksgiving Thu 26 Nov.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import interview, load_search, local_day, plan_of, search_text, steps

from followup_cal import service
from followup_cal.cli import cli

NY = ZoneInfo("America/New_York")
TODAY_STEPS = ("debrief", "thank_you")  # bound to the interview day, not to business days


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30, zone: ZoneInfo = NY) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=zone)


# -- the steps -----------------------------------------------------------------------------


def test_step_debrief_is_30_minutes_after_the_interview_ends():
    (debrief,) = steps(plan_of(interview()), "debrief")
    assert debrief.start == at(2026, 11, 2, 11, 30)
    assert debrief.recipient is None


def test_step_thank_you_same_day_when_still_working_hours():
    (thanks,) = steps(plan_of(interview()), "thank_you")
    assert thanks.start == at(2026, 11, 2, 13, 0)
    assert thanks.recipient.name == "Dana Lee"


def test_step_thank_you_next_business_morning_after_working_hours():
    late_wednesday = interview(
        rounds=[{"start": "2026-11-04 16:00", "interviewers": [{"name": "Dana Lee"}]}]
    )
    (thanks,) = steps(plan_of(late_wednesday), "thank_you")
    assert thanks.start == at(2026, 11, 5)  # Thursday, at the send time
    assert "outside working hours" in thanks.reason


def test_step_thank_you_one_event_per_interviewer():
    people = [{"name": n, "talked_about": f"topic {n}"} for n in ("Ann Bo", "Cy Do", "Ed Fu")]
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    thanks = steps(items, "thank_you")
    assert [t.recipient.name for t in thanks] == ["Ann Bo", "Cy Do", "Ed Fu"]
    assert len({t.uid for t in thanks}) == 3


def test_step_first_follow_up_seven_days_after():
    first = steps(plan_of(interview()), "follow_up")[0]
    assert first.start == at(2026, 11, 9)
    assert first.number == 1 and not first.final


def test_step_final_follow_up_fourteen_days_after_and_seven_after_previous():
    first, final = steps(plan_of(interview()), "follow_up")
    assert final.start == at(2026, 11, 16)
    assert final.final
    assert (local_day(final) - local_day(first)).days >= 7


def test_step_check_ins_monthly_after_final_follow_up_went_unanswered():
    items = plan_of(interview())
    check_ins = steps(items, "check_in")
    assert len(check_ins) == 6
    assert [c.number for c in check_ins] == [1, 2, 3, 4, 5, 6]
    # Mon 16 Nov + 1 month = Wed 16 Dec; each later one a month on, rolled to a weekday.
    assert local_day(check_ins[0]) == date(2026, 12, 16)
    for previous, current in itertools.pairwise(check_ins):
        assert 28 <= (local_day(current) - local_day(previous)).days <= 34


def test_step_check_ins_go_to_each_network_contact():
    people = [{"name": "Dana Lee", "talked_about": "x"}, {"name": "Eli Park"}]
    items = plan_of(
        interview(
            rounds=[{"start": "2026-11-02 10:00", "interviewers": people}],
            network=["Dana Lee", "Eli Park"],
        )
    )
    check_ins = steps(items, "check_in")
    assert {c.recipient.name for c in check_ins} == {"Dana Lee", "Eli Park"}
    assert len(check_ins) == 12


def test_step_rejection_reply_the_business_day_after():
    items = plan_of(interview(outcome={"result": "rejected", "date": "2026-11-13"}))  # a Friday
    (reply,) = steps(items, "rejection_reply")
    assert reply.start == at(2026, 11, 16)


def test_step_holiday_note_before_the_holidays_the_decision_waits_on():
    items = plan_of(
        interview(
            rounds=[{"start": "2026-12-08 10:00", "interviewers": [{"name": "Dana Lee"}]}],
            decision_after_holidays=True,
        )
    )
    (note,) = steps(items, "holiday_note")
    # The year-end holidays start Thu 24 Dec: three business days before is Mon 21 Dec.
    assert note.start == at(2026, 12, 21)
    assert note.occasion == "the year-end holidays"
    # They run to New Year's Day (Fri 1 Jan); inquiries wait until Mon 4 Jan.
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 1, 4)


# -- the hard rules ------------------------------------------------------------------------


def test_rule_1_never_before_the_stated_decision_date():
    items = plan_of(interview(decision_expected="2026-11-20"))
    first, final = steps(items, "follow_up")
    assert local_day(first) == date(2026, 11, 23)  # next business day after Fri 20 Nov
    assert "decides on Fri 20 Nov" in first.reason
    # The final one keeps its spacing from the first: nominal 16 Nov + 14 days.
    assert local_day(final) == date(2026, 11, 30)
    # Its reason walks from the nominal day to the real one without contradicting itself.
    assert final.reason == (
        "14 days after the interview on Mon 2 Nov; moved to Mon 30 Nov because follow-up 1 "
        "moved 14 days later, and it moves with it"
    )


def test_rule_1_relative_decision_date_counts_from_the_latest_round():
    items = plan_of(interview(decision_expected="in 2 weeks"))  # Mon 16 Nov
    assert local_day(steps(items, "follow_up")[0]) == date(2026, 11, 17)


def test_rule_2_never_while_the_contact_is_away():
    person = {"name": "Dana Lee", "talked_about": "x", "away_until": "2026-11-13"}
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": [person]}]))
    first, final = steps(items, "follow_up")
    assert local_day(first) == date(2026, 11, 16)
    assert "Dana Lee is away until Fri 13 Nov" in first.reason
    assert local_day(final) == date(2026, 11, 23)  # still a week after the first


def test_rule_2_check_ins_also_wait_for_the_contact():
    person = {"name": "Dana Lee", "talked_about": "x", "away_until": "2026-12-31"}
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": [person]}]))
    assert all(local_day(c) > date(2026, 12, 31) for c in steps(items, "check_in"))


def test_rule_3_no_follow_up_means_debrief_and_thank_you_only():
    items = plan_of(interview(no_follow_up=True))
    assert {i.step.value for i in items} == {"debrief", "thank_you"}


def test_rule_3_check_ins_return_when_the_user_asks_for_them():
    items = plan_of(interview(no_follow_up=True, policy={"check_ins": 2}))
    assert not steps(items, "follow_up")
    assert len(steps(items, "check_in")) == 2


@pytest.mark.parametrize("cap", [0, 1, 2, 3])
def test_rule_4_at_most_max_follow_ups_and_the_last_is_final(cap):
    inquiries = steps(plan_of(interview(policy={"max_follow_ups": cap})), "follow_up")
    assert len(inquiries) == cap
    assert [i.final for i in inquiries] == [n == cap for n in range(1, cap + 1)]


def test_rule_5_a_reply_restarts_the_wait_and_ends_nothing():
    sent = [{"step": "follow_up-1", "date": "2026-11-09"}]
    items = plan_of(interview(heard_back="2026-11-10", done=sent))
    first, final = steps(items, "follow_up")
    assert first.done == date(2026, 11, 9)
    # 14 days after their answer of Tue 10 Nov; the cap counts the one sent.
    assert local_day(final) == date(2026, 11, 24) and final.final
    assert final.reason == (
        "14 days after the interview on Mon 2 Nov; moved to Tue 24 Nov because Acme answered "
        "on Tue 10 Nov, and the next inquiry waits 14 days after their last word"
    )
    check_ins = steps(items, "check_in")
    assert len(check_ins) == 6
    # A month after the final one is Thu 24 Dec, in the year-end season.
    assert local_day(check_ins[0]) == date(2027, 1, 4)


def test_rule_5_the_wait_after_a_reply_is_a_policy_setting():
    items = plan_of(interview(heard_back="2026-11-10", policy={"wait_after_reply_days": 21}))
    assert local_day(steps(items, "follow_up")[-1]) == date(2026, 12, 1)


def test_rule_5_an_inquiry_due_before_the_reply_and_never_sent_stays_no_longer_due():
    items = plan_of(interview(heard_back="2026-11-10"), today=date(2026, 11, 23))
    first, final = steps(items, "follow_up")
    assert (local_day(first), first.status, first.done) == (date(2026, 11, 9), "overtaken", None)
    assert first.overtaken == "Acme answered on Tue 10 Nov"
    assert local_day(final) == date(2026, 11, 24) and final.status == "upcoming"


def test_rule_5_a_reply_with_a_new_date_waits_for_the_later_of_it_and_two_weeks():
    items = plan_of(interview(heard_back={"date": "2026-11-10", "decision_expected": "2026-12-01"}))
    first, final = steps(items, "follow_up")
    assert first.overtaken and local_day(first) == date(2026, 11, 9)
    assert local_day(final) == date(2026, 12, 2)  # the business day after Tue 1 Dec
    assert "Acme answered on Tue 10 Nov that it decides on Tue 1 Dec" in final.reason
    early = plan_of(interview(heard_back={"date": "2026-11-10", "decision_expected": "2026-11-12"}))
    assert local_day(steps(early, "follow_up")[-1]) == date(2026, 11, 24)  # two weeks win
    assert steps(items, "check_in")


def test_rule_6_an_offer_cancels_pending_inquiries():
    sent = [{"step": "follow_up-1", "date": "2026-11-09"}]
    items = plan_of(interview(outcome={"result": "offer", "date": "2026-11-12"}, done=sent))
    assert [local_day(i) for i in steps(items, "follow_up")] == [date(2026, 11, 9)]
    assert not steps(items, "check_in")
    assert not steps(items, "rejection_reply")


def test_rule_6_withdrawing_cancels_pending_inquiries():
    items = plan_of(interview(outcome={"result": "withdrawn", "date": "2026-11-05"}))
    assert not steps(items, "follow_up")
    assert not steps(items, "check_in")


def test_rule_6_a_rejection_plans_the_reply_and_monthly_check_ins():
    items = plan_of(interview(outcome={"result": "rejected", "date": "2026-11-12"}))
    # 9 Nov was before the rejection, and not sent: it stays, no longer due; 16 Nov goes.
    (first,) = steps(items, "follow_up")
    assert (local_day(first), first.overtaken) == (date(2026, 11, 9), "the rejection on Thu 12 Nov")
    (reply,) = steps(items, "rejection_reply")
    assert local_day(reply) == date(2026, 11, 13)
    check_ins = steps(items, "check_in")
    assert len(check_ins) == 6
    assert local_day(check_ins[0]) == date(2026, 12, 14)  # 12 Dec is a Saturday


def test_rule_6_the_rejection_reply_goes_to_who_wrote():
    people = [{"name": "Dana Lee", "talked_about": "x"}, {"name": "Eli Park"}]
    items = plan_of(
        interview(
            rounds=[{"start": "2026-11-02 10:00", "interviewers": people}],
            outcome={"result": "rejected", "date": "2026-11-12", "by": "Eli Park"},
        )
    )
    assert steps(items, "rejection_reply")[0].recipient.name == "Eli Park"


def test_rule_7_each_round_has_its_own_debrief_and_thanks_and_the_chain_counts_from_the_last():
    rounds = [
        {"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]},
        {"start": "2026-11-09 10:00", "interviewers": [{"name": "Eli Park"}, {"name": "Fay Ng"}]},
    ]
    items = plan_of(interview(rounds=rounds))
    assert [d.round for d in steps(items, "debrief")] == [1, 2]
    assert [(t.round, t.recipient.name) for t in steps(items, "thank_you")] == [
        (1, "Dana Lee"),
        (2, "Eli Park"),
        (2, "Fay Ng"),
    ]
    assert local_day(steps(items, "follow_up")[0]) == date(2026, 11, 16)


def test_rule_8_inquiries_skip_public_holidays():
    thursday = interview(
        rounds=[{"start": "2026-11-19 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    )
    first = steps(plan_of(thursday), "follow_up")[0]
    assert local_day(first) == date(2026, 11, 27)
    assert "Thu 26 Nov is Thanksgiving" in first.reason


def test_rule_8_inquiries_skip_weekends_and_follow_the_work_week():
    items = plan_of(
        interview(rounds=[{"start": "2026-10-30 10:00", "interviewers": [{"name": "Dana Lee"}]}]),
        me={
            "name": "A B",
            "email": "a@b.org",
            "timezone": "America/New_York",
            "work_week": ["mon", "tue", "wed", "thu"],
        },
    )
    # 7 days after Fri 30 Oct is a Friday, not in this work week: Monday 9 Nov.
    assert local_day(steps(items, "follow_up")[0]) == date(2026, 11, 9)
    assert all(local_day(i).weekday() < 4 for i in items if i.step.value not in TODAY_STEPS)
    # The thank-you keeps its 24 hours: the same Friday, not Monday.
    assert steps(items, "thank_you")[0].start == at(2026, 10, 30, 13, 0)


def test_rule_9_interview_in_its_zone_follow_ups_at_my_send_time_in_my_zone():
    berlin = ZoneInfo("Europe/Berlin")
    items = plan_of(
        interview(
            rounds=[
                {
                    "start": "2026-11-10 16:00",
                    "timezone": "Europe/Berlin",
                    "duration": 45,
                    "interviewers": [{"name": "Lukas Becker"}],
                }
            ]
        )
    )
    (debrief,) = steps(items, "debrief")
    assert debrief.start == datetime(2026, 11, 10, 17, 15, tzinfo=berlin)
    assert debrief.start.tzinfo == berlin
    (thanks,) = steps(items, "thank_you")
    # 2 h after 16:45 Berlin is 18:45 there, after Lukas's day: the next morning in New
    # York, 15:30 in Berlin, is within his working hours and 24 h.
    assert thanks.start == at(2026, 11, 11, 9, 30)
    assert thanks.their_zone == berlin
    for item in steps(items, "follow_up") + steps(items, "check_in"):
        assert item.start.tzinfo == NY and item.start.timetz().replace(tzinfo=None) == time(9, 30)
    assert steps(items, "follow_up")[0].reason.endswith(
        "; at 09:30, 15:30 in Berlin, within their working hours"
    )


def oslo_round(start: str) -> dict:
    return interview(
        rounds=[
            {
                "start": start,
                "timezone": "Europe/Oslo",
                "interviewers": [{"name": "Ingrid Dahl", "talked_about": "x"}],
            }
        ]
    )


def test_rule_9_a_thank_you_lands_in_their_working_hours_not_only_mine():
    # Ends 15:45 in Oslo, 09:45 in New York: 2 h later is 11:45 here but 17:45 there.
    (thanks,) = steps(plan_of(oslo_round("2026-12-09 14:45")), "thank_you")
    assert thanks.start == at(2026, 12, 10, 9, 30)
    assert thanks.reason == (
        "2 h after the interview ends, still within your working hours; 17:45 in Oslo is "
        "outside their working hours, so Thu 09:30, 15:30 in Oslo"
    )


def test_rule_9_a_thank_you_already_in_their_hours_says_both_clocks():
    # Ends 11:00 in Oslo, 05:00 in New York: sent at 09:30 here, 15:30 there.
    (thanks,) = steps(plan_of(oslo_round("2026-12-09 10:00")), "thank_you")
    assert thanks.start == at(2026, 12, 9, 9, 30)
    assert thanks.reason.endswith("; 15:30 in Oslo, within their working hours")


def test_rule_9_an_inquiry_to_tokyo_waits_for_their_morning_the_same_day_for_me():
    tokyo = interview(
        rounds=[
            {
                "start": "2026-11-04 10:00",
                "timezone": "Asia/Tokyo",
                "interviewers": [{"name": "Kenji Sato", "talked_about": "x"}],
            }
        ]
    )
    first = steps(plan_of(tokyo), "follow_up")[0]
    # 09:30 in New York is 23:30 in Tokyo; 19:00 here is 09:00 there, the next day.
    assert first.start == at(2026, 11, 10, 19, 0)
    assert first.reason.endswith(
        "; at 19:00, 23:30 in Tokyo is outside their working hours, so Tue 19:00, 09:00 in Tokyo"
    )


def test_the_draft_command_shows_the_when_line_in_both_zones(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(search_text(oslo_round("2026-12-09 14:45")), "utf-8")
    shown = CliRunner().invoke(
        cli, ["draft", "acme", "thank_you", "-f", str(path), "--today", "2026-12-09"]
    )
    assert shown.exit_code == 0, shown.output
    when = next(line for line in shown.stdout.splitlines() if line.startswith("When: "))
    assert when.startswith("When: Thu 10 Dec 2026 09:30 EST (15:30 CET in Oslo) (")


def test_rule_10_letter_moves_the_thank_you_to_the_interview_day():
    late = interview(
        channel="letter",
        rounds=[{"start": "2026-11-06 16:00", "interviewers": [{"name": "Dana Lee"}]}],
    )
    (thanks,) = steps(plan_of(late), "thank_you")
    assert local_day(thanks) == date(2026, 11, 6)
    assert thanks.by_letter


def test_rule_10_phone_makes_the_first_follow_up_a_call():
    first, final = steps(plan_of(interview(channel="phone")), "follow_up")
    assert first.by_phone and "call" in first.label
    assert not final.by_phone


def test_policy_overrides_at_top_level_and_per_interview():
    items = plan_of(
        interview(policy={"follow_up_days": [10, 20]}),
        policy={"send_time": "08:15", "check_ins": 1},
    )
    first, final = steps(items, "follow_up")
    assert first.start == at(2026, 11, 12, 8, 15)
    assert local_day(final) == date(2026, 11, 23)  # 22 Nov is a Sunday
    assert len(steps(items, "check_in")) == 1


# -- rules 13 to 15: the plan stays right as the facts arrive ---------------------------------


def greystone(heard_back: object = None, **kwargs: object) -> dict:
    rounds = [{"start": "2026-12-09 10:00", "interviewers": [{"name": "Ingrid Dahl"}]}]
    contact = {"name": "Marcus Bell", "email": "mbell@greystone.example"}
    extra = {"heard_back": heard_back} if heard_back else {}
    return interview(
        id="greystone", company="Greystone", rounds=rounds, contact=contact, **extra, **kwargs
    )


def test_rule_13_a_reply_after_the_holiday_note_day_plans_no_note_before_it():
    reply = {"date": "2026-12-28", "decision_expected": "2027-01-08"}
    items = plan_of(greystone(reply), today=date(2026, 12, 28))
    assert not steps(items, "holiday_note")
    # Both inquiries were due before their answer (Wed 16 and 23 Dec): they stay there, no
    # longer due, and count towards the cap; everything still to come is after the answer:
    # the check-ins from the day they said they decide.
    assert all(
        local_day(i) >= date(2026, 12, 28)
        for i in items
        if not i.overtaken and i.step.value not in ("debrief", "thank_you")
    )
    first, final = steps(items, "follow_up")
    assert [(local_day(i), i.status) for i in (first, final)] == [
        (date(2026, 12, 16), "overtaken"),
        (date(2026, 12, 23), "overtaken"),
    ]
    assert local_day(steps(items, "check_in")[0]) == date(2027, 2, 8)


def test_rule_13_the_reply_command_plans_nothing_before_the_reply(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(search_text(greystone()), "utf-8")
    args = ["-f", str(path), "--today", "2026-12-28"]
    result = CliRunner().invoke(
        cli, ["reply", "greystone", "--on", "2026-12-28", "--decision", "2027-01-08", *args]
    )
    assert result.exit_code == 0, result.output
    assert "Holiday note" not in result.stdout
    assert "(Mon 21 Dec 2026)" not in result.stdout


def test_rule_14_no_inquiry_inside_the_year_end_and_later_ones_keep_their_spacing():
    rounds = [{"start": "2026-12-17 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    items = plan_of(interview(rounds=rounds, policy={"max_follow_ups": 3}))
    first, second, final = steps(items, "follow_up")
    assert [local_day(i) for i in (first, second, final)] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 19),  # Mon 18 Jan is Martin Luther King Jr. Day
    ]
    assert first.reason == (
        "7 days after the interview on Thu 17 Dec; moved to Mon 4 Jan because Thu 24 Dec "
        "falls in the year-end holidays (Thu 24 Dec to Fri 1 Jan), when most people are away"
    )


def test_rule_14_a_check_in_waits_for_the_season_and_the_next_keeps_a_month():
    rounds = [{"start": "2026-11-10 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    check_ins = steps(plan_of(interview(rounds=rounds)), "check_in")
    # The final follow-up on Tue 24 Nov: a month later is Thu 24 Dec, in the season.
    assert [local_day(c) for c in check_ins[:3]] == [
        date(2027, 1, 4),
        date(2027, 2, 4),
        date(2027, 3, 4),
    ]


def test_rule_14_a_thank_you_and_a_rejection_reply_are_not_moved_by_the_season():
    rounds = [{"start": "2026-12-28 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    items = plan_of(
        interview(rounds=rounds, outcome={"result": "rejected", "date": "2026-12-29"}),
        today=date(2026, 12, 29),
    )
    assert local_day(steps(items, "thank_you")[0]) == date(2026, 12, 28)
    assert local_day(steps(items, "rejection_reply")[0]) == date(2026, 12, 30)


def test_rule_15_a_holiday_note_waits_three_business_days_after_their_answer():
    reply = {"date": "2026-12-18", "decision_expected": "2027-01-08"}
    (note,) = steps(plan_of(greystone(reply), today=date(2026, 12, 18)), "holiday_note")
    assert local_day(note) == date(2026, 12, 23)
    assert note.reason.endswith(
        "moved to Wed 23 Dec because Greystone answered on Fri 18 Dec, and a note you start "
        "waits 3 business days after their answer"
    )
    quiet = plan_of(greystone(reply, policy={"quiet_after_reply_business_days": 0}))
    assert local_day(steps(quiet, "holiday_note")[0]) == date(2026, 12, 21)


def test_rule_15_an_inquiry_waits_after_their_answer_even_past_the_decision():
    reply = {"date": "2026-11-16", "decision_expected": "2026-11-17"}
    quick = interview(heard_back=reply, policy={"wait_after_reply_days": 1})
    final = steps(plan_of(quick), "follow_up")[-1]
    assert local_day(final) == date(2026, 11, 19)


def test_the_timeline_panel_shows_the_when_line_in_both_zones():
    page = service.timeline_html(load_search(oslo_round("2026-12-09 14:45")), date(2026, 12, 9))
    assert "<dt>When</dt><dd>Thu 10 Dec 2026 09:30 (15:30 CET in Oslo)</dd>" in page

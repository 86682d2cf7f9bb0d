"""Cases a new user meets that the reference interview does not, found by trying real
searches by hand: each one was wrong once (a date, a reason or a draft sentence).

Dates are 2026 unless said otherwise; the user is in New York with US holidays
(conftest.ME), the interview is Mon 2 Nov 10:00-11:00 unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from conftest import (
    JOURNAL_TODAY,
    ME,
    draft_of,
    drafted,
    interview,
    load_search,
    local_day,
    plan_of,
    search_text,
    steps,
)

from followup_cal.cli import cli
from followup_cal.mail.matching import watches

DANA = {"name": "Dana Lee", "email": "dana@acme.example", "talked_about": "the billing rewrite"}
ELI = {"name": "Eli Cohen", "email": "eli@acme.example", "talked_about": "the search index"}


def a_round(start: str, *people: dict, **extra: str) -> dict:
    return {"start": start, "interviewers": list(people or [DANA]), **extra}


# -- a reply, then another round -------------------------------------------------------------


def test_a_reply_that_led_to_a_new_round_does_not_stop_that_rounds_chain():
    # They answered on Tue 10 Nov to invite her to round 2 on Mon 16 Nov.
    rounds = [a_round("2026-11-02 10:00"), a_round("2026-11-16 10:00", ELI)]
    items = plan_of(interview(rounds=rounds, heard_back="2026-11-10"))
    assert [(i.key, local_day(i)) for i in steps(items, "follow_up")] == [
        ("follow_up-1", date(2026, 11, 23)),
        ("follow_up-2", date(2026, 11, 30)),
    ]
    # 30 Dec falls in the year-end holidays: the first check-in waits for them to end.
    assert local_day(steps(items, "check_in")[0]) == date(2027, 1, 4)
    assert steps(items, "follow_up")[0].reason == "7 days after the interview on Mon 16 Nov"


def test_a_reply_after_the_latest_round_restarts_its_wait():
    rounds = [a_round("2026-11-02 10:00"), a_round("2026-11-16 10:00", ELI)]
    items = plan_of(interview(rounds=rounds, heard_back="2026-11-18"))
    first, final = steps(items, "follow_up")
    assert (first.round, first.start.date()) == (2, date(2026, 12, 2))  # 18 Nov + 14 days
    assert final.start.date() == date(2026, 12, 9)
    assert steps(items, "check_in")


def test_the_inbox_still_watches_an_interview_whose_reply_came_before_its_latest_round():
    rounds = [a_round("2026-11-02 10:00"), a_round("2026-11-16 10:00", ELI)]
    invited = load_search(interview(rounds=rounds, heard_back="2026-11-10"))
    answered = load_search(interview(rounds=rounds, heard_back="2026-11-18"))
    assert [w.interview.id for w in watches(invited)] == ["acme"]
    # A reply that is no outcome ends nothing: the next answer is still awaited.
    assert [w.interview.id for w in watches(answered)] == ["acme"]


# -- an outcome before the thank-you -----------------------------------------------------------


def test_a_rejection_the_evening_of_the_interview_leaves_no_thank_you_beside_the_reply():
    # Wed 4 Nov 16:00-17:00, the thank-you would be Thu 09:30: the same morning as the reply
    # to their rejection, offering help "with the decision" they made.
    rejected = {"result": "rejected", "date": "2026-11-04"}
    items = plan_of(interview(rounds=[a_round("2026-11-04 16:00")], outcome=rejected))
    assert [(i.key, i.start.isoformat()) for i in items[:3]] == [
        ("debrief", "2026-11-04T17:30:00-05:00"),
        ("rejection_reply", "2026-11-05T09:30:00-05:00"),
        ("check_in-1", "2026-12-04T09:30:00-05:00"),
    ]
    offer = {"result": "offer", "date": "2026-11-04"}
    assert [
        i.key for i in plan_of(interview(rounds=[a_round("2026-11-04 16:00")], outcome=offer))
    ] == ["debrief"]


def test_a_thank_you_on_the_day_of_the_outcome_or_already_sent_stays():
    sent = [{"step": "thank_you", "date": "2026-11-05"}]
    rejected = {"result": "rejected", "date": "2026-11-04"}
    items = plan_of(interview(rounds=[a_round("2026-11-04 16:00")], outcome=rejected, done=sent))
    assert [i.key for i in steps(items, "thank_you")] == ["thank_you"]
    later = {"result": "rejected", "date": "2026-11-05"}
    items = plan_of(interview(rounds=[a_round("2026-11-04 16:00")], outcome=later))
    assert [local_day(i) for i in steps(items, "thank_you")] == [date(2026, 11, 5)]


# -- check-ins with no inquiries -----------------------------------------------------------------


def test_with_no_inquiries_check_ins_wait_for_the_decision_date():
    # max_follow_ups: 0 and "we decide on Tue 15 Dec": no check-in on Wed 2 Dec, while
    # they still decide.
    items = plan_of(interview(policy={"max_follow_ups": 0}, decision_expected="2026-12-15"))
    assert [(local_day(c), c.reason) for c in steps(items, "check_in")[:2]] == [
        (date(2027, 1, 15), "1 month after Tue 15 Dec, the day Acme said it decides"),
        (
            date(2027, 2, 16),
            "2 months after Tue 15 Dec, the day Acme said it decides; moved "
            "to Tue 16 Feb because Mon 15 Feb is Washington's Birthday",
        ),
    ]


def test_with_no_inquiries_check_ins_wait_for_the_holidays_the_decision_waits_on():
    items = plan_of(interview(policy={"max_follow_ups": 0}, decision_after_holidays=True))
    assert [i.key for i in items][:4] == ["debrief", "thank_you", "holiday_note", "check_in-1"]
    first = steps(items, "check_in")[0]
    assert (local_day(first), first.reason) == (
        date(2027, 2, 3),
        "1 month after the year-end holidays (to Sun 3 Jan), which the decision waits on",
    )
    # No date given: they count from the interview, as before.
    plain = steps(plan_of(interview(policy={"max_follow_ups": 0})), "check_in")[0]
    assert (local_day(plain), plain.reason) == (
        date(2026, 12, 2),
        "1 month after the interview on Mon 2 Nov",
    )


def test_check_ins_after_a_rejection_go_on_from_each_persons_own_number():
    # Sam is away until 1 Mar, so by the rejection on Wed 20 Jan only Dana had check-ins
    # (1 and 2): hers go on from 3, Sam's start at 1. Numbered from the average, both of
    # Dana's second ones were check_in-2, one UID, and the whole file was refused.
    network = [
        {"name": "Dana Lee", "email": "dana@acme.example"},
        {"name": "Sam Rivera", "email": "sam@acme.example", "away_until": "2027-03-01"},
    ]
    rejected = {"result": "rejected", "date": "2027-01-20"}
    # Sent and recorded: check-ins not sent before the rejection are not worth sending.
    done = [
        {"step": "check_in-1", "to": "Dana Lee", "date": "2026-12-16"},
        {"step": "check_in-2", "to": "Dana Lee", "date": "2027-01-19"},
    ]
    items = plan_of(
        interview(network=network, outcome=rejected, done=done), today=date(2027, 1, 21)
    )
    numbers = [(c.recipient.name, c.key, local_day(c)) for c in steps(items, "check_in")][:5]
    assert numbers == [
        ("Dana Lee", "check_in-1", date(2026, 12, 16)),
        ("Dana Lee", "check_in-2", date(2027, 1, 19)),
        ("Dana Lee", "check_in-3", date(2027, 2, 22)),
        ("Sam Rivera", "check_in-1", date(2027, 3, 2)),
        ("Dana Lee", "check_in-4", date(2027, 3, 22)),
    ]
    uids = [i.uid for i in items]
    assert len(uids) == len(set(uids))


# -- a round that runs past midnight -----------------------------------------------------------


def test_a_round_past_midnight_counts_from_the_day_it_was_held_and_says_so():
    # Tue 3 Nov 23:30-00:30: "a week after the interview" is Tue 10 Nov, not Wed 11 Nov
    # (Veterans Day, so it was Thu 12 Nov), and the morning is the morning after.
    items = plan_of(interview(rounds=[a_round("2026-11-03 23:30")]))
    (thanks,) = steps(items, "thank_you")
    assert (thanks.start.isoformat(), thanks.reason) == (
        "2026-11-04T09:30:00-05:00",
        "the morning after the interview, at the start of the working day",
    )
    assert [(local_day(i), i.reason) for i in steps(items, "follow_up")] == [
        (date(2026, 11, 10), "7 days after the interview on Tue 3 Nov"),
        (date(2026, 11, 17), "14 days after the interview on Tue 3 Nov"),
    ]


def test_a_long_thank_you_delay_that_ends_in_working_hours_the_next_day_is_kept():
    # thank_you_delay_hours may be up to 24: Mon 11:00 + 23 h is Tue 10:00, in working hours,
    # not "outside working hours" and moved back to 09:30.
    items = plan_of(interview(policy={"thank_you_delay_hours": 23}))
    (thanks,) = steps(items, "thank_you")
    assert (thanks.start.isoformat(), thanks.reason) == (
        "2026-11-03T10:00:00-05:00",
        "23 h after the interview ends, within working hours",
    )
    # Ending before the working day, it still waits for the morning.
    (early,) = steps(plan_of(interview(policy={"thank_you_delay_hours": 20})), "thank_you")
    assert (early.start.isoformat(), early.reason) == (
        "2026-11-03T09:30:00-05:00",
        "20 h after the interview ends (Tue 07:00) is outside working hours, so the next "
        "business morning, Tue 3 Nov",
    )


def test_a_letter_after_a_late_round_says_when_it_really_goes():
    # 22:00-23:00: the letter is written as the round ends, not "2 h after" it.
    (late,) = steps(
        plan_of(interview(rounds=[a_round("2026-11-03 22:00")], channel="letter")), "thank_you"
    )
    assert (late.start.isoformat(), late.reason) == (
        "2026-11-03T23:00:00-05:00",
        "as the interview ends, still on the interview day, because a letter takes days to arrive",
    )
    # A round in Los Angeles at 21:30 is 00:30-01:30 in New York: the letter is not at 03:30.
    rounds = [a_round("2026-11-05 21:30", timezone="America/Los_Angeles")]
    (night,) = steps(plan_of(interview(rounds=rounds, channel="letter")), "thank_you")
    assert (night.start.isoformat(), night.reason) == (
        "2026-11-06T09:30:00-05:00",
        "the morning of the interview, because a letter takes days to arrive",
    )
    # 23:30-00:30: the interview day is over; not Wed 02:30 "on the interview day".
    (past,) = steps(
        plan_of(interview(rounds=[a_round("2026-11-03 23:30")], channel="letter")), "thank_you"
    )
    assert (past.start.isoformat(), past.reason) == (
        "2026-11-04T09:30:00-05:00",
        "the morning after the interview, because a letter takes days to arrive",
    )


def test_hours_to_the_next_business_morning_are_real_hours_across_a_clock_change():
    # Fri 30 Oct 17:00 EDT to Mon 2 Nov 09:30 EST is 65.5 h, not the 64.5 the clocks show.
    (thanks,) = steps(plan_of(interview(rounds=[a_round("2026-10-30 16:00")])), "thank_you")
    assert thanks.reason == (
        "2 h after the interview ends (Fri 19:00) is outside working hours, and the next "
        "business morning (Mon 2 Nov) is 66 h after the interview: a thank-you goes out "
        "within 24 h, so the same day at 19:00"
    )


def test_within_24_hours_means_real_hours_when_the_clocks_go_back_overnight():
    # Israel leaves summer time on Sun 25 Oct 2026. A Sunday-to-Thursday week and a round
    # on Sat 08:30-09:30: Sun 09:30 is 25 hours later, so the thank-you goes the same day.
    israel = {**ME, "timezone": "Asia/Jerusalem", "country": "IL"}
    israel["work_week"] = ["sun", "mon", "tue", "wed", "thu"]
    items = plan_of(interview(rounds=[a_round("2026-10-24 08:30")]), me=israel)
    (thanks,) = steps(items, "thank_you")
    assert (thanks.start.isoformat(), thanks.reason) == (
        "2026-10-24T11:30:00+03:00",
        "2 h after the interview ends (Sat 11:30) is outside working hours, and the next "
        "business morning (Sun 25 Oct) is 25 h after the interview: a thank-you goes out "
        "within 24 h, so the same day at 11:30",
    )


# -- what `draft` says about when ------------------------------------------------------------


def test_draft_says_when_in_my_zone_and_writes_the_day_as_the_reason_does(tmp_path):
    # A round in Tokyo at 09:00 on Thu 5 Nov is Wed 4 Nov 19:00-20:00 in New York.
    tokyo = interview(
        rounds=[a_round("2026-11-05 09:00", timezone="Asia/Tokyo")], policy={"max_follow_ups": 0}
    )
    path = tmp_path / "search.yaml"
    path.write_text(search_text(tokyo), "utf-8")
    when = {}
    for step in ("debrief", "check_in-1"):
        result = CliRunner().invoke(cli, ["draft", "acme", step, "-f", str(path), *JOURNAL_TODAY])
        assert result.exit_code == 0, result.output
        when[step] = result.stdout.splitlines()[2]
    assert when == {
        "debrief": "When: Wed 4 Nov 2026 20:30 EST (30 min after the interview ends, while it "
        "is fresh)",
        "check_in-1": "When: Fri 4 Dec 2026 09:30 EST (1 month after the interview on Wed 4 Nov)",
    }


# -- drafts say only what happened -----------------------------------------------------------


def test_no_earlier_note_when_the_user_deleted_the_first_inquiry():
    skipped = [{"step": "follow_up-1", "date": "2026-11-05"}]
    events = drafted(interview(policy={"max_follow_ups": 3}, skipped=skipped))
    second = draft_of(events, "follow_up-2")
    assert second.subject == "Checking in on the Backend Engineer role"
    assert "earlier note" not in second.body
    # Sent after all: the next one follows it up.
    done = [{"step": "follow_up-1", "date": "2026-11-09"}]
    events = drafted(interview(policy={"max_follow_ups": 3}, skipped=skipped, done=done))
    assert draft_of(events, "follow_up-2").body.splitlines()[2] == (
        "I wanted to follow up on my earlier note about the Backend Engineer role at Acme. "
        "Is there an update on the timeline you can share?"
    )


def test_check_ins_after_a_final_follow_up_the_user_deleted_do_not_say_it_went_unanswered():
    skipped = [{"step": "follow_up-2", "date": "2026-11-05"}]
    reasons = {i.key: i.reason for i in plan_of(interview(skipped=skipped))}
    assert "follow_up-2" not in reasons
    assert reasons["check_in-1"] == (
        "1 month after Mon 16 Nov, when the final follow-up you deleted was due"
    )
    assert all("unanswered" not in reason for reason in reasons.values())

"""The cases a job seeker meets that the plain reference interview does not: names in any
script, replies, holidays people take off together, absences, rounds, late interviews.

Dates are 2026 unless said otherwise; the user is in New York with US holidays
(conftest.ME), the interview is Mon 2 Nov 10:00-11:00 unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from conftest import ME, interview, load_search, local_day, plan_of, search_text, steps

from followup_cal.cli import cli
from followup_cal.loader.templates import TemplateSet
from followup_cal.plan.drafts import render_draft
from followup_cal.plan.followups import PlannedFollowup

NY = ZoneInfo("America/New_York")


def render(item: PlannedFollowup) -> str:
    return render_draft(item, load_search(interview(), me=ME).me, TemplateSet(None)).body


# -- UIDs ----------------------------------------------------------------------------------

# UIDs already in users' calendars: a change would leave the old event behind as a copy.
LATIN_UIDS = {
    "Dana Lee": "acme.r1.thank-you.dana-lee@followup-cal",
    "José Núñez": "acme.r1.thank-you.jose-nunez@followup-cal",
    "Łukasz Nowak": "acme.r1.thank-you.ukasz-nowak@followup-cal",
    "Søren Kierkegaard": "acme.r1.thank-you.sren-kierkegaard@followup-cal",
    "Jürgen Groß": "acme.r1.thank-you.jurgen-gro@followup-cal",
    "Siobhán O'Brien": "acme.r1.thank-you.siobhan-o-brien@followup-cal",
    "Dr. Jane Smith": "acme.r1.thank-you.dr-jane-smith@followup-cal",
}


def test_uids_of_latin_names_stay_what_they_were():
    people = [{"name": name} for name in LATIN_UIDS]
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    assert {t.recipient.name: t.uid for t in steps(items, "thank_you")} == LATIN_UIDS


def test_names_in_other_scripts_get_their_own_uids():
    people = [{"name": n} for n in ("李伟", "王伟", "汪伟", "Иван Петров", "Ольга Петрова")]
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    uids = {t.recipient.name: t.uid for t in steps(items, "thank_you")}
    # Transliterated where a library knows how, with a digest for names that sound alike.
    assert uids == {
        "李伟": "acme.r1.thank-you.liwei-5ed4d5@followup-cal",
        "王伟": "acme.r1.thank-you.wangwei-0c6e5f@followup-cal",
        "汪伟": "acme.r1.thank-you.wangwei-41ed6c@followup-cal",
        "Иван Петров": "acme.r1.thank-you.ivan-petrov-2b8929@followup-cal",
        "Ольга Петрова": "acme.r1.thank-you.olga-petrova-0aecd6@followup-cal",
    }


def test_a_name_with_nothing_to_transliterate_gets_a_digest():
    items = plan_of(
        interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": [{"name": "★"}]}])
    )
    (thanks,) = steps(items, "thank_you")
    assert thanks.uid == "acme.r1.thank-you.26c57b@followup-cal"


def test_validate_fails_on_two_items_with_one_uid(tmp_path):
    people = [{"name": "Ann-Marie Lee"}, {"name": "Ann Marie Lee"}]
    path = tmp_path / "clash.yaml"
    path.write_text(
        search_text(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])),
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:15:7: 'Ann Marie Lee' and 'Ann-Marie Lee' get one calendar UID "
        "(acme.r1.thank-you.ann-marie-lee@followup-cal), so a calendar would keep only one "
        "of their events; expected names that differ in more than case, accents or punctuation"
    ]


# -- one inquiry, no follow-ups --------------------------------------------------------------


def test_a_single_inquiry_is_the_final_one():
    items = plan_of(interview(policy={"max_follow_ups": 1}))
    (only,) = steps(items, "follow_up")
    assert only.final and only.label == "Final follow-up"
    assert local_day(only) == date(2026, 11, 9)
    assert "This is my last note" in render(only)
    assert steps(items, "check_in")[0].reason.startswith(
        "1 month after the final follow-up on Mon 9 Nov went unanswered"
    )


def test_a_rejection_gets_its_thank_you_reply_even_with_no_follow_up():
    items = plan_of(
        interview(no_follow_up=True, outcome={"result": "rejected", "date": "2026-11-20"})
    )
    assert [i.key for i in items] == ["debrief", "thank_you", "rejection_reply"]
    reply = items[-1]
    assert reply.start == datetime(2026, 11, 23, 9, 30, tzinfo=NY)
    assert reply.recipient.name == "Dana Lee"
    assert reply.reason == (
        "1 business day after the rejection on Fri 20 Nov: a short, gracious reply keeps "
        "the door open; it answers their message, so it is no follow-up they asked you to skip"
    )


def test_no_follow_up_still_means_no_check_ins_after_a_rejection_unless_asked():
    rejected = {"result": "rejected", "date": "2026-11-20"}
    assert not steps(plan_of(interview(no_follow_up=True, outcome=rejected)), "check_in")
    asked = plan_of(interview(no_follow_up=True, outcome=rejected, policy={"check_ins": 2}))
    assert [local_day(c) for c in steps(asked, "check_in")] == [
        date(2026, 12, 21),
        date(2027, 1, 20),
    ]


# -- the thank-you within 24 hours -------------------------------------------------------


def thank_you_after(start: str, **kwargs) -> PlannedFollowup:
    rounds = [{"start": start, "interviewers": [{"name": "Dana Lee"}]}]
    (thanks,) = steps(plan_of(interview(rounds=rounds, **kwargs)), "thank_you")
    return thanks


def test_thank_you_after_hours_on_a_wednesday_goes_the_next_morning():
    thanks = thank_you_after("2026-11-04 16:00")
    assert thanks.start == datetime(2026, 11, 5, 9, 30, tzinfo=NY)
    assert thanks.reason == (
        "2 h after the interview ends (Wed 19:00) is outside working hours, so the next "
        "business morning, Thu 5 Nov"
    )


def test_thank_you_after_a_late_friday_interview_goes_the_same_evening_not_on_monday():
    thanks = thank_you_after("2026-11-06 16:00")
    assert thanks.start == datetime(2026, 11, 6, 19, 0, tzinfo=NY)
    assert thanks.reason == (
        "2 h after the interview ends (Fri 19:00) is outside working hours, and the next "
        "business morning (Mon 9 Nov) is 64 h after the interview: a thank-you goes out "
        "within 24 h, so the same day at 19:00"
    )


def test_thank_you_after_a_friday_evening_interview_goes_saturday_morning():
    thanks = thank_you_after("2026-11-06 19:30")
    assert thanks.start == datetime(2026, 11, 7, 9, 30, tzinfo=NY)
    assert thanks.reason.endswith(
        "a thank-you goes out within 24 h, so the next morning although Sat 7 Nov is not a "
        "working day"
    )


def test_thank_you_before_thanksgiving_does_not_wait_for_friday():
    thanks = thank_you_after("2026-11-25 16:00")
    assert thanks.start == datetime(2026, 11, 25, 19, 0, tzinfo=NY)
    assert "the next business morning (Fri 27 Nov) is 40 h after the interview" in thanks.reason


def test_thank_you_after_a_saturday_interview_goes_the_same_day():
    thanks = thank_you_after("2026-11-07 10:00")
    assert thanks.start == datetime(2026, 11, 7, 13, 0, tzinfo=NY)


def test_the_latest_evening_hour_is_policy():
    thanks = thank_you_after("2026-11-06 16:00", policy={"evening_end": "18:30"})
    assert thanks.start == datetime(2026, 11, 7, 9, 30, tzinfo=NY)


# -- check-ins keep their month apart ----------------------------------------------------


def check_ins_to(name: str, items: list[PlannedFollowup]) -> list[PlannedFollowup]:
    return [c for c in steps(items, "check_in") if c.recipient.name == name]


def test_check_ins_to_a_contact_back_from_months_away_stay_a_month_apart():
    people = [
        {"name": "Dana Lee", "talked_about": "x"},
        {"name": "Eli Park", "away_until": "2027-03-12"},
    ]
    rounds = [{"start": "2026-11-02 10:00", "interviewers": people}]
    items = plan_of(interview(rounds=rounds, network=["Dana Lee", "Eli Park"]))
    eli = check_ins_to("Eli Park", items)
    assert [local_day(c) for c in eli] == [
        date(2027, 3, 15),
        date(2027, 4, 15),
        date(2027, 5, 17),  # Sat 15 May rolls to Monday
        date(2027, 6, 15),
        date(2027, 7, 15),
        date(2027, 8, 16),  # Sun 15 Aug rolls to Monday
    ]
    assert eli[1].reason == (
        "2 months after the final follow-up on Mon 16 Nov went unanswered; moved to Thu 15 Apr "
        "because check-in 1 was due Mon 15 Mar and check-ins stay 1 month apart"
    )
    # Dana, not away, keeps the plain monthly dates.
    assert [local_day(c) for c in check_ins_to("Dana Lee", items)][:2] == [
        date(2026, 12, 16),
        date(2027, 1, 19),  # 16 Jan is a Saturday, Mon 18 Jan is Martin Luther King Jr. Day
    ]


def test_a_contact_away_during_the_inquiries_gets_them_and_the_check_ins_spaced_on_return():
    person = {"name": "Dana Lee", "talked_about": "x", "away_until": "2027-01-20"}
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": [person]}]))
    assert [local_day(i) for i in steps(items, "follow_up")] == [
        date(2027, 1, 21),
        date(2027, 1, 28),
    ]
    assert [local_day(c) for c in steps(items, "check_in")][:3] == [
        date(2027, 3, 1),  # Sun 28 Feb rolls to Monday
        date(2027, 3, 29),
        date(2027, 4, 28),
    ]


def test_check_ins_after_a_rejection_wait_for_a_contact_away_and_then_space_out():
    person = {"name": "Dana Lee", "talked_about": "x", "away_until": "2027-02-26"}
    items = plan_of(
        interview(
            rounds=[{"start": "2026-11-02 10:00", "interviewers": [person]}],
            outcome={"result": "rejected", "date": "2026-11-12"},
        )
    )
    assert [local_day(c) for c in steps(items, "check_in")][:3] == [
        date(2027, 3, 1),
        date(2027, 4, 1),
        date(2027, 5, 3),  # Sat 1 May rolls to Monday
    ]


# -- "in N business days" ----------------------------------------------------------------


def test_in_n_business_days_skips_public_holidays():
    rounds = [{"start": "2026-11-19 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    search = load_search(interview(rounds=rounds, decision_expected="in 5 business days"))
    # Fri 20, Mon 23, Tue 24, Wed 25, Thanksgiving skipped, Fri 27.
    assert search.interviews[0].decision_expected == date(2026, 11, 27)
    items = plan_of(interview(rounds=rounds, decision_expected="in 5 business days"))
    first = steps(items, "follow_up")[0]
    assert local_day(first) == date(2026, 11, 30)
    assert "Acme said it decides on Fri 27 Nov" in first.reason


def test_in_n_business_days_follows_the_work_week():
    me = {**ME, "work_week": ["mon", "tue", "wed", "thu"]}
    rounds = [{"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    search = load_search(interview(rounds=rounds, decision_expected="in 4 business days"), me=me)
    assert search.interviews[0].decision_expected == date(2026, 11, 9)  # Tue, Wed, Thu, Mon


# -- a done entry belongs to a round -----------------------------------------------------

TWO_ROUNDS = [
    {"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee", "talked_about": "x"}]},
    {"start": "2026-11-16 10:00", "interviewers": [{"name": "Dana Lee", "talked_about": "y"}]},
]


def test_an_inquiry_sent_between_rounds_does_not_count_for_the_next_chain():
    # Written by an older version, without a round: it belongs to round 1 by its date.
    sent = [{"step": "follow_up-1", "date": "2026-11-09"}]
    items = plan_of(interview(rounds=TWO_ROUNDS, done=sent))
    first, final = steps(items, "follow_up")
    assert first.done is None and first.round == 2
    assert local_day(first) == date(2026, 11, 23)
    assert local_day(final) == date(2026, 11, 30)
    # Its thank-you of round 2 is not marked done by round 1's either.
    thanks = plan_of(
        interview(rounds=TWO_ROUNDS, done=[{"step": "thank_you", "date": "2026-11-02"}])
    )
    assert [bool(t.done) for t in steps(thanks, "thank_you")] == [True, False]


def test_done_writes_the_round_of_an_inquiry(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(search_text(interview(rounds=TWO_ROUNDS)), "utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "done",
            "acme",
            "follow_up-1",
            "--on",
            "2026-11-23",
            "-f",
            str(path),
            "--today",
            "2026-11-23",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "- {step: follow_up-1, round: 2, date: 2026-11-23}" in path.read_text("utf-8")


def test_an_earlier_rounds_inquiry_is_no_unmatched_done_entry(tmp_path):
    path = tmp_path / "two.yaml"
    sent = [{"step": "follow_up-1", "round": 1, "date": "2026-11-09"}]
    path.write_text(search_text(interview(rounds=TWO_ROUNDS, done=sent)), "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--strict", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output


# -- a reply restarts the wait -------------------------------------------------------------


def test_a_reply_without_a_new_date_moves_the_inquiries_planned_for_the_stated_date():
    items = plan_of(interview(decision_expected="2026-11-20", heard_back="2026-11-12"))
    first, final = steps(items, "follow_up")
    # 14 days after Thu 12 Nov is Thanksgiving: Fri 27 Nov; the final a week after.
    assert (local_day(first), local_day(final)) == (date(2026, 11, 27), date(2026, 12, 4))
    assert len(steps(items, "check_in")) == 6


def test_a_reply_on_the_decision_day_moves_the_inquiries_too():
    items = plan_of(interview(decision_expected="2026-11-20", heard_back="2026-11-20"))
    first, final = steps(items, "follow_up")
    assert (local_day(first), local_day(final)) == (date(2026, 12, 4), date(2026, 12, 11))
    assert steps(items, "check_in")


def test_a_reply_that_brings_a_new_date_plans_the_chain_again_from_it():
    reply = {"date": "2026-11-12", "decision_expected": "2026-12-04"}
    items = plan_of(interview(decision_expected="2026-11-20", heard_back=reply))
    first, final = steps(items, "follow_up")
    assert (local_day(first), local_day(final)) == (date(2026, 12, 7), date(2026, 12, 14))
    assert first.reason == (
        "7 days after the interview on Mon 2 Nov; moved to Mon 7 Dec because Acme answered "
        "on Thu 12 Nov that it decides on Fri 4 Dec"
    )
    assert local_day(steps(items, "check_in")[0]) == date(2027, 1, 14)


def test_a_new_date_in_a_reply_may_be_relative_to_the_reply():
    reply = {"date": "2026-11-12", "decision_expected": "in 2 weeks"}
    search = load_search(interview(heard_back=reply))
    assert search.interviews[0].new_decision == date(2026, 11, 26)
    assert search.interviews[0].heard_back == date(2026, 11, 12)


def test_reply_prints_what_it_moved_and_writes_the_new_date_with_the_reply(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(search_text(interview(decision_expected="2026-11-20")), "utf-8")
    args = ["-f", str(path), "--today", "2026-11-23"]
    result = CliRunner().invoke(cli, ["reply", "acme", "--on", "2026-11-12", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Acme answered on Thu 12 Nov 2026",
        "  moved: Follow-up 1 → Dana Lee (Mon 23 Nov 2026) to Fri 27 Nov (Acme answered on "
        "Thu 12 Nov, and the next inquiry waits 14 days after their last word; Thu 26 Nov is "
        "Thanksgiving Day)",
        "  moved: Final follow-up → Dana Lee (Mon 30 Nov 2026) to Fri 4 Dec (follow-up 1 moved "
        "17 days later, and it moves with it; follow-ups stay 7 days apart)",
    ]
    assert "  heard_back: 2026-11-12\n" in path.read_text("utf-8")
    again = CliRunner().invoke(
        cli, ["reply", "acme", "--on", "2026-11-12", "--decision", "2026-12-04", *args]
    )
    assert again.exit_code == 0, again.output
    text = path.read_text("utf-8")
    assert "  heard_back: {date: 2026-11-12, decision_expected: 2026-12-04}\n" in text
    assert "  decision_expected: '2026-11-20'\n" in text  # what they said at the interview
    assert "  moved: Follow-up 1 → Dana Lee (Fri 27 Nov 2026) to Mon 7 Dec" in again.stdout


# -- after the holidays: the seasons people take off together ----------------------------


def holiday_plan(start: str, me: dict | None = None, **kwargs) -> list[PlannedFollowup]:
    rounds = [{"start": start, "interviewers": [{"name": "Dana Lee", "talked_about": "x"}]}]
    return plan_of(interview(rounds=rounds, **kwargs), me={**ME, **(me or {})})


def test_after_the_holidays_in_the_us_means_the_year_end_not_veterans_day():
    items = holiday_plan("2026-11-02 10:00", decision_after_holidays=True)
    (note,) = steps(items, "holiday_note")
    assert local_day(note) == date(2026, 12, 21)
    assert note.occasion == "the year-end holidays"
    assert note.reason == (
        "3 business days before the year-end holidays (from Thu 24 Dec), which the decision "
        "at Acme waits on"
    )
    first = steps(items, "follow_up")[0]
    assert local_day(first) == date(2027, 1, 4)
    assert first.reason.endswith("because Acme decides after the year-end holidays")


def test_after_the_holidays_in_germany_is_not_german_unity_day():
    berlin = {"country": "DE", "timezone": "Europe/Berlin"}
    items = holiday_plan("2026-09-21 10:00", berlin, decision_after_holidays=True)
    (note,) = steps(items, "holiday_note")
    assert (local_day(note), note.occasion) == (date(2026, 12, 21), "the year-end holidays")


def test_no_note_for_a_single_public_holiday_without_a_flag():
    items = holiday_plan("2026-11-02 10:00", decision_expected="2026-11-16")
    assert not steps(items, "holiday_note")


def test_a_decision_date_past_the_year_end_gets_the_note_without_a_flag():
    items = holiday_plan("2026-12-02 10:00", decision_expected="2027-01-11")
    (note,) = steps(items, "holiday_note")
    assert local_day(note) == date(2026, 12, 21)
    assert note.reason == (
        "3 business days before the year-end holidays (from Thu 24 Dec): the decision at "
        "Acme is due Mon 11 Jan, after them"
    )
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 1, 12)


def test_decision_after_holidays_false_overrides_the_decision_date():
    items = holiday_plan(
        "2026-12-02 10:00", decision_expected="2027-01-11", decision_after_holidays=False
    )
    assert not steps(items, "holiday_note")
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 1, 12)


def test_a_decision_before_the_season_gets_no_note():
    assert not steps(
        holiday_plan("2026-12-02 10:00", decision_expected="2026-12-18"), "holiday_note"
    )


def test_a_country_adds_its_own_season_japan_golden_week():
    tokyo = {"country": "JP", "timezone": "Asia/Tokyo"}
    items = holiday_plan("2027-04-13 10:00", tokyo, decision_expected="2027-05-10")
    (note,) = steps(items, "holiday_note")
    assert (local_day(note), note.occasion) == (date(2027, 4, 26), "Golden Week")


def test_a_season_that_moves_with_the_moon_china_lunar_new_year():
    shanghai = {"country": "CN", "timezone": "Asia/Shanghai"}
    items = holiday_plan("2027-01-11 10:00", shanghai, decision_after_holidays=True)
    (note,) = steps(items, "holiday_note")
    assert (local_day(note), note.occasion) == (date(2027, 2, 2), "the Lunar New Year holidays")
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 2, 11)


def test_the_year_end_runs_to_epiphany_where_it_is_a_public_holiday_bavaria():
    munich = {"country": "DE", "subdivision": "BY", "timezone": "Europe/Berlin"}
    items = holiday_plan("2026-12-24 10:00", munich, decision_after_holidays=True)
    first = steps(items, "follow_up")[0]
    assert local_day(first) == date(2027, 1, 7)
    assert first.reason.endswith("because Acme decides after the year-end holidays")


def test_the_year_end_ends_on_new_year_where_epiphany_is_a_working_day_berlin():
    berlin = {"country": "DE", "subdivision": "BE", "timezone": "Europe/Berlin"}
    items = holiday_plan("2026-12-24 10:00", berlin, decision_after_holidays=True)
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 1, 4)


def test_spain_waits_for_reyes_also_when_the_season_is_under_way():
    madrid = {"country": "ES", "timezone": "Europe/Madrid"}
    items = holiday_plan("2026-12-28 10:00", madrid, decision_after_holidays=True)
    assert local_day(steps(items, "follow_up")[0]) == date(2027, 1, 7)

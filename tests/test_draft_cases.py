"""The words a user reads: drafts and reasons, asserted as exact texts.

Each case is one a job seeker meets; the rule behind them all is that a draft never
states something the user did not tell the tool, and reads as plain English.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import ME, draft_of, drafted, interview, load_search, plan_of, steps, validate, where

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.plan.followups import Step

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
    assert note.reason.endswith("which the decision at Northwind Logistics waits on")
    assert not any("'s" in i.reason for i in items)


# -- item 10: no conversation claimed with someone the user did not meet ------------------

HARBOR = interview(
    id="harbor",
    company="Harbor Health",
    role="Platform Engineer",
    pitch="HIPAA-compliant infrastructure on GCP",
    decision_after_holidays=True,
    contact={"name": "Grace Kim", "email": "grace@harbor.example"},
    rounds=[
        {
            "start": "2026-12-08 10:00",
            "interviewers": [
                {"name": "Omar Haddad", "talked_about": "the migration off a self-hosted Jenkins"}
            ],
        }
    ],
)


def test_a_holiday_note_to_someone_not_met_names_who_was_met_not_their_talk():
    note = draft_of(drafted(HARBOR), "holiday_note")
    assert note.body == (
        "Hi Grace,\n"
        "\n"
        "With the year-end holidays coming up, I wanted to wish you and the team a restful break.\n"
        "\n"
        "I am still very interested in the Platform Engineer role at Harbor Health. "
        "I enjoyed meeting Omar Haddad. I look forward to hearing from you after the holidays.\n"
        "\n"
        "Warm wishes,\n"
        "Alex Morgan\n"
    )


def test_inquiries_to_someone_not_met_claim_no_conversation():
    events = drafted(HARBOR)
    follow_up = draft_of(events, "follow_up-1")
    assert "Jenkins" not in follow_up.body
    assert "our conversation" not in follow_up.body.lower()
    assert "I enjoyed meeting Omar Haddad and learning about the team." in follow_up.body
    assert follow_up.generic == ()  # nothing to add: Grace was never met


def test_a_contact_met_without_notes_is_not_given_another_interviewers_topic():
    events = drafted(
        interview(
            rounds=[
                {
                    "start": "2026-11-02 10:00",
                    "interviewers": [
                        {"name": "Dana Lee"},
                        {"name": "Cy Do", "talked_about": "the hiring plans"},
                    ],
                }
            ]
        )
    )
    follow_up = draft_of(events, "follow_up-1")
    assert "hiring plans" not in follow_up.body
    assert "Cy Do" not in follow_up.body  # Dana was met: no "I enjoyed meeting" either
    assert follow_up.generic == ("talked_about",)


# -- item 13: a missing detail drops its sentence -------------------------------------------


def test_a_thank_you_without_pitch_or_topic_drops_those_sentences():
    bare = interview(
        pitch="", rounds=[{"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    )
    thanks = draft_of(drafted(bare), "thank_you")
    assert thanks.body == (
        "Hi Dana,\n"
        "\n"
        "Thank you for taking the time to talk with me about the Backend Engineer role at "
        "Acme. I left our conversation even more keen on the team and the work.\n"
        "\n"
        "If there is anything else I can send to help with the decision, just let me know.\n"
        "\n"
        "Best regards,\n"
        "Alex Morgan\n"
    )
    assert thanks.generic == ("talked_about", "pitch")


def test_the_pitch_reads_as_english_where_it_appears():
    events = drafted(interview(pitch="building streaming pipelines with Kafka"))
    thanks = draft_of(events, "thank_you")
    assert (
        "I especially enjoyed our discussion of the billing rewrite. I would be glad to bring "
        "my experience in building streaming pipelines with Kafka to Acme.\n"
    ) in thanks.body
    final = draft_of(events, "follow_up-2")
    assert (
        "I would be glad to bring my experience in building streaming pipelines with Kafka "
        "to the team.\n"
    ) in final.body


# -- item 15: the small ones ---------------------------------------------------------------


def test_a_thank_you_sent_on_the_interview_day_says_today():
    morning = interview(
        rounds=[{"start": "2026-11-03 10:00", "interviewers": [{"name": "Ann Bo"}]}]
    )
    assert draft_of(drafted(morning), "thank_you").subject == "Thank you for today, Ann"
    evening = interview(
        rounds=[{"start": "2026-11-03 16:00", "interviewers": [{"name": "Ann Bo"}]}]
    )
    assert draft_of(drafted(evening), "thank_you").subject == "Thank you for yesterday, Ann"


def test_the_debrief_reads_the_interview_or_round_2():
    one = draft_of(drafted(interview()), "debrief")
    assert one.body.startswith(
        "Notes to myself while the interview with Acme (Backend Engineer) is fresh.\n"
    )
    rounds = [
        {"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]},
        {"start": "2026-11-09 10:00", "interviewers": [{"name": "Cy Do"}]},
    ]
    events = drafted(interview(rounds=rounds))
    second = next(e.draft for e in events if e.item.key == "debrief" and e.item.round == 2)
    assert second.subject == "Debrief: Acme, round 2"
    assert second.body.startswith(
        "Notes to myself while round 2 with Acme (Backend Engineer) is fresh.\n"
    )


def test_no_possessive_of_a_company_name_in_any_draft():
    events = drafted(
        interview(
            company="Northwind Logistics", outcome={"result": "rejected", "date": "2026-11-12"}
        )
    )
    assert not any("Logistics's" in e.draft.subject + e.draft.body for e in events)


# -- item 12: greetings ------------------------------------------------------------------


# -- items 13 and 14: fields whose shape breaks the drafts, calls without a number ---------


def test_a_phone_follow_up_without_numbers_is_a_warning_and_the_call_sheet_has_no_brackets(
    tmp_path,
):
    path, text, lines = validate(tmp_path, interview(channel="phone"))
    at = where(text, "phone\n")
    assert lines == [
        f"{path}:{at}: warning: acme: channel: phone, but Dana Lee has no phone number; "
        "expected phone: where Dana Lee is given, for the call sheet",
        f"{path}:{at}: warning: acme: channel: phone, but me: has no phone number; expected "
        "phone: under me:, so a message left on their voicemail can give it",
    ]
    call = draft_of(drafted(interview(channel="phone")), "follow_up-1")
    assert "()" not in call.body
    assert call.body.startswith(
        "A short call to Dana Lee about the Backend Engineer role.\n\nTalking points:\n"
    )
    assert call.body.endswith(
        "If there is no answer, leave a brief message. Then send a short e-mail to "
        "dana@acme.example the same day.\n"
    )


def test_a_phone_follow_up_with_both_numbers_is_clean_and_lists_them(tmp_path):
    person = {"name": "Dana Lee", "phone": "+1 555 0100", "talked_about": "the billing rewrite"}
    calling = interview(
        channel="phone", rounds=[{"start": "2026-11-02 10:00", "interviewers": [person]}]
    )
    me = {**ME, "phone": "+1 212 555 0147"}
    _path, _text, lines = validate(tmp_path, calling, me=me)
    assert lines == []
    call = draft_of(drafted(calling, me=me), "follow_up-1")
    assert call.body.startswith(
        "A short call to Dana Lee about the Backend Engineer role.\nNumber to call: +1 555 0100\n"
    )
    # No address for Dana: the sheet does not tell me to e-mail her.
    assert call.body.splitlines()[-1] == (
        "If there is no answer, leave a brief message. My number for the message: +1 212 555 0147."
    )


# -- item 11: check-ins leave gaps for what only the user knows ----------------------------

REJECTED_IN_OCTOBER = interview(
    rounds=[
        {
            "start": "2026-09-01 10:00",
            "interviewers": [{"name": "Dana Lee", "talked_about": "the billing rewrite"}],
        }
    ],
    outcome={"result": "rejected", "date": "2026-10-13"},
    done=[
        {"step": "debrief", "date": "2026-09-01"},
        {"step": "thank_you", "date": "2026-09-01"},
        {"step": "follow_up-1", "date": "2026-09-08"},
        {"step": "follow_up-2", "date": "2026-09-15"},
        {"step": "rejection_reply", "date": "2026-10-14"},
    ],
)


def check_ins(events):
    return [e.draft for e in events if e.item.step is Step.CHECK_IN]


def test_check_ins_assert_no_news_or_usefulness_and_mark_the_gaps():
    drafts = check_ins(drafted(REJECTED_IN_OCTOBER))
    assert len(drafts) == 6
    text = "\n".join(d.body for d in drafts).lower()
    for claim in ("recent news", "already been useful", "i have some notes", "kept reading"):
        assert claim not in text
    # Their news may be their own (a new role), not the team's.
    assert (
        drafts[1].subject
        == "[[a subject on what you saw of theirs: their news if there is some, a post, a talk]]"
    )
    assert drafts[1].body == (
        "Hi Dana,\n"
        "\n"
        "I saw [[what made you think of them: their news if there is some (a launch, a "
        "milestone, a new role), or a post or talk of theirs]] and wanted to say hello.\n"
        "\n"
        "No reply needed; I simply wanted to pass on my good wishes.\n"
        "\n"
        "Best,\n"
        "Alex Morgan\n"
    )
    assert [len(d.gaps) for d in drafts] == [1, 2, 3, 1, 1, 0]
    assert drafts[2].gaps == [
        "their advice, in a few words",
        "the advice they gave you",
        "what you did with it, and how it went",
    ]


def test_six_check_ins_name_the_talk_once_not_six_times():
    drafts = check_ins(drafted(REJECTED_IN_OCTOBER))
    assert sum("the billing rewrite" in d.subject + d.body for d in drafts) == 1
    assert len({d.subject for d in drafts}) == 6


def test_lint_reports_the_gap_of_a_due_check_in_and_agenda_says_it_needs_input(tmp_path):
    path, text, lines = validate(tmp_path, REJECTED_IN_OCTOBER)
    assert lines == [
        f"{path}:{where(text, 'name: Dana Lee')}: warning: acme check_in-1 to Dana Lee: needs "
        "your input: write in [[a link to an article, talk or tool, and one line on why it is "
        "worth their time]] before sending"
    ]
    agenda = CliRunner().invoke(cli, ["agenda", str(path), "--today", "2026-11-23"])
    assert (
        "  Fri 13 Nov 09:30  by 10 days  acme  check_in-1  Dana Lee  "
        "Something you may find useful  (needs your input)"
    ) in agenda.stdout.splitlines()
    rows = json.loads(
        CliRunner()
        .invoke(cli, ["agenda", str(path), "--today", "2026-11-23", "--format", "json"])
        .stdout
    )
    assert [(r["key"], r["needs_input"]) for r in rows] == [("check_in-1", True)]


def test_my_own_title_stays_out_of_my_first_name():
    events = drafted(REJECTED_IN_OCTOBER, me={**ME, "name": "Dr. Alex Morgan"})
    subjects = [d.subject for d in check_ins(events)]
    assert "A quick hello from Alex" in subjects


def test_a_formal_check_in_is_signed_with_my_full_name_in_its_subject():
    events = drafted(REJECTED_IN_OCTOBER, me={**ME, "greeting": "formal"})
    subjects = [d.subject for d in check_ins(events)]
    assert "A quick hello from Alex Morgan" in subjects
    assert "A quick hello from Alex" not in subjects


def test_someone_never_met_is_not_thanked_for_advice():
    network = {**HARBOR, "network": ["Grace Kim", "Omar Haddad"], "decision_after_holidays": False}
    events = drafted(network)
    subjects = {
        name: [
            e.draft.subject
            for e in events
            if e.item.step is Step.CHECK_IN and e.item.recipient.name == name
        ]
        for name in ("Grace Kim", "Omar Haddad")
    }
    assert subjects["Omar Haddad"][2] == "Thank you for [[their advice, in a few words]]"
    assert not any("advice" in s for s in subjects["Grace Kim"])
    assert subjects["Grace Kim"] == [
        "Something you may find useful",
        "[[a subject on what you saw of theirs: their news if there is some, a post, a talk]]",
        "A quick hello from Alex",
        "Happy to help",
        "Staying in touch",
        "Something you may find useful",
    ]


def test_the_draft_command_says_a_draft_needs_input(tmp_path):
    path, _text, _lines = validate(tmp_path, REJECTED_IN_OCTOBER)
    shown = CliRunner().invoke(
        cli, ["draft", "acme", "check_in-3", "-f", str(path), "--today", "2026-11-23"]
    )
    lines = shown.stdout.splitlines()
    assert lines[1:5] == [
        "Subject: Thank you for [[their advice, in a few words]]",
        lines[2],
        "Needs your input: replace each [[...]] with your own words before sending.",
        "",
    ]
    assert lines[2].startswith("When: ")
    thanks = CliRunner().invoke(
        cli, ["draft", "acme", "thank_you", "-f", str(path), "--today", "2026-11-23"]
    )
    assert "Needs your input" not in thanks.stdout


# -- review: what a mail program reads -----------------------------------------------------


def test_the_draft_command_says_when_the_file_has_no_address(tmp_path):
    people = [{"name": "Mrs. Edith Crawley", "talked_about": "the migration"}]
    path, _text, _lines = validate(
        tmp_path, interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    )
    shown = CliRunner().invoke(
        cli, ["draft", "acme", "thank_you", "-f", str(path), "--today", "2026-11-23"]
    )
    assert shown.stdout.splitlines()[0] == "To: Mrs. Edith Crawley (no e-mail address in the file)"


def test_a_contact_not_met_whose_entry_says_what_was_discussed_gets_that_talk():
    network = {
        **HARBOR,
        "decision_after_holidays": False,
        "contact": {
            "name": "Grace Kim",
            "email": "grace@harbor.example",
            "talked_about": "the relocation support",
        },
    }
    events = drafted(network)
    follow_up = draft_of(events, "follow_up-1")
    assert (
        "Our conversation about the relocation support stayed with me. I enjoyed meeting "
        "Omar Haddad and learning about the team."
    ) in follow_up.body
    first_check_in = draft_of(events, "check_in-1", "Grace Kim")
    assert "I still remember our conversation about the relocation support." in (
        first_check_in.body
    )
    assert "Jenkins" not in follow_up.body + first_check_in.body


def test_a_holiday_note_before_golden_week_does_not_say_seasons_greetings():
    me = {**ME, "name": "Yuki Tanaka", "timezone": "Asia/Tokyo", "country": "JP"}
    sakura = interview(
        decision_expected="2027-05-07",
        rounds=[
            {
                "start": "2027-04-15 10:00",
                "interviewers": [{"name": "Sato Hiroshi", "talked_about": "the firmware"}],
            }
        ],
    )
    note = draft_of(drafted(sakura, me=me, today=date(2027, 4, 20)), "holiday_note")
    assert note.subject == "Best wishes for Golden Week"
    assert note.body.startswith(
        "Hi Sato,\n\nWith Golden Week coming up, I wanted to wish you and the team a restful "
        "break.\n"
    )
    year_end = draft_of(drafted(HARBOR), "holiday_note")
    assert year_end.subject == "Best wishes for the year-end holidays"


def test_wording_that_claims_nothing_the_user_did_not_say():
    events = drafted(REJECTED_IN_OCTOBER)
    # Not every interviewer decides; the thank-you goes to each of them.
    assert (
        "If there is anything else I can send to help with the decision, just let me know.\n"
    ) in draft_of(events, "thank_you").body
    # The article is the user's to choose: the draft does not say it recalls the talk.
    topic = draft_of(events, "check_in-1")
    assert topic.body.splitlines()[2] == (
        "I came across [[a link to an article, talk or tool, and one line on why it is worth "
        "their time]] and thought of you. I still remember our conversation about the billing "
        "rewrite."
    )
    call = draft_of(drafted(interview(channel="phone")), "follow_up-1")
    assert (
        "- Greet, say who I am: Alex Morgan, interviewed for the Backend Engineer role on "
        "Mon 2 Nov 2026.\n"
    ) in call.body


def test_an_overdue_thank_you_read_today_does_not_say_today(tmp_path):
    path, _text, _lines = validate(tmp_path, interview())

    def subject(today):
        shown = CliRunner().invoke(
            cli, ["draft", "acme", "thank_you", "-f", str(path), "--today", today]
        )
        return shown.stdout.splitlines()[1]

    # Planned for Mon 2 Nov, the interview day; read and sent later, it says when they met.
    assert subject("2026-11-02") == "Subject: Thank you for today, Dana"
    assert subject("2026-11-03") == "Subject: Thank you for yesterday, Dana"
    assert subject("2026-11-05") == "Subject: Thank you for Monday, Dana"
    assert subject("2026-11-23") == "Subject: Thank you for our conversation on Mon 2 Nov, Dana"
    agenda = CliRunner().invoke(cli, ["agenda", str(path), "--today", "2026-11-05"])
    assert "Thank you for Monday, Dana" in agenda.stdout
    # The calendar keeps the text for the day it was planned: it does not change each day.
    assert draft_of(drafted(interview()), "thank_you").subject == "Thank you for today, Dana"


def test_a_company_ending_in_a_dot_ends_a_sentence_with_one_dot():
    events = drafted(interview(company="Acme Inc."))
    thanks = draft_of(events, "thank_you").body
    assert "I would be glad to bring my experience in running Postgres at scale to Acme Inc.\n" in (
        thanks
    )
    assert ".." not in "".join(e.draft.body for e in events)


def test_a_gap_left_half_open_in_my_template_is_reported(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "check_in_topic.txt").write_text(
        "Subject: Hello\n\n${greeting},\n\nI read [[an article about ${talked_about}] today.\n"
    )
    search = load_search(REJECTED_IN_OCTOBER, templates=str(folder))
    events = service.draft_events(search, service.plan(search, date(2026, 11, 23)))
    messages = [w.message for w in service.lint(events) if w.item.key == "check_in-1"]
    assert messages == ["has an unfilled placeholder '[['"]


@pytest.mark.parametrize("topic", ["the launch in the U.S.", "the merger with Initech Inc."])
def test_a_talk_ending_in_an_abbreviation_is_not_a_sentence(tmp_path, topic):
    people = [{"name": "Dana Lee", "talked_about": topic}]
    _path, _text, lines = validate(
        tmp_path, interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    )
    assert lines == []
    thanks = draft_of(
        drafted(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])),
        "thank_you",
    )
    assert f"I especially enjoyed our discussion of {topic} I would" in thanks.body


# -- issue 23 item 6: a later round's thank-you is no copy of the first ---------------------


def _two_rounds_wei_then_panel():
    return interview(
        rounds=[
            {
                "start": "2026-11-02 10:00",
                "interviewers": [{"name": "Wei Chen", "talked_about": "the data model"}],
            },
            {
                "start": "2026-11-09 10:00",
                "interviewers": [
                    {"name": "Wei Chen", "talked_about": "the data model"},
                    {"name": "Ingrid Lund", "talked_about": "the roadmap"},
                ],
            },
        ]
    )


def _thanks(events, round_number, name):
    (event,) = [
        e
        for e in events
        if e.item.step is Step.THANK_YOU
        and e.item.round == round_number
        and e.item.recipient.name == name
    ]
    return event.draft


def test_a_later_round_thank_you_to_someone_met_before_reads_as_a_later_round_and_a_panel():
    events = drafted(_two_rounds_wei_then_panel())
    first, again = _thanks(events, 1, "Wei Chen"), _thanks(events, 2, "Wei Chen")
    # Same topic both rounds: the old note differed only there, so it would be a copy.
    # Its paragraphs of thanks and of the talk are new; the greeting, the offer to send
    # more and the sign-off may stay.
    first_lines = first.body.splitlines()[2:5:2]
    assert all(line not in again.body for line in first_lines), "round 2 repeats round 1"
    assert first.subject != again.subject
    assert "again" in again.body and "round 2" in again.body
    assert "After our second conversation" in again.body
    assert "on the panel with Ingrid Lund." in again.body
    # Round 1 was Wei alone: no panel is claimed there.
    assert "panel" not in first.body


def test_someone_first_met_on_a_later_panel_gets_a_first_note_that_names_the_panel():
    ingrid = _thanks(drafted(_two_rounds_wei_then_panel()), 2, "Ingrid Lund")
    assert "again" not in ingrid.body and "conversation" in ingrid.body
    assert "second" not in ingrid.body
    assert "It was good to meet you on the panel with Wei Chen." in ingrid.body

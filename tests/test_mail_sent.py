"""Which planned step each message of the Sent folder is: the pure part (no server here).
The messages are parsed from raw headers, as the server gives them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conftest import interview, load_search

from followup_cal import service
from followup_cal.mail.matching import Sureness
from followup_cal.mail.message import parse_headers
from followup_cal.mail.sent import draft_message_id, find_sent, search_terms

TODAY = date(2026, 11, 23)
PANEL = [
    {"name": "Dana Lee", "email": "dana@acme.example"},
    {"name": "Kim Park", "email": "kim@acme.example"},
]


def sent(uid: int, to: str, subject: str, when: str, *more: str):
    """One message of the user's, as Thunderbird writes it; ``when`` in New York time."""
    day = datetime.fromisoformat(when).replace(tzinfo=UTC)
    raw = "\r\n".join(
        [
            "From: Alex Morgan <alex@example.org>",
            f"To: {to}",
            f"Subject: {subject}",
            f"Date: {day:%a, %d %b %Y %H:%M:%S} +0000",
            f"Message-ID: <m{uid}@example.org>",
            *more,
            "",
            "",
        ]
    ).encode()
    return parse_headers(uid, raw, day, "Sent")


def found(search, *messages, today=TODAY):
    items = service.plan(search, today)
    return find_sent(items, messages, search.me.timezone, today, "s-test")


def steps(results) -> list[tuple[str, str, str, str]]:
    return [(s.item.key, s.item.recipient.name, s.on.isoformat(), s.sureness.word) for s in results]


def test_a_thank_you_after_the_round_is_that_steps_and_likely_by_its_subject():
    search = load_search(interview())
    mail = sent(1, "Dana Lee <dana@acme.example>", "Thank you for today", "2026-11-02T22:00")
    assert steps(found(search, mail)) == [("thank_you", "Dana Lee", "2026-11-02", "likely")]
    [result] = found(search, mail)
    assert result.command() == "followup-cal done acme thank_you --on 2026-11-02 --to 'Dana Lee'"


def test_the_application_sent_before_the_round_is_no_steps():
    search = load_search(interview())
    application = sent(1, "jobs@acme.example", "Application: Backend Engineer", "2026-10-20T14:00")
    thanks_early = sent(2, "dana@acme.example", "Thanks for the invitation", "2026-10-28T14:00")
    assert found(search, application, thanks_early) == []


def test_each_thank_you_of_a_panel_is_matched_to_its_own_recipient():
    search = load_search(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": PANEL}]))
    to_dana = sent(1, "dana@acme.example", "Thank you, Dana", "2026-11-02T21:00")
    # Kim only in copy of a note to the recruiter: not a thank-you to Kim.
    copy = sent(
        2, "hr@acme.example", "Thanks for arranging", "2026-11-02T21:30", "Cc: kim@acme.example"
    )
    assert steps(found(search, to_dana, copy)) == [
        ("thank_you", "Dana Lee", "2026-11-02", "likely")
    ]
    to_kim = sent(3, "Kim Park <kim@acme.example>", "Thank you, Kim", "2026-11-03T13:00")
    assert steps(found(search, to_dana, copy, to_kim)) == [
        ("thank_you", "Dana Lee", "2026-11-02", "likely"),
        ("thank_you", "Kim Park", "2026-11-03", "likely"),
    ]


def test_an_inquiry_in_the_users_own_thread_is_certain_and_the_next_one_is_the_next_step():
    search = load_search(interview())
    thanks = sent(1, "dana@acme.example", "Thank you for today", "2026-11-02T22:00")
    again = sent(
        2, "dana@acme.example", "Re: Thank you for today", "2026-11-10T14:00",
        "In-Reply-To: <m1@example.org>", "References: <m1@example.org>",
    )  # fmt: skip
    last = sent(3, "dana@acme.example", "Backend Engineer role: a last check", "2026-11-17T14:00")
    assert steps(found(search, thanks, again, last)) == [
        ("thank_you", "Dana Lee", "2026-11-02", "likely"),
        ("follow_up-1", "Dana Lee", "2026-11-10", "certain"),
        ("follow_up-2", "Dana Lee", "2026-11-17", "likely"),
    ]
    [certain] = [s for s in found(search, thanks, again, last) if s.certain]
    assert certain.why == "to dana@acme.example, continuing your thread of Mon 2 Nov"


def test_a_step_recorded_as_done_keeps_its_mail():
    done = [{"step": "thank_you", "date": "2026-11-02"}]
    search = load_search(interview(done=done))
    # A thank-you sent in the thread of the scheduling mail: recorded already, it must
    # not count as the first inquiry.
    thanks = sent(
        1, "dana@acme.example", "Re: Thank you / scheduling", "2026-11-02T22:00",
        "In-Reply-To: <sched@acme.example>",
    )  # fmt: skip
    assert found(search, thanks) == []


def test_the_drafts_message_id_makes_it_certain_whatever_the_subject():
    search = load_search(interview())
    [thank_you] = [i for i in service.plan(search, TODAY) if i.key == "thank_you"]
    our_id = draft_message_id(thank_you, "s-test")
    assert our_id == "<followup-cal.s-test.acme.r1.thank-you.dana-lee@followup-cal>"
    mail = sent(1, "dana@acme.example", "Great to meet", "2026-11-03T12:00")
    mail = type(mail)(**{**mail.__dict__, "message_id": our_id})
    [result] = found(search, mail)
    assert (result.item.key, result.sureness) == ("thank_you", Sureness.CERTAIN)
    assert "Message-ID of the draft" in result.why


def test_a_contacts_colleague_at_their_domain_is_only_likely_and_never_a_thank_you():
    contact = {"name": "Robin Hale", "email": "robin@acme.example"}
    search = load_search(interview(contact=contact))
    inquiry = sent(1, "talent@acme.example", "Checking in on my application", "2026-11-10T14:00")
    [result] = found(search, inquiry)
    assert (result.item.key, result.item.recipient.name) == ("follow_up-1", "Robin Hale")
    assert result.sureness is Sureness.LIKELY
    assert result.why.startswith("to talent@acme.example, at their company")
    # Dana is an interviewer with steps of her own: mail to her is not Robin's.
    to_dana = sent(2, "dana@acme.example", "Checking in", "2026-11-10T14:00")
    assert [s.item.recipient.name for s in found(search, to_dana)] == []


def test_the_sent_folder_is_searched_for_the_steps_people_since_the_day_before_the_round():
    search = load_search(interview())
    terms = search_terms(service.plan(search, TODAY))
    assert terms == {
        "acme": (
            [["TO", "acme.example"], ["CC", "acme.example"], ["TO", "dana@acme.example"],
             ["CC", "dana@acme.example"]],
            date(2026, 11, 1),
        )
    }  # fmt: skip


def test_agenda_lists_what_inbox_found_sent_apart_and_reads_no_mail(tmp_path):
    """What the last inbox run found sent (kept beside the file) leaves Overdue for a
    section of its own, with a done command that gives the day; no server is asked."""
    import json

    from click.testing import CliRunner
    from conftest import search_text

    from followup_cal.cli import cli
    from followup_cal.mail.inbox import save_run

    path = tmp_path / "interviews.yaml"
    path.write_text(search_text(interview()))
    search = load_search(interview())
    mail = sent(1, "dana@acme.example", "Thank you for today", "2026-11-02T22:00")
    args = ["agenda", str(path), "--today", "2026-11-04"]
    before = CliRunner().invoke(cli, args)
    assert "Overdue (2)" in before.stdout and "Sent, found by inbox" not in before.stdout
    save_run(str(path), date(2026, 11, 4), found(search, mail, today=date(2026, 11, 4)))
    after = CliRunner().invoke(cli, args)
    assert after.exit_code == 0, after.output
    assert "Sent, found by inbox; not recorded yet (1)" in after.stdout
    assert "Overdue (1)" in after.stdout  # the debrief, a note to yourself
    overdue = after.stdout.partition("Overdue (1)")[2]
    assert not any("thank_you" in line for line in overdue.splitlines() if line[:3] == "  M")
    assert (
        f"Found sent: record it: followup-cal done acme thank_you --on 2026-11-02 "
        f"--to 'Dana Lee' -f {path}" in after.stdout
    )
    rows = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    [row] = [r for r in rows if r["key"] == "thank_you"]
    assert (row["section"], row["sent_on"], row["key"]) == ("sent", "2026-11-02", "thank_you")

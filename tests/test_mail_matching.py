"""Which messages count as an answer: the pure part of `inbox` (no server here)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from conftest import interview, load_search

from followup_cal.mail.matching import Sureness, Watch, propose, watches, why_not
from followup_cal.mail.message import Message, not_from_a_person, parse_headers

ROUND_END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # the default round: 10:00-11:00 New York


def message(sender: str, received: datetime | None, uid: int = 1, sent=None, **more) -> Message:
    return Message(uid, more.pop("name", ""), sender, "Re: hello", sent, received, **more)


def acme_watch(**overrides) -> Watch:
    [watch] = watches(load_search(interview(**overrides)))
    return watch


def test_exact_address_or_company_domain_counts_and_look_alikes_do_not():
    watch = acme_watch()
    after = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    assert watch.evidence(message("dana@acme.example", after)).sureness is Sureness.CERTAIN
    assert watch.evidence(message("recruiting@acme.example", after)).sureness is Sureness.LIKELY
    # One registrable domain (Public Suffix List): sub- and parent domains are the company.
    assert watch.matches(message("dana@mail.acme.example", after))
    for look_alike in (
        "dana@acme.example.evil",
        "dana@acme-example.com",
        "dana@notacme.example",
        "dana.acme.example@gmail.com",
        "no-reply@acme.example",  # no person answers from it
        "mailer-daemon@mx.acme.example",
    ):
        assert not watch.matches(message(look_alike, after)), look_alike


def test_a_parent_domain_counts_under_a_public_suffix_too():
    people = [{"name": "Dana Lee", "email": "dana@eu.acme.co.uk"}]
    watch = acme_watch(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    after = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    assert watch.domains == {"acme.co.uk"}
    assert watch.matches(message("hr@acme.co.uk", after))
    assert not watch.matches(message("hr@other.co.uk", after))  # co.uk is everyone's


def test_the_search_asks_the_server_for_addresses_and_the_domain_from_the_day_before():
    watch = acme_watch()
    assert watch.search_terms() == [
        ["FROM", "dana@acme.example"],
        ["HEADER", "REPLY-TO", "dana@acme.example"],
        ["FROM", "acme.example"],  # sub-domains too; evidence() then checks exactly
        ["HEADER", "REPLY-TO", "acme.example"],
        ["FROM", "dana lee"],  # LinkedIn's InMail carries the name only
    ]
    assert watch.search_since == date(2026, 11, 1)  # the round was on Mon 2 Nov


def test_a_personal_address_counts_but_its_provider_is_not_the_company():
    people = [{"name": "Dana Lee", "email": "Dana.Lee@Gmail.com"}]
    watch = acme_watch(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    after = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    assert watch.domains == frozenset()
    assert watch.matches(message("dana.lee@gmail.com", after))
    assert not watch.matches(message("someone.else@gmail.com", after))


def test_my_own_domain_is_never_the_company_s():
    people = [{"name": "Dana Lee", "email": "dana@example.org"}]  # same domain as me
    watch = acme_watch(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    assert watch.domains == frozenset()
    assert watch.addresses == {"dana@example.org"}


def test_mail_from_before_the_round_began_does_not_count():
    watch = acme_watch()
    assert not watch.matches(message("dana@acme.example", datetime(2026, 10, 28, tzinfo=UTC)))
    assert not watch.matches(
        message("dana@acme.example", datetime(2026, 11, 2, 14, 59, tzinfo=UTC))
    )
    assert watch.matches(message("dana@acme.example", datetime(2026, 11, 2, 16, 30, tzinfo=UTC)))


def test_the_server_s_date_decides_never_the_date_header():
    watch = acme_watch()
    received = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    future = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    early = message("dana@acme.example", received, sent=future)
    assert early.when == received
    [proposal] = propose([(watch, [early])], today=date(2026, 11, 23))
    assert proposal.on == date(2026, 11, 5)
    # A Date header after the round does not make mail received before it count.
    before = message("dana@acme.example", datetime(2026, 10, 30, tzinfo=UTC), sent=future)
    assert not watch.matches(before)
    assert not watch.matches(message("dana@acme.example", None))


def test_decided_interviews_are_not_searched_and_answered_ones_still_are():
    search = load_search(
        interview(id="answered", heard_back="2026-11-06"),
        interview(id="decided", outcome={"result": "offer", "date": "2026-11-09"}),
        # They answered with a new date: the inquiries wait for it, and so does inbox.
        interview(
            id="waiting-again",
            heard_back={"date": "2026-11-06", "decision_expected": "2026-11-20"},
        ),
        # A date said at the interview does not reopen what their answer closed.
        interview(id="said-earlier", heard_back="2026-11-06", decision_expected="2026-11-20"),
        interview(id="open"),
        interview(
            id="nobody", rounds=[{"start": "2026-11-02 10:00", "interviewers": [{"name": "Sam"}]}]
        ),
    )
    found = {w.interview.id: w for w in watches(search)}
    # A reply that is no outcome ends nothing (rule 5): only the outcome stops the search.
    assert sorted(found) == ["answered", "open", "said-earlier", "waiting-again"]
    again = found["waiting-again"]
    assert not again.matches(message("dana@acme.example", datetime(2026, 11, 6, 20, 0, tzinfo=UTC)))
    assert again.matches(message("dana@acme.example", datetime(2026, 11, 7, 14, 0, tzinfo=UTC)))


def test_since_moves_the_start_later_never_earlier():
    search = load_search(interview())
    [late] = watches(search, since=date(2026, 11, 10))
    assert not late.matches(message("dana@acme.example", datetime(2026, 11, 9, 20, 0, tzinfo=UTC)))
    assert late.matches(message("dana@acme.example", datetime(2026, 11, 10, 14, 0, tzinfo=UTC)))
    [early] = watches(search, since=date(2026, 10, 1))
    [default] = watches(search)
    assert early.after == default.after  # still the round's start


def test_the_proposal_is_the_first_answer_s_day_in_my_zone_never_after_today():
    watch = acme_watch()
    late_evening = datetime(2026, 11, 5, 2, 30, tzinfo=UTC)  # Wed 4 Nov 21:30 in New York
    later = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
    [proposal] = propose(
        [
            (
                watch,
                [
                    message("dana@acme.example", later, 7),
                    message("hr@acme.example", late_evening, 3),
                ],
            )
        ],
        today=date(2026, 11, 23),
    )
    assert proposal.on == date(2026, 11, 4)
    assert [m.uid for m in proposal.messages] == [3, 7]
    assert proposal.command == "followup-cal reply acme --on 2026-11-04"
    [clamped] = propose([(watch, [message("dana@acme.example", later)])], today=date(2026, 11, 8))
    assert clamped.on == date(2026, 11, 8)


def test_no_matching_message_no_proposal():
    watch = acme_watch()
    stray = message("dana@acme.example.evil", datetime(2026, 11, 9, tzinfo=UTC))
    assert propose([(watch, [stray])], today=date(2026, 11, 23)) == []


AFTER = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


def test_no_automatic_bulk_or_report_mail_is_an_answer_even_from_the_interviewer():
    watch = acme_watch()
    for headers, why in (
        ({"auto_submitted": "auto-replied"}, "Auto-Submitted"),
        ({"auto_submitted": "auto-generated"}, "Auto-Submitted"),
        ({"x_autoreply": "yes"}, "X-Autoreply"),
        ({"precedence": "auto_reply"}, "Precedence"),
        ({"precedence": "bulk"}, "Precedence"),
        ({"precedence": "list"}, "Precedence"),
        ({"precedence": "junk"}, "Precedence"),
        ({"list_id": "<news.acme.example>"}, "List-Id"),
        ({"list_unsubscribe": "<mailto:u@acme.example>"}, "List-Unsubscribe"),
        ({"content_type": "multipart/report"}, "multipart/report"),
    ):
        sent = message("dana@acme.example", AFTER, **headers)
        assert why in (not_from_a_person(sent) or ""), headers
        assert not watch.matches(sent), headers
    assert watch.matches(message("dana@acme.example", AFTER, auto_submitted="no"))
    for subject in ("Automatic reply: Thanks", "Out of Office: re", "Read: Thank you"):
        sent = Message(1, "", "dana@acme.example", subject, None, AFTER)
        assert not watch.matches(sent), subject
    assert watch.matches(
        Message(1, "", "dana@acme.example", "Re: out of office plans", None, AFTER)
    )


def test_a_thread_of_mine_is_certain_whoever_answers_it_but_not_an_auto_reply():
    mine = Message(9, "", "alex@example.org", "Thanks", None, AFTER, message_id="<ty@x>",
                   recipients=("dana@acme.example",))  # fmt: skip
    to_a_friend = Message(10, "", "alex@example.org", "Hi", None, AFTER, message_id="<f@x>",
                          recipients=("sam@gmail.com",))  # fmt: skip
    watch = acme_watch().with_sent([mine, to_a_friend])
    assert dict(watch.sent) == {"<ty@x>": AFTER}
    later = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
    reply = message("talent@acme-careers.example", later, answers=("<ty@x>",))
    assert watch.evidence(reply).sureness is Sureness.CERTAIN
    assert watch.evidence(reply).why == "answers your mail of Wed 4 Nov"
    assert not watch.matches(message("sam@gmail.com", later, answers=("<f@x>",)))
    auto = message("dana@acme.example", later, answers=("<ty@x>",), auto_submitted="auto-replied")
    assert not watch.matches(auto)


def test_my_own_mail_in_a_thread_is_never_an_answer_whatever_address_i_used():
    mine = Message(9, "", "alex@example.org", "Thanks", None, AFTER, message_id="<ty@x>",
                   recipients=("dana@acme.example",))  # fmt: skip
    alias = Message(10, "", "alex.morgan@gmail.com", "Checking in", None, AFTER,
                    message_id="<ci@x>", recipients=("dana@acme.example",))  # fmt: skip
    watch = acme_watch().with_sent([mine, alias])
    assert watch.mine == {"alex@example.org", "alex.morgan@gmail.com"}
    later = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
    # Gmail's All Mail holds my sent mail too: in my thread, from me, or the same message.
    follow_up = message("alex.morgan@gmail.com", later, answers=("<ty@x>",))
    assert not watch.matches(follow_up)
    copy = message("alex.morgan@gmail.com", later, message_id="<ci@x>", answers=("<ty@x>",))
    assert not watch.matches(copy)
    assert watch.matches(message("dana@acme.example", later, answers=("<ci@x>",)))


def test_tracking_systems_count_by_reply_to_and_linkedin_by_name_only():
    watch = acme_watch()
    greenhouse = message("no-reply@greenhouse.io", AFTER, reply_to=("dana@acme.example",))
    assert watch.evidence(greenhouse).sureness is Sureness.CERTAIN
    lever = message("no-reply@hire.lever.co", AFTER, reply_to=("sam@acme.example",))
    assert watch.evidence(lever).sureness is Sureness.LIKELY
    assert not watch.matches(message("no-reply@hire.lever.co", AFTER))
    inmail = message(
        "inmail-hit-reply@linkedin.com", AFTER, name="Dana Lee via LinkedIn",
        linkedin_class="INMAIL", list_unsubscribe="<https://linkedin.com/u>",
    )  # fmt: skip
    assert watch.evidence(inmail).sureness is Sureness.POSSIBLE
    viewed = message("notifications-noreply@linkedin.com", AFTER, name="Dana Lee via LinkedIn")
    assert not watch.matches(viewed)  # a notification, not her message
    # Without LinkedIn's class header, the address it relays messages from decides.
    relayed = message("inmail-hit-reply@linkedin.com", AFTER, name="Dana Lee via LinkedIn")
    assert watch.evidence(relayed).sureness is Sureness.POSSIBLE
    connect = message("invitations@linkedin.com", AFTER, name="Dana Lee via LinkedIn")
    assert not watch.matches(connect)
    classed = message("inmail-hit-reply@linkedin.com", AFTER, name="Dana Lee via LinkedIn",
                      linkedin_class="INVITATION")  # fmt: skip
    assert not watch.matches(classed)
    stranger = message("inmail-hit-reply@linkedin.com", AFTER, name="Sam Roe via LinkedIn",
                       linkedin_class="INMAIL")  # fmt: skip
    assert not watch.matches(stranger)


def test_the_company_is_its_own_people_never_the_network_or_a_mail_provider():
    watch = acme_watch(
        network=[{"name": "Jo Friend", "email": "jo@indeed.com"}],
        rounds=[
            {
                "start": "2026-11-02 10:00",
                "interviewers": [
                    {"name": "Dana Lee", "email": "dana@acme.example"},
                    {"name": "Kim Park", "email": "kim@posteo.de"},  # not a big provider
                ],
            }
        ],
    )
    assert watch.domains == {"acme.example"}
    assert "jo@indeed.com" not in watch.addresses
    assert not watch.matches(message("jo@indeed.com", AFTER))
    assert not watch.matches(message("alert@indeed.com", AFTER))
    assert not watch.matches(message("someone@posteo.de", AFTER))
    assert watch.matches(message("kim@posteo.de", AFTER))


def test_a_friend_who_works_there_writing_is_not_the_company_answering():
    watch = acme_watch(network=[{"name": "Jo Friend", "email": "jo@acme.example"}])
    assert watch.domains == {"acme.example"}
    assert not watch.matches(message("jo@acme.example", AFTER))
    assert watch.matches(message("hr@acme.example", AFTER))


def test_headers_are_decoded_and_bad_ones_never_raise():
    raw = (
        b"From: =?utf-8?q?Jos=C3=A9_N=C3=BA=C3=B1ez?= <Jose@Acme.Example>\r\n"
        b"Subject: =?utf-8?b?UmU6IERhbmtl?= for\r\n the talk\r\n"
        b"Date: Wed, 04 Nov 2026 21:30:00 -0500\r\n\r\n"
    )
    parsed = parse_headers(5, raw)
    assert (parsed.sender_name, parsed.sender, parsed.domain) == (
        "José Núñez",
        "jose@acme.example",
        "acme.example",
    )
    assert parsed.subject == "Re: Danke for the talk"
    assert parsed.sent == datetime(2026, 11, 5, 2, 30, tzinfo=UTC)
    broken = parse_headers(
        6, b"From: nobody\r\nDate: yesterday\r\nSubject: =?x-unknown?q?a?=\r\n\r\n"
    )
    assert (broken.sender, broken.sent) == ("", None)
    assert parse_headers(7, b"").sender == ""


def test_every_name_and_subject_is_decoded_and_the_address_shown_whole():
    """RFC 2047 words as mail programs write them: one word, several in a row (the space
    between them is no text), one inside quotes (not allowed, yet Outlook and others
    write it), another charset, raw UTF-8 (RFC 6532), and a charset no one knows."""
    cases = {
        b'"=?utf-8?b?5L2Q6JekIOe+juWSsg==?=" <m.sato@kaito-systems.co.jp>': "佐藤 美咲",
        b'"M=?utf-8?q?=C3=BCller?=, Jana" <jana@acme.example>': "Müller, Jana",
        b"=?utf-8?q?Jos=C3=A9?= =?utf-8?q?_N=C3=BA=C3=B1ez?= <jose@acme.example>": "José Núñez",
        b"=?iso-8859-1?q?J=FCrgen_Gro=DF?= <j@acme.example>": "Jürgen Groß",
        "Zoë Ōtani <zoe@acme.example>".encode(): "Zoë Ōtani",
        b"=?x-unknown?q?Kim?= <kim@acme.example>": "=?x-unknown?q?Kim?=",
    }
    for header, name in cases.items():
        parsed = parse_headers(
            1, b"From: " + header + b"\r\nSubject: =?utf-8?q?R=C3=BCckmeldung?=\r\n\r\n"
        )
        assert parsed.sender_name == name, header
        assert parsed.subject == "Rückmeldung"
        assert parsed.from_line() == f"{name} <{parsed.sender}>"
    long = parse_headers(
        2,
        b'From: "Sato Misaki, Senior Talent Acquisition Partner, Kaito Systems Japan" <m.sato@kaito-systems.co.jp>',
    )
    shown = long.shown_from(60)
    assert shown.endswith(" <m.sato@kaito-systems.co.jp>") and "…" in shown
    assert len(shown) == 60
    assert parse_headers(3, b"From: <hr@acme.example>").shown_from(60) == "hr@acme.example"


def test_bulk_services_mail_never_counts_by_the_company_s_domain_alone():
    """Amazon SES, SendGrid, Mailgun, Mailchimp mark what they send (as their mail shows);
    they relay people's mail too, so the mark rules out only what the domain alone would
    count: one of the interview's people, or a thread of mine, still counts."""
    watch = acme_watch()
    marks = {
        b"X-SES-Outgoing: 2026.11.13-54.240.4.12": "Amazon SES (X-Ses-Outgoing)",
        b"Feedback-ID: 1.eu-west-1.Hx9pQm2y=:AmazonSES": "Amazon SES (Feedback-Id)",
        b"X-SG-EID: =?us-ascii?Q?u001=2EpQ7mZ2kVt0?=": "SendGrid (X-Sg-Eid)",
        b"X-Mailgun-Sid: WyJhMWIyYyJd": "Mailgun (X-Mailgun-Sid)",
        b"X-MC-User: b00c8d1e39a8456492b99ae9e": "Mailchimp (X-Mc-User)",
    }
    for mark, service in marks.items():
        for sender in (b"events@acme.example", b"team@news.acme.example"):
            raw = b"From: Acme <" + sender + b">\r\n" + mark + b"\r\n\r\n"
            parsed = replace(parse_headers(1, raw), received=AFTER)
            assert parsed.sent_through == service
            assert not watch.matches(parsed), (mark, sender)
            assert "sent through " + service in why_not(watch, parsed)
        person = replace(
            parse_headers(2, b"From: <dana@acme.example>\r\n" + mark + b"\r\n\r\n"), received=AFTER
        )
        assert watch.evidence(person).sureness is Sureness.CERTAIN
    one_click = parse_headers(
        3, b"From: <jobs@acme.example>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n"
    )
    assert not_from_a_person(one_click) == "mail to a list (List-Id/List-Unsubscribe)"

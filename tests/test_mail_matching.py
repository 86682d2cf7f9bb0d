"""Which messages count as an answer: the pure part of `inbox` (no server here)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conftest import interview, load_search

from followup_cal.mail.matching import Message, Watch, parse_headers, propose, watches

ROUND_END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # the default round: 10:00-11:00 New York


def message(sender: str, sent: datetime | None, uid: int = 1, received=None) -> Message:
    return Message(uid, "", sender, "Re: hello", sent, received)


def acme_watch(**overrides) -> Watch:
    [watch] = watches(load_search(interview(**overrides)))
    return watch


def test_exact_address_or_company_domain_counts_and_look_alikes_do_not():
    watch = acme_watch()
    after = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    assert watch.matches(message("dana@acme.example", after))
    assert watch.matches(message("recruiting@acme.example", after))
    for look_alike in (
        "dana@acme.example.evil",
        "dana@acme-example.com",
        "dana@notacme.example",
        "dana@mail.acme.example",  # a subdomain is not the domain either
        "dana.acme.example@gmail.com",
    ):
        assert not watch.matches(message(look_alike, after)), look_alike


def test_the_search_asks_the_server_for_addresses_and_the_domain_from_the_day_before():
    watch = acme_watch()
    assert watch.search_from() == ["dana@acme.example", "@acme.example"]
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


def test_without_a_date_header_the_delivery_date_decides():
    watch = acme_watch()
    received = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert watch.matches(message("dana@acme.example", None, received=received))
    assert not watch.matches(message("dana@acme.example", None))


def test_answered_or_decided_interviews_are_not_searched_and_a_new_decision_reopens():
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
    assert sorted(found) == ["open", "waiting-again"]
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

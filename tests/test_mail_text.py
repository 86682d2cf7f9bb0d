"""What they wrote: the text of an answer (mail/body.py) and what it says (mail/wrote.py),
pure, no server here. The sentences follow the recruiters' own shapes in the corpus
(tests/data/mail/README.md names the sources)."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from followup_cal.mail.body import MAX_TEXT, answer_text, html_text, without_quote
from followup_cal.mail.wrote import read

YEAR_END = date(2027, 1, 3)


def holidays_end(_after: date) -> date:
    return YEAR_END


@pytest.mark.parametrize(
    ("text", "written", "day"),
    [
        ("We will come back to you by 8 January.", date(2026, 12, 14), date(2027, 1, 8)),
        ("You will hear from us next week.", date(2026, 11, 11), date(2026, 11, 20)),
        ("We expect to make a decision in two weeks.", date(2026, 11, 12), date(2026, 11, 26)),
        ("We will get back to you by the end of the month.", date(2026, 11, 9), date(2026, 11, 30)),
        ("We will be in touch after the holidays.", date(2026, 12, 10), YEAR_END),
        ("Wir melden uns Anfang Januar bei Ihnen.", date(2026, 12, 10), date(2027, 1, 10)),
        ("Sie hören nächste Woche von uns.", date(2026, 11, 12), date(2026, 11, 20)),
        (
            "Wir geben Ihnen bis Freitag, den 20. November Bescheid.",
            date(2026, 11, 12),
            date(2026, 11, 20),
        ),
        (
            "Nous reviendrons vers vous la semaine prochaine.",
            date(2026, 11, 12),
            date(2026, 11, 20),
        ),
        (
            "Nous vous donnerons une réponse d'ici le 8 janvier.",
            date(2026, 12, 1),
            date(2027, 1, 8),
        ),
        ("Le daremos una respuesta en dos semanas.", date(2026, 11, 16), date(2026, 11, 30)),
        ("Le contactaremos a principios de diciembre.", date(2026, 11, 16), date(2026, 12, 10)),
        ("Le daremos una respuesta la semana que viene.", date(2026, 11, 16), date(2026, 11, 27)),
    ],
)
def test_a_day_they_gave_in_four_languages(text, written, day):
    reading = read(text, written, holidays_end)
    assert reading.decision == day, reading
    assert reading.clear
    assert reading.dates[0].sentence == text


def test_what_is_not_a_day_they_gave():
    written = date(2026, 11, 12)
    # 'We' is no Wednesday; a day already past is not pushed to next year; a date in a
    # sentence that is not about hearing back is not theirs.
    reading = read(
        "Great to meet you on 3 November. We will decide by 4 December.", written, holidays_end
    )
    assert [d.day for d in reading.dates] == [date(2026, 12, 4)]
    assert (
        read("I am out next week, can we move our call to Friday?", written, holidays_end).dates
        == ()
    )
    # Two sentences, two days: the latest is proposed, and it is not clear enough to record.
    two = read(
        "We will have an update next week. We will decide by 8 January.", written, holidays_end
    )
    assert (two.decision, two.clear) == (date(2027, 1, 8), False)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("Unfortunately, we have decided to move forward with other candidates.", "rejected"),
        ("We will not be moving forward with your application.", "rejected"),
        (
            "Leider müssen wir Ihnen mitteilen, dass wir uns für eine andere Kandidatin entschieden haben.",
            "rejected",
        ),
        ("Votre candidature n'a pas été retenue.", "rejected"),
        # As published French models write it (README of the corpus).
        (
            "Nous sommes au regret de vous informer que nous ne pouvons pas y donner une suite favorable.",
            "rejected",
        ),
        ("Merci pour votre candidature, nous ne l'avons pas retenue.", "rejected"),
        (
            "After careful consideration, we regret to inform you that we have chosen to move forward with other candidates.",
            "rejected",
        ),
        ("Lamentablemente, hemos decidido continuar el proceso con otros candidatos.", "rejected"),
        ("I'm delighted to offer you the position of Senior Backend Engineer!", "offer"),
        ("Wir freuen uns, Ihnen die Stelle anzubieten.", "offer"),
        ("Nous avons le plaisir de vous proposer le poste d'ingénieure backend.", "offer"),
        ("Nos complace ofrecerle el puesto de ingeniera backend.", "offer"),
        ("We will not be extending an offer at this time.", "rejected"),
        ("Unfortunately I am travelling next week; could we talk on Monday?", None),
        ("Thank you, we would like to move you to the next stage.", None),
    ],
)
def test_an_outcome_in_words(text, result):
    reading = read(text, date(2026, 11, 12), holidays_end)
    assert (reading.outcome.result if reading.outcome else None) == result
    if result:
        assert reading.outcome.sentence == text


def test_the_quoted_mail_is_left_out():
    gmail = "Thanks, we will decide by 4 December.\n\nOn Mon, 9 Nov 2026 at 18:02, Alex Morgan <alex@example.org> wrote:\n> next week?"
    assert without_quote(gmail) == "Thanks, we will decide by 4 December."
    wrapped = "Soon.\nOn Mon, 9 Nov 2026 at 18:02, Alex Morgan <\nalex@example.org> wrote:\n> hi"
    assert without_quote(wrapped) == "Soon."
    outlook = "Bis bald.\n\nVon: Alex Morgan <alex@example.org>\nGesendet: Montag, 9. November 2026\nBetreff: Danke"
    assert without_quote(outlook) == "Bis bald."
    assert without_quote("Yes.\n-----Original Message-----\nFrom: x") == "Yes."
    assert without_quote("Yes.\n> quoted\nAnd more.") == "Yes.\nAnd more."
    html = '<p>Merci.</p><div class="gmail_quote">Le lun. a écrit : <blockquote>la semaine prochaine</blockquote></div>'
    assert html_text(html) == "Merci."
    assert html_text(
        "<style>p{}</style><p>Un</p><blockquote>deux</blockquote><p>trois</p>"
    ).split() == ["Un", "trois"]


def mail(body: bytes, headers: bytes = b"Content-Type: text/plain; charset=utf-8\r\n") -> bytes:
    return b"From: a@b.example\r\n" + headers + b"\r\n" + body


def test_the_text_part_is_read_plain_first_then_html():
    alternative = (
        b'Content-Type: multipart/alternative; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--B\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nLuc\xeda\r\n--B--\r\n"
    )
    assert answer_text(b"From: a@b.example\r\n" + alternative) == "Lucía"
    html_only = mail(
        base64.encodebytes(b"<p>Danke, bis n\xc3\xa4chste Woche.</p>"),
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
    )
    assert answer_text(html_only) == "Danke, bis nächste Woche."
    attached = (
        b'Content-Type: multipart/mixed; boundary="M"\r\n\r\n--M\r\n'
        b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="cv.txt"\r\n\r\nCV\r\n--M--\r\n'
    )
    assert answer_text(b"From: a@b.example\r\n" + attached) == ""


def test_hostile_mime_is_bounded_and_never_raises():
    # Nested far deeper than any mail: read to a fixed depth, no recursion error.
    deep = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(5000)
    )
    assert answer_text(b"From: a@b.example\r\n" + deep + b"Content-Type: text/plain\r\n\r\nhi") in (
        "",
        "hi",
    )
    # A huge text part: at most MAX_TEXT characters come out.
    assert len(answer_text(mail(b"word " * 2_000_000))) <= MAX_TEXT
    # Unknown charset, broken base64, binary junk: text or nothing, never an exception.
    assert (
        answer_text(mail(b"hello", b"Content-Type: text/plain; charset=x-klingon\r\n")) == "hello"
    )
    broken = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"
    assert isinstance(answer_text(mail(b"@@@not base64@@@", broken)), str)
    assert isinstance(answer_text(bytes(range(256)) * 100), str)
    # Many parts: only the first MAX_PARTS are looked at.
    many = (
        b'Content-Type: multipart/mixed; boundary="P"\r\n\r\n'
        + b"--P\r\nContent-Type: image/png\r\n\r\nx\r\n" * 5000
    )
    assert (
        answer_text(
            b"From: a@b.example\r\n"
            + many
            + b"--P\r\nContent-Type: text/plain\r\n\r\nlate\r\n--P--"
        )
        == ""
    )

"""A fuzz of invitations and of the mails that carry them, built the way an attacker
would: every field a hostile text (escapes, controls, bidi, huge numbers), any method,
zone and sequence, many people, and mails of random MIME trees (nested, side by side,
any transfer encoding and charset) with the calendar anywhere in them or nowhere.

Whatever comes in, the answer is an invitation whose every text is clean, placed in the
file without an error, or one clean line that names the file; `add --from-invite` on it
exits with a documented code and one line, and a refused one changes no byte. Kept to a
few seconds."""

from __future__ import annotations

import base64
import quopri
import unicodedata
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_invites_cli import FILE

from followup_cal.cli import cli
from followup_cal.errors import BadInvitation
from followup_cal.invites.people import people_of
from followup_cal.invites.placing import place
from followup_cal.invites.reading import read_invitation
from followup_cal.loader import parse

NEW_YORK = ZoneInfo("America/New_York")
MINE = frozenset({"alex.morgan@example.org"})
SEARCH = parse("search.yaml", FILE)
KEPT = ("\u200c", "\u200d")

# Text as an attacker writes it: escapes, C0 and C1 controls, bidi and format characters
# mixed with letters of any script; a line break in a value is folded or escaped below.
NASTY = st.sampled_from(
    ["\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "\x00", "\x7f", "\u202e", "\u2066", "\u200b",
     "\U000e0041", "\u061c", "\ufeff", "\ud7ff", "\\n", "\\,", ";", ":", '"', "é", "名", "9" * 60]
)  # fmt: skip
WORDS = st.sampled_from(["Dana", "Lee", "Interview", " ", "Initech", "Room 4", "https://x"])
TEXT = st.lists(st.one_of(WORDS, WORDS, NASTY, st.text(max_size=4)), max_size=8).map("".join)
PARAMETER = TEXT.map(lambda t: "".join(c for c in t if c >= " " and c not in '";:,\x7f'))
NUMBER = st.one_of(
    st.integers(-5, 10**12).map(str),
    st.integers(0, 3).map(str),
    st.just("9" * 5000),
    TEXT,
    st.just("1e9"),
    st.just(""),
)
ALARM = ["BEGIN:VALARM", "TRIGGER:-PT10M", "ACTION:DISPLAY", "END:VALARM"]
START = st.sampled_from(
    ["DTSTART:20261214T170000Z"] * 4 + ["DTSTART;TZID=Europe/Berlin:20261214T170000"] * 2 + [
     "DTSTART;TZID=W. Europe Standard Time:20261214T170000", "DTSTART:20261214T170000",
     "DTSTART;VALUE=DATE:20261214", "DTSTART:2026", "DTSTART:99991231T235959Z"]
)  # fmt: skip


def folded(line: str) -> str:
    """RFC 5545 folding: 75 octets a line, the rest after a space."""
    data = line.replace("\r", "").replace("\n", "\\n")
    return "\r\n ".join(data[i : i + 70] for i in range(0, len(data), 70)) or data


@st.composite
def calendars(draw) -> str:
    people = draw(st.lists(st.tuples(PARAMETER, TEXT), max_size=45))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"METHOD:{draw(st.sampled_from(['REQUEST'] * 5 + ['CANCEL', 'PUBLISH', 'REPLY', '']))}"
        + draw(st.sampled_from([""] * 9 + ["x"])),
        "BEGIN:VEVENT",
        draw(START),
        draw(st.sampled_from(["DTEND:20261214T180000Z", "DURATION:PT45M", "DURATION:P3D", ""])),
        f"UID:{draw(st.one_of(TEXT, st.just('5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com')))}",
        f"SEQUENCE:{draw(NUMBER)}",
        f"DTSTAMP:{draw(st.sampled_from(['20261201T141503Z', '', 'x']))}",
        f"SUMMARY:{draw(TEXT)}",
        f"LOCATION:{draw(TEXT)}",
        f"X-GOOGLE-CONFERENCE:https://meet.google.com/{draw(TEXT)}",
        f'ORGANIZER;CN="{draw(PARAMETER)}":mailto:{draw(TEXT)}@initech.example',
        *(f'ATTENDEE;CN="{name}":mailto:{local}@initech.example' for name, local in people),
        *draw(st.sampled_from([[], [], [], ALARM, ["RRULE:FREQ=DAILY"], ["END:VALARM"]])),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(folded(line) for line in lines if line) + "\r\n"


def encoded(data: bytes, how: str) -> bytes:
    if how == "base64":
        return base64.encodebytes(data)
    if how == "quoted-printable":
        return quopri.encodestring(data)
    return data


@st.composite
def mails(draw) -> bytes:
    """A MIME tree of random shape; the calendar is one leaf of it, or none."""
    calendar = draw(calendars()).encode("utf-8", "surrogatepass")
    depth = draw(st.one_of(st.integers(0, 6), st.integers(90, 130)))
    siblings = draw(st.integers(0, 4))
    how = draw(st.sampled_from(["7bit", "base64", "quoted-printable", "x-junk"]))
    charset = draw(st.sampled_from(["utf-8", "latin-1", "x-unknown", "utf-7"]))
    kind = draw(
        st.sampled_from(
            [
                "text/calendar; method=REQUEST",
                "application/ics",
                'application/octet-stream; name="invite.ics"',
                "text/plain",
            ]
        )
    )
    leaf = (
        f"Content-Type: {kind}; charset={charset}\r\nContent-Transfer-Encoding: {how}\r\n\r\n"
    ).encode() + encoded(calendar, how)
    other = b"Content-Type: text/plain\r\n\r\n" + draw(TEXT).encode("utf-8", "surrogatepass")
    body = leaf
    for level in range(depth, 0, -1):
        boundary = f"b{level}".encode()
        parts = [body] + [other] * (siblings if level == depth else 0)
        inner = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
        header = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
        body = header + inner + b"--" + boundary + b"--\r\n"
    subject = draw(TEXT).encode("utf-8", "surrogatepass")
    return b"From: Priya <priya.shah@initech.example>\r\nSubject: " + subject + b"\r\n" + body


def dirty(text: str) -> list[str]:
    return [
        repr(c) for c in text
        if c not in KEPT and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
    ]  # fmt: skip


def read_or_refused(name: str, data: bytes) -> None:
    try:
        invitation = read_invitation(name, data, NEW_YORK)
    except BadInvitation as exc:
        line = str(exc)
        assert line.startswith(f"{name}: ") and line.endswith("nothing was written"), line
        assert not dirty(line) and len(line) < 600, line
        return
    for text in (invitation.summary, invitation.location, invitation.link, invitation.uid,
                 invitation.zone_from, *(p.name for p in invitation.parties),
                 *(p.email for p in invitation.parties)):  # fmt: skip
        assert not dirty(text), (text, dirty(text))
    people = people_of(invitation, MINE, "Alex Morgan")
    place(SEARCH, invitation, people, sender="mallory@evil.example")


FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)  # fmt: skip


@FAST
@given(calendars())
def test_any_invitation_is_read_clean_or_refused_in_one_clean_line(text):
    read_or_refused("x.ics", text.encode("utf-8", "surrogatepass"))


@FAST
@given(mails())
def test_any_mail_is_read_clean_or_refused_in_one_clean_line(data):
    read_or_refused("x.eml", data)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.one_of(calendars().map(lambda t: t.encode("utf-8", "surrogatepass")), mails()))
def test_add_from_invite_is_one_line_and_a_documented_exit(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "search.yaml"
    path.write_text(FILE, "utf-8")
    invite = folder / "invite.eml"
    invite.write_bytes(data)
    args = ["add", "--from-invite", str(invite), "--company", "Initech", "--role", "QA",
            "--interviewer", "Dana Lee <dana@initech.example>", "--yes", "-f", str(path)]  # fmt: skip
    result = CliRunner().invoke(cli, args, env={"TZ": "UTC"})
    assert result.exit_code in (0, 1, 2, 5), (result.exit_code, result.output)
    assert not dirty(result.stdout.replace("\n", "") + result.stderr.replace("\n", ""))
    if result.exit_code:
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert path.read_text("utf-8") == FILE
    else:
        assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0


@st.composite
def header_blocks(draw) -> bytes:
    """The header fields inbox fetches, as a sender (or a broken program) writes them."""
    word = st.sampled_from(["=?utf-8?b?", "=?utf-8?q?", "=?x-junk?q?", "?=", "=1B", "=E2=80=AE"])
    name = st.lists(st.one_of(TEXT, word), max_size=6).map("".join)
    address = st.one_of(TEXT.map(lambda t: f"{t}@initech.example"), TEXT, st.just(""))
    lines = [
        f"From: {draw(name)} <{draw(address)}>",
        f"Subject: {draw(name)}",
        f"Date: {draw(st.sampled_from(['Fri, 4 Dec 2026 14:00:00 +0000', '', 'x', '9' * 5000]))}",
        f"Message-ID: <{draw(TEXT)}>",
        f"Reply-To: {draw(address)}",
        f"Sender: {draw(address)}",
    ]
    data = "\r\n".join(lines) + "\r\n\r\n"
    return data.encode(draw(st.sampled_from(["utf-8", "latin-1"])), "replace")


@FAST
@given(header_blocks())
def test_any_mail_header_is_read_and_shown_clean(raw):
    from followup_cal.columns import one_line
    from followup_cal.mail.message import parse_headers

    message = parse_headers(7, raw)
    assert not dirty(message.shown_from(60)) and not dirty(one_line(message.subject, 80))
    assert not dirty(message.sender) and " " not in message.sender

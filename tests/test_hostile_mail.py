"""Hostile mail and invitations are bounded: size, parts, lines and components are
counted before anything is parsed, a file is measured before it is read and never read
past the limit, and a message in the mailbox is fetched no further than the limit. One
bad message is skipped with a line naming it, and the invitation beside it is read
(on Dovecot and on pymap, loaded by imapclient directly)."""

from __future__ import annotations

import email.utils
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from imap_server import PASSWORD, USER, Dovecot, imap_user_env, start_dovecot, start_pymap
from test_invites_cli import FILE
from test_invites_inbox import wrapped

from followup_cal.cli import cli
from followup_cal.errors import BadInvitation
from followup_cal.invites.reading import MAX_MAIL_BYTES, read_invitation

INVITES = Path(__file__).parent / "data" / "invites"
CALENDAR = (INVITES / "zoom_utc.ics").read_bytes()
NEW_YORK = ZoneInfo("America/New_York")


def headers(subject: str, sent: datetime, content_type: str) -> bytes:
    return (
        f"From: Dana Lee <dana.lee@acme.example>\r\nTo: Alex Morgan <{USER}@example.org>\r\n"
        f"Subject: {subject}\r\nDate: {email.utils.format_datetime(sent)}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@test>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()


def deep_mime(depth: int, sent: datetime) -> bytes:
    """``depth`` multiparts, each inside the one before, the invitation at the bottom."""
    body = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (k, k + 1)
        for k in range(depth)
    )
    body += b"--b%d\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n" % depth + CALENDAR
    body += b"".join(b"\r\n--b%d--\r\n" % k for k in range(depth, -1, -1))
    return headers("Deep", sent, 'multipart/mixed; boundary="b0"') + body


def too_large(sent: datetime) -> bytes:
    """An invitation with an attachment that makes the mail over the limit."""
    return (
        headers("Large", sent, 'multipart/mixed; boundary="x"')
        + b"--x\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n"
        + CALENDAR
        + b"\r\n--x\r\nContent-Type: application/octet-stream; name=deck.pdf\r\n\r\n"
        + b"A" * 76 * (MAX_MAIL_BYTES // 76 + 10_000)
        + b"\r\n--x--\r\n"
    )


@pytest.mark.parametrize("depth", [2_000, 101])
def test_deep_mime_is_one_line_never_a_recursion_error(depth):
    with pytest.raises(BadInvitation) as caught:
        read_invitation("deep.eml", deep_mime(depth, datetime(2026, 12, 4, tzinfo=UTC)), NEW_YORK)
    assert "has more than 100 parts, nested or side by side" in str(caught.value)


def test_a_few_nested_parts_are_read():
    invitation = read_invitation(
        "deep.eml", deep_mime(8, datetime(2026, 12, 4, tzinfo=UTC)), NEW_YORK
    )
    assert invitation.organizer == "dana.lee@acme.example"


@pytest.mark.parametrize(
    ("what", "calendar"),
    [
        ("lines", CALENDAR.replace(b"END:VEVENT", b"X-A:b\r\n" * 20_001 + b"END:VEVENT")),
        (
            "components",
            CALENDAR.replace(b"END:VEVENT", b"BEGIN:X\r\nEND:X\r\n" * 201 + b"END:VEVENT"),
        ),
    ],
)
def test_a_calendar_of_too_many_lines_or_components_is_refused_before_it_is_parsed(
    what, calendar, monkeypatch
):
    import icalendar

    def never(*_args):
        raise AssertionError("parsed")

    monkeypatch.setattr(icalendar.Calendar, "from_ical", never)
    with pytest.raises(BadInvitation) as caught:
        read_invitation("many.ics", calendar, NEW_YORK)
    assert "more than an invitation" in str(caught.value) and what in str(caught.value)


def test_a_file_is_measured_before_it_is_read(tmp_path):
    """A sparse 600 MB file is refused by its size (it took 641 MB of memory to refuse),
    and a device without a size is read no further than the limit."""
    big = tmp_path / "big.eml"
    with big.open("wb") as file:
        file.truncate(600 << 20)
    search = tmp_path / "search.yaml"
    search.write_text(FILE, "utf-8")
    for path in (big, Path("/dev/zero")):
        command = ["add", "--from-invite", str(path), "-f", str(search)]
        code, kilobytes, said = peak(MEASURED_CLI, *command)
        assert code == "1", said
        assert said == (
            f"{path}: is over 25 MB, too large for an invitation or a mail with one; "
            "nothing was written\n"
        )
        assert kilobytes < 100_000, kilobytes  # the tool itself and at most 25 MB read


# A command, or a read, in a process of its own, and the most memory it held: VmHWM, the
# high-water mark of its own memory since its exec (ru_maxrss would keep the larger one
# of the test process it was forked from).
PEAK = """
status = open("/proc/self/status").read()
peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
print(code, peak)
"""
MEASURED_CLI = (
    """
import sys
from followup_cal.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="followup-cal")
except SystemExit as exc:
    code = exc.code
"""
    + PEAK
)
MEASURED_READ = (
    """
import sys
from zoneinfo import ZoneInfo
from followup_cal.invites.reading import read_invitation
code = read_invitation("m", open(sys.argv[1], "rb").read(), ZoneInfo("UTC")).uid
"""
    + PEAK
)


def peak(program: str, *args: str) -> tuple[str, int, str]:
    """What ``program`` printed (its code or answer), its peak memory in KB, its stderr."""
    result = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}, check=True,
    )  # fmt: skip
    code, kilobytes = result.stdout.split()
    return code, int(kilobytes), result.stderr


@pytest.fixture(scope="module", params=["dovecot", "pymap"])
def hostile_mailbox(request):
    from imapclient import IMAPClient

    server = start_dovecot() if request.param == "dovecot" else start_pymap()
    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    # pymap answers APPEND of the deep one with an error of its own: Dovecot only.
    deep = [(2, deep_mime(2_000, datetime(2026, 12, 2, 9, tzinfo=UTC)))]
    for day, raw in (
        *(deep if request.param == "dovecot" else []),
        (3, too_large(datetime(2026, 12, 3, 9, tzinfo=UTC))),
        (4, wrapped("exchange_windows_zone.ics", "Anna Keller <anna.keller@umbrella.example>",
                    "Einladung", datetime(2026, 12, 4, 9, tzinfo=UTC))),
    ):  # fmt: skip
        client.append("INBOX", raw, [], msg_time=datetime(2026, 12, day, 9, tzinfo=UTC))
    client.logout()
    yield server
    server.stop()


def test_one_bad_message_is_skipped_with_a_line_and_the_rest_are_read(
    hostile_mailbox, tmp_path, monkeypatch
):
    imap_user_env(monkeypatch, tmp_path)
    path = tmp_path / "interviews.yaml"
    path.write_text(
        "me:\n  name: Alex Morgan\n  email: alex.morgan@example.org\n  timezone: UTC\n"
        f"imap:\n  url: {hostile_mailbox.url}\n  user: {USER}\ninterviews: []\n",
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["inbox", str(path), "--today", "2026-12-05"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2026-12-09 10:00 Europe/Berlin with Anna Keller, Jonas Bauer" in out
    assert "Large\n  not taken: is over 25 MB, too large for a mail with an invitation" in out
    if isinstance(hostile_mailbox, Dovecot):  # pymap took no such mail (see above)
        assert "Deep\n  not taken: has more than 100 parts, nested or side by side" in out


def with_deck(mail: bytes, size: int = 3 << 20) -> bytes:
    """``mail`` forwarded with a large attachment beside it, as a recruiter sends a deck."""
    import base64

    deck = base64.encodebytes(bytes(range(256)) * (size // 256))
    return (
        b"From: Priya <priya.shah@initech.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\n'
        b"Content-Type: message/rfc822\r\n\r\n" + mail + b"\r\n--outer\r\n"
        b"Content-Type: application/pdf; name=deck.pdf\r\nContent-Transfer-Encoding: base64"
        b"\r\n\r\n" + deck + b"\r\n--outer--\r\n"
    )


MAILS = sorted(p for p in INVITES.iterdir() if p.suffix == ".eml")


@pytest.mark.parametrize("path", MAILS, ids=lambda p: p.name)
def test_a_large_attachment_beside_an_invitation_changes_nothing_read(path):
    """The bodies of large parts that are no calendar are dropped before the mail is
    parsed: what is read of each invitation is the same with a deck beside it."""
    alone = read_invitation("m.eml", path.read_bytes(), NEW_YORK)
    beside = read_invitation("m.eml", with_deck(path.read_bytes()), NEW_YORK)
    assert beside == alone


def test_a_23_mb_mail_is_read_in_little_more_memory_than_its_size(tmp_path):
    """It took 230 MB: the mail parser holds about ten times a body's size."""
    mail = tmp_path / "big.eml"
    mail.write_bytes(with_deck((INVITES / "google_request.eml").read_bytes(), 17 << 20))
    assert mail.stat().st_size > 23_000_000
    uid, kilobytes, _said = peak(MEASURED_READ, str(mail))
    assert uid == "5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com"
    assert kilobytes < 100_000, kilobytes  # the mail, a copy to count its parts, the tool

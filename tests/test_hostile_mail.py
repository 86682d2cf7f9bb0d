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
    assert "parts or more, nested or side by side" in str(caught.value)


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
        command = [sys.executable, "-m", "followup_cal", "add", "--from-invite", str(path)]
        # Measured in a process of its own: the most memory its child ever held.
        measure = (
            "import resource, subprocess, sys; "
            "run = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "print(run.stderr, end='')"
        )
        result = subprocess.run(
            [sys.executable, "-c", measure, *command, "-f", str(search)],
            capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}, check=True,
        )  # fmt: skip
        first, said = result.stdout.split("\n", 1)
        code, kilobytes = map(int, first.split())
        assert code == 1, result.stdout
        assert said == (
            f"{path}: is over 25 MB, too large for an invitation or a mail with one; "
            "nothing was written\n"
        )
        assert kilobytes < 150_000, kilobytes  # the tool itself and at most 25 MB read


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
        assert "Deep\n  not taken: has 2001 parts or more, nested or side by side" in out

"""`followup-cal inbox` finds invitations in a real Dovecot and proposes each as
`add --from-invite` would: a move of a round it follows, a new interview, a next round;
with --yes it records the move; nothing is sent and every message stays unread."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from imap_server import USER, Mail, imap_user_env, start_dovecot

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.loader import load

INVITES = Path(__file__).parent / "data" / "invites"
TODAY = ["--today", "2026-12-05"]


@dataclass(frozen=True)
class Raw(Mail):
    """A message as the app sent it, delivered as it is."""

    raw: bytes = b""

    def as_bytes(self) -> bytes:
        return self.raw


def wrapped(name: str, sender: str, subject: str, sent: datetime) -> bytes:
    """An .ics as a calendar app mails it: a text part and the calendar part."""
    calendar = (INVITES / name).read_bytes().decode()
    lines = [
        f"From: {sender}",
        f"To: Alex Morgan <{USER}@example.org>",
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(sent)}",
        f"Message-ID: <{name}@test>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "An invitation.",
        "--b",
        'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
        "",
        calendar.replace("\r\n", "\n").rstrip("\n").replace("\n", "\r\n"),
        "--b--",
        "",
    ]
    return "\r\n".join(lines).encode()


def at(day: int) -> datetime:
    return datetime(2026, 12, day, 14, 0, tzinfo=UTC)


FILE = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.org
  timezone: America/New_York
imap:
  url: {url}
  user: {user}

interviews:
  - id: initech
    company: Initech
    role: Backend Engineer
    rounds:
      - start: 2026-12-01 11:00
        interviewers:
          - name: Priya Shah
            email: priya.shah@initech.example
      - start: 2026-12-08 10:00
        duration: 60
        interviewers:
          - name: Sam Roe
            email: sam.roe@initech.example
        invitation: {{uid: 5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com, sequence: 0}}
"""


@pytest.fixture(scope="module")
def dovecot():
    server = start_dovecot()
    priya = "Priya Shah <priya.shah@initech.example>"
    google = (INVITES / "google_request.eml").read_bytes()
    server.deliver(Raw(priya, "Invitation", at(1), raw=google))
    moved = wrapped("google_reschedule.ics", priya, "Updated invitation", at(3))
    server.deliver(Raw(priya, "Updated invitation", at(3), raw=moved))
    anna = "Anna Keller <anna.keller@umbrella.example>"
    umbrella = wrapped("exchange_windows_zone.ics", anna, "Einladung", at(2))
    server.deliver(Raw(anna, "Einladung", at(2), raw=umbrella))
    hank = "Hank Scorpio <hank.scorpio@globex.example>"
    weekly = wrapped("recurring.ics", hank, "Weekly sync", at(2))
    server.deliver(Raw(hank, "Weekly sync", at(2), raw=weekly))
    server.deliver(Mail("Shop <orders@shop.example>", "Your order", at(2)))
    yield server
    server.stop()


@pytest.fixture
def search(dovecot, tmp_path, monkeypatch) -> Path:
    imap_user_env(monkeypatch, tmp_path)
    path = tmp_path / "interviews.yaml"
    path.write_text(FILE.format(url=dovecot.url, user=USER), "utf-8")
    return path


def inbox(path: Path, *args: str):
    return CliRunner().invoke(cli, ["inbox", str(path), *TODAY, *args], catch_exceptions=False)


def test_each_invitation_is_proposed_as_what_it_is_to_the_file(dovecot, search):
    before_file = search.read_bytes()
    before_mail = dovecot.message_files()
    result = inbox(search)
    assert result.exit_code == 0, result.output
    out = result.stdout
    # The reschedule of round 2 (SEQUENCE 1): a move, not a next round; the first copy
    # (SEQUENCE 0, what the file has) is not shown.
    assert "a move of a round: round 2 of 'initech' follows this invitation" in out
    assert "round 2 of 'initech' moves to 2026-12-10 14:00 America/New_York" in out
    # A company not in the file: a new interview, with the company guessed.
    assert "a new interview: no interview in the file has its UID" in out
    assert "2026-12-09 10:00 Europe/Berlin with Anna Keller, Jonas Bauer" in out
    assert "company: Umbrella (from the address domain umbrella.example)" in out
    assert "add it: save the mail (or its .ics) and run: followup-cal add --from-invite FILE" in out
    # A weekly meeting is one line, not a round.
    assert "  not taken: is a recurring meeting (RRULE), not one interview; nothing was" in out
    assert "Your order" not in out and "interview' (METHOD:REQUEST, SEQUENCE 0)" not in out
    # Read-only: the file and every message's flags (a maildir file's name) as they were.
    assert search.read_bytes() == before_file
    assert dovecot.message_files() == before_mail


def test_yes_records_the_move_and_plans_again_from_it(dovecot, search):
    result = inbox(search, "--yes")
    assert result.exit_code == 0, result.output
    assert "moved round 2 of 'initech'" in result.stdout
    round_2 = load(str(search)).interviews[0].rounds[1]
    assert round_2.start.isoformat() == "2026-12-10T14:00:00-05:00"
    assert (round_2.invitation_sequence, round_2.duration.seconds) == (1, 45 * 60)
    assert len(load(str(search)).interviews) == 1  # a new interview is never added unasked

    moved = search.read_bytes()
    again = inbox(search, "--yes")
    assert "moved round" not in again.stdout and search.read_bytes() == moved


@pytest.fixture(scope="module")
def cancelled_mailbox():
    server = start_dovecot()
    priya = "Priya Shah <priya.shah@initech.example>"
    cancel = wrapped("google_cancel.ics", priya, "Canceled event", at(4))
    server.deliver(Raw(priya, "Canceled event", at(4), raw=cancel))
    yield server
    server.stop()


def test_a_cancellation_in_the_mailbox_leaves_no_follow_up_for_its_round(cancelled_mailbox, search):
    text = search.read_text("utf-8").replace(dovecot_url(search), cancelled_mailbox.url)
    search.write_text(text, "utf-8")
    shown = inbox(search)
    assert "a cancellation of a round: round 2 of 'initech'" in shown.stdout
    assert "round 2 of 'initech' is cancelled" in shown.stdout
    result = inbox(search, "--yes")
    assert result.exit_code == 0, result.output
    assert "cancelled round 2 of 'initech'" in result.stdout
    loaded = load(str(search))
    assert loaded.interviews[0].rounds[1].cancelled
    planned = service.plan(loaded, loaded.interviews[0].rounds[0].start.date())
    assert planned and all(item.round == 1 for item in planned)


def dovecot_url(path: Path) -> str:
    return re.search(r"url: (\S+)", path.read_text("utf-8"))[1]

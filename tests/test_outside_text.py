"""Every surface that shows or keeps text from outside runs it through one cleaner
(columns.one_line): the same hostile strings fed to an invitation (read by `add
--from-invite`, then planned, listed and drafted), a mail in a real Dovecot (`inbox`), a
calendar's names on a real Radicale (`sync`), and what an HTTP client sends (`serve`'s
log) never reach the terminal or the YAML as escapes, controls, bidi or format
characters, and long ones are cut."""

from __future__ import annotations

import email.header
import email.utils
import http.client
import socket
import threading
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from imap_server import USER, imap_user_env, start_dovecot
from test_invites_inbox import Raw

from followup_cal.cli import cli

INVITES = Path(__file__).parent / "data" / "invites"
# A terminal title and a screen clear (OSC, CSI), a one-byte C1 CSI, NUL and DEL, bidi
# overrides and isolates, a zero-width space, a tag character, Arabic's letter mark.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eevil\u2066x\u2069\x9b31m\x00\x7f\u200b\U000e0041\u061c"
# What a parameter (CN=) can carry: icalendar drops a line with a C0 control in one.
IN_PARAMETER = "\u202eevil\u2066x\u2069\x9b31m\u200b\U000e0041\u061c"
KEPT = ("\u200c", "\u200d")  # joiners shape scripts and emoji, and move nothing


def dirty(text: str) -> list[str]:
    """The characters of ``text`` no outside string may bring (a line break is ours)."""
    return [
        repr(c)
        for c in text
        if c != "\n" and c not in KEPT and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
    ]


FILE = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.org
  timezone: America/New_York
{imap}
interviews:
  - id: initech
    company: Initech
    role: Backend Engineer
    rounds:
      - start: 2026-12-01 11:00
        interviewers:
          - name: Priya Shah
            email: priya.shah@initech.example
"""


def hostile_invitation(changes: dict[str, str] | None = None) -> bytes:
    """Zoom's invitation with the hostile strings in every field that is shown or kept."""
    text = (INVITES / "zoom_utc.ics").read_text("utf-8")
    text = text.replace("SUMMARY:Dana Lee's Zoom Meeting", f"SUMMARY:Interview {HOSTILE}")
    text = text.replace(
        "ORGANIZER;CN=Dana Lee:", f'ORGANIZER;CN="Dana {IN_PARAMETER} Lee":'
    ).replace(
        "LOCATION:https://acme.zoom.us",
        f'ATTENDEE;CN="{IN_PARAMETER}{"long " * 100}":mailto:sam{HOSTILE}@acme.example\r\n'
        f'ATTENDEE;CN="Kim {IN_PARAMETER}Park":mailto:kim.park@acme.example\r\n'
        f"LOCATION:Room {HOSTILE} 4 https://acme.zoom.us",
    )
    text = text.replace("UID:20261204T160233Z", f"UID:{HOSTILE}20261204T160233Z")
    for old, new in (changes or {}).items():
        text = text.replace(old, new)
    return text.encode("utf-8")


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), env={"TZ": "UTC"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def search(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    path = tmp_path / "interviews.yaml"
    path.write_text(FILE.format(imap=""), "utf-8")
    return path


def test_an_invitation_s_fields_reach_the_terminal_and_the_file_clean(search, tmp_path):
    invite = tmp_path / "invite.ics"
    invite.write_bytes(hostile_invitation())
    added = invoke(
        "add", "--from-invite", str(invite), "--company", "Acme", "--role", "QA", "--yes",
        "-f", str(search),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    written = search.read_text("utf-8")
    assert "Dana evilx Lee" in written and "Kim evilxPark" in written
    assert "Room evilx 4" in written
    shown = [added.stdout + added.stderr, written]
    for args in (
        ["plan", str(search), "--today", "2026-12-10"],
        ["agenda", str(search), "--today", "2026-12-15"],
        ["draft", "acme", "thank_you", "-f", str(search), "--today", "2026-12-15"],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        shown.append(result.stdout + result.stderr)
    for text in shown:
        assert not dirty(text), (dirty(text), text)
        assert "pwned" not in text and "long " * 30 not in text  # cut to a name's length


@pytest.mark.parametrize(
    "changes",
    [
        {"METHOD:REQUEST": f"METHOD:{HOSTILE}"},
        {"DTSTART:20261214T170000Z": f"DTSTART;TZID={IN_PARAMETER}:20261214T170000"},
        {"DTSTART:20261214T170000Z": f"DTSTART;TZID=Mars {IN_PARAMETER}:20261214T170000"},
        {"DTEND:20261214T173000Z": f"DTEND:2026{HOSTILE}"},
        {"DTSTAMP:": f"SEQUENCE:{HOSTILE}\r\nDTSTAMP:"},
        {"DTSTAMP:": f"SEQUENCE:{'9' * 5000}\r\nDTSTAMP:"},
        {"UID:": f"UID:{'x' * 5000}"},
    ],
)
def test_a_refused_invitation_s_line_is_clean_and_short(search, tmp_path, changes):
    invite = tmp_path / "invite.ics"
    invite.write_bytes(hostile_invitation(changes))
    before = search.read_bytes()
    result = invoke("add", "--from-invite", str(invite), "--yes", "-f", str(search))
    assert result.exit_code != 0, result.output
    [line] = result.stderr.splitlines()
    assert not dirty(line) and "pwned" not in line and len(line) < 400, line
    assert search.read_bytes() == before


@pytest.fixture(scope="module")
def dovecot():
    server = start_dovecot()
    yield server
    server.stop()


def test_inbox_shows_a_hostile_mail_and_its_invitation_clean(dovecot, tmp_path, monkeypatch):
    imap_user_env(monkeypatch, tmp_path)
    sent = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    # IMAP carries no NUL byte in a message (Dovecot changes it): the rest of the string.
    calendar = hostile_invitation().decode("utf-8").replace("\x00", "")
    encoded = email.header.Header(f"Invitation {HOSTILE}", "utf-8").encode()
    raw = "\r\n".join(
        [
            "From: =?utf-8?q?Dana_=1B=5D0=3Bpwned=07Lee?= <dana.lee@acme.example>",
            f"To: Alex Morgan <{USER}@example.org>",
            f"Subject: {encoded}",
            f"Date: {email.utils.format_datetime(sent)}",
            "Message-ID: <hostile@test>",
            "MIME-Version: 1.0",
            'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
            "Content-Transfer-Encoding: 8bit",
            "",
            calendar,
        ]
    ).encode("utf-8")
    dovecot.deliver(Raw("dana.lee@acme.example", "Invitation", sent, raw=raw))
    path = tmp_path / "interviews.yaml"
    path.write_text(FILE.format(imap=f"imap:\n  url: {dovecot.url}\n  user: {USER}\n"), "utf-8")
    result = invoke("inbox", str(path), "--today", "2026-12-05", "-v")
    assert result.exit_code == 0, result.output
    assert "a new interview" in result.stdout, result.stdout
    text = result.stdout + result.stderr
    assert not dirty(text) and "pwned" not in text, (dirty(text), text)


def test_serve_logs_what_a_client_sends_clean(tmp_path):
    from followup_cal.calendar.ics import FeedStyle
    from followup_cal.journal.state import ExportState
    from followup_cal.serve import FeedSource, make_server

    path = tmp_path / "interviews.yaml"
    path.write_text(FILE.format(imap=""), "utf-8")
    log: list[str] = []
    source = FeedSource(
        str(path), FeedStyle(public=True), ExportState(), lambda: date(2026, 11, 23), log.append
    )
    server = make_server("127.0.0.1", 0, "", source, log.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        raw = HOSTILE.encode("utf-8")
        for request in (
            b"GET /" + raw + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # its path
            b"GET / HTTP/1.1\r\nHost: " + raw + b"\r\n\r\n",  # its Host header
            b"GET / " + raw + b"\r\n\r\n",  # a request line http.server refuses
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(request)
                conn.settimeout(10)
                while conn.recv(65536):
                    pass
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/" + "a" * 5000)
        conn.getresponse().read()
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
    assert len(log) >= 4, log
    for line in log:  # http.server's own words show a refused line as a repr: harmless
        assert not dirty(line) and len(line) < 400, line


def test_a_calendar_s_name_on_the_server_is_printed_clean(tmp_path, monkeypatch):
    from caldav_servers import http_request, start_radicale

    server = start_radicale(tmp_path / "radicale")
    try:
        # XML 1.0 carries no C0 control: the rest of the hostile string.
        name = IN_PARAMETER + "\x7f"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>'
            f"{name}</D:displayname></D:prop></D:set></C:mkcalendar>"
        )
        made = http_request(
            "MKCALENDAR", f"{server.url}{server.user}/hostile/", body,
            auth=(server.user, server.password),
        )  # fmt: skip
        assert made.status_code == 201, made
        monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", server.password)
        path = tmp_path / "interviews.yaml"
        path.write_text(FILE.format(imap=""), "utf-8")
        result = invoke(
            "sync", str(path), "--url", server.url, "--user", server.user,
            "--calendar", "Not there", "--today", "2026-12-05",
        )  # fmt: skip
    finally:
        server.stop()
    assert result.exit_code == 8, result.output
    assert "no calendar named 'Not there'" in result.stderr and "evilx" in result.stderr
    assert not dirty(result.stderr) and "pwned" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["draft", HOSTILE, "thank_you"],  # an error line that quotes what it was given
        ["plan", "--today", HOSTILE],  # click's own usage error
    ],
)
def test_every_error_line_is_printed_clean(search, args):
    result = invoke(*args, "-f", str(search))
    assert result.exit_code in (2, 5), result.output
    [line] = result.stderr.splitlines()
    assert "evilx" in line and not dirty(line) and "pwned" not in line, line

"""`followup-cal inbox` against a real Dovecot (Debian's dovecot-imapd, started here).

The maildir holds answers from the company, unrelated mail, an answer from an
interviewer's personal address, and mail from look-alike domains. Dovecot's own log
says what was fetched: its logout line counts the headers and bodies a session read.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import interview, search_text
from imap_server import PASSWORD, USER, Mail, start_dovecot

from followup_cal.cli import cli
from followup_cal.mail.imap import Account

TODAY = ["--today", "2026-11-23"]


def met(ident: str, start: str, name: str, address: str, **more) -> dict:
    """An interview with one round and one interviewer."""
    people = [{"name": name, "email": address}]
    company = ident.capitalize()
    return interview(
        id=ident, company=company, rounds=[{"start": start, "interviewers": people}], **more
    )


ACME = interview()  # Dana Lee <dana@acme.example>, Mon 2 Nov 2026
NORTHWIND = met("northwind", "2026-11-05 14:00", "Priya Shah", "priya.shah@gmail.com")
HELIO = met("helio", "2026-11-03 11:00", "Lukas Becker", "lukas@helio.example")
ANSWERED = met(
    "quantum", "2026-11-02 09:00", "Ravi Rao", "ravi@quantum.example", heard_back="2026-11-06"
)


def at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


MAILBOX = [
    # Acme answers the thank-you, then writes again.
    Mail("Dana Lee <dana@acme.example>", "Re: Thank you for today", at(4)),
    Mail("Acme Recruiting <jobs@acme.example>", "Next steps", at(12)),
    # The invitation, before the interview: not an answer.
    Mail(
        "Dana Lee <dana@acme.example>",
        "Your interview on Monday",
        datetime(2026, 10, 28, tzinfo=UTC),
    ),
    # Northwind's interviewer writes from her personal address.
    Mail("Priya Shah <priya.shah@gmail.com>", "Re: Checking in", at(13, 18)),
    # Unrelated, and look-alikes of Helio's domain.
    Mail("Some Newsletter <news@gmail.com>", "Ten tips for interviews", at(10)),
    Mail("Lukas Becker <lukas@helio.example.net>", "Re: your application", at(11)),
    Mail("Helio HR <hr@helio-example.com>", "Offer letter", at(12)),
    Mail("Acme Billing <billing@acme.example.co>", "Invoice due", at(9)),
    Mail("Shop <orders@shop.example>", "Your order has shipped", at(14)),
    # Quantum's reply is recorded already (heard_back 6 Nov).
    Mail("Ravi Rao <ravi@quantum.example>", "Quantum: our decision", at(6)),
]


@pytest.fixture(scope="module")
def dovecot():
    server = start_dovecot()
    for mail in MAILBOX:
        server.deliver(mail)
    server.deliver(Mail("Dana Lee <dana@acme.example>", "filed away", at(15)), folder="Archive")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc of the machine's
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("FOLLOWUP_CAL_IMAP_PASSWORD", PASSWORD)
    for name in ("FOLLOWUP_CAL_IMAP_URL", "FOLLOWUP_CAL_IMAP_USER", "FOLLOWUP_CAL_FILE"):
        monkeypatch.delenv(name, raising=False)


def write_file(tmp_path: Path, url: str, *interviews) -> Path:
    path = tmp_path / "interviews.yaml"
    imap = {"url": url, "user": USER}
    path.write_text(search_text(*(interviews or (ACME, NORTHWIND, HELIO, ANSWERED)), imap=imap))
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_proposes_each_answer_with_sender_and_subject_and_changes_nothing(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url)
    before_yaml = path.read_text()
    before_mail = dovecot.message_files()
    sessions = len(dovecot.logouts())

    result = run("inbox", str(path), *TODAY)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The interview that answered already still waits to hear: a reply ends nothing.
    # Every folder that can hold an answer: Archive too, not Sent (read for what you sent).
    assert lines[0] == (
        "Searched INBOX, Archive at 127.0.0.1 for 4 interviews waiting to hear back: 2 answers."
    )
    assert "  Sun 15 Nov 10:00  Dana Lee <dana@acme.example>  filed away" in lines
    assert "  Wed 4 Nov 10:00  Dana Lee <dana@acme.example>  Re: Thank you for today" in lines
    assert "  Thu 12 Nov 10:00  Acme Recruiting <jobs@acme.example>  Next steps" in lines
    assert f"  record it: followup-cal reply acme --on 2026-11-04 -f {path}" in lines
    assert "  Fri 13 Nov 13:00  Priya Shah <priya.shah@gmail.com>  Re: Checking in" in lines
    assert f"  record it: followup-cal reply northwind --on 2026-11-13 -f {path}" in lines
    for not_an_answer in (
        "Your interview",
        "Newsletter",
        "helio",
        "Helio",
        "Invoice",
        "Shop",
        "Quantum",
    ):
        assert not_an_answer not in result.output
    # Read-only: the file, and every message's flags (part of a maildir file's name).
    assert path.read_text() == before_yaml
    assert dovecot.message_files() == before_mail
    # Dovecot's count: the headers of the 4 answers, Quantum's reply recorded already (it
    # still waits to hear: a reply ends nothing) and the 2 look-alikes the substring search
    # could not tell apart (never the whole mailbox), and the text of the 4 answers only,
    # for what they say.
    [logout] = dovecot.logouts_after(sessions)
    assert "hdr_count=7 " in logout and "body_count=4 " in logout, logout


def test_yes_records_each_reply_as_the_reply_command_would(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url)
    before = path.read_text()

    result = run("inbox", str(path), "--yes", *TODAY)

    assert result.exit_code == 0, result.output
    assert "Acme answered on Wed 4 Nov 2026" in result.output
    # A reply restarts the wait (two weeks after it) and ends nothing.
    assert "  moved: Follow-up 1 → Dana Lee (Mon 9 Nov 2026) to Wed 18 Nov" in result.output
    assert "cancelled" not in result.output
    assert "Northwind answered on Fri 13 Nov 2026" in result.output
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), path.read_text().splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert diff == ["+  heard_back: 2026-11-04", "+  heard_back: 2026-11-13"]
    # Recorded answers are not proposed again; a later message is a new answer, and only a
    # likely one: proposed, not recorded.
    again = run("inbox", str(path), *TODAY)
    lines = again.output.splitlines()
    assert lines[0] == (
        "Searched INBOX, Archive at 127.0.0.1 for 4 interviews waiting to hear back: 1 answer."
    )
    assert "acme (Acme): answered on Thu 12 Nov (likely)" in lines
    assert "  Sun 15 Nov 10:00  Dana Lee <dana@acme.example>  filed away" in lines
    assert "Re: Thank you" not in again.output and "northwind" not in again.output


def test_since_and_folder(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url)
    late = run("inbox", str(path), "--since", "2026-11-12", *TODAY)
    assert "acme --on 2026-11-12" in late.output  # only the second Acme message is left
    archive = run("inbox", str(path), "--folder", "Archive", *TODAY)
    assert "acme --on 2026-11-15" in archive.output
    assert "northwind" not in archive.output


def test_agenda_reminds_until_the_inbox_is_read(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url, ACME)
    note = "note: Follow-up 1 to Acme is due and your inbox has not been read by 'inbox' yet"
    first = run("agenda", str(path), *TODAY)
    assert note in first.stderr
    assert run("inbox", str(path), "--today", "2026-11-22").exit_code == 0
    assert "note:" not in run("agenda", str(path), "--today", "2026-11-23").stderr
    later = run("agenda", str(path), "--today", "2026-11-24")
    assert "your inbox was last read on Sun 22 Nov" in later.stderr
    # No account, no reminder.
    plain = tmp_path / "plain.yaml"
    plain.write_text(search_text(ACME))
    assert "note:" not in run("agenda", str(plain), *TODAY).stderr


def test_agenda_reminds_when_the_account_is_only_in_the_config_file(tmp_path, monkeypatch):
    """The account in config.toml's [imap] is as set up as one in the file."""
    plain = tmp_path / "plain.yaml"
    plain.write_text(search_text(ACME))
    config = tmp_path / "config" / "followup-cal" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[imap]\nurl = "imaps://mail.example.org"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FOLLOWUP_CAL_IMAP_URL", raising=False)
    note = "note: Follow-up 1 to Acme is due and your inbox has not been read by 'inbox' yet"
    assert note in run("agenda", str(plain), *TODAY).stderr


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"FOLLOWUP_CAL_IMAP_PASSWORD": "wrong"}, 6, "refused the credentials of alex"),
        (
            {"FOLLOWUP_CAL_IMAP_PASSWORD": ""},
            6,
            "no password for alex: set FOLLOWUP_CAL_IMAP_PASSWORD",
        ),
        ({"folder": "Nope"}, 5, "no folder 'Nope'; the folders are: Archive, INBOX, Sent"),
        ({"port": "closed"}, 7, "could not be reached"),
        ({"url": "https://mail.example.org"}, 2, "'https:' is not imap: or imaps:"),
    ],
)
def test_failures_are_one_line_and_an_exit_code(
    dovecot, tmp_path, monkeypatch, change, code, message
):
    url = change.get("url", dovecot.url)
    if change.get("port") == "closed":
        from caldav_servers import free_port

        url = f"imap://127.0.0.1:{free_port()}"
    path = write_file(tmp_path, dovecot.url)
    for name, value in change.items():
        if name.startswith("FOLLOWUP"):
            monkeypatch.setenv(name, value)
    args = ["inbox", str(path), "--url", url, *TODAY]
    if "folder" in change:
        args += ["--folder", change["folder"]]
    result = run(*args)
    assert result.exit_code == code, result.output
    [line] = result.stderr.splitlines()
    assert message in line


def test_plain_text_only_to_this_machine(dovecot, tmp_path, monkeypatch):
    path = write_file(tmp_path, dovecot.url)
    # The same server, as if it were elsewhere on the network: no STARTTLS, no login.
    monkeypatch.setattr(Account, "loopback", property(lambda self: False))
    refused = run("inbox", str(path), *TODAY)
    assert refused.exit_code == 7
    assert (
        "offers no STARTTLS, so the password would cross the network in the clear" in refused.stderr
    )
    allowed = run("inbox", str(path), "--insecure", *TODAY)
    assert allowed.exit_code == 0
    assert "offers no STARTTLS; the password goes in the clear" in allowed.stderr


@pytest.fixture(scope="module")
def tls_dovecot():
    server = start_dovecot(tls=True)
    server.deliver(MAILBOX[0])
    yield server
    server.stop()


@pytest.mark.parametrize("scheme", ["imaps", "starttls"])
def test_tls_certificates_are_verified(tls_dovecot, tmp_path, monkeypatch, scheme):
    port = tls_dovecot.tls_port if scheme == "imaps" else tls_dovecot.port
    url = f"{'imaps' if scheme == 'imaps' else 'imap'}://localhost:{port}"
    path = write_file(tmp_path, url, ACME)
    untrusted = run("inbox", str(path), *TODAY)
    assert untrusted.exit_code == 7
    assert "its TLS certificate could not be verified" in untrusted.stderr
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_dovecot.certificate))  # trust only this one
    trusted = run("inbox", str(path), *TODAY)
    assert trusted.exit_code == 0, trusted.output
    assert "followup-cal reply acme --on 2026-11-04" in trusted.output


def test_verbose_lists_the_imap_commands_and_never_the_password(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url)
    result = CliRunner().invoke(cli, ["-v", "inbox", str(path), *TODAY])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert f"followup-cal: IMAP logged in to 127.0.0.1 as {USER}" in lines
    assert any(line.startswith("followup-cal: IMAP SEARCH in INBOX: ") for line in lines)
    assert any(line.startswith("followup-cal: IMAP FETCH in INBOX: ") for line in lines)
    # Before a folder is open, no empty "in": the folders are listed by LIST.
    assert not any(" in :" in line for line in lines)
    assert any(line.startswith("followup-cal: IMAP LIST: ") for line in lines)
    assert PASSWORD not in result.output


def test_a_server_that_hangs_up_after_examine_is_a_connection_problem(
    dovecot, tmp_path, monkeypatch
):
    """Dovecot is told to drop the session (doveadm kick) just as EXAMINE is sent: it
    says BYE, which is the server going away (7), not a folder missing (5)."""
    import subprocess

    from imapclient import IMAPClient

    examine = IMAPClient.select_folder

    def kicked_first(self, folder, readonly=False):
        subprocess.run(
            ["doveadm", "-c", str(dovecot.root / "dovecot.conf"), "kick", USER],
            check=True,
            capture_output=True,
        )
        return examine(self, folder, readonly)

    monkeypatch.setattr(IMAPClient, "select_folder", kicked_first)
    path = write_file(tmp_path, dovecot.url)
    result = run("inbox", str(path), *TODAY)
    assert result.exit_code == 7, result.output
    [line] = result.stderr.splitlines()
    assert "the connection broke" in line and "no folder" not in line, line


def test_several_folders_from_the_command_line_or_the_file(dovecot, tmp_path):
    path = write_file(tmp_path, dovecot.url, ACME)
    both = run("inbox", str(path), "--folder", "Archive", "--folder", "INBOX", *TODAY)
    assert both.stdout.startswith("Searched Archive, INBOX at 127.0.0.1 for 1 interview")
    assert "acme --on 2026-11-04" in both.stdout  # the earliest answer of either folder
    assert "filed away" in both.stdout and "Re: Thank you for today" in both.stdout
    imap = {"url": dovecot.url, "user": USER, "folder": "Archive", "folders": ["INBOX"]}
    path.write_text(search_text(ACME, imap=imap))
    from_file = run("inbox", str(path), *TODAY)
    assert from_file.stdout.splitlines()[0].startswith("Searched Archive, INBOX at")


def test_folder_names_from_the_server_are_printed_safely(tmp_path):
    """A folder named with a right-to-left override (Dovecot accepts it: it is no control
    character) is listed without it when another folder is not found."""
    from imapclient import IMAPClient

    server = start_dovecot()
    try:
        client = IMAPClient("127.0.0.1", server.port, ssl=False)
        client.login(USER, PASSWORD)
        client.create_folder("Jobs\u202eevil")
        client.logout()
        path = write_file(tmp_path, server.url, ACME)
        result = run("inbox", str(path), "--folder", "Nope", *TODAY)
    finally:
        server.stop()
    assert result.exit_code == 5, result.output
    assert "\u202e" not in result.stderr
    assert "the folders are: INBOX, Jobsevil, Sent" in result.stderr

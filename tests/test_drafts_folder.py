"""`inbox --put-drafts` on real IMAP servers (Dovecot, and pymap): each due step's draft
is put into Drafts once, with its thread and a Message-ID known again in Sent; a draft
whose step the plan dropped is deleted only when unchanged; nothing is ever sent and no
other folder changes. The mailbox is set up with imapclient directly, not our code."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import interview, search_text
from imap_server import PASSWORD, USER, start_dovecot, start_pymap

from followup_cal.cli import cli

TODAY = ["--today", "2026-11-10"]
PANEL = [
    {"name": "Dana Lee", "email": "dana@acme.example"},
    {"name": "Kim Park", "email": "kim@acme.example"},
]
THANKS_ID = "<ty-dana-20261102@example.org>"
THANKS = (
    "From: Alex Morgan <alex@example.org>\r\nTo: Dana Lee <dana@acme.example>\r\n"
    "Subject: Thank you for today, Dana\r\nDate: Mon, 02 Nov 2026 17:30:00 -0500\r\n"
    f"Message-ID: {THANKS_ID}\r\nUser-Agent: Mozilla Thunderbird\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nHi Dana,\r\nthank you.\r\n"
).encode()
ANSWER = (
    b"From: Jo Friend <jo@example.net>\r\nTo: alex@example.org\r\nSubject: lunch?\r\n"
    b"Date: Tue, 03 Nov 2026 10:00:00 +0000\r\nMessage-ID: <lunch@example.net>\r\n\r\nLunch?\r\n"
)
FOLDERS = ("INBOX", "Sent", "Drafts", "Jobs")


@pytest.fixture(params=["dovecot", "pymap"])
def server(request):
    from imapclient import IMAPClient

    server = start_dovecot() if request.param == "dovecot" else start_pymap()
    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    for folder in FOLDERS[1:]:
        if not client.folder_exists(folder):
            client.create_folder(folder)
    when = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
    client.append("Sent", THANKS, [b"\\Seen"], msg_time=when)
    client.append("INBOX", ANSWER, [], msg_time=datetime(2026, 11, 3, 10, tzinfo=UTC))
    client.append("Jobs", ANSWER, [b"\\Flagged"], msg_time=datetime(2026, 11, 3, 10, tzinfo=UTC))
    client.logout()
    yield server
    server.stop()


def connect(server):
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    return client


def mailbox_state(server) -> dict[str, list[tuple[tuple, bytes]]]:
    """Every folder's messages: flags and whole text, in order."""
    client = connect(server)
    state = {}
    for folder in FOLDERS:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
        state[folder] = [
            (tuple(sorted(data[u][b"FLAGS"])), data[u][b"BODY[]"]) for u in sorted(data)
        ]
    client.logout()
    return state


def drafts(server) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(raw, policy=email.policy.default)
        for _flags, raw in mailbox_state(server)["Drafts"]
    ]


def yaml_file(tmp_path: Path) -> Path:
    path = tmp_path / "interviews.yaml"
    rounds = [{"start": "2026-11-02 10:00", "interviewers": PANEL}]
    path.write_text(search_text(interview(rounds=rounds)))
    return path


def run(server, path: Path, *more: str):
    args = ["inbox", str(path), "--url", server.url, "--user", USER, *TODAY, *more]
    env = {"FOLLOWUP_CAL_IMAP_PASSWORD": PASSWORD, "HOME": str(path.parent)}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_each_due_step_is_put_into_drafts_once_and_nothing_else_changes(server, tmp_path):
    path = yaml_file(tmp_path)
    before = mailbox_state(server)
    result = run(server, path, "--put-drafts")
    assert "Drafts: put 2 drafts into Drafts (never sent)." in result.stdout
    after = mailbox_state(server)
    assert {f: after[f] for f in FOLDERS if f != "Drafts"} == {
        f: before[f] for f in FOLDERS if f != "Drafts"
    }
    assert all(b"\\Draft" in flags for flags, _raw in after["Drafts"])
    written = {str(m["To"]): m for m in drafts(server)}
    # Dana's thank-you is in Sent already: her first inquiry follows it, in its thread.
    inquiry = written["Dana Lee <dana@acme.example>"]
    assert inquiry["Subject"] == "Checking in on the Backend Engineer role"
    assert inquiry["Message-ID"].startswith("<followup-cal.s-")
    assert inquiry["Message-ID"].endswith(".acme.follow-up-1@followup-cal>")
    assert (inquiry["In-Reply-To"], inquiry["References"]) == (THANKS_ID, THANKS_ID)
    thanks = written["Kim Park <kim@acme.example>"]
    assert thanks["Message-ID"].endswith(".acme.r1.thank-you.kim-park@followup-cal>")
    assert thanks["In-Reply-To"] is None  # a thank-you starts a thread of its own
    assert "Kim" in thanks.get_body(("plain",)).get_content()
    assert path.read_text() == yaml_file(tmp_path).read_text()  # the file is not touched
    # Written once: a second run finds each by its Message-ID and leaves it alone.
    again = run(server, path, "--put-drafts")
    assert "Drafts: put 0 drafts into Drafts (never sent)." in again.stdout
    assert "  2 already there, left as they are." in again.stdout
    assert mailbox_state(server) == after


def test_dry_run_shows_the_drafts_and_writes_nothing(server, tmp_path):
    path = yaml_file(tmp_path)
    before = mailbox_state(server)
    result = run(server, path, "--put-drafts", "--dry-run")
    assert "Drafts: would put 2 drafts into Drafts (never sent)." in result.stdout
    assert "    | To: Kim Park <kim@acme.example>" in result.stdout
    assert f"    | In-Reply-To: {THANKS_ID}" in result.stdout
    assert mailbox_state(server) == before


def test_a_dropped_steps_draft_is_deleted_only_if_unchanged(server, tmp_path):
    path = yaml_file(tmp_path)
    run(server, path, "--put-drafts")
    # Kim's draft edited in the mail app: saved again as a new message, our headers kept.
    client = connect(server)
    client.select_folder("Drafts")
    for uid, data in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).items():
        raw = data[b"BODY[]"]
        if b"To: Kim Park" in raw:
            client.append("Drafts", raw.replace(b"Kim", b"Kim (edited)", 1)[:-2] + b"PS.\r\n",
                          [b"\\Draft"])  # fmt: skip
            client.add_flags([uid], [b"\\Deleted"])
            client.uid_expunge([uid])
    client.logout()
    # Both steps leave the plan: recorded as done by hand.
    runner = CliRunner()
    for step in (["thank_you", "--to", "Kim Park"], ["follow_up-1"]):
        done = runner.invoke(cli, ["done", "acme", *step, "--on", "2026-11-10", "-f", str(path),
                                   *TODAY])  # fmt: skip
        assert done.exit_code == 0, done.output
    before = mailbox_state(server)
    result = run(server, path, "--put-drafts")
    assert "deleted: the draft of acme.follow-up-1, a step no longer planned" in result.stdout
    assert "kept: the draft of acme.r1.thank-you.kim-park: no longer planned, but changed" in (
        result.stdout
    )
    left = drafts(server)
    assert [str(m["To"]) for m in left] == ["Kim Park <kim@acme.example>"]
    assert "PS." in left[0].get_body(("plain",)).get_content()
    after = mailbox_state(server)
    assert {f: after[f] for f in FOLDERS if f != "Drafts"} == {
        f: before[f] for f in FOLDERS if f != "Drafts"
    }


def test_a_draft_sent_as_it_is_is_known_in_sent_and_recorded_with_yes(server, tmp_path):
    path = yaml_file(tmp_path)
    run(server, path, "--put-drafts")
    client = connect(server)
    client.select_folder("Drafts", readonly=True)
    [raw] = [
        d[b"BODY[]"]
        for d in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values()
        if b"To: Dana Lee" in d[b"BODY[]"]
    ]
    # The mail app sends it with its own subject line changed, the Message-ID kept.
    sent = raw.replace(b"Subject: Checking in on the Backend Engineer role", b"Subject: Hi")
    client.append("Sent", sent, [b"\\Seen"], msg_time=datetime(2026, 11, 10, 14, tzinfo=UTC))
    client.logout()
    result = run(server, path, "--yes")
    assert "acme (Acme): Follow-up 1 → Dana Lee sent on Tue 10 Nov (certain)" in result.stdout
    assert "certain: carries the Message-ID of the draft followup-cal put in your Drafts" in (
        result.stdout
    )
    assert "- {step: follow_up-1, round: 1, date: 2026-11-10}" in path.read_text()


def test_the_drafts_folder_is_the_one_marked_drafts_else_a_usual_name():
    from followup_cal.mail.drafts_folder import drafts_folder

    gmail = [
        ((b"\\HasNoChildren",), b"/", "INBOX"),
        ((b"\\HasChildren", b"\\Noselect"), b"/", "[Gmail]"),
        ((b"\\Drafts", b"\\HasNoChildren"), b"/", "[Gmail]/Entw\u00fcrfe"),  # German Gmail
        ((b"\\HasNoChildren", b"\\Sent"), b"/", "[Gmail]/Gesendet"),
    ]
    assert drafts_folder(gmail) == "[Gmail]/Entw\u00fcrfe"
    outlook_without_flags = [((), b"/", "Inbox"), ((), b"/", "Drafts"), ((), b"/", "Sent Items")]
    assert drafts_folder(outlook_without_flags) == "Drafts"
    assert drafts_folder([((), b".", "INBOX"), ((), b".", "INBOX.Drafts")]) == "INBOX.Drafts"
    assert drafts_folder([((), b"/", "INBOX"), ((), b"/", "Sent")]) is None


def test_a_draft_is_unchanged_only_while_its_hash_matches_what_it_holds():
    from followup_cal.mail.drafts_folder import HASH_HEADER, content_hash, unchanged

    text = "Hi Dana,\n\nthank you.\n"
    head = "To: Dana Lee <dana@acme.example>\r\nSubject: Thanks\r\n"
    mark = f"{HASH_HEADER}: {content_hash('dana@acme.example', 'Thanks', text)}\r\n"
    body = "\r\n" + text.replace("\n", "\r\n")
    assert unchanged((head + mark + body).encode())
    assert not unchanged((head + mark + body + "PS.\r\n").encode())  # the text changed
    assert not unchanged((head.replace("Thanks", "Thanks!") + mark + body).encode())
    assert not unchanged((head + body).encode())  # saved again without our header

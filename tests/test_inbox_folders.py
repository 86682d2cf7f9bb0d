"""Which folders `inbox` reads when none is named: every folder that can hold an answer
(an answer a mail rule filed into Jobs is found), never Junk, Trash, Drafts or Sent
(read for what you sent), Gmail's All Mail alone, and each message once.

The LIST answers of real servers (tests/data/mail/folders.toml, each with its source)
are read as the server sent them; the rest runs on Dovecot, whose folders are marked
with their special use (RFC 6154) under names no list knows, and on pymap, which marks
none, so that its folders are known by their usual names.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from conftest import DATA, interview, search_text
from imap_server import PASSWORD, USER, Mail, start_dovecot, start_pymap

from followup_cal.cli import cli
from followup_cal.mail.folders import answer_folders, folders_of, special

LISTS = tomllib.loads((DATA / "mail" / "folders.toml").read_text("utf-8"))
TODAY = ["--today", "2026-11-23"]


def listed(lines: list[str]) -> list:
    """Response lines parsed as imapclient parses LIST (names in modified UTF-7)."""
    from imapclient import imap_utf7
    from imapclient.response_parser import parse_response

    answer = []
    for line in lines:
        flags, sep, name = parse_response([line.removeprefix("* LIST ").encode()])
        answer.append((flags, sep, imap_utf7.decode(name if isinstance(name, bytes) else b"")))
    return answer


@pytest.mark.parametrize("server", sorted(LISTS))
def test_the_folders_read_of_each_real_list(server):
    folders = folders_of(listed(LISTS[server]["list"]))
    sent = special(folders, "\\Sent")
    assert (sent or "") == LISTS[server]["sent"]
    assert list(answer_folders(folders, sent).read) == LISTS[server]["read"]


def test_a_sent_folder_named_by_the_user_is_not_read_for_answers():
    folders = folders_of(listed(['* LIST () "/" INBOX', '* LIST () "/" "Mail I sent"']))
    choice = answer_folders(folders, "Mail I sent")
    assert choice.read == ("INBOX",)
    assert choice.left_out == (("Mail I sent", "your sent mail, read for what you sent"),)


def at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


ACME = interview()  # Dana Lee <dana@acme.example>, Mon 2 Nov 2026
NORTHWIND = interview(
    id="northwind",
    company="Northwind",
    rounds=[
        {
            "start": "2026-11-05 14:00",
            "interviewers": [{"name": "Priya Shah", "email": "priya@northwind.example"}],
        }
    ],
)

# Where each kind of folder is: Dovecot marks it (under a name no list knows), pymap
# marks none (its usual name).
MARKED = {"junk": "Pourriel", "trash": "Corbeille", "drafts": "Brouillons"}
NAMED = {"junk": "Junk", "trash": "Trash", "drafts": "Drafts"}
USES = {"junk": "\\Junk", "trash": "\\Trash", "drafts": "\\Drafts"}

# Acme's answer is where a mail rule filed it; Northwind's is in INBOX and, the same
# message, in Archive. Junk, Trash and Drafts hold mail from the company, earlier: read,
# it would be the answer.
ANSWER_IN_JOBS = Mail("Dana Lee <dana@acme.example>", "Next steps at Acme", at(10))
NORTHWIND_ANSWER = Mail("Priya Shah <priya@northwind.example>", "Re: Thank you", at(12))
NOT_READ = {
    "junk": Mail("Acme Talent <talent@acme.example>", "Win a trip with Acme", at(5)),
    "trash": Mail("Dana Lee <dana@acme.example>", "Parking at our office", at(6)),
    "drafts": Mail("Dana Lee <dana@acme.example>", "Fwd: your questions", at(7)),
}
NEWSLETTER = Mail("News <news@example.net>", "Ten tips", at(9))


def _client(server):
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    return client


def _put(client, folder: str, mail: Mail) -> None:
    client.append(folder, mail.as_bytes(), [], msg_time=mail.sent)


def _flags(server) -> dict:
    """Every message's flags in every folder: read-only means none of them changes."""
    client = _client(server)
    seen = {}
    for _flags, _sep, name in client.list_folders():
        if b"\\Noselect" in _flags:
            continue
        client.select_folder(name, readonly=True)
        seen[name] = client.get_flags(client.search("ALL"))
    client.logout()
    return seen


@pytest.fixture(scope="module", params=["dovecot", "pymap"])
def mailbox(request):
    """INBOX, Jobs, Archive, an empty folder, Sent, and Junk, Trash and Drafts: marked
    on Dovecot, by name on pymap."""
    if request.param == "dovecot":
        server = start_dovecot(special_use={MARKED[k]: USES[k] for k in MARKED})
        names = MARKED
    else:
        server = start_pymap()
        names = NAMED
    client = _client(server)
    for folder in ("Jobs", "Archive", "Empty", "Sent", *names.values()):
        if not client.folder_exists(folder):
            client.create_folder(folder)
    _put(client, "INBOX", NEWSLETTER)
    _put(client, "INBOX", NORTHWIND_ANSWER)
    _put(client, "Archive", NORTHWIND_ANSWER)  # the same message, filed twice
    _put(client, "Jobs", ANSWER_IN_JOBS)
    for kind, mail in NOT_READ.items():
        _put(client, names[kind], mail)
    client.logout()
    server.names = names
    yield server
    server.stop()


def run_inbox(server, tmp_path, *more: str):
    path = tmp_path / "interviews.yaml"
    imap = {"url": server.url, "user": USER}
    path.write_text(search_text(ACME, NORTHWIND, imap=imap))
    env = {"FOLLOWUP_CAL_IMAP_PASSWORD": PASSWORD, "HOME": str(tmp_path)}
    return CliRunner().invoke(cli, [*more, "inbox", str(path), *TODAY], env=env)


def test_every_folder_but_junk_trash_drafts_and_sent_each_message_once(mailbox, tmp_path):
    before = _flags(mailbox)

    result = run_inbox(mailbox, tmp_path, "-v")

    assert result.exit_code == 0, result.output
    out = result.stdout
    # INBOX first, then the others in the server's order; Sent is read for what you sent.
    where, _, rest = out.splitlines()[0].removeprefix("Searched ").partition(" at ")
    assert where.startswith("INBOX, ")
    assert set(where.split(", ")) == {"INBOX", "Jobs", "Archive", "Empty"}, where
    assert rest == "127.0.0.1 for 2 interviews waiting to hear back: 2 answers."
    # The answer filed into Jobs by a mail rule is found, on its own day: the company's
    # mail in Junk, Trash and Drafts is never read (it would be the earlier answer).
    assert "followup-cal reply acme --on 2026-11-10" in out, out
    assert "Next steps at Acme" in out
    for mail in NOT_READ.values():
        assert mail.subject not in out
    # Northwind's answer, in INBOX and Archive, is one message.
    assert out.count("Re: Thank you") == 1, out
    assert "followup-cal reply northwind --on 2026-11-12" in out
    # -v says which folders were left out, and why.
    for kind, why in (("junk", "junk mail"), ("trash", "deleted mail"), ("drafts", "drafts")):
        assert f"not read for answers: {mailbox.names[kind]} (" in result.stderr
        assert why in result.stderr
    assert "not read for answers: Sent (your sent mail, read for what you sent)" in result.stderr
    # Read-only: EXAMINE and BODY.PEEK, every flag of every folder as it was.
    assert _flags(mailbox) == before


def test_searches_are_per_folder_and_interview_never_per_message(mailbox, tmp_path):
    """One SEARCH per interview and folder (and one for invitations), none in an empty
    folder; forty more messages change no count of requests."""

    def searches() -> dict[str, int]:
        result = run_inbox(mailbox, tmp_path, "-v")
        assert result.exit_code == 0, result.output
        count: dict[str, int] = {}
        for line in result.stderr.splitlines():
            if line.startswith("followup-cal: IMAP SEARCH in "):
                folder = line.removeprefix("followup-cal: IMAP SEARCH in ").rpartition(":")[0]
                count[folder] = count.get(folder, 0) + 1
        return count

    before = searches()
    # Sent: one per interview; each folder read: one per interview, one for invitations.
    assert before == {"Sent": 2, "INBOX": 3, "Jobs": 3, "Archive": 3}, before
    client = _client(mailbox)
    for n in range(20):
        _put(client, "INBOX", Mail("Shop <orders@shop.example>", f"Order {n}", at(11)))
        _put(client, "Jobs", Mail("Dana Lee <dana@acme.example>", f"More {n}", at(13)))
    client.logout()
    assert searches() == before


# Gmail: every message is in All Mail, whatever its labels (INBOX, Jobs) or none
# (archived); Spam and Trash are not. Marked as Gmail marks them on Dovecot, by
# Gmail's names on pymap.
GMAIL = {
    "[Gmail]/All Mail": "\\All",
    "[Gmail]/Spam": "\\Junk",
    "[Gmail]/Trash": "\\Trash",
    "[Gmail]/Drafts": "\\Drafts",
    "[Gmail]/Starred": "\\Flagged",
}
ARCHIVED = Mail("Priya Shah <priya@northwind.example>", "Our decision", at(12))


@pytest.mark.parametrize("kind", ["dovecot", "pymap"])
def test_gmail_all_mail_is_read_alone(kind, tmp_path):
    server = start_dovecot(special_use=GMAIL) if kind == "dovecot" else start_pymap()
    try:
        client = _client(server)
        for folder in ("Jobs", "Sent", *GMAIL):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        for mail, labels in (
            (NEWSLETTER, ["INBOX"]),
            (ANSWER_IN_JOBS, ["Jobs", "[Gmail]/Starred"]),
            (ARCHIVED, []),
        ):
            for folder in [*labels, "[Gmail]/All Mail"]:
                _put(client, folder, mail)
        _put(client, "[Gmail]/Spam", NOT_READ["junk"])
        _put(client, "[Gmail]/Trash", NOT_READ["trash"])
        client.logout()

        result = run_inbox(server, tmp_path, "-v")
    finally:
        server.stop()

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == (
        "Searched [Gmail]/All Mail at 127.0.0.1 for 2 interviews waiting to hear back: 2 answers."
    ), out
    assert "followup-cal reply acme --on 2026-11-10" in out
    assert "followup-cal reply northwind --on 2026-11-12" in out  # archived: All Mail only
    assert out.count("Next steps at Acme") == 1
    for mail in NOT_READ.values():
        assert mail.subject not in out
    for folder in ("INBOX", "Jobs"):
        assert f"not read for answers: {folder} (its messages are all in [Gmail]/All Mail" in (
            result.stderr
        )
    for folder in ("INBOX", "Jobs", "[Gmail]/Starred", "[Gmail]/Spam", "[Gmail]/Trash"):
        assert f"IMAP SEARCH in {folder}:" not in result.stderr

"""Only the company's side moves or cancels a round: anyone who knows a round's UID can
write a copy of its invitation with a higher SEQUENCE. A copy from neither the organizer
of the invitation that made the round nor the company's own domain is shown as
suspicious, never recorded by --yes, and its SEQUENCE never hides the genuine copy that
comes after it (in a file, and in a real Dovecot's mailbox)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import run
from imap_server import USER, imap_user_env, start_dovecot
from test_invites_cli import FILE
from test_invites_inbox import FILE as INBOX_FILE
from test_invites_inbox import Raw, at, wrapped

from followup_cal.loader import load

INVITES = Path(__file__).parent / "data" / "invites"
PRIYA = "mailto:priya.shah@initech.example"


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def forged(name: str, organizer: str = "mailto:mallory@evil.example", sequence: int = 99) -> str:
    text = (INVITES / name).read_text("utf-8")
    text = text.replace(f"ORGANIZER;CN=Priya Shah:{PRIYA}", f"ORGANIZER;CN=Priya Shah:{organizer}")
    for old in ("SEQUENCE:1", "SEQUENCE:2"):
        text = text.replace(old, f"SEQUENCE:{sequence}")
    return text


@pytest.fixture
def search(tmp_path) -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    assert run("add", "--from-invite", str(INVITES / "google_request.eml"), "-f", str(path),
               "--yes").exit_code == 0  # fmt: skip
    return path


def invite(search: Path, text: str, *args: str):
    path = search.with_name("invite.ics")
    path.write_text(text, "utf-8")
    return run("add", "--from-invite", str(path), "-f", str(search), *args)


@pytest.mark.parametrize("name", ["google_cancel.ics", "google_reschedule.ics"])
def test_a_copy_from_someone_else_never_moves_or_cancels_the_round(search, name):
    before = search.read_bytes()
    result = invite(search, forged(name), "--yes")
    assert result.exit_code == 1, result.output
    assert "a change of a round from someone else" in result.stdout
    assert (
        "round 2 of 'initech' follows this invitation's UID, but its organizer is "
        "mallory@evil.example, not priya.shah@initech.example or an address at "
        "initech.example; not recorded: it may be forged; nothing was written"
    ) in result.stderr
    assert search.read_bytes() == before
    shown = invite(search, forged(name))  # no terminal, no --yes: shown, refused
    assert shown.exit_code == 1 and search.read_bytes() == before

    # The genuine copy (SEQUENCE 1 or 2) is not "older" than the forged SEQUENCE 99.
    genuine = invite(search, (INVITES / name).read_text("utf-8"), "--yes")
    assert genuine.exit_code == 0, genuine.output
    round_2 = load(str(search)).interviews[0].rounds[1]
    assert round_2.invitation_sequence in (1, 2)
    assert round_2.cancelled == (name == "google_cancel.ics")


def test_a_copy_without_organizer_is_suspicious_and_one_from_the_company_s_domain_is_not(search):
    before = search.read_bytes()
    text = forged("google_reschedule.ics", sequence=1)
    nobody = "\n".join(ln for ln in text.splitlines() if not ln.startswith("ORGANIZER"))
    result = invite(search, nobody, "--yes")
    assert result.exit_code == 1 and "it names no organizer" in result.stderr
    assert search.read_bytes() == before
    colleague = forged("google_reschedule.ics", "mailto:sam.roe@initech.example", 1)
    result = invite(search, colleague, "--yes")
    assert result.exit_code == 0, result.output
    assert "moved round 2 of 'initech'" in result.stdout
    # The round keeps who organized it first.
    assert load(str(search)).interviews[0].rounds[1].invitation_organizer == (
        "priya.shah@initech.example"
    )


def test_the_organizer_a_scheduling_tool_wrote_may_move_its_round(tmp_path):
    """GoodTime's organizer is a group calendar at google.com, no company domain: the
    address recorded with the round is what lets its reschedule in."""
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    panel = INVITES / "goodtime_panel.ics"
    added = run("add", "--from-invite", str(panel), "--company", "Hooli", "--role", "QA",
                "-f", str(path), "--yes")  # fmt: skip
    assert added.exit_code == 0, added.output
    organizer = load(str(path)).interviews[1].rounds[0].invitation_organizer
    assert organizer.endswith("@group.calendar.google.com")
    text = panel.read_text("utf-8").replace("SEQUENCE:0", "SEQUENCE:3")
    moved = text.replace("Los_Angeles:20261216T", "Los_Angeles:20261217T")
    assert moved != text
    result = invite(path, moved, "--yes")
    assert result.exit_code == 0, result.output
    assert "moved round 1 of 'hooli'" in result.stdout


@pytest.fixture(scope="module")
def spoofed_mailbox():
    """Mallory's cancellation (SEQUENCE 99, Priya's name on it), then Priya's own."""
    server = start_dovecot()
    mallory = "Priya Shah <mallory@evil.example>"
    name = "google_cancel.ics"
    raw = wrapped(name, mallory, "Canceled event", at(3)).replace(b"SEQUENCE:2", b"SEQUENCE:99")
    # The genuine mail's own Message-ID, so that it seems to be the same message.
    assert b"SEQUENCE:99" in raw and b"Message-ID: <google_cancel.ics@test>" in raw
    server.deliver(Raw(mallory, "Canceled event", at(3), raw=raw))
    priya = "Priya Shah <priya.shah@initech.example>"
    server.deliver(Raw(priya, "Canceled event", at(4), raw=wrapped(name, priya, "Canceled", at(4))))
    yield server
    server.stop()


def test_inbox_shows_the_forged_copy_and_records_only_the_genuine_one(
    spoofed_mailbox, tmp_path, monkeypatch
):
    imap_user_env(monkeypatch, tmp_path)
    path = tmp_path / "interviews.yaml"
    text = INBOX_FILE.format(url=spoofed_mailbox.url, user=USER)
    path.write_text(text.replace("sequence: 0}", f"sequence: 0, organizer: {PRIYA[7:]}}}"))
    result = run("inbox", str(path), "--today", "2026-12-05", "--yes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "a change of a round from someone else" in out
    assert "but the mail is from mallory@evil.example" in out
    assert "not recorded, even with --yes: it may be forged" in out
    assert "cancelled round 2 of 'initech'" in out
    round_2 = load(str(path)).interviews[0].rounds[1]
    assert round_2.cancelled and round_2.invitation_sequence == 2


@pytest.fixture(scope="module")
def refused_and_genuine():
    """Priya moves round 2 before round 1 (the file refuses it); Megan cancels Fabrikam's."""
    server = start_dovecot()
    priya = "Priya Shah <priya.shah@initech.example>"
    early = wrapped("google_reschedule.ics", priya, "Updated invitation", at(3))
    early = early.replace(b"20261210T19", b"20261130T19")
    server.deliver(Raw(priya, "Updated invitation", at(3), raw=early))
    megan = "Megan Bowen <megan.bowen@fabrikam.example>"
    cancel = wrapped("teams_meeting.ics", megan, "Canceled: Interview", at(4))
    cancel = cancel.replace(b"REQUEST", b"CANCEL").replace(b"SEQUENCE:0", b"SEQUENCE:1")
    server.deliver(Raw(megan, "Canceled: Interview", at(4), raw=cancel))
    yield server
    server.stop()


def test_inbox_yes_records_the_rest_when_the_file_refuses_one_move(
    refused_and_genuine, tmp_path, monkeypatch
):
    from followup_cal.invites.reading import read_invitation

    imap_user_env(monkeypatch, tmp_path)
    teams = read_invitation("t", (INVITES / "teams_meeting.ics").read_bytes(), ZoneInfo("UTC"))
    fabrikam = f"""
  - id: fabrikam
    company: Fabrikam
    role: QA
    rounds:
      - start: 2026-12-15 09:00
        timezone: America/Los_Angeles
        interviewers:
          - name: Megan Bowen
            email: megan.bowen@fabrikam.example
        invitation: {{uid: '{teams.uid}', sequence: 0}}
"""
    path = tmp_path / "interviews.yaml"
    path.write_text(INBOX_FILE.format(url=refused_and_genuine.url, user=USER) + fabrikam)
    before = load(str(path)).interviews[0].rounds[1]
    result = run("inbox", str(path), "--today", "2026-12-05", "--yes")
    assert result.exit_code == 12, result.output
    assert "round 2 starts before round 1" in result.stdout
    assert "cancelled round 1 of 'fabrikam'" in result.stdout
    assert result.stderr.endswith("1 invitation(s) in the mailbox not recorded\n")
    loaded = load(str(path))
    assert loaded.interviews[0].rounds[1] == before and loaded.interviews[1].rounds[0].cancelled


def test_in_a_terminal_a_copy_from_someone_else_is_recorded_only_when_you_say_so(search):
    path = search.with_name("invite.ics")
    path.write_text(forged("google_cancel.ics"), "utf-8")
    before = search.read_bytes()
    args = ["add", "--from-invite", str(path), "--prompt", "-f", str(search)]
    kept = run(*args, input="\n")  # the question's default is no
    assert kept.exit_code == 0, kept.output
    assert "warning: round 2 of 'initech' follows this invitation's UID, but its organizer" in (
        kept.stdout
    )
    assert "Record it in" in kept.stdout and "[y/N]" in kept.stdout
    assert search.read_bytes() == before
    recorded = run(*args, input="y\n")
    assert recorded.exit_code == 0, recorded.output
    assert load(str(search)).interviews[0].rounds[1].cancelled

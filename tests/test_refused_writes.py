"""A refused write changes nothing: every check that can refuse an entry (the whole-file
ones among them, such as two people with one calendar UID) runs before the file is
written, for add, add-round and --from-invite alike. Each refusal path is run here on a
copy of the file, and the folder is compared byte for byte after it: the file, and no
undo record or temporary file beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run
from test_invites_cli import FILE

from followup_cal.loader import load

INVITES = Path(__file__).parent / "data" / "invites"
START = ["--start", "2026-12-10 10:00"]
DANA = ["--interviewer", "Dana Lee <dana@acme.example>"]
NEW = ["add", "--company", "Acme", "--role", "QA", *START, "--no-prompt"]
ROUND = ["add-round", "initech", *START, "--no-prompt"]
REQUEST = ["--from-invite", str(INVITES / "google_request.eml")]
CANCEL = ["--from-invite", str(INVITES / "google_cancel.ics")]


def forged_move(folder: Path) -> list[str]:
    """A reschedule of round 2 that Mallory wrote (see test_invites_forged)."""
    text = (INVITES / "google_reschedule.ics").read_text("utf-8")
    path = folder / "forged.ics"
    path.write_text(text.replace("priya.shah@initech.example", "mallory@evil.example"), "utf-8")
    return ["add", "--from-invite", str(path), "--yes"]


REFUSALS = {
    # add
    "the same interviewer twice": ([*NEW, *DANA, *DANA], 2),
    "two names with one UID": ([*NEW, *DANA, "--interviewer", "Dána Lee <dl@acme.example>"], 2),
    "an id that exists": ([*NEW, "--id", "initech", *DANA], 2),
    "a start that is no time": (
        ["add", "--company", "A", "--role", "QA", "--start", "soon", *DANA, "--no-prompt"],
        2,
    ),
    "a zone no one knows": ([*NEW, *DANA, "--timezone", "Mars/Olympus_Mons"], 2),
    "a contact no one met": ([*NEW, *DANA, "--contact", "Nobody Known"], 2),
    # add-round
    "add-round: the same interviewer twice": ([*ROUND, *DANA, *DANA], 2),
    "add-round: an id that does not exist": (
        ["add-round", "nope", *START, *DANA, "--no-prompt"],
        5,
    ),
    "add-round: a contact no one met": ([*ROUND, *DANA, "--contact", "Nobody Known"], 5),
    # --from-invite
    "invite: the same interviewer twice": (["add", *REQUEST, "--yes", *DANA, *DANA], 2),
    "invite: a next round of an id that does not exist": (
        ["add-round", "nope", *REQUEST, "--yes"],
        5,
    ),
    "invite: an id that exists": (
        ["add", *REQUEST, "--company", "Acme", "--role", "QA", "--id", "initech", "--yes"],
        2,
    ),
    "invite: a cancellation of nothing": (["add", *CANCEL, "--yes"], 5),
    "invite: not an invitation": (
        ["add", "--from-invite", str(INVITES / "reply.ics"), "--yes"],
        1,
    ),
    "invite: a move from someone else": (forged_move, 1),
}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_a_refused_write_leaves_every_byte_as_it_was(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    if name.endswith("someone else"):  # a round that follows the invitation, to move
        assert run("add", *REQUEST, "--yes", "-f", str(path)).exit_code == 0
        (tmp_path / "search.followup-undo.json").unlink()
    args, code = REFUSALS[name]
    args = args(tmp_path) if callable(args) else args
    before = folder_bytes(tmp_path)
    result = run(*args, "-f", str(path))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output and result.stderr.strip()
    assert folder_bytes(tmp_path) == before
    assert run("validate", str(path)).exit_code == 0


def test_an_organizer_invited_again_under_a_second_address_is_one_interviewer(tmp_path):
    """Google lists the organizer among the attendees; under another address of theirs,
    they were two people with one calendar UID, and the written file failed validate."""
    text = (INVITES / "google_request.eml").read_text("utf-8")
    text = text.replace("ORGANIZER;CN=Priya Shah:mailto:priya.shah@initech.example",
                        "ORGANIZER;CN=Priya Shah:mailto:p.shah@initech.example")  # fmt: skip
    assert "p.shah@initech.example" in text and "mailto:priya.shah@initech.example" in text
    invite = tmp_path / "second-address.eml"
    invite.write_text(text, "utf-8")
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    result = run("add", "--from-invite", str(invite), "--yes", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert "left out: Priya Shah (the same name as Priya Shah <p.shah@initech.example>" in (
        result.stdout
    )
    people = load(str(path)).interviews[0].rounds[1].interviewers
    assert [(p.name, p.email) for p in people] == [
        ("Priya Shah", "p.shah@initech.example"),
        ("Sam Roe", "sam.roe@initech.example"),
    ]
    assert run("validate", str(path)).exit_code == 0

"""People who were not in the room: a recruiter as the contact, HR writing the rejection,
someone else answering. Given on the command line as 'Name <email>', written out in the
file (comments kept), and the notes after their message go to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADD, DATA, assert_refused, recorded, run

from followup_cal.loader import load

JOURNAL = DATA / "journal"


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def interview(path: Path, ident: str):
    return next(i for i in load(str(path)).interviews if i.id == ident)


def test_add_names_a_contact_who_was_not_in_the_room(tmp_path):
    path = tmp_path / "interviews.yaml"
    assert run("init", "--name", "Robin", "--email", "r@example.org", "-f", str(path),
               "--timezone", "Europe/London", "--no-prompt").exit_code == 0  # fmt: skip
    lines, _result = recorded(
        path, *ADD, "--contact", "Marcus Bell <mbell@acme.example>", "--contact-title", "Recruiter"
    )
    assert "\n".join(lines).count("contact:") == 1
    assert "+    contact:" in lines
    assert "+      name: Marcus Bell" in lines and "+      email: mbell@acme.example" in lines
    added = load(str(path)).interviews[-1]
    assert (added.contact.name, added.contact.email, added.contact.title) == (
        "Marcus Bell",
        "mbell@acme.example",
        "Recruiter",
    )
    # The inquiries go to the recruiter; the thank-you to who was met.
    plan = run("plan", "-f", str(path), "--today", "2026-11-20").stdout
    assert "Marcus Bell" in plan and "Dana Lee" in plan


def test_a_bare_name_not_met_is_still_refused(tmp_path):
    path = tmp_path / "interviews.yaml"
    run("init", "--name", "Robin", "--email", "r@example.org", "-f", str(path),
        "--timezone", "Europe/London", "--no-prompt")  # fmt: skip
    assert_refused(path, [*ADD, "--contact", "Marcus Bell"], 2, "'Name <email>'")


def test_add_round_makes_the_recruiter_the_contact_and_keeps_comments(handwritten):
    lines, result = recorded(
        handwritten, "add-round", "fenwick", "--start", "2026-11-19 10:00",
        "--interviewer", "Eve Fenwick <eve@fenwick.example>",
        "--contact", "Kelly Moss <kelly@fenwick.example>", "--no-prompt",
    )  # fmt: skip
    assert "contact: Kelly Moss" in result.stdout
    assert "+    contact: {name: Kelly Moss, email: kelly@fenwick.example}" in lines
    assert not [line for line in lines if line.startswith("-")]  # only added lines
    assert '# they said "by the end of next week"' in handwritten.read_text()
    assert interview(handwritten, "fenwick").contact.email == "kelly@fenwick.example"


def test_outcome_by_someone_not_met_sends_the_rejection_reply_to_them(handwritten):
    lines, _result = recorded(
        handwritten, "outcome", "fenwick", "rejected", "--on", "2026-11-20",
        "--by", "Kelly Moss <kelly@fenwick.example>",
    )  # fmt: skip
    assert "+        by: {name: Kelly Moss, email: kelly@fenwick.example}" in lines
    draft = run("draft", "fenwick", "rejection_reply", "-f", str(handwritten),
                "--today", "2026-11-23")  # fmt: skip
    assert draft.exit_code == 0, draft.output
    assert "kelly@fenwick.example" in draft.stdout
    assert draft.stdout.startswith("To: Kelly Moss <kelly@fenwick.example>\n")
    assert "Hi Kelly," in draft.stdout


def test_outcome_by_a_typo_of_someone_met_is_refused(handwritten):
    assert_refused(
        handwritten, ["outcome", "fenwick", "rejected", "--by", "Ada Fenwik"], 5, "Name <email>"
    )


def test_reply_by_someone_else_sends_the_next_notes_to_them(handwritten):
    lines, result = recorded(
        handwritten, "reply", "gorse", "--on", "2026-11-18", "--decision", "2026-12-04",
        "--by", "Kim Park <kim@gorse.example>",
    )  # fmt: skip
    assert "written by Kim Park" in result.stdout
    assert any("by: {name: Kim Park, email: kim@gorse.example}" in line for line in lines)
    gorse = interview(handwritten, "gorse")
    assert gorse.answered_by is not None and gorse.answered_by.email == "kim@gorse.example"
    plan = run("plan", "-f", str(handwritten), "--today", "2026-11-23").stdout
    inquiries = [line for line in plan.splitlines() if "gorse" in line and "follow_up" in line]
    assert inquiries and all("Kim Park" in line for line in inquiries), plan

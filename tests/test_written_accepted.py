"""What the tool writes, it accepts: lines one command wrote keep their meaning after
another command, so `validate` never warns about them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.journal.invited import NewTime, record_round_moved
from followup_cal.journal.record import NewPerson, NewRound, record_new_round
from followup_cal.loader import load

ONE_ROUND = """\
me: {name: Alex Morgan, email: alex@example.org, timezone: America/New_York, country: US}
interviews:
  - id: acme
    company: Acme
    role: Backend Engineer
    rounds:
      - start: 2026-11-02 10:00
        interviewers:
          - {name: Dana Lee, email: dana@acme.example, talked_about: the billing rewrite}
"""


def line_warnings(path: Path, today: date) -> list[str]:
    search = load(str(path))
    items = service.plan(search, today)
    return service.unmatched_done(search, items, today) + service.future_facts(search, today)


def test_a_round_added_on_the_day_of_a_thank_you_leaves_it_the_first_round_s(tmp_path):
    """The thank-you of round 1, recorded on its day with one round in the file (so
    without round:), belonged to round 2 once round 2 was added that afternoon: validate
    warned that it matched no step, and round 1's thank-you was due again."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    today = ["--today", "2026-11-02"]
    done = CliRunner().invoke(cli, ["done", "acme", "thank_you", "-f", str(path), *today])
    assert done.exit_code == 0, done.output
    added = CliRunner().invoke(cli, [
        "add-round", "acme", "--start", "2026-11-02 15:00", "--interviewer",
        "Eli Park <eli@acme.example>", "--no-prompt", "-f", str(path), *today,
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "      - {step: thank_you, round: 1, to: Dana Lee, date: 2026-11-02}\n" in (
        path.read_text("utf-8")
    )
    assert line_warnings(path, date(2026, 11, 2)) == []
    first = [i for i in service.plan(load(str(path)), date(2026, 11, 2)) if i.round == 1]
    assert next(i for i in first if i.key == "thank_you").done == date(2026, 11, 2)


def test_a_round_moved_past_a_line_of_it_keeps_the_line_its_own(tmp_path):
    """A thank-you of round 2 typed without round: (the round held by its day) stays
    round 2's when the invitation moves round 2 past that day."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    uid = "r2@acme.example"
    record_new_round(str(path), "acme", NewRound("2026-11-09 10:00", (NewPerson("Eli Park"),),
                                                 invitation=(uid, 0, "", "")))  # fmt: skip
    text = path.read_text("utf-8") + "    done:\n      - {step: thank_you, date: 2026-11-10}\n"
    path.write_text(text, "utf-8")
    record_round_moved(str(path), "acme", uid, (1, ""), NewTime("2026-11-12 10:00", "", ""))
    assert "      - {step: thank_you, round: 2, date: 2026-11-10}\n" in path.read_text("utf-8")


def test_a_rejection_after_a_check_in_sent_early_numbers_the_next_ones_after_it(tmp_path):
    """Check-in 3 recorded as sent (a tick, or done --yes), then a rejection that cancels
    check-ins 1 and 2: the rejection's check-ins were numbered from how many were left
    (one), so the third of them was check-in 3 again: 'outcome' was refused with
    "'Dana Lee' and 'Dana Lee' get one calendar UID", and a sync that ticked it after
    the outcome left a file every command refused."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-3", "--on", "2026-11-03", "--yes", "--today", "2026-11-03"],
        ["outcome", "acme", "rejected", "--on", "2026-11-04", "--today", "2026-11-04"],
    ):
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    items = service.plan(load(str(path)), date(2026, 11, 4))
    check_ins = [i.key for i in items if i.step.value == "check_in" and not i.overtaken]
    assert check_ins == ["check_in-3", *(f"check_in-{n}" for n in range(4, 10))]


def test_a_check_in_sent_before_the_contact_changed_is_history_not_a_typo(tmp_path):
    """Check-in 1 sent to Dana, then round 2 with Marcus as the contact: the check-ins
    go to him now, and validate warned that Dana's line matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-1", "--on", "2026-12-16", "--today", "2026-12-16"],
        ["add-round", "acme", "--start", "2027-01-05 10:00", "--interviewer",
         "Marcus Bell <marcus@acme.example>", "--contact", "Marcus Bell", "--no-prompt",
         "--today", "2027-01-05"],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2027, 1, 5)) == []
    # A check-in no one gets is still a typo.
    path.write_text(path.read_text("utf-8").replace("check_in-1, to", "check_in-9, to"), "utf-8")
    [typo] = line_warnings(path, date(2027, 1, 5))
    assert "acme done: 'check_in-9' matches no planned step" in typo


def test_a_reply_to_a_rejection_then_replaced_by_an_offer_is_history(tmp_path):
    """Rejected, the reply sent, then 'outcome --replace offer': validate warned that the
    done: line of the reply matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["outcome", "acme", "rejected", "--on", "2026-11-04"],
        ["done", "acme", "rejection_reply", "--on", "2026-11-04"],
        ["outcome", "acme", "offer", "--on", "2026-11-04", "--replace"],
    ):
        result = CliRunner().invoke(cli, [*args, "-f", str(path), "--today", "2026-11-04"])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2026, 11, 4)) == []


def test_a_check_in_an_offer_cancelled_stays_history_when_the_contact_changes(tmp_path):
    """Check-in 3 sent early, an offer, then a round with Ingrid as the contact: the
    check-ins that the offer cancelled would have gone to her, not Dana."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-3", "--on", "2026-11-03", "--yes", "--today", "2026-11-03"],
        ["outcome", "acme", "offer", "--on", "2026-11-05", "--today", "2026-11-05"],
        ["add-round", "acme", "--start", "2026-11-06 15:00", "--interviewer", "Ingrid Dahl",
         "--contact", "Ingrid Dahl", "--no-prompt", "--today", "2026-11-06"],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2026, 11, 6)) == []


def test_a_step_moved_then_deleted_in_the_calendar_is_history(tmp_path):
    """The debrief dragged a week on, then deleted: sync wrote moved: and then skipped:,
    and validate warned that the moved: line matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND + "    moved:\n      - {step: debrief, date: 2026-11-09}\n"
                    "    skipped:\n      - {step: debrief, date: 2026-11-02}\n")  # fmt: skip
    assert line_warnings(path, date(2026, 11, 4)) == []

"""Facts in time order (docs/policy.md rules 5 and 6): a reply restarts the wait and ends
nothing; a fact changes only what comes after it; an older calendar move gives way to a
newer answer, and the tool says so.

The reference interview of conftest is Mon 2 Nov 2026 in New York (US holidays)."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from conftest import interview, local_day, plan_of, search_text, steps

from followup_cal.cli import cli
from followup_cal.loader import load

DECEMBER = [{"start": "2026-12-17 10:00", "interviewers": [{"name": "Mara Vogt"}]}]
KESTREL = {"name": "Mara Vogt", "email": "mara@kestrel.example"}


def _run(path, *args: str, today: str):
    result = CliRunner().invoke(cli, [*args, "-f", str(path), "--today", today])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_a_reply_without_a_date_restarts_the_wait_and_ends_nothing(tmp_path):
    # Issue 29: inbox proposed 'reply kestrel --on 2026-12-23' and it cancelled every
    # inquiry and check-in. Two weeks after their answer is Wed 6 Jan.
    path = tmp_path / "search.yaml"
    kestrel = interview(id="kestrel", company="Kestrel", rounds=DECEMBER, contact=KESTREL)
    path.write_text(search_text(kestrel), "utf-8")
    lines = _run(path, "reply", "kestrel", "--on", "2026-12-23", today="2026-12-23")
    assert lines == [
        "Kestrel answered on Wed 23 Dec 2026",
        "  moved: Follow-up 1 → Mara Vogt (Mon 4 Jan 2027) to Wed 6 Jan (Kestrel answered on "
        "Wed 23 Dec, and the next inquiry waits 14 days after their last word)",
        "  moved: Final follow-up → Mara Vogt (Mon 11 Jan 2027) to Wed 13 Jan (follow-up 1 "
        "moved 13 days later, and it moves with it)",
        # Sat 13 Feb, then Mon 15 Feb is Washington's Birthday.
        "  moved: Check-in 1 → Mara Vogt (Thu 11 Feb 2027) to Tue 16 Feb (Sat 13 Feb is not a "
        "working day), and 5 later check-ins",
    ]
    agenda = _run(path, "agenda", "--days", "21", "--format", "json", today="2026-12-23")
    assert '"key": "follow_up-1"' in "\n".join(agenda)


def test_a_reply_that_gives_a_date_moves_the_chain_and_cancels_nothing(tmp_path):
    # Issue 29: "we will come back to you by 8 January", recorded on Wed 23 Dec.
    path = tmp_path / "search.yaml"
    kestrel = interview(id="kestrel", company="Kestrel", rounds=DECEMBER, contact=KESTREL)
    path.write_text(search_text(kestrel), "utf-8")
    lines = _run(
        path,
        "reply",
        "kestrel",
        "--on",
        "2026-12-23",
        "--decision",
        "2027-01-08",
        today="2026-12-23",
    )
    assert not [line for line in lines if "cancelled" in line]
    assert lines[1].startswith(
        "  moved: Follow-up 1 → Mara Vogt (Mon 4 Jan 2027) to Mon 11 Jan (Kestrel answered on "
        "Wed 23 Dec that it decides on Fri 8 Jan)"
    )
    # Mon 18 Jan is Martin Luther King Jr. Day.
    assert lines[2].startswith(
        "  moved: Final follow-up → Mara Vogt (Mon 11 Jan 2027) to Tue 19 Jan"
    )
    assert lines[3].startswith("  moved: Check-in 1 → Mara Vogt")
    first, final = steps(
        plan_of(
            kestrel | {"heard_back": {"date": "2026-12-23", "decision_expected": "2027-01-08"}}
        ),
        "follow_up",
    )
    assert (local_day(first), local_day(final)) == (date(2027, 1, 11), date(2027, 1, 19))


def test_an_offer_keeps_a_follow_up_due_before_it_as_it_was(tmp_path):
    # Issue 31 item 2: follow-up 1 (Mon 9 Nov) was due three days before the offer.
    path = tmp_path / "search.yaml"
    path.write_text(search_text(interview()), "utf-8")
    lines = _run(path, "outcome", "acme", "offer", "--on", "2026-11-12", today="2026-11-12")
    assert "  cancelled: Follow-up 1 → Dana Lee (Mon 9 Nov 2026)" not in lines
    assert (
        "  no longer due: Follow-up 1 → Dana Lee (Mon 9 Nov 2026), not done before the offer on "
        "Thu 12 Nov"
    ) in lines
    assert "  cancelled: Final follow-up → Dana Lee (Mon 16 Nov 2026)" in lines
    agenda = _run(path, "agenda", today="2026-11-12")
    assert "Nothing is due in the next 7 days." in agenda
    plan = _run(path, "plan", today="2026-11-12")
    assert any(line.startswith("- 2026-11-09 Mon 09:30  acme") for line in plan)
    assert plan[-1].endswith("- no longer due (their answer came first), no mark: not done yet")


def test_an_older_move_gives_way_to_the_date_their_reply_gave(tmp_path):
    # Issue 31 item 1: the final follow-up moved to Mon 21 Dec 14:00 in the calendar;
    # then they answer on Mon 14 Dec that they decide on Mon 21 Dec.
    rounds = [{"start": "2026-11-30 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    moved = [{"step": "follow_up-2", "round": 1, "date": "2026-12-21 14:00"}]
    sent = [{"step": "follow_up-1", "round": 1, "date": "2026-12-07"}]
    path = tmp_path / "search.yaml"
    path.write_text(search_text(interview(rounds=rounds, moved=moved, done=sent)), "utf-8")
    lines = _run(
        path, "reply", "acme", "--on", "2026-12-14", "--decision", "2026-12-21", today="2026-12-14"
    )
    assert lines[1] == (
        "  your move gives way: Final follow-up → Dana Lee (Mon 21 Dec 2026) was moved there in "
        "your calendar before Acme answered on Mon 14 Dec that it decides on Mon 21 Dec; it now "
        "follows their answer (move it again to choose another day)"
    )
    # Two weeks after their answer is Mon 28 Dec, in the year-end season: Mon 4 Jan.
    assert lines[2].startswith("  moved: Final follow-up → Dana Lee (Mon 21 Dec 2026) to Mon 4 Jan")
    assert "moved:" not in path.read_text("utf-8").split("heard_back")[0].split("rounds:")[0]
    (final,) = [i for i in steps(plan_of_file(path), "follow_up") if not i.done]
    assert local_day(final) == date(2027, 1, 4)
    assert "you moved it" not in final.reason and "decides on Mon 21 Dec" not in final.reason
    # A move made after their answer is the user's word, and stays.
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "  heard_back:",
            "  moved:\n  - {step: follow_up-2, round: 1, date: 2026-12-22 14:00}\n  heard_back:",
        ),
        "utf-8",
    )
    (final,) = [i for i in steps(plan_of_file(path), "follow_up") if not i.done]
    assert final.start.isoformat() == "2026-12-22T14:00:00-05:00"


def plan_of_file(path):
    from followup_cal import service

    return service.plan(load(str(path)), date(2026, 12, 14))

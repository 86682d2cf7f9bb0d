"""moved: and skipped: — what the user did in their calendar, as facts in the YAML.

The default interview (conftest) is Mon 2 Nov 2026: follow-up 1 on Mon 9 Nov, the final
one on Mon 16 Nov, check-ins monthly after that.
"""

from __future__ import annotations

import itertools
from datetime import date, time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import interview, load_search, local_day, plan_of, search_text, steps

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.errors import InvalidInput
from followup_cal.journal.record import StepFactEntry, record_step_facts


def day_of(items, key: str) -> date:
    [item] = [i for i in items if i.key == key]
    return local_day(item)


def test_a_moved_inquiry_keeps_the_user_s_day_and_the_next_keeps_its_spacing():
    plain = plan_of(interview())
    assert (day_of(plain, "follow_up-1"), day_of(plain, "follow_up-2")) == (
        date(2026, 11, 9),
        date(2026, 11, 16),
    )
    later = plan_of(interview(moved=[{"step": "follow_up-1", "date": "2026-11-13"}]))
    assert day_of(later, "follow_up-1") == date(2026, 11, 13)
    assert day_of(later, "follow_up-2") == date(2026, 11, 20)  # still a week after it
    [first] = [i for i in later if i.key == "follow_up-1"]
    assert "moved to Fri 13 Nov because you moved it in your calendar" in first.reason
    earlier = plan_of(interview(moved=[{"step": "follow_up-1", "date": "2026-11-05"}]))
    assert day_of(earlier, "follow_up-2") == date(2026, 11, 12)


def test_the_final_inquiry_stays_seven_days_after_a_moved_first_one():
    # Three inquiries 7 days apart; the user drags the first to two days before the
    # second's planned day: the rest follow, a week apart each.
    three = {"max_follow_ups": 3, "follow_up_days": [7, 14, 21]}
    items = plan_of(interview(policy=three, moved=[{"step": "follow_up-1", "date": "2026-11-12"}]))
    days = [day_of(items, f"follow_up-{n}") for n in (1, 2, 3)]
    # 26 Nov is Thanksgiving (the default me: is in the US): the business-day rule
    # still applies to what the user did not move.
    assert days == [date(2026, 11, 12), date(2026, 11, 19), date(2026, 11, 27)]
    assert all((b - a).days >= 7 for a, b in itertools.pairwise(days))


def test_a_moved_thank_you_keeps_its_hour_and_nothing_else_moves():
    plain = plan_of(interview())
    [thanks] = steps(plain, "thank_you")
    items = plan_of(
        interview(moved=[{"step": "thank_you", "to": "Dana Lee", "date": "2026-11-04"}])
    )
    [moved] = steps(items, "thank_you")
    local = moved.start.astimezone(thanks.start.tzinfo)
    assert (local.date(), local.time()) == (date(2026, 11, 4), thanks.start.time())
    others = lambda plan: {i.uid: i.start for i in plan if i.step.value != "thank_you"}  # noqa: E731
    assert others(items) == others(plain)


def test_a_skipped_step_is_not_planned_and_the_rest_stay():
    plain = plan_of(interview())
    items = plan_of(
        interview(
            skipped=[
                {"step": "check_in-2", "date": "2026-11-20"},
                {"step": "follow_up-1", "date": "2026-11-20"},
            ]
        )
    )
    gone = {i.uid for i in plain} - {i.uid for i in items}
    assert gone == {"acme.check-in-2.dana-lee@followup-cal", "acme.follow-up-1@followup-cal"}
    assert day_of(items, "follow_up-2") == day_of(plain, "follow_up-2")
    assert day_of(items, "check_in-3") == day_of(plain, "check_in-3")


def test_done_wins_over_moved_and_skipped():
    items = plan_of(
        interview(
            done=[{"step": "follow_up-1", "date": "2026-11-10"}],
            moved=[{"step": "follow_up-1", "date": "2026-11-13"}],
            skipped=[{"step": "follow_up-1", "date": "2026-11-13"}],
        )
    )
    [first] = [i for i in items if i.key == "follow_up-1"]
    assert (first.done, local_day(first)) == (date(2026, 11, 10), date(2026, 11, 10))
    assert day_of(items, "follow_up-2") == date(2026, 11, 17)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"step": "follow_up-9", "date": "2026-11-13"},
            "step 'follow_up-9' is not a follow-up step",
        ),
        (
            {"step": "follow_up-1", "date": "2026-10-01"},
            "skipped date 2026-10-01 is before the first interview",
        ),
        ({"step": "follow_up-1"}, "moved entry"),
        ({"step": "thank_you", "to": "Nobody", "date": "2026-11-04"}, "Nobody"),
    ],
)
def test_bad_entries_are_located_problems(entry, message):
    kind = "skipped" if "skipped" in message else "moved"  # a move may go anywhere
    with pytest.raises(InvalidInput) as caught:
        load_search(interview(**{kind: [entry]}))
    assert any(message in str(p) for p in caught.value.problems), caught.value.problems


def test_a_moved_entry_matching_nothing_is_a_warning():
    search = load_search(interview(moved=[{"step": "check_in-20", "date": "2026-11-13"}]))
    warnings = service.unmatched_done(search, service.plan(search, date(2026, 11, 23)))
    assert len(warnings) == 1
    assert "acme moved: 'check_in-20' matches no planned step" in warnings[0]


def test_written_back_as_the_journal_commands_write(tmp_path: Path):
    path = tmp_path / "interviews.yaml"
    text = search_text(interview(done=[{"step": "thank_you", "date": "2026-11-02"}]))
    text = text.replace("  company: Acme\n", "  company: Acme   # the one in Berlin\n")
    path.write_text(text)
    search = load_search(interview())
    plan = service.plan(search, date(2026, 11, 23))
    first = next(i for i in plan if i.key == "follow_up-1")
    check_in = next(i for i in plan if i.key == "check_in-2")

    updated = record_step_facts(
        str(path),
        lambda _search: [
            StepFactEntry("moved", first, date(2026, 11, 13), time(14, 15)),
            StepFactEntry("skipped", check_in, date(2026, 11, 20)),
        ],
    )

    after = path.read_text()
    assert after.startswith(text.rstrip("\n"))  # appended, nothing above changed
    assert after[len(text.rstrip("\n")) :] == (
        "\n  moved:\n  - {step: follow_up-1, round: 1, date: 2026-11-13 14:15}"
        "\n  skipped:\n  - {step: check_in-2, to: Dana Lee, date: 2026-11-20}\n"
    )
    [acme] = updated.interviews
    assert acme.moved_to("follow_up-1", 1, "Dana Lee") == (date(2026, 11, 13), time(14, 15))
    assert acme.skipped_on("check_in-2", 1, "Dana Lee") == date(2026, 11, 20)


def test_a_moved_step_may_keep_the_user_s_hour_too():
    items = plan_of(
        interview(
            moved=[
                {"step": "follow_up-1", "date": "2026-11-12 14:15"},
                {"step": "thank_you", "to": "Dana Lee", "date": "2026-11-02 18:00"},
            ]
        )
    )
    first = next(i for i in items if i.key == "follow_up-1")
    assert first.start.isoformat() == "2026-11-12T14:15:00-05:00"
    assert first.reason.count("you moved it in your calendar") == 1
    assert day_of(items, "follow_up-2") == date(2026, 11, 19)
    [thanks] = steps(items, "thank_you")
    assert thanks.start.isoformat() == "2026-11-02T18:00:00-05:00"
    assert thanks.reason.endswith("; at 18:00 because you moved it in your calendar")
    with pytest.raises(InvalidInput) as caught:
        load_search(interview(moved=[{"step": "follow_up-1", "date": "2027-03-14 02:30"}]))
    assert "does not exist in America/New_York" in str(caught.value.problems[0])


def test_moved_twice_the_last_line_counts():
    items = plan_of(
        interview(
            moved=[
                {"step": "follow_up-1", "date": "2026-11-12"},
                {"step": "follow_up-1", "date": "2026-11-10"},
            ]
        )
    )
    assert day_of(items, "follow_up-1") == date(2026, 11, 10)


def test_moved_again_to_another_day_keeps_the_hour_given_before():
    # The calendar pull writes the hour only when it changed: dragged to 14:00, then to
    # another day at that same 14:00, the second line has no hour and must not put the
    # event back at the send time (the hypothesis state machine found this).
    items = plan_of(
        interview(
            moved=[
                {"step": "thank_you", "to": "Dana Lee", "date": "2026-11-04 14:00"},
                {"step": "thank_you", "to": "Dana Lee", "date": "2026-11-05"},
            ]
        )
    )
    [thanks] = steps(items, "thank_you")
    assert thanks.start.isoformat() == "2026-11-05T14:00:00-05:00"
    # A later hour still wins over an earlier one.
    items = plan_of(
        interview(
            moved=[
                {"step": "thank_you", "to": "Dana Lee", "date": "2026-11-04 14:00"},
                {"step": "thank_you", "to": "Dana Lee", "date": "2026-11-05 09:30"},
            ]
        )
    )
    [thanks] = steps(items, "thank_you")
    assert thanks.start.isoformat() == "2026-11-05T09:30:00-05:00"


def test_lines_the_tool_wrote_before_an_outcome_make_validate_strict_pass(tmp_path: Path):
    """A move sync wrote for a step the rejection then cancelled, and a sent thank-you
    whose draft lacked talked_about, are history: `validate --strict` (the pre-commit
    hook) stays quiet about both."""
    path = tmp_path / "interviews.yaml"
    lean = interview(pitch="running Postgres at scale")
    lean["rounds"][0]["interviewers"][0].pop("talked_about")
    path.write_text(
        search_text(
            {
                **lean,
                "done": [
                    {"step": "debrief", "date": "2026-11-02"},
                    {"step": "thank_you", "date": "2026-11-02"},
                    {"step": "follow_up-1", "date": "2026-11-09"},
                ],
                "moved": [{"step": "follow_up-2", "date": "2026-11-18"}],
                "outcome": {"result": "rejected", "date": "2026-11-12"},
            }
        )
    )
    result = CliRunner().invoke(cli, ["validate", str(path), "--strict", "--today", "2026-11-23"])
    assert result.stderr == ""
    assert result.exit_code == 0, result.output
    # A typo is still a warning: the line names a step no plan ever had.
    path.write_text(path.read_text().replace("step: follow_up-2", "step: follow_up-3"))
    typo = CliRunner().invoke(cli, ["validate", str(path), "--strict", "--today", "2026-11-23"])
    assert "acme moved: 'follow_up-3' matches no planned step" in typo.stderr

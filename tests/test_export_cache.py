"""A re-export plans and drafts only the interviews whose inputs changed, and its bytes
are those of a full build: icalendar's own whole-calendar build of the same input.

Work is counted (interviews planned, drafts made), never timed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, TODAY

from followup_cal import service
from followup_cal.calendar.ics import EVENTS, FeedStyle, build_calendar, calendar_bytes
from followup_cal.cli import cli
from followup_cal.journal.secret import feed_secret
from followup_cal.journal.state import ExportState, load_state, state_path_for
from followup_cal.loader import load
from followup_cal.plan import drafts, planner


def full_build(
    path: Path, style: FeedStyle = EVENTS, today: date = TODAY, state: ExportState | None = None
) -> bytes:
    search = load(str(path))
    events = service.draft_events(search, service.plan(search, today))
    cal = build_calendar(
        events, search.me, state or ExportState(), today, search.calendar_name, style
    )
    return calendar_bytes(cal)


class Work:
    """How many interviews were planned and drafts made since the last reset."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.planned: list[str] = []
        self.drafted = 0
        plan_interview, render_draft = planner.plan_interview, drafts.render_draft

        def counting_plan(interview, *args):
            self.planned.append(interview.id)
            return plan_interview(interview, *args)

        def counting_draft(*args, **kwargs):
            self.drafted += 1
            return render_draft(*args, **kwargs)

        monkeypatch.setattr(planner, "plan_interview", counting_plan)
        monkeypatch.setattr(drafts, "render_draft", counting_draft)

    def reset(self) -> None:
        self.planned, self.drafted = [], 0


def export(path: Path, out: Path, *args: str) -> None:
    command = ["export", str(path), "-o", str(out), "--today", str(TODAY), *args]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


@pytest.fixture
def search_file(tmp_path: Path) -> Path:
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    return path


def interview_ids(path: Path) -> list[str]:
    return [i.id for i in load(str(path)).interviews]


def test_an_unchanged_file_is_neither_planned_nor_drafted(search_file, tmp_path, monkeypatch):
    out = tmp_path / "followups.ics"
    work = Work(monkeypatch)
    export(search_file, out, "--no-state")
    assert sorted(work.planned) == sorted(interview_ids(search_file))
    first = out.read_bytes()
    work.reset()
    export(search_file, out, "--no-state")
    assert (work.planned, work.drafted) == ([], 0)
    assert out.read_bytes() == first == full_build(search_file)


def test_one_edited_interview_is_the_only_one_planned_and_drafted(
    search_file, tmp_path, monkeypatch
):
    out = tmp_path / "followups.ics"
    export(search_file, out, "--no-state")
    text = search_file.read_text("utf-8")
    edited = text.replace("pitch: building streaming pipelines", "pitch: running pipelines", 1)
    assert edited != text
    search_file.write_text(edited, "utf-8")
    search = load(str(search_file))
    helio = [i for i in service.plan(search, TODAY) if i.interview.id == "helio-analytics"]
    work = Work(monkeypatch)
    export(search_file, out, "--no-state")
    assert work.planned == ["helio-analytics"]
    assert work.drafted == len(helio)
    assert out.read_bytes() == full_build(search_file)


def test_the_history_numbers_reused_events_as_a_full_build_does(search_file, tmp_path, monkeypatch):
    """Another day with the export history: every event keeps its revision, nothing is
    built; without the history, every DTSTAMP is the new day's, so everything is."""
    out = tmp_path / "followups.ics"
    export(search_file, out)
    state_path = state_path_for(str(search_file))
    history = load_state(state_path)
    later = TODAY + timedelta(days=3)
    work = Work(monkeypatch)
    again = ["export", str(search_file), "-o", str(out), "--today", str(later)]
    assert CliRunner().invoke(cli, again).exit_code == 0
    assert (work.planned, work.drafted) == ([], 0)
    assert out.read_bytes() == full_build(search_file, today=later, state=history)

    state_path.unlink()
    work.reset()
    assert CliRunner().invoke(cli, again).exit_code == 0
    assert sorted(work.planned) == sorted(interview_ids(search_file))
    assert out.read_bytes() == full_build(search_file, today=later)


def _me(path: Path) -> None:
    text = path.read_text("utf-8")
    path.write_text(text.replace("  name: Alex Morgan\n", "  name: Alex Moran\n", 1), "utf-8")


def _country(path: Path) -> None:
    text = path.read_text("utf-8")
    text = text.replace("  country: US ", "  country: CA ", 1)
    path.write_text(text.replace("  subdivision: NY ", "  subdivision: ON ", 1), "utf-8")


def _policy(path: Path) -> None:
    text = path.read_text("utf-8")
    path.write_text(text.replace('  send_time: "09:30"', '  send_time: "10:15"', 1), "utf-8")


def _template(path: Path) -> None:
    folder = path.parent / "drafts"
    text = (folder / "follow_up.txt").read_text("utf-8")
    (folder / "follow_up.txt").write_text(text.replace("Hi", "Hello", 1), "utf-8")


@pytest.mark.parametrize("change", [_me, _country, _policy, _template])
def test_a_change_outside_the_interviews_plans_every_one_again(
    change, search_file, tmp_path, monkeypatch
):
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "follow_up.txt").write_text(
        "Subject: Following up on the ${role} role\n\n${greeting},\n\nHi again from me.\n",
        "utf-8",
    )
    text = search_file.read_text("utf-8")
    search_file.write_text(text.replace("\ninterviews:\n", "\ntemplates: drafts\ninterviews:\n"))
    out = tmp_path / "followups.ics"
    export(search_file, out, "--no-state")
    before = out.read_bytes()
    change(search_file)
    work = Work(monkeypatch)
    export(search_file, out, "--no-state")
    assert sorted(work.planned) == sorted(interview_ids(search_file))
    assert out.read_bytes() == full_build(search_file) != before


@pytest.mark.parametrize("option", ["--public", "--as=todo"])
def test_another_style_to_the_same_file_builds_every_event_again(
    option, search_file, tmp_path, monkeypatch
):
    out = tmp_path / "followups.ics"
    export(search_file, out, "--no-state")
    work = Work(monkeypatch)
    export(search_file, out, "--no-state", option)
    assert sorted(work.planned) == sorted(interview_ids(search_file))
    public = option == "--public"
    salt = feed_secret(str(search_file)) if public else ""
    style = FeedStyle(public=public, as_todo=not public, salt=salt)
    assert out.read_bytes() == full_build(search_file, style)


@pytest.mark.parametrize(
    ("places", "rows"),
    [
        ("", '[["half a row"'),  # cut JSON
        ("x,y", ""),  # places that are not numbers
        ("", "[[1,2]]"),  # rows of another shape
        ("99999999,100", ""),  # a place past the output's end
    ],
)
def test_a_damaged_index_line_builds_that_interview_again(places, rows, search_file, tmp_path):
    from followup_cal.calendar.export_cache import EventCache

    out = tmp_path / "followups.ics"
    export(search_file, out, "--no-state")
    index = EventCache(out).index_path
    head, first, *rest = index.read_text("utf-8").split("\n")
    key, old_places, old_rows = first.split("\t")
    first = f"{key}\t{places or old_places}\t{rows or old_rows}"
    index.write_text("\n".join([head, first, *rest]), "utf-8")
    export(search_file, out, "--no-state")
    assert out.read_bytes() == full_build(search_file)

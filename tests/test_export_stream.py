"""export streams the calendar and reuses unchanged events: always the bytes of a full build.

The reference is icalendar's own whole-calendar build (ics.build_calendar, to_ical), so
each shortcut (our line folding, the stream, the cache of the last export) is checked
against the library, not against itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, TODAY
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import _foldline

from followup_cal import service
from followup_cal.calendar import ics_stream
from followup_cal.calendar.ics import EVENTS, FeedStyle, build_calendar, calendar_bytes
from followup_cal.cli import cli
from followup_cal.journal.state import ExportState
from followup_cal.loader import load, parse

STYLES = [FeedStyle(), FeedStyle(public=True), FeedStyle(as_todo=True)]


def full_build(path: str, style: FeedStyle = EVENTS, today: date = TODAY) -> bytes:
    search = load(path)
    events = service.draft_events(search, service.plan(search, today))
    cal = build_calendar(events, search.me, ExportState(), today, search.calendar_name, style)
    return calendar_bytes(cal)


@given(st.text(alphabet=st.sampled_from("ab\\^;,:é→—😀 \t"), max_size=400))
@settings(max_examples=300, deadline=None)
def test_folding_is_icalendars(line):
    assert ics_stream.fold(line) == _foldline(line).encode()


@pytest.mark.parametrize("style", STYLES, ids=["events", "public", "tasks"])
def test_the_stream_is_the_full_build(style):
    search = load(str(EXAMPLE))
    streamed = b"".join(service.export_stream(search, TODAY, ExportState(), style).chunks())
    assert streamed == full_build(str(EXAMPLE), style)


def export(path: Path, out: Path) -> str:
    result = CliRunner().invoke(
        cli, ["export", str(path), "-o", str(out), "--no-state", "--today", str(TODAY)]
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def count_built(monkeypatch) -> list[int]:
    """How many components are serialised from icalendar objects (not from the cache)."""
    built = [0]
    original = ics_stream.component_bytes

    def counting(component):
        built[0] += 1
        return original(component)

    monkeypatch.setattr(ics_stream, "component_bytes", counting)
    return built


def test_re_export_after_an_edit_rebuilds_only_that_interviews_events(
    tmp_path, cache_home, monkeypatch
):
    path = tmp_path / "interviews.yaml"
    text = EXAMPLE.read_text("utf-8")
    path.write_text(text, "utf-8")
    out = tmp_path / "followups.ics"
    export(path, out)
    assert out.read_bytes() == full_build(str(path))

    edited = text.replace(
        "pitch: building streaming pipelines", "pitch: running streaming pipelines", 1
    )
    assert edited != text
    path.write_text(edited, "utf-8")
    search = parse(str(path), edited)
    helio = [i for i in service.plan(search, TODAY) if i.interview.id == "helio-analytics"]
    built = count_built(monkeypatch)
    export(path, out)
    assert out.read_bytes() == full_build(str(path))
    # Only Helio's events (whose drafts name the pitch), and the one time zone.
    zones = out.read_bytes().count(b"BEGIN:VTIMEZONE")
    assert 0 < built[0] - zones <= len(helio)


def test_an_output_changed_since_is_not_trusted(tmp_path, cache_home, monkeypatch):
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    out = tmp_path / "followups.ics"
    export(path, out)
    # Someone edits the .ics in place: same size, one letter changed in an event.
    data = out.read_bytes()
    at = data.index(b"SUMMARY:") + len(b"SUMMARY:")
    out.write_bytes(data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :])
    built = count_built(monkeypatch)
    export(path, out)
    assert out.read_bytes() == full_build(str(path))
    assert built[0] >= out.read_bytes().count(b"BEGIN:VEVENT")


def test_no_cache_folder_is_only_slower(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null/nowhere")
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    out = tmp_path / "followups.ics"
    export(path, out)
    export(path, out)
    assert out.read_bytes() == full_build(str(path))


# -- a large file, one interview at a time ---------------------------------------------------


@pytest.fixture
def in_pieces(monkeypatch):
    """Every file counts as large: read one interview at a time (see yamlchunks)."""
    from followup_cal import loader

    monkeypatch.setattr(loader, "CHUNKED_FROM", 0)


def watch_reading(monkeypatch) -> list[int]:
    """How many read interviews are alive each time one is planned; the file may never
    be parsed whole."""
    import weakref

    from followup_cal import loader
    from followup_cal.plan import planner

    read, live_when_planned = weakref.WeakSet(), []
    read_interview, plan_interview = loader._read_interview, planner.plan_interview

    def reading(*args):
        interview = read_interview(*args)
        read.add(interview)
        return interview

    def planning(interview, *args):
        live_when_planned.append(len(read))
        return plan_interview(interview, *args)

    def never_whole(*_args):
        raise AssertionError("the file was parsed whole")

    monkeypatch.setattr(loader, "_read_interview", reading)
    monkeypatch.setattr(planner, "plan_interview", planning)
    monkeypatch.setattr(loader, "parse", never_whole)
    return live_when_planned


def test_a_large_file_is_exported_one_interview_at_a_time(tmp_path, in_pieces, monkeypatch):
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    expected = full_build(str(path))  # read whole: the example is small
    live_when_planned = watch_reading(monkeypatch)
    export(path, tmp_path / "followups.ics")
    assert (tmp_path / "followups.ics").read_bytes() == expected
    # Six interviews, each read, planned and let go before the next is read.
    assert len(live_when_planned) == 6
    assert max(live_when_planned) == 1


def test_the_served_feed_is_built_one_interview_at_a_time_and_kept_on_disk(
    tmp_path, in_pieces, monkeypatch
):
    from followup_cal.serve import FeedSource

    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    expected = full_build(str(path))
    live_when_planned = watch_reading(monkeypatch)
    logged: list[str] = []
    source = FeedSource(str(path), EVENTS, ExportState(), lambda: TODAY, logged.append)
    source.refresh()
    feed = source.current()
    assert feed is not None, (source.first_error, logged)
    assert feed.body == expected and feed.size == len(expected)
    assert (len(live_when_planned), max(live_when_planned)) == (6, 1)
    # The bytes are in a file, not held by the feed (a large search's feed is large).
    assert not any(isinstance(value, bytes) for value in vars(feed).values())


def test_pieces_that_do_not_stand_alone_are_read_whole(tmp_path, in_pieces):
    text = EXAMPLE.read_text("utf-8")
    # An anchor in the first interview, its alias in the second: the second, alone, fails.
    text = text.replace("role: Senior Platform Engineer", "role: &role Senior Platform Engineer")
    text = text.replace("role: Backend Engineer", "role: *role", 1)
    assert "role: *role" in text
    path = tmp_path / "interviews.yaml"
    path.write_text(text, "utf-8")
    export(path, tmp_path / "followups.ics")
    assert (tmp_path / "followups.ics").read_bytes() == full_build(str(path))


def refused_as(path: Path, command: str) -> str:
    """export's error on ``path``, checked to be ``command``'s, with nothing written."""
    out = path.parent / "followups.ics"
    args = [str(path), "--today", str(TODAY)]
    result = CliRunner().invoke(cli, ["export", *args, "-o", str(out), "--no-state"])
    check = CliRunner().invoke(cli, [command, *args])
    assert result.exit_code == check.exit_code == 1
    assert result.stderr == check.stderr
    assert not out.exists()
    return result.stderr


def test_a_problem_in_a_later_interview_is_reported_as_validate_reports_it(tmp_path, in_pieces):
    text = EXAMPLE.read_text("utf-8")
    path = tmp_path / "interviews.yaml"
    last = text.rindex("  - id: ")
    path.write_text(text[:last] + text[last:].replace("start: 2026-", "start: 2026-13-", 1))
    assert f"{path}:" in refused_as(path, "validate")


def test_two_events_with_one_uid_are_refused_as_plan_refuses_them(tmp_path, in_pieces):
    text = EXAMPLE.read_text("utf-8")
    # A second interviewer whose name differs from the first only in case.
    dana = "          - name: Dana Lee\n"
    assert dana in text
    path = tmp_path / "interviews.yaml"
    path.write_text(text.replace(dana, "          - name: dana lee\n" + dana, 1), "utf-8")
    assert "one calendar UID" in refused_as(path, "plan")


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.tuples(st.text(max_size=8), st.integers(0, 10**6), st.dates()),
        max_size=5,
    )
)
@settings(max_examples=100, deadline=None)
def test_the_history_is_written_as_json_indents_it(entries):
    """Written one event at a time, the file is what json.dumps(indent=1) made before."""
    import json

    from followup_cal.journal.state import Revision

    state = ExportState({uid: Revision(*entry) for uid, entry in entries.items()})
    events = {
        uid: {"hash": r.hash, "sequence": r.sequence, "stamp": r.stamp.isoformat()}
        for uid, r in sorted(state.revisions.items())
    }
    expected = json.dumps({"version": 1, "events": events}, indent=1) + "\n"
    assert state.to_json() == expected.encode()

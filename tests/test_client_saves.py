"""What real calendar apps write back, replayed on every server of the suite.

Each case of tests/data/clients/cases.yaml is applied to our own event as sync wrote it;
the next sync must record the expected fact (or none), exit 0, and leave the user's
lines on the server byte for byte; the sync after it must have nothing to learn or
write. The score (cases as expected / all) is printed after the run.
"""

from __future__ import annotations

import pytest
from caldav_servers import SERVERS
from client_replay import Case, Replay, fact_changes, load_cases, unfold
from conftest import report_line

CASES = load_cases()
RESULTS: dict[str, dict[str, bool]] = {}


@pytest.fixture(scope="module", params=SERVERS)
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv
    cases = RESULTS.get(srv.name, {})
    report_line(
        f"client re-saves on {srv.name}: {sum(cases.values())} of {len(cases)} as expected"
        + "".join(f"\n  not as expected: {name}" for name, ok in sorted(cases.items()) if not ok)
    )


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("TZ", "UTC")


def test_the_corpus_is_well_formed():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    clients = {case.client for case in CASES}
    assert len(clients) == 9  # Apple Calendar and Reminders, Thunderbird, DAVx5, todoman...
    for case in CASES:
        assert all(line[0] in "+-" for line in case.expect), case.id


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_client_save_is_understood_and_kept(case: Case, server, tmp_path):
    RESULTS.setdefault(server.name, {})[case.id] = False
    replay = Replay(tmp_path, server, case)
    first = replay.sync()
    assert first.exit_code == 0, first.output
    for edit in case.before:
        replay.apply(edit)
        assert replay.sync().exit_code == 0
    facts_before = replay.facts()
    replay.apply(case.edit)
    kept = case.must_keep()
    saved = replay.stored_lines()
    written = set(case.edit.get("set", [])) | set(case.edit.get("add", []))
    missing = [line for line in kept if line in written and line not in saved]
    assert not missing, f"the corpus asks for lines the server does not keep: {missing}"

    pulled = replay.sync()
    assert pulled.exit_code == 0, pulled.output
    assert fact_changes(facts_before, replay.facts()) == case.expect, pulled.output
    if case.report:
        assert case.report in pulled.output
    after = replay.stored_lines()
    assert [line for line in kept if line not in after] == [], "\n".join(after)

    again = replay.sync()
    assert again.exit_code == 0, again.output
    assert "from your calendar" not in again.output
    assert "created 0, updated 0, deleted 0" in again.output, again.output
    assert fact_changes(facts_before, replay.facts()) == case.expect
    lines = replay.stored_lines()
    assert [line for line in kept if line not in lines] == [], "\n".join(lines)
    RESULTS[server.name][case.id] = True


def test_unfolding_joins_continued_lines():
    assert unfold("A:1\r\n 2\r\nB:3\r\n") == ["A:12", "B:3"]


def test_a_later_change_of_the_yaml_keeps_what_the_user_made_theirs(server, tmp_path):
    case = Case("later", "Apple Calendar", "lengthen", "follow_up-1", [], {})
    replay = Replay(tmp_path, server, case)
    assert replay.sync().exit_code == 0
    mine = ["DTEND;TZID=America/New_York:20261127T101500", "PRIORITY:1", "X-MOZ-GENERATION:3"]
    replay.apply({"set": mine[:1], "add": mine[1:]})
    assert replay.sync().exit_code == 0  # kept as saved, marks put back
    # The YAML changes what this step's draft says: our notes go out, the user's end
    # time and the properties their app added stay.
    text = replay.path.read_text("utf-8")
    replay.path.write_text(text.replace("running Postgres at scale", "running MySQL"), "utf-8")
    changed = replay.sync()
    assert changed.exit_code == 0, changed.output
    lines = replay.stored_lines()
    assert [line for line in mine if line not in lines] == []
    notes = [line for line in lines if line.startswith("DESCRIPTION:To:")]
    assert len(notes) == 1 and "running MySQL" in notes[0]
    again = replay.sync()
    assert "created 0, updated 0, deleted 0" in again.output, again.output
    # The YAML moves the step: then both ends are the file's; the app's additions stay.
    text = replay.path.read_text("utf-8")
    moved = "  moved:\n  - {step: follow_up-1, round: 1, date: 2026-11-30}\n"
    replay.path.write_text(text.replace("  rounds:\n", moved + "  rounds:\n", 1), "utf-8")
    assert replay.sync().exit_code == 0
    lines = replay.stored_lines()
    assert "DTSTART;TZID=America/New_York:20261130T093000" in lines
    assert "DTEND;TZID=America/New_York:20261130T094500" in lines
    assert "PRIORITY:1" in lines and "X-MOZ-GENERATION:3" in lines


def test_a_property_a_task_app_added_survives_a_change_of_the_yaml(server, tmp_path):
    case = Case("p", "Tasks.org", "priority", "follow_up-1", [], {}, todo=True)
    replay = Replay(tmp_path, server, case)
    assert replay.sync().exit_code == 0
    replay.apply({"add": ["PRIORITY:1"]})  # nothing we compare: no edit, nothing recorded
    text = replay.path.read_text("utf-8")
    replay.path.write_text(text.replace("running Postgres at scale", "running MySQL"), "utf-8")
    assert replay.sync().exit_code == 0
    lines = replay.stored_lines()
    assert "PRIORITY:1" in lines
    assert any("running MySQL" in line for line in lines if line.startswith("DESCRIPTION:To:"))


def test_a_rebuilt_event_is_told_from_what_this_machine_pushed_not_from_the_yaml(server, tmp_path):
    """Outlook dropped our marks, and the YAML moved the step meanwhile: the cache says
    what was pushed, so the old time on the server is not read as the user's move back."""
    outlook = next(case for case in CASES if case.id == "outlook-rebuild-retitle")
    replay = Replay(tmp_path, server, outlook)
    assert replay.sync().exit_code == 0
    replay.apply(outlook.edit)
    text = replay.path.read_text("utf-8")
    moved = "  moved:\n  - {step: follow_up-1, round: 1, date: 2026-11-30}\n"
    replay.path.write_text(text.replace("  rounds:\n", moved + "  rounds:\n", 1), "utf-8")
    typed = replay.facts()
    result = replay.sync()
    assert "from your calendar" not in result.stdout
    assert replay.facts() == typed
    # Changed on both sides: left alone and listed, as for any event (exit 10).
    assert result.exit_code == 10, result.output
    assert "SUMMARY:Follow-up Dana Lee (Acme)" in replay.stored_lines()


def test_unticking_a_refused_tick_in_todoman_ends_it(server, tmp_path):
    """The documented fix for a tick the file does not allow (docs/sync.md: "fix the
    event in your calendar, and the next sync is quiet") works with todoman's un-tick,
    which leaves PERCENT-COMPLETE:100 behind: STATUS decides (RFC 5545)."""
    case = Case("refused", "todoman", "tick, then untick", "thank_you", [], {}, todo=True)
    replay = Replay(tmp_path, server, case)
    assert replay.sync().exit_code == 0
    # Ticked with a day before the interview (Thu 19 Nov): not a done the file takes.
    replay.apply({"set": ["SEQUENCE:1", "STATUS:COMPLETED"],
                  "add": ["COMPLETED:20261118T140000Z", "PERCENT-COMPLETE:100"]})  # fmt: skip
    refused = replay.sync()
    assert refused.exit_code == 12, refused.output
    assert "not recorded: done:" in refused.output
    replay.apply({"set": ["SEQUENCE:2", "STATUS:NEEDS-ACTION"], "remove": ["COMPLETED"]})
    fixed = replay.sync()
    assert fixed.exit_code == 0, fixed.output
    assert "not recorded" not in fixed.output and replay.facts() == set()
    again = replay.sync()
    assert again.exit_code == 0 and "created 0, updated 0, deleted 0" in again.output, again.output


def test_when_the_file_wins_the_object_moves_on(server, tmp_path):
    """The file's version put back over an un-tick differs from every earlier object:
    SEQUENCE and DTSTAMP pass both the user's and ours, so vdirsyncer picks it up."""
    untick = next(case for case in CASES if case.id == "todoman-untick-typed-done")
    replay = Replay(tmp_path, server, untick)
    assert replay.sync().exit_code == 0
    ours = replay.stored_lines()
    replay.apply(untick.edit)  # SEQUENCE:1, DTSTAMP as we wrote it
    theirs = replay.stored_lines()
    won = replay.sync()
    assert "the file wins" in won.output, won.output
    back = replay.stored_lines()

    def value(lines: list[str], name: str) -> str:
        return next(line for line in lines if line.startswith(name + ":")).partition(":")[2]

    assert "STATUS:COMPLETED" in back
    assert int(value(back, "SEQUENCE")) == 2  # past ours (0) and the user's (1)
    stamps = [value(lines, "DTSTAMP") for lines in (ours, theirs, back)]
    assert stamps[2] > max(stamps[:2]), stamps
    again = replay.sync()
    assert "created 0, updated 0, deleted 0" in again.output, again.output
    assert replay.stored_lines() == back

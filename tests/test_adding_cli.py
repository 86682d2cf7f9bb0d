"""Adding to the file through click's CliRunner: add, add-round and init.

Checked as a user would review them in git: the exact lines added and nothing else; a
refused command leaves the file byte-identical.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ADD, INIT, JOURNAL_TODAY, assert_refused, changed_lines, recorded, run

TODAY = ["--today", "2026-11-23"]


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def test_add_appends_an_interview_after_a_blank_line(example):
    lines, result = recorded(example, *ADD)
    assert lines == [
        "+",
        "+  - id: acme-corp",
        "+    company: Acme Corp",
        "+    role: Backend Engineer",
        "+    rounds:",
        "+      - start: 2026-11-20 14:00",
        "+        duration: 45",
        "+        interviewers:",
        "+          - name: Dana Lee",
        "+            email: dana@acme.example",
        "+            talked_about: their billing rewrite",
    ]
    assert result.stdout.startswith(f"added 'acme-corp' to {example}: 10 follow-ups planned")


def test_add_asks_on_a_terminal(example):
    answers = "\n".join(
        [
            "Acme Corp",  # company
            "Backend Engineer",  # role
            "",  # pitch
            "",  # the round's zone: mine (asked before the start)
            "2026-11-20 14:00",  # start
            "45",  # duration
            "Dana Lee",
            "dana@acme.example",
            "",  # title
            "their billing rewrite",
            "n",  # another interviewer?
            "in 2 weeks",  # decision
            "",  # write it (the default)
        ]
    )
    before = example.read_text("utf-8")
    result = run("add", "--prompt", "-f", str(example), input=answers + "\n")
    assert result.exit_code == 0, result.output
    lines = changed_lines(before, example.read_text("utf-8"))
    assert "+    decision_expected: in 2 weeks" in lines
    assert "+            talked_about: their billing rewrite" in lines


def test_add_without_a_terminal_names_the_missing_flag(example):
    assert_refused(example, ["add", "--company", "X", "--no-prompt"], 2, "missing --role")


def test_add_refuses_a_taken_id_and_a_bad_start(example):
    assert_refused(
        example,
        [*ADD, "--id", "copperleaf"],
        2,
        "'copperleaf' already exists; choose another --id, or add a round to it with "
        f"'followup-cal add-round copperleaf -f {example}'",  # runs as printed
    )
    bad = [*ADD]
    bad[bad.index("2026-11-20 14:00")] = "2026-11-31 14:00"
    assert_refused(example, bad, 2, "Invalid value for --start: '2026-11-31 14:00':")


def test_add_round_counts_the_chain_from_it(example):
    lines, result = recorded(
        example,
        "add-round",
        "helio-analytics",
        "--start",
        "2026-11-19 10:00",
        "--interviewer",
        "Mara Voss <mara@helio.example>",
        "--no-prompt",
    )
    assert lines == [
        "+      - start: 2026-11-19 10:00",
        "+        interviewers:",
        "+          - name: Mara Voss",
        "+            email: mara@helio.example",
    ]
    assert result.stdout.startswith(f"added round 2 to 'helio-analytics' in {example}\n")
    assert "  planned: Thank-you → Mara Voss (Thu 19 Nov 2026)\n" in result.stdout
    rows = json.loads(run("plan", str(example), "--format", "json", *TODAY).stdout)
    first = next(r for r in rows if r["uid"] == "helio-analytics.follow-up-1@followup-cal")
    # 7 days after round 2 (not round 1) is Thanksgiving, so the Friday after.
    assert first["start"].startswith("2026-11-27")


def test_init_writes_a_valid_commented_starter(tmp_path):
    path = tmp_path / "search.yaml"
    result = run("init", str(path), *INIT, "--country", "gb", "--no-prompt")
    assert result.exit_code == 0, result.output
    text = path.read_text("utf-8")
    assert "  name: Robin Carter\n" in text and "  country: GB" in text
    assert "#   # yaml-language-server: $schema=interviews.schema.json\n" in text
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) > 20
    # Each block's explanations start in one column, whatever the file's path.
    head = text.split("# Dates are")[0]
    commands = [line for line in head.splitlines() if line.startswith("#   followup-cal ")]
    assert len(commands) == 6 and commands[1].startswith("#   followup-cal agenda -f search.yaml ")
    assert len({len(re.match(r"#   followup-cal \S.*?\s{3,}", c)[0]) for c in commands}) == 1
    me = text.split("\nme:\n")[1].split("\n\n")[0].splitlines()
    columns = {m.end() for line in me if (m := re.search(r"\S\s{2,}(?=# )", line))}
    assert len(columns) == 1
    assert (
        run("validate", str(path)).stdout
        == f"{path}: ok, 0 interviews, 0 follow-ups planned, 0 warnings\n"
    )
    # And the starter takes a first interview as a plain block list.
    lines, _ = recorded(path, *ADD)
    assert lines[:3] == ["-interviews: []", "+interviews:", "+  - id: acme-corp"]


def test_init_asks_on_a_terminal(tmp_path):
    path = tmp_path / "interviews.yaml"
    result = run(
        "init", str(path), "--prompt", input="Robin Carter\nrobin@example.org\nEurope/London\nGB\n"
    )
    assert result.exit_code == 0, result.output
    assert "  timezone: Europe/London\n" in path.read_text("utf-8")


def test_init_never_overwrites(example):
    before = example.read_bytes()
    result = run("init", str(example), *INIT, "--no-prompt")
    assert result.exit_code == 3
    assert result.stderr == f"{example} already exists; init never overwrites a file\n"
    assert example.read_bytes() == before


def test_init_refuses_a_bad_zone_and_writes_nothing(tmp_path):
    path = tmp_path / "interviews.yaml"
    result = run("init", str(path), *INIT[:4], "--timezone", "Europe/Londn", "--no-prompt")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}: not written: unknown timezone 'Europe/Londn'; did you mean 'Europe/London'?\n"
    )
    assert not path.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["done", "northwind-platform", "follow_up-1", "--yes"],
        ["reply", "northwind-platform", "--on", "2026-11-20"],
        ["outcome", "northwind-platform", "offer", "--on", "2026-11-20"],
        ["add-round", "northwind-platform", "--start", "2026-12-01 10:00", "--interviewer",
         "Kim Bell <kim@example.com>", "--no-prompt"],
        ADD,
    ],
    ids=lambda c: c[0],
)  # fmt: skip
def test_a_write_back_holds_one_reading_of_the_file_at_a_time(example, monkeypatch, command):
    """When the edited text is checked, the reading of the file before the edit is let
    go, and the check keeps only the interview it edited: a large file is never in
    memory twice over (10,000 interviews: ~150 MB each)."""
    import gc
    import weakref

    from followup_cal import loader

    whole: list[weakref.ref] = []  # every file read with all its interviews
    at_check: list[tuple[int, int]] = []  # (those still alive, interviews the check keeps)
    read_file = loader._read_file

    def watched(path, root, chunks, keep=None):
        if keep is not None:
            gc.collect()
            alive = sum(1 for ref in whole if ref() is not None)
        search = read_file(path, root, chunks, keep)
        if keep is None:
            whole.append(weakref.ref(search))
        else:
            at_check.append((alive, len(search.interviews)))
        return search

    monkeypatch.setattr(loader, "_read_file", watched)
    dated = [] if command[0] in ("add", "add-round") else JOURNAL_TODAY
    result = run(*command, "-f", str(example), *dated)
    assert result.exit_code == 0, result.output
    assert at_check == [(0, 1)]


def test_the_input_ending_at_a_prompt_is_a_usage_problem_and_writes_nothing(tmp_path):
    path = tmp_path / "interviews.yaml"
    result = run("init", str(path), "--prompt", input="Robin Carter\n")
    assert result.exit_code == 2, result.output
    assert "Aborted!" not in result.output
    assert result.stderr.endswith(
        "the input ended before an answer to 'Your e-mail'; nothing written "
        "(give the answers as flags, or type them in a terminal)\n"
    )
    assert not path.exists()


def test_the_top_level_help_names_every_exit_code():
    from followup_cal import errors

    text = " ".join(run("--help").stdout.split())
    listed = {int(n) for n in re.findall(r"\b(\d+)(?= [a-z])", text.split("Exit codes:")[1])}
    for low, high in re.findall(r"\b(\d+)-(\d+)\b", text.split("Exit codes:")[1]):
        listed |= set(range(int(low), int(high) + 1))
    codes = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.FollowupCalError)
    }
    assert codes - listed == set()

"""Fields whose shape would make a draft read badly: validate (and add) say so at once,
with the line and column of the field, before any draft goes out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import interview, search_text, validate, where

import followup_cal
from followup_cal.cli import cli
from followup_cal.plan.model import Person


def test_validate_flags_a_pitch_that_does_not_follow_my_experience_in(tmp_path):
    path, text, lines = validate(
        tmp_path,
        interview(id="a", pitch="five years of Postgres at scale"),
        interview(id="b", pitch="I love distributed systems."),
        interview(id="c", pitch="building streaming pipelines with Kafka"),
    )
    expected = "a phrase after 'my experience in', such as 'running Kubernetes for five years'"
    assert lines == [
        f"{path}:{where(text, 'five years of')}: warning: a: pitch 'five years of Postgres at "
        f"scale' starts with a number of years ('my experience in five years ...'); "
        f"expected {expected}",
        f"{path}:{where(text, 'I love')}: warning: b: pitch 'I love distributed systems.' "
        f"is a sentence; expected {expected}",
    ]


def test_validate_flags_talked_about_that_speaks_of_them_to_them(tmp_path):
    path, text, lines = validate(
        tmp_path,
        interview(
            rounds=[
                {
                    "start": "2026-11-02 10:00",
                    "interviewers": [
                        {"name": "Sam Rivera", "talked_about": "moving their grading service"},
                        {"name": "Ann Bo", "talked_about": "the grading service"},
                        {"name": "Cy Do", "talked_about": "the US launch"},
                    ],
                }
            ]
        ),
    )
    assert lines == [
        f"{path}:{where(text, 'moving their')}: warning: acme: talked_about 'moving their "
        "grading service' of Sam Rivera says 'their', but the note goes to that very person; "
        "expected a phrase after 'our talk about' that names things, such as 'the grading "
        "service'"
    ]


def test_the_shapes_are_described_in_the_schema_and_the_starter():
    schema = json.loads(Path(followup_cal.__file__).with_name("interviews.schema.json").read_text())
    defs = schema["$defs"]
    assert "'my experience in'" in defs["interview"]["properties"]["pitch"]["description"]
    assert "'our talk about'" in defs["person"]["properties"]["talked_about"]["description"]
    starter = Path(followup_cal.__file__).with_name("starter.yaml").read_text()
    assert 'follows "my experience in"' in starter
    assert 'follows "our talk about"' in starter


@pytest.mark.parametrize(
    ("pitch", "problem"),
    [
        ("Led the move to Kubernetes", "starts with 'Led' ('my experience in Led ...')"),
        ("built payment APIs at a bank", "starts with 'built' ('my experience in built ...')"),
        (
            "over five years of Postgres",
            "starts with a number of years ('my experience in over five years ...')",
        ),
        ("a decade of Go", "starts with a number of years ('my experience in a decade ...')"),
    ],
)
def test_validate_flags_a_pitch_written_as_a_resume_line(tmp_path, pitch, problem):
    path, text, lines = validate(tmp_path, interview(pitch=pitch))
    assert lines == [
        f"{path}:{where(text, pitch)}: warning: acme: pitch '{pitch}' {problem}; expected a "
        "phrase after 'my experience in', such as 'running Kubernetes for five years'"
    ]


@pytest.mark.parametrize(
    "pitch",
    [
        "embedded Rust",
        "distributed systems",
        "managed Kubernetes on GCP",
        "leading teams",
        "A/B testing infrastructure",
    ],
)
def test_a_pitch_that_reads_after_my_experience_in_is_not_flagged(tmp_path, pitch):
    _path, _text, lines = validate(tmp_path, interview(pitch=pitch))
    assert lines == []


def test_validate_flags_talked_about_that_says_she_or_names_the_reader(tmp_path):
    people = [
        {"name": "Ann Bo", "talked_about": "how she scaled the support team"},
        {"name": "Cy Do", "talked_about": "the feedback from him on the design"},
        {"name": "Dana Lee", "talked_about": "Dana's plan for the billing rewrite"},
        {"name": "Eve Ng", "talked_about": "the hiring plans for the Seven Seas team"},
    ]
    path, text, lines = validate(
        tmp_path, interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}])
    )
    expected = (
        "expected a phrase after 'our talk about' that names things, such as 'the grading service'"
    )
    assert lines == [
        f"{path}:{where(text, 'how she')}: warning: acme: talked_about 'how she scaled the "
        f"support team' of Ann Bo says 'she', but the note goes to that very person; {expected}",
        f"{path}:{where(text, 'the feedback')}: warning: acme: talked_about 'the feedback from "
        f"him on the design' of Cy Do says 'him', but the note goes to that very person; "
        f"{expected}",
        f"{path}:{where(text, 'Dana' + chr(39))}: warning: acme: talked_about 'Dana's plan for "
        f"the billing rewrite' of Dana Lee says 'Dana', but the note goes to that very person; "
        f"{expected}",
    ]


def test_a_missing_pitch_or_talk_is_one_warning_not_one_per_draft(tmp_path):
    bare = interview(
        pitch="",
        rounds=[
            {
                "start": "2026-11-02 10:00",
                "interviewers": [{"name": "Dana Lee"}, {"name": "Cy Do", "talked_about": "x"}],
            }
        ],
    )
    path, text, lines = validate(tmp_path, bare)
    assert lines == [
        f"{path}:{where(text, 'id: acme')}: warning: acme thank_you to Cy Do: is generic: "
        "add pitch: with your strongest fit, as it follows 'my experience in'",
        f"{path}:{where(text, 'name: Dana Lee')}: warning: acme thank_you to Dana Lee: is "
        "generic: add talked_about: with what you discussed with Dana Lee",
    ]


def test_the_readme_shows_a_pitch_and_talked_about_that_validate_accepts():
    """The README's `add` example is what a new user copies: it must be the right shape."""
    from followup_cal.plan.field_lint import _pitch_problem, _talked_about_problem

    readme = (Path(followup_cal.__file__).parent.parent / "README.md").read_text("utf-8")
    topics = re.findall(r'--talked-about "([^"]+)"', readme)
    pitches = re.findall(r'--pitch "([^"]+)"', readme)
    assert topics and pitches
    reader = Person("Priya Shah")
    assert [(t, _talked_about_problem(t, reader)) for t in topics] == [(t, "") for t in topics]
    assert [(p, _pitch_problem(p)) for p in pitches] == [(p, "") for p in pitches]


def test_validate_flags_a_capital_article_that_would_sit_mid_sentence(tmp_path):
    people = [{"name": "Dana Lee", "talked_about": "The billing rewrite"}]
    path, text, lines = validate(
        tmp_path,
        interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]),
        interview(id="b", pitch="The payments platform at scale"),
    )
    assert lines == [
        f"{path}:{where(text, 'The billing')}: warning: acme: talked_about 'The billing "
        "rewrite' of Dana Lee starts with 'The' in capitals ('our talk about The ...'); expected "
        "a phrase after 'our talk about' that names things, such as 'the grading service'",
        f"{path}:{where(text, 'The payments')}: warning: b: pitch 'The payments platform at "
        "scale' starts with 'The' in capitals ('my experience in The ...'); expected a phrase "
        "after 'my experience in', such as 'running Kubernetes for five years'",
    ]


def test_add_says_at_once_when_a_pitch_or_talk_will_read_badly(tmp_path):
    path = tmp_path / "interviews.yaml"
    path.write_text(search_text(), "utf-8")
    person = "Priya Shah <priya@acme.example>"
    added = CliRunner().invoke(
        cli,
        [
            "add", "--no-prompt", "-f", str(path), "--company", "Acme", "--role", "SRE",
            "--start", "2026-11-17 10:00", "--interviewer", person,
            "--talked-about", "their route planner", "--pitch", "Led the platform team",
        ],
    )  # fmt: skip
    assert added.exit_code == 0
    text = path.read_text("utf-8")
    assert added.stderr.splitlines() == [
        f"{path}:{where(text, 'Led the')}: warning: acme: pitch 'Led the platform team' starts "
        "with 'Led' ('my experience in Led ...'); expected a phrase after 'my experience in', "
        "such as 'running Kubernetes for five years'",
        f"{path}:{where(text, 'their route')}: warning: acme: talked_about 'their route "
        "planner' of Priya Shah says 'their', but the note goes to that very person; expected "
        "a phrase after 'our talk about' that names things, such as 'the grading service'",
    ]
    more = CliRunner().invoke(
        cli,
        [
            "add-round", "acme", "--no-prompt", "-f", str(path), "--start", "2026-11-24 10:00",
            "--interviewer", "Cy Do", "--talked-about", "his team",
        ],
    )  # fmt: skip
    assert more.exit_code == 0
    assert [line.split(": warning: ")[1] for line in more.stderr.splitlines()][-1] == (
        "acme: talked_about 'his team' of Cy Do says 'his', but the note goes to that very "
        "person; expected a phrase after 'our talk about' that names things, such as 'the "
        "grading service'"
    )


@pytest.mark.parametrize(
    ("role", "problem"),
    [
        ("Backend Engineer position", "ends with 'position' ('the ... position role')"),
        ("a Backend Engineer", "starts with 'a' ('the a ... role')"),
        ("The Staff Engineer role", "starts with 'The' ('the The ... role')"),
    ],
)
def test_validate_flags_a_role_that_does_not_read_between_the_and_role(tmp_path, role, problem):
    path, text, lines = validate(tmp_path, interview(role=role))
    assert lines == [
        f"{path}:{where(text, role)}: warning: acme: role '{role}' {problem}; expected the "
        "title alone, as in 'the Backend Engineer role'"
    ]

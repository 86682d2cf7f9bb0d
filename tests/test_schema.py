"""The shipped JSON Schema: in step with the loader, accepting what it accepts and
rejecting the bad samples that are a schema's business."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import DATA, EXAMPLE

import followup_cal
from followup_cal import loader
from followup_cal.cli import cli
from followup_cal.schema import build_schema, schema_text

SHIPPED = Path(followup_cal.__file__).parent / "interviews.schema.json"
BAD = DATA / "bad"


class Yaml12Loader(yaml.SafeLoader):
    """Reads scalars as YAML 1.2 editors do: 2026-11-02 stays a string, only true and
    false are booleans (PyYAML's 1.1 rules would turn them into dates and 'on' into True)."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp",)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for first in "yYnNoO":
    Yaml12Loader.yaml_implicit_resolvers[first] = [
        (tag, rx)
        for tag, rx in Yaml12Loader.yaml_implicit_resolvers.get(first, [])
        if tag != "tag:yaml.org,2002:bool"
    ]


def errors(path: Path) -> list[str]:
    doc = yaml.load(path.read_text("utf-8"), Loader=Yaml12Loader)  # a SafeLoader subclass
    validator = jsonschema.Draft202012Validator(build_schema())
    return [e.message for e in validator.iter_errors(doc)]


def test_the_shipped_file_is_what_the_code_builds():
    # `make format` does not regenerate it: `followup-cal schema -o followup_cal/interviews.schema.json`
    assert SHIPPED.read_text("utf-8") == schema_text()
    jsonschema.Draft202012Validator.check_schema(build_schema())


def test_schema_command_prints_it():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == build_schema()


def test_every_key_the_loader_knows_is_in_the_schema():
    defs = build_schema()["$defs"]
    tables = {
        "me": loader.ME_KEYS,
        "interview": loader.INTERVIEW_KEYS,
        "round": loader.ROUND_KEYS,
        "person": loader.PERSON_KEYS,
        "outcome": loader.OUTCOME_KEYS,
        "done": loader.DONE_KEYS,
    }
    for name, keys in tables.items():
        assert tuple(defs[name]["properties"]) == keys, name
        assert defs[name]["additionalProperties"] is False
    assert tuple(build_schema()["properties"]) == loader.TOP_KEYS


@pytest.mark.parametrize(
    "path",
    [EXAMPLE, DATA / "journal" / "handwritten.yaml"],
    ids=lambda p: p.name,
)
def test_schema_accepts_the_valid_files(path):
    loader.load(str(path))  # valid for the loader...
    assert errors(path) == []  # ...and for the schema


def test_schema_accepts_the_starter_file(tmp_path):
    path = tmp_path / "i.yaml"
    args = ["init", str(path), "--name", "A B", "--email", "a@b.example", "--timezone", "UTC"]
    assert CliRunner().invoke(cli, [*args, "--no-prompt"]).exit_code == 0
    assert errors(path) == []


# Bad samples a schema can see (keys, types, ranges, formats), and those only the loader
# can (dates that do not exist, people never met, zones, countries, duplicates, DST).
SCHEMA_MATTERS = {
    "ambiguous_date",
    "bad_done",
    "bad_policy",
    "bad_reply",
    "empty_field",
    "many_problems",
    "max_follow_ups_over_3",
    "no_interviewers",
    "not_a_mapping",
    "outcome_mapping_without_date",
    "outcome_without_date",
    "unknown_key",
}
LOADER_ONLY = {
    "duplicate_id",
    "duplicate_key",
    "impossible_date",
    "nonexistent_time",
    "unknown_contact",
    "unknown_country",
    "unknown_timezone",
    "uid_clash",
}
NOT_YAML = {"syntax_error", "not_utf8", "empty", "comments_only"}


def test_every_bad_sample_is_classified():
    names = {p.stem for p in BAD.glob("*.yaml")}
    assert names == SCHEMA_MATTERS | LOADER_ONLY | NOT_YAML


@pytest.mark.parametrize("name", sorted(SCHEMA_MATTERS))
def test_schema_rejects_the_bad_samples_it_can_see(name):
    assert errors(BAD / f"{name}.yaml")


# A YAML reader keeps one of two duplicate keys, so there is nothing left to check.
@pytest.mark.parametrize("name", sorted(LOADER_ONLY - {"duplicate_key"}))
def test_what_only_the_loader_catches(name):
    assert errors(BAD / f"{name}.yaml") == []


HOSTILE = DATA / "hostile"


@pytest.mark.parametrize(
    "name",
    [
        "far_future_away_until.yaml",
        "far_future_done_date.yaml",
        "far_future_round_start.yaml",
        "ancient_round_start.yaml",
        "newline_in_my_name.yaml",
        "crlf_in_calendar_name.yaml",
        "line_separator_in_company.yaml",
        "escape_character_in_role.yaml",
    ],
)
def test_schema_rejects_dates_out_of_range_and_line_breaks_as_the_loader_does(name):
    # The editor flags them as you type: years 1900-2200, one-line fields on one line.
    assert errors(HOSTILE / name)

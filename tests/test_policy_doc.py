"""docs/policy.md stays true to policy.py: every key, its default and its range."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest

from followup_cal import schema
from followup_cal.plan.policy import DEFAULT_POLICY, SETTINGS, Setting

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "policy.md").read_text("utf-8")


def _default(key: str) -> str:
    value = getattr(DEFAULT_POLICY, key)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _allowed(setting: Setting) -> str:
    if setting.kind == "time":
        return "HH:MM"
    span = f"{setting.minimum}\N{EN DASH}{setting.maximum}"
    return f"{span} each, increasing" if setting.kind == "days" else span


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_policy_key_has_its_row_with_default_and_range(key):
    row = re.search(rf"^\| `{key}` \| ([^|]+) \| ([^|]+) \|", DOC, re.MULTILINE)
    assert row, f"docs/policy.md has no row for {key}"
    assert (row[1].strip(), row[2].strip()) == (_default(key), _allowed(SETTINGS[key]))


def test_the_doc_names_no_key_the_policy_does_not_have():
    rows = re.findall(r"^\| `([a-z_]+)` \|", DOC, re.MULTILINE)
    assert set(rows) == {f.name for f in fields(DEFAULT_POLICY)} - {"explicit"}


def test_the_repository_links_the_doc_and_nothing_outside_itself():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/policy.md)" in readme
    assert "docs/policy.md" in (ROOT / "followup_cal" / "plan" / "policy.py").read_text("utf-8")
    for text in (readme, DOC):
        assert "../shared" not in text
    for target in re.findall(r"\]\(([^)#]+)", DOC):
        assert (ROOT / "docs" / target).resolve().is_relative_to(ROOT)
        assert (ROOT / "docs" / target).exists(), target


def test_the_schema_points_at_the_doc():
    policy = schema.build_schema()["$defs"]["policy"]
    assert "docs/policy.md" in policy["description"]
    for key in SETTINGS:
        assert "docs/policy.md" in policy["properties"][key]["description"]

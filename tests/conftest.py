"""Shared helpers: build interviews files from Python dicts and plan them."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from followup_cal.loader import parse
from followup_cal.model import SearchFile
from followup_cal.planner import PlannedFollowup, plan_followups
from followup_cal.workdays import calendar_for

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parent.parent / "examples" / "interviews.yaml"
TODAY = date(2026, 11, 23)

ME: dict[str, Any] = {
    "name": "Alex Morgan",
    "email": "alex@example.org",
    "timezone": "America/New_York",
    "country": "US",
}


def interview(**overrides: Any) -> dict[str, Any]:
    """A plain one-round interview on Mon 2 Nov 2026, 10:00-11:00 New York time."""
    base: dict[str, Any] = {
        "id": "acme",
        "company": "Acme",
        "role": "Backend Engineer",
        "pitch": "running Postgres at scale",
        "rounds": [
            {
                "start": "2026-11-02 10:00",
                "interviewers": [
                    {
                        "name": "Dana Lee",
                        "email": "dana@acme.example",
                        "talked_about": "their billing rewrite",
                    }
                ],
            }
        ],
    }
    base.update(overrides)
    return base


def search_text(*interviews: dict[str, Any], me: dict[str, Any] | None = None, **top: Any) -> str:
    doc: dict[str, Any] = {"me": copy.deepcopy(me or ME), **top}
    doc["interviews"] = list(interviews)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def load_search(*interviews: dict[str, Any], **kwargs: Any) -> SearchFile:
    return parse("test.yaml", search_text(*interviews, **kwargs))


def plan_of(
    *interviews: dict[str, Any], today: date = TODAY, **kwargs: Any
) -> list[PlannedFollowup]:
    search = load_search(*interviews, **kwargs)
    return plan_followups(search.interviews, search.me, calendar_for(search.me), today)


def local_day(item: PlannedFollowup) -> date:
    return item.start.date()


def steps(items: list[PlannedFollowup], step: str) -> list[PlannedFollowup]:
    return [i for i in items if i.step.value == step]


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text("utf-8")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own cache folder, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))

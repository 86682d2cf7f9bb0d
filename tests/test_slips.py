"""A net for slips: an ambiguous step, a step recorded long before its day, a reply that
would drop a decision date, and undo of the last write-back."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, recorded

from followup_cal.loader import load

JOURNAL = DATA / "journal"


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def gorse(path: Path):
    return next(i for i in load(str(path)).interviews if i.id == "gorse")


def test_a_second_reply_keeps_the_decision_date_the_first_gave(handwritten):
    recorded(handwritten, "reply", "gorse", "--on", "2026-11-18", "--decision", "2026-12-04")
    lines, result = recorded(handwritten, "reply", "gorse", "--on", "2026-11-20")
    assert "still waiting for their decision on Fri 4 Dec 2026" in result.stdout
    assert lines == [
        "-    heard_back: {date: 2026-11-18, decision_expected: 2026-12-04}",
        "+    heard_back: {date: 2026-11-20, decision_expected: 2026-12-04}",
    ]
    assert gorse(handwritten).new_decision.isoformat() == "2026-12-04"


def test_a_reply_told_to_drop_the_decision_date_says_it_is_forgotten(handwritten):
    recorded(handwritten, "reply", "gorse", "--on", "2026-11-18", "--decision", "2026-12-04")
    _, result = recorded(handwritten, "reply", "gorse", "--on", "2026-11-20", "--drop-decision")
    assert "the decision date Fri 4 Dec 2026 is forgotten" in result.stdout
    assert gorse(handwritten).new_decision is None

"""Properties over random valid interviews: the hard rules hold for every input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from conftest import search_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup_cal import service
from followup_cal.journal.state import ExportState
from followup_cal.loader import parse
from followup_cal.loader.business_calendar import calendar_for
from followup_cal.plan.followups import PENDING_STEPS, Step, fmt_day

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC"]
DAY0 = date(2026, 1, 1)


def day(offset: int) -> str:
    return (DAY0 + timedelta(days=offset)).isoformat()


@st.composite
def interviews(draw, ident: str) -> dict:
    start = draw(st.integers(0, 700))
    hour = draw(st.integers(7, 20))
    people = []
    for n in range(draw(st.integers(1, 3))):
        person = {"name": f"Person {ident} {n}", "talked_about": "a topic"}
        if draw(st.booleans()):
            person["away_until"] = day(start + draw(st.integers(0, 60)))
        people.append(person)
    item: dict = {
        "id": ident,
        "company": f"Company {ident}",
        "role": "Engineer",
        "pitch": "a skill",
        "rounds": [
            {
                "start": f"{day(start)} {hour:02d}:00",
                "timezone": draw(st.sampled_from(ZONES)),
                "duration": draw(st.integers(15, 240)),
                "interviewers": people,
            }
        ],
        "channel": draw(st.sampled_from(["email", "letter", "phone"])),
    }
    offsets = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=3)))
    item["policy"] = {
        "max_follow_ups": draw(st.integers(0, 3)),
        "follow_up_days": offsets,
        "check_ins": draw(st.integers(0, 4)),
    }
    if draw(st.booleans()):
        item["decision_expected"] = day(start + draw(st.integers(1, 60)))
    if draw(st.booleans()):
        item["heard_back"] = day(start + draw(st.integers(1, 60)))
    if draw(st.booleans()):
        item["outcome"] = {
            "result": draw(st.sampled_from(["offer", "rejected", "withdrawn"])),
            "date": day(start + draw(st.integers(1, 90))),
        }
    item["no_follow_up"] = draw(st.booleans())
    item["decision_after_holidays"] = draw(st.booleans())
    return item


@st.composite
def search_files(draw) -> str:
    count = draw(st.integers(1, 3))
    me = {
        "name": "Alex Morgan",
        "email": "alex@example.org",
        "timezone": draw(st.sampled_from(ZONES)),
        "country": draw(st.sampled_from(["US", "DE", ""])),
    }
    return search_text(*(draw(interviews(f"i{n}")) for n in range(count)), me=me)


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(search_files())
def test_hard_rules_hold_for_random_interviews(text):
    search = parse("random.yaml", text)
    cal = calendar_for(search.me)
    items = service.plan(search, date(2026, 6, 1))
    by_interview = {i.id: i for i in search.interviews}
    for item in items:
        interview = by_interview[item.interview.id]
        local = item.start.astimezone(search.me.timezone).date()
        if item.step in PENDING_STEPS | {Step.REJECTION_REPLY}:
            assert cal.is_business_day(local), (item.key, local)
        if item.step is Step.FOLLOW_UP and interview.decision_expected:
            assert local > interview.decision_expected, (item.key, local, item.reason)
        if item.step in PENDING_STEPS and item.recipient and item.recipient.away_until:
            assert local > item.recipient.away_until, (item.key, local, item.reason)
        if item.step in PENDING_STEPS and interview.no_follow_up:
            assert item.step is Step.CHECK_IN and "check_ins" in interview.policy.explicit
        # Rule 5: a reply restarts the wait; what was due before it stays, no longer due.
        reply = interview.heard_back
        if reply and interview.outcome and interview.outcome.on <= reply:
            reply = None  # the outcome ended the chain first
        if item.step is Step.FOLLOW_UP and reply and not item.done:
            if item.overtaken == f"{interview.company} answered on {fmt_day(reply)}":
                assert local < reply, (item.key, local, item.reason)
            else:  # still to come, or overtaken by the outcome after the reply
                wait = timedelta(days=interview.policy.wait_after_reply_days)
                assert local >= reply + wait, (item.key, local, item.reason)
        # Rule 6: nothing we start is left from the outcome's day on; before it, no longer due.
        if item.step in (Step.FOLLOW_UP, Step.HOLIDAY_NOTE) and interview.outcome:
            assert item.done or (item.overtaken and local < interview.outcome.on)
    for interview in search.interviews:
        inquiries = [
            i for i in items if i.interview.id == interview.id and i.step is Step.FOLLOW_UP
        ]
        assert len(inquiries) <= interview.policy.max_follow_ups <= 3
        if not interview.no_follow_up and not interview.outcome:
            # Only an outcome or no_follow_up ends the chain: a reply never does.
            assert len(inquiries) == interview.policy.max_follow_ups
    assert len({i.uid for i in items}) == len(items)


@PROPERTY_SETTINGS
@given(search_files())
def test_export_is_deterministic(text):
    search = parse("random.yaml", text)
    today = date(2026, 6, 1)
    assert service.export_ics(search, today, ExportState()) == service.export_ics(
        parse("random.yaml", text), today, ExportState()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(search_files(), st.data())
def test_an_item_changed_is_the_item_dataclasses_replace_makes(text, data):
    """PlannedFollowup.changed, which the planner uses for speed, makes what
    dataclasses.replace made, and a key or UID kept from before is made anew when
    what it is made of changes."""
    items = service.plan(parse("random.yaml", text), date(2026, 6, 1))
    for item in items[:20]:
        _ = item.uid, item.key  # kept in the item, as the planner's reads keep them
        values = data.draw(
            st.sampled_from(
                [
                    {"status": "done"},
                    {"reason": "moved", "start": item.start + timedelta(days=1)},
                    {"number": item.number + 1},
                    {"round": item.round + 1, "step": Step.DEBRIEF},
                    {"recipient": None},
                ]
            )
        )
        copy, made = item.changed(**values), replace(item, **values)
        assert copy == made
        assert (copy.uid, copy.key) == (made.uid, made.key)
    with pytest.raises(TypeError):
        items[0].changed(colour="red")

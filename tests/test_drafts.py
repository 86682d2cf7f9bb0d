"""Drafts: filled from the YAML, overridable by the user's own templates, and linted."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import TODAY, interview, load_search, search_text

from followup_cal import service
from followup_cal.errors import InvalidInput
from followup_cal.loader import load, parse
from followup_cal.loader.templates import TemplateSet
from followup_cal.plan.draft_lint import lint_draft
from followup_cal.plan.drafts import (
    CHECK_IN_VARIANTS,
    GAP_RE,
    TEMPLATE_NAMES,
    render_draft,
    template_name,
)
from followup_cal.plan.followups import Step


def drafted(*interviews, **kwargs):
    search = load_search(*interviews, **kwargs)
    return search, service.draft_events(search, service.plan(search, TODAY))


def test_every_builtin_template_fills_completely_and_passes_the_lint():
    _search, events = drafted(
        interview(
            channel="phone",
            decision_after_holidays=True,
            rounds=[
                {
                    "start": "2026-12-08 10:00",
                    "interviewers": [
                        {
                            "name": "Dana Lee",
                            "talked_about": "the billing rewrite",
                            "phone": "+1 555 0100",
                        }
                    ],
                }
            ],
            outcome={"result": "rejected", "date": "2027-01-20"},
            # Sent before the rejection: what was never sent before it is not planned.
            done=[
                {"step": "holiday_note", "date": "2026-12-21"},
                {"step": "follow_up-1", "date": "2027-01-04"},
            ],
        ),
        interview(id="b", channel="letter", policy={"max_follow_ups": 3}),
        interview(
            id="c",
            rounds=[
                {
                    "start": "2026-11-02 10:00",
                    "interviewers": [{"name": "Dana Lee", "talked_about": "the billing rewrite"}],
                },
                {
                    "start": "2026-11-09 10:00",
                    "interviewers": [
                        {"name": "Dana Lee", "talked_about": "the on-call rota"},
                        {"name": "Cy Do", "talked_about": "their hiring plans"},
                    ],
                },
            ],
        ),
    )
    used = set()
    for event in events:
        used.add(template_name(event.item))
        assert "$" not in event.draft.subject + event.draft.body
        assert lint_draft(event.item, event.draft) == [], event.item.key
    assert used == set(TEMPLATE_NAMES)


def test_thank_you_names_the_topic_of_that_person_and_my_pitch():
    people = [
        {"name": "Ann Bo", "talked_about": "the search ranking work"},
        {"name": "Cy Do", "talked_about": "their hiring plans"},
    ]
    _, events = drafted(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    thanks = {e.item.recipient.name: e.draft for e in events if e.item.step is Step.THANK_YOU}
    assert "the search ranking work" in thanks["Ann Bo"].body
    assert "their hiring plans" not in thanks["Ann Bo"].body
    assert "their hiring plans" in thanks["Cy Do"].body
    assert "running Postgres at scale" in thanks["Cy Do"].body
    assert thanks["Cy Do"].body.startswith("Hi Cy,")


def test_check_ins_each_offer_a_different_kind_of_value():
    _, events = drafted(interview())
    check_ins = [e for e in events if e.item.step is Step.CHECK_IN]
    assert len({e.draft.subject for e in check_ins}) == len(CHECK_IN_VARIANTS) == 6
    for event in check_ins:
        assert re.search(
            r"no need to reply|no reply needed|there is no need to reply",
            event.draft.body,
            re.IGNORECASE,
        )


def test_debrief_lists_everyone_met():
    people = [{"name": "Ann Bo", "title": "CTO"}, {"name": "Cy Do"}]
    _, events = drafted(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    (debrief,) = [e for e in events if e.item.step is Step.DEBRIEF]
    assert "- Ann Bo, CTO\n- Cy Do\n" in debrief.draft.body
    assert debrief.draft.recipient is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I would love to talk about the salary range.", "mentions 'salary'"),
        ("Could you tell me about benefits?", "mentions 'benefits'"),
        ("Please answer ASAP.", "sounds pushy ('ASAP')"),
        ("I need to know by Friday.", "sounds pushy ('I need to know')"),
        ("It is urgent for me.", "sounds pushy ('urgent')"),
        ("See [Link] here.", "unfilled placeholder '[Link]'"),
        ("Hi ${nickname},", "unfilled placeholder '${nickname}'"),
        ("word " * 160, "runs long (160 words)"),
    ],
)
def test_lint_flags_what_a_draft_must_never_do(text, expected):
    _, events = drafted(interview())
    event = next(e for e in events if e.item.step is Step.THANK_YOU)
    bad = replace(event.draft, body=text)
    messages = [w.message for w in lint_draft(event.item, bad)]
    assert any(expected in m for m in messages), messages
    assert lint_draft(event.item, event.draft) == []


@pytest.mark.parametrize(
    "text",
    [
        "Our talk about the benefits of event sourcing stayed with me.",
        "Thank you for the tip to pay attention to the queue depth.",
    ],
)
def test_lint_lets_benefits_of_and_pay_attention_through(text):
    _, events = drafted(interview())
    event = next(e for e in events if e.item.step is Step.THANK_YOU)
    assert lint_draft(event.item, replace(event.draft, body=text)) == []
    # The same words about money are still caught.
    money = replace(event.draft, body="What are the benefits and the pay like?")
    assert [w.message for w in lint_draft(event.item, money)] == [
        "mentions 'benefits'; leave pay and benefits out of it",
        "mentions 'pay'; leave pay and benefits out of it",
    ]


def test_lint_points_at_the_interviewer_who_lacks_talked_about():
    _search, events = drafted(
        interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]}])
    )
    event = next(e for e in events if e.item.step is Step.THANK_YOU)
    (warning,) = lint_draft(event.item, event.draft)
    assert warning.format("f.yaml").startswith(f"f.yaml:{event.item.recipient.pos.line}:")
    assert "is generic: add talked_about:" in warning.message


def test_user_templates_replace_builtin_ones_by_name(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thank_you.txt").write_text(
        "Subject: Merci ${first_name}\n\nMerci pour ${talked_about}.\n"
    )
    text = tmp_path / "x.yaml"
    text.write_text(search_text(interview(), templates="mine"))
    search = load(str(text))
    events = service.draft_events(search, service.plan(search, TODAY))
    thanks = next(e for e in events if e.item.step is Step.THANK_YOU)
    assert thanks.draft.subject == "Merci Dana"
    assert thanks.draft.body == "Merci pour the billing rewrite.\n"
    follow_up = next(e for e in events if e.item.step is Step.FOLLOW_UP)
    assert follow_up.draft.subject.startswith("Checking in")  # still the built-in one


def test_a_user_template_without_subject_is_a_located_error(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "debrief.txt").write_text("Notes\n")
    templates = TemplateSet(str(folder))
    search = load_search(interview())
    item = service.plan(search, TODAY)[0]
    with pytest.raises(InvalidInput) as error:
        render_draft(item, search.me, templates)
    assert error.value.lines() == [
        f"{folder / 'debrief.txt'}:1:1: a template starts with 'Subject: ...'; expected a subject line"
    ]


def test_missing_templates_folder_is_a_problem():
    with pytest.raises(InvalidInput) as error:
        parse("x.yaml", search_text(interview(), templates="nowhere"))
    assert "templates folder 'nowhere' does not exist" in error.value.lines()[0]


def test_a_template_sentence_fills_as_string_template_would():
    """Sentences are filled by str.format_map: braces, '$$', a lone '$' and an unknown
    placeholder come out as string.Template's safe_substitute gives them."""
    from followup_cal.plan.drafts import _Body

    text = "Costs {about} $$5 or $ 3 for ${company}. Ask ${nobody} at $company! Skip ${pitch}."
    values = {"company": "Acme {Inc}", "pitch": ""}
    assert _Body.parse(text).fill(values) == (
        "Costs {about} $5 or $ 3 for Acme {Inc}. Ask ${nobody} at Acme {Inc}!\n"
    )


@pytest.mark.parametrize("values", [{"company": "Acme {Inc}", "pitch": ""}, {"company": "A"}])
def test_a_template_subject_fills_as_string_template_would(values):
    """The subject is filled whole by str.format_map: an empty value stays empty, and an
    unknown placeholder, braces and '$$' come out as safe_substitute gives them."""
    import string

    from followup_cal.plan.drafts import parse_template

    subject = "{Re} ${company} costs $$5 or $ 3, ask ${nobody} about $pitch!"
    template = parse_template("x", "x.txt", f"Subject: {subject}\n\nBody.\n")
    assert template.fill_subject(values) == string.Template(subject).safe_substitute(values)


TEMPLATES_DIR = Path(__file__).parent.parent / "followup_cal" / "templates"
SMALL_WORDS = {"from", "with", "your", "their", "they", "that", "this", "have", "about"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in SMALL_WORDS}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_no_subject_states_what_its_body_leaves_to_the_user(name):
    """The rule bodies follow holds for subjects: what the body leaves to a [[gap]] (their
    news, the advice they gave) is no fact the subject may state; it is a gap there too."""
    subject, _, body = (TEMPLATES_DIR / f"{name}.txt").read_text("utf-8").partition("\n")
    left_to_user = set().union(*(_words(gap) for gap in GAP_RE.findall(body)))
    stated = _words(GAP_RE.sub("", subject.removeprefix("Subject:")))
    assert not stated & left_to_user, f"{name}: the subject states {stated & left_to_user}"


def test_a_subject_gap_is_a_gap_of_the_draft_and_due_lint_asks_for_it():
    _search, events = drafted(interview())
    draft = [e.draft for e in events if "news" in e.draft.subject]
    assert draft, "no check-in about their news was planned"
    assert (
        draft[0].subject
        == "[[a subject on what you saw of theirs: their news if there is some, a post, a talk]]"
    )
    assert draft[0].gaps[0] == (
        "a subject on what you saw of theirs: their news if there is some, a post, a talk"
    )

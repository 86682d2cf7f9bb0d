"""The lint of a filled draft: the policy's 'what a draft must never do' (talk of money,
pushy words, placeholders left unfilled, gaps still to write once due, generic wording
where the YAML lacks a detail, the length of a short note)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from followup_cal.plan.drafts import GAP_RE, SHORT_STEPS, Draft
from followup_cal.plan.followups import PlannedFollowup, Step
from followup_cal.plan.model import Pos

# 'the benefits of event sourcing' and 'pay attention' are no talk of money: a warning
# there would make `validate --strict` fail on a draft that is right.
SALARY_RE = re.compile(
    r"\b(salary|salaries|pay(?!\s+attention)|compensation|benefits(?!\s+of\b)|bonus"
    r"|stock options)\b",
    re.IGNORECASE,
)
PUSHY_RE = re.compile(
    r"\b(asap|urgent(ly)?|immediately|as soon as possible|i need to know)\b", re.IGNORECASE
)
PLACEHOLDER_RE = re.compile(
    r"\$\{?[A-Za-z_]\w*\}?|\{\{.*?\}\}|\[[A-Z][A-Za-z _-]*\]|\bTODO\b|\bXXX\b"
    r"|\[\[|\]\]"  # what is left of a [[gap]] not closed
)
# What every match of each pattern contains, lower-cased: a draft (most are plain ASCII
# and clean) is searched only for the patterns whose words it holds. The regexes are 20x
# slower than these substring tests; test_scale checks each list against its pattern.
SCREENS = {
    SALARY_RE: ("salar", "pay", "compensation", "benefits", "bonus", "stock options"),
    PUSHY_RE: ("asap", "urgent", "immediately", "as soon as possible", "i need to know"),
    PLACEHOLDER_RE: ("$", "{{", "[", "]]", "todo", "xxx"),
}


def _may_match(pattern: re.Pattern[str], lowered: str | None) -> bool:
    """False when ``pattern`` cannot match; ``lowered`` is the text lower-cased when it is
    ASCII (where that is exactly what re.IGNORECASE ignores), else None: then it may."""
    return lowered is None or any(map(lowered.__contains__, SCREENS[pattern]))


# How a warning about a detail missing from the YAML starts (one per detail, not per draft).
GENERIC = "is generic:"
# A gap is reported once its step is due: until then the user has nothing to fill it with.
DUE = frozenset({"past", "today"})


@dataclass(frozen=True)
class LintWarning:
    item: PlannedFollowup
    message: str
    pos: Pos

    def format(self, path: str) -> str:
        who = f" to {self.item.recipient.name}" if self.item.recipient else ""
        return self.pos.warning(
            path, f"{self.item.interview.id} {self.item.key}{who}", self.message
        )


@lru_cache(maxsize=4096)  # bounded: a large search's texts are not all kept
def text_findings(text: str) -> tuple[tuple[str, ...], ...]:
    """What the patterns find in a draft's text (subject, newline, body): talk of money,
    pushy words, placeholders, and the [[gaps]] (none spans the subject's line end: these
    are Draft.gaps). A text that comes again (one person's notes from two interviews) is
    scanned once; each item still gets its own warnings."""
    ascii = text.isascii()
    lowered = text.lower() if ascii else None
    money, pushy = (
        tuple(m[0] for m in p.finditer(text)) if _may_match(p, lowered) else ()
        for p in (SALARY_RE, PUSHY_RE)
    )
    placeholders: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    if _may_match(PLACEHOLDER_RE, lowered):
        if "[[" in text:
            # Most drafts hold a [[gap]], whose '[' alone passed the screen: the text
            # without its gaps is screened again before the slow search (a third of a
            # large validate's lint).
            gaps = tuple(GAP_RE.findall(text))
            text = GAP_RE.sub("", text)
            lowered = text.lower() if ascii else None
        if _may_match(PLACEHOLDER_RE, lowered):
            placeholders = tuple(m[0] for m in PLACEHOLDER_RE.finditer(text))
    return money, pushy, placeholders, gaps


def lint_draft(item: PlannedFollowup, draft: Draft) -> list[LintWarning]:
    """The policy's 'what a draft must never do', applied to one filled draft. A step
    marked done was sent: what its draft would have said is history, not a warning."""
    if item.status == "done":
        return []
    person_pos = item.recipient.pos if item.recipient and item.recipient.pos.line else None
    here = person_pos or item.interview.pos
    found: list[tuple[str, Pos]] = []
    money, pushy, placeholders, gaps = text_findings(f"{draft.subject}\n{draft.body}")
    if item.step is not Step.DEBRIEF:
        for word in money:
            found.append((f"mentions '{word}'; leave pay and benefits out of it", here))
        for word in pushy:
            found.append((f"sounds pushy ('{word}'); give them time", here))
    for placeholder in placeholders:
        found.append((f"has an unfilled placeholder '{placeholder}'", here))
    if item.status in DUE:
        for gap in gaps:
            found.append((f"needs your input: write in [[{gap}]] before sending", here))
    if "talked_about" in draft.generic and item.step in (Step.THANK_YOU, Step.FOLLOW_UP):
        name = draft.recipient.name if draft.recipient else "them"
        found.append((f"{GENERIC} add talked_about: with what you discussed with {name}", here))
    if "pitch" in draft.generic:
        found.append(
            (
                f"{GENERIC} add pitch: with your strongest fit, as it follows 'my experience in'",
                item.interview.pos,
            )
        )
    for field, value in (
        ("name", draft.recipient.name if draft.recipient else draft.sender.name),
        ("company", item.interview.company),
        ("role", item.interview.role),
    ):
        if not value.strip():
            found.append((f"has an empty {field}", here))
    limit = SHORT_STEPS.get(item.step)
    if limit and (words := len(draft.body.split())) > limit:
        found.append((f"runs long ({words} words); keep it under about {limit}", here))
    return [LintWarning(item, message, pos) for message, pos in found]

"""What they wrote: the day an answer says they will decide or come back, and an offer or
a rejection said in words. Pure: the answer's text and the day it was written in, values
out (each with the sentence it was read from, which the proposal quotes).

Dates are read by dateparser, in two steps, since its search over a whole sentence
misfires ("We" read as a Wednesday, a date already past pushed to next year, nothing in
"la semaine prochaine"): only the sentences that speak of hearing back are read, in the
text's language, and each date found must name a day after the mail. What dateparser
does not know (a part of a month, the end of the month, the holidays, next week as a
span) is read with the small tables of ``mail/phrases.py``. dateparser is imported on
first use: only `inbox` reads mail text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from followup_cal.mail import phrases

# A day read more than this after the mail is a date already past, pushed by the
# library into next year ("we met on 3 November", read in December), not a decision.
FURTHEST = timedelta(days=270)
# Sentences read in one answer: the writer's own text, quote left out, is short.
MAX_SENTENCES = 200

# The last day off of the next holiday season after a day (the user's country's seasons,
# as the planner knows them), or None.
HolidaysEnd = Callable[[date], date | None]


@dataclass(frozen=True)
class DateSaid:
    """A day they gave: the sentence, the words that name it, and the day it means (the
    last day of a span: 'next week' is its Friday, 'Anfang Januar' the 10th)."""

    sentence: str
    phrase: str
    day: date


@dataclass(frozen=True)
class OutcomeSaid:
    sentence: str
    result: str  # "offer" or "rejected", as `outcome` takes it


@dataclass(frozen=True)
class Reading:
    language: str
    dates: tuple[DateSaid, ...] = ()
    outcome: OutcomeSaid | None = None

    @property
    def decision(self) -> date | None:
        """The day to wait for: the latest they gave."""
        return max((d.day for d in self.dates), default=None)

    @property
    def clear(self) -> bool:
        """One day read, however often they said it: certain enough to record."""
        return len({d.day for d in self.dates}) == 1


def combine(readings: list[Reading]) -> Reading:
    """What several answers of one interview say together, the first first: every date
    they gave, and the latest one's outcome."""
    dates = tuple(d for r in readings for d in r.dates)
    outcome = next((r.outcome for r in reversed(readings) if r.outcome), None)
    return Reading(readings[0].language, dates, outcome)


def language_of(text: str) -> str:
    """en, de, fr or es: the one whose common words the text uses most (English when
    none stands out)."""
    words = re.findall(r"[^\W\d_]+", text.lower())[:2000]
    counts = {lang: sum(w in common for w in words) for lang, common in phrases.COMMON.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] else "en"


def sentences(text: str) -> list[str]:
    """The text's sentences, each on one line: paragraphs joined, split after . ! ? where
    a capital follows (not after a number: '8. Januar')."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        found += [s for s in re.split(r"(?<=[^\d\s][.!?])\s+(?=[\"'¿¡(]?[A-ZÀ-ÞĀ-Ž])", flat) if s]
        if len(found) >= MAX_SENTENCES:
            break
    return found[:MAX_SENTENCES]


def read(text: str, written: date, holidays_end: HolidaysEnd) -> Reading:
    """The dates and the outcome in ``text``, written on ``written`` (the mail's day)."""
    language = language_of(text)
    # The text's language first; a sentence in another (a greeting in English, the rest
    # in German; a short text whose words are common to two) is read in the one whose
    # words about hearing back it uses.
    languages = (language, *(lang for lang in phrases.LANGUAGES if lang != language))
    said: list[DateSaid] = []
    outcome = None
    for sentence in sentences(text):
        if outcome is None:
            outcome = next(filter(None, (_outcome(sentence, lang) for lang in languages)), None)
        lang = next((lang for lang in languages if phrases.CUES[lang].search(sentence)), None)
        if lang is not None:
            # Of two days in one sentence the later is when they answer: 'we finish the
            # interviews this week and come back to you next week'.
            found = _dates(sentence, lang, written, holidays_end)
            said += [max(found, key=lambda d: d.day)] if found else []
    return Reading(language, tuple(said), outcome)


def _outcome(sentence: str, language: str) -> OutcomeSaid | None:
    # A rejection first: "we will not be extending an offer" is no offer.
    for result, patterns in (("rejected", phrases.REJECTIONS), ("offer", phrases.OFFERS)):
        if patterns[language].search(sentence):
            return OutcomeSaid(sentence, result)
    return None


def _dates(
    sentence: str, language: str, written: date, holidays_end: HolidaysEnd
) -> list[DateSaid]:
    """Each day named in one sentence: the spans of the tables first, then what
    dateparser finds in the rest."""
    found: list[DateSaid] = []
    rest = sentence
    for span in phrases.spans(language):
        for match in span.pattern.finditer(rest):
            day = _span_day(span.kind, match, written, holidays_end, language)
            if day is not None and written < day <= written + FURTHEST:
                found.append(DateSaid(sentence, match.group(0).strip(), day))
            rest = rest.replace(match.group(0), " " * len(match.group(0)), 1)
    for phrase, moment in _search(phrases.numbers_as_digits(rest, language), language, written):
        day = moment.date()  # a month alone is its last day (PREFER_DAY_OF_MONTH)
        if written < day <= written + FURTHEST:
            found.append(DateSaid(sentence, phrase.strip(), day))
    return found


def _span_day(
    kind: str, match: re.Match[str], written: date, holidays_end: HolidaysEnd, language: str
) -> date | None:
    if kind == "next_week":
        return _friday(written + timedelta(days=7))
    if kind == "this_week":
        return _friday(written)
    if kind == "end_of_month":
        return _month_end(written)
    if kind == "holidays":
        return holidays_end(written)
    # A part of a named month: the month by dateparser, the part by the table.
    month = _search(match.group("month"), language, written)
    if not month:
        return None
    first = month[0][1].date().replace(day=1)
    return {"early": first.replace(day=10), "mid": first.replace(day=20)}.get(kind) or _month_end(
        first
    )


def _friday(day: date) -> date:
    return day + timedelta(days=4 - day.weekday()) if day.weekday() <= 4 else day


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _search(text: str, language: str, written: date) -> list[tuple[str, datetime]]:
    """dateparser's dates in ``text`` (relative ones counted from ``written``), less its
    misreadings: a phrase with no digit and no word of four letters ('We', 'mar')."""
    if not text.strip():
        return []
    from dateparser.search import search_dates

    settings: dict[str, Any] = {
        "RELATIVE_BASE": datetime.combine(written, datetime.min.time()).replace(hour=12),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "last",
        "REQUIRE_PARTS": [],
    }
    found = search_dates(text, languages=[language], settings=settings) or []
    kept = [
        (phrase, moment)
        for phrase, moment in found
        if re.search(r"\d", phrase) or any(len(w) >= 4 for w in re.findall(r"[^\W\d_]+", phrase))
    ]
    # A weekday beside a date names that date ('Freitag, den 20. November'): the date wins.
    if any(re.search(r"\d", p) for p, _m in kept):
        kept = [(p, m) for p, m in kept if re.search(r"\d", p) or not phrases.WEEKDAY.search(p)]
    return kept

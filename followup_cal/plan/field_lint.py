"""Warnings about fields the drafts build sentences from, pointing at the field itself.

The drafts put ``pitch`` after "my experience in" and ``talked_about`` after "our talk
about", in notes sent to the very person the talk was with; a value of another shape
gives broken or wrong English in every draft, so ``validate`` says so once, at the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from followup_cal.plan.model import Channel, Interview, Person, Pos, Profile, name_parts

# The shapes, as the JSON Schema and the starter file describe them too.
PITCH_SHAPE = (
    "your strongest fit for the role, as a phrase that follows 'my experience in': "
    "'building streaming pipelines with Kafka', 'cost control on AWS'"
)
TALKED_ABOUT_SHAPE = (
    "what you discussed with this person, as a phrase that follows 'our talk about', "
    "naming things without 'their', 'she', 'your', 'my' or their name (the note goes to "
    "them): 'the move of "
    "the grading service to an event queue'"
)
PITCH_EXPECTED = "a phrase after 'my experience in', such as 'running Kubernetes for five years'"
TALKED_ABOUT_EXPECTED = (
    "a phrase after 'our talk about' that names things, such as 'the grading service'"
)

YEARS_RE = re.compile(
    r"^(?:(?:over|more than|nearly|almost|about|around|close to)\s+)?"
    r"(?:(?:\d+\+?|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|many)"
    r"\s+years?|(?:a|one|two|three)\s+decades?)\b",
    re.IGNORECASE,
)
# A resume line ('Led the move to ...') reads 'my experience in led ...'. Only verbs that
# are never the start of a noun phrase: 'embedded Rust' or 'managed Kubernetes' read fine.
RESUME_VERB_RE = re.compile(
    r"^(led|built|shipped|wrote|ran|grew|worked|launched|created|founded|helped|taught|"
    r"mentored|delivered|implemented|migrated|reduced|increased|improved|saved|cut|drove|"
    r"owned|architected|spearheaded)\b",
    re.IGNORECASE,
)
FIRST_PERSON_RE = re.compile(r"\b(I|I'm|I've|[Mm]e|[Mm]y|[Ww]e|[Oo]ur|[Oo]urs)\b")
# Case matters: 'the US office' is not 'us'.
PRONOUN_RE = re.compile(
    r"\b([Tt]heirs?|[Tt]hem|[Tt]hey|[Yy]ou|[Yy]ours?|[Hh]is|[Hh]ers?|[Hh]im|[Hh]e|[Ss]he|[Mm]y|"
    r"[Oo]urs?|[Ww]e|us|I)\b"
)
# Sentence case from habit: 'our talk about The billing rewrite'.
CAPITAL_ARTICLE_RE = re.compile(r"^(The|A|An) ")
SENTENCE_RE = re.compile(r"[.!?]$|[.!?]\s+[A-Z]")


@dataclass(frozen=True)
class FieldWarning:
    interview: Interview
    message: str
    pos: Pos

    def format(self, path: str) -> str:
        return self.pos.warning(path, self.interview.id, self.message)


# A phrase may end with an abbreviation's dot ('the U.S.', 'Initech Inc.'): no sentence.
ABBREVIATION_END_RE = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|etc|St|Jr|Sr)\.$")


def _is_sentence(text: str) -> bool:
    return bool(SENTENCE_RE.search(text[:-1] if ABBREVIATION_END_RE.search(text) else text))


def _capital(text: str, before: str) -> str:
    word = text.split()[0]
    return f"starts with '{word}' in capitals ('{before} {word} ...')"


def _pitch_problem(pitch: str) -> str:
    if _is_sentence(pitch):
        return "is a sentence"
    years = YEARS_RE.match(pitch)
    if years:
        return f"starts with a number of years ('my experience in {years[0]} ...')"
    verb = RESUME_VERB_RE.match(pitch)
    if verb:
        return f"starts with '{verb[0]}' ('my experience in {verb[0]} ...')"
    if CAPITAL_ARTICLE_RE.match(pitch):
        return _capital(pitch, "my experience in")
    if pitch.lower().startswith("experience"):
        return "starts with 'experience' ('my experience in experience ...')"
    match = FIRST_PERSON_RE.search(pitch)
    if match:
        return f"says '{match[0]}' (the drafts already say 'my experience in ...')"
    return ""


def _talked_about_problem(topic: str, person: Person) -> str:
    if _is_sentence(topic):
        return "is a sentence"
    if CAPITAL_ARTICLE_RE.match(topic):
        return _capital(topic, "our talk about")
    match = PRONOUN_RE.search(topic)
    # Their own name reads as badly to them: 'our talk about Dana's plan' sent to Dana.
    names = [w for w in (*name_parts(person.name)[1], person.call_me) if len(w) > 1]
    said = match[0] if match else _first_word(topic, names)
    if said:
        return f"says '{said}', but the note goes to that very person"
    return ""


def _first_word(text: str, words: list[str]) -> str | None:
    """What ``re.search(r"\b(W1|W2|...)\b", text)`` finds, without a pattern built for
    each person (10,000 interviews would compile 20,000): the leftmost whole word, the
    first of ``words`` where two start at one place."""
    best: tuple[int, str] | None = None
    for word in words:
        start = text.find(word)
        while start != -1 and (best is None or start < best[0]):
            if _boundary(text, start) and _boundary(text, start + len(word)):
                best = (start, word)
                break
            start = text.find(word, start + 1)
    return best[1] if best else None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # re's \w for str patterns


def _boundary(text: str, at: int) -> bool:
    """re's \b: a word character on one side of ``at`` and none on the other."""
    before = at > 0 and _is_word(text[at - 1])
    after = at < len(text) and _is_word(text[at])
    return before != after


def _people_with_notes(interview: Interview) -> list[Person]:
    """Each person entry that carries talked_about, once (a person met twice has two)."""
    entries = [p for r in interview.rounds for p in r.interviewers]
    entries += [interview.contact, *interview.network]
    seen, out = set(), []
    for person in entries:
        where = person.field_pos.get("talked_about")
        if person.talked_about and where and where not in seen:
            seen.add(where)
            out.append(person)
    return out


def _role_problem(role: str) -> str:
    """The drafts say 'the ROLE role' and 'the ROLE position'."""
    words = role.split()
    if words[0].lower() in ("a", "an", "the"):
        return f"starts with '{words[0]}' ('the {words[0]} ... role')"
    if len(words) > 1 and words[-1].lower() in ("role", "position", "job"):
        return f"ends with '{words[-1]}' ('the ... {words[-1]} role')"
    return ""


def lint_fields(interview: Interview, me: Profile) -> list[FieldWarning]:
    found: list[FieldWarning] = []
    problem = _role_problem(interview.role) if interview.role.strip() else ""
    if problem:
        found.append(
            FieldWarning(
                interview,
                f"role '{interview.role}' {problem}; expected the title alone, as in 'the "
                "Backend Engineer role'",
                interview.field_pos.get("role", interview.pos),
            )
        )
    problem = _pitch_problem(interview.pitch) if interview.pitch else ""
    if problem:
        found.append(
            FieldWarning(
                interview,
                f"pitch '{interview.pitch}' {problem}; expected {PITCH_EXPECTED}",
                interview.field_pos.get("pitch", interview.pos),
            )
        )
    for person in _people_with_notes(interview):
        problem = _talked_about_problem(person.talked_about, person)
        if problem:
            found.append(
                FieldWarning(
                    interview,
                    f"talked_about '{person.talked_about}' of {person.name} {problem}; "
                    f"expected {TALKED_ABOUT_EXPECTED}",
                    person.field_pos["talked_about"],
                )
            )
    if interview.channel is Channel.PHONE:
        where = interview.field_pos.get("channel", interview.pos)
        contact = interview.contact
        if not contact.phone:
            found.append(
                FieldWarning(
                    interview,
                    f"channel: phone, but {contact.name} has no phone number; expected "
                    f"phone: where {contact.name} is given, for the call sheet",
                    where,
                )
            )
        if not me.phone:
            found.append(
                FieldWarning(
                    interview,
                    "channel: phone, but me: has no phone number; expected phone: under me:, "
                    "so a message left on their voicemail can give it",
                    where,
                )
            )
    return found

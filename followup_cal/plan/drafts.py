"""Ready-to-send drafts: template files filled from the YAML, then linted.

Templates are plain text files (``templates/*.txt`` in the package, or a folder the user
names with ``templates:``): a ``Subject:`` line, a blank line, the body, with ``${name}``
placeholders. A sentence (or a line) of the body whose placeholder has no value, such as
``${pitch}`` when the YAML gives none, is left out whole: a draft says only what the user
told the tool. The lint rules of the policy run on every filled draft.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from followup_cal.errors import InvalidInput, Problem
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_date, fmt_day
from followup_cal.plan.model import Greeting, Interview, Person, Profile

if TYPE_CHECKING:
    from email.message import EmailMessage

CHECK_IN_VARIANTS = (
    "check_in_topic",
    "check_in_news",
    "check_in_advice",
    "check_in_update",
    "check_in_resource",
    "check_in_hello",
)
# Someone never met gave no advice to thank them for.
CHECK_IN_VARIANTS_NOT_MET = tuple(v for v in CHECK_IN_VARIANTS if v != "check_in_advice")
TEMPLATE_NAMES = (
    "debrief",
    "thank_you",
    "thank_you_again",
    "thank_you_letter",
    "follow_up",
    "follow_up_again",
    "follow_up_final",
    "follow_up_call",
    "rejection_reply",
    "holiday_note",
    *CHECK_IN_VARIANTS,
)

MAILTO_LIMIT = 1500
SHORT_STEPS = {Step.THANK_YOU: 150, Step.CHECK_IN: 150}


# A gap the template leaves for what only the user knows: [[the advice they gave you]].
GAP_RE = re.compile(r"\[\[(.+?)\]\]")
# Template sentences end at '.', '!' or '?' and a space; split once per template.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Sentence:
    text: string.Template
    needs: frozenset[str]  # its placeholders: without a value for one, it is left out
    # The same text for str.format_map ({name}, braces doubled): one C call per sentence
    # instead of a regex callback per placeholder (150,000 drafts in a large search).
    fmt: str
    constant: str | None  # the text, when it has no placeholder: the same in every draft

    @classmethod
    def of(cls, text: str) -> _Sentence:
        template = string.Template(text)
        out, last = [], 0
        for match in template.pattern.finditer(text):
            out.append(text[last : match.start()].replace("{", "{{").replace("}", "}}"))
            name = match.group("named") or match.group("braced")
            if match.group("escaped") is not None:
                out.append("$")
            elif name:
                out.append("{" + name + "}")
            else:  # a '$' that starts no placeholder stays as written
                out.append(match.group().replace("{", "{{").replace("}", "}}"))
            last = match.end()
        out.append(text[last:].replace("{", "{{").replace("}", "}}"))
        fmt = "".join(out)
        needs = frozenset(template.get_identifiers())
        return cls(template, needs, fmt, None if needs else _one_stop(fmt.format_map({})))

    def fill(self, values: Mapping[str, str]) -> str | None:
        """The sentence filled, or None when a placeholder has an empty value."""
        try:  # every value known (nearly always): one C loop instead of one in Python
            return self.fmt.format_map(values) if all(map(values.__getitem__, self.needs)) else None
        except KeyError:
            pass
        unknown = False
        for name in self.needs:
            try:
                if not values[name]:
                    return None
            except KeyError:
                unknown = True
        if unknown:  # a placeholder the values do not know stays as it is, for the lint
            return self.text.safe_substitute(values)
        return self.fmt.format_map(values)


@dataclass(frozen=True)
class _Body:
    """A template body as lines of sentences; an empty line is a paragraph break."""

    lines: tuple[tuple[_Sentence, ...], ...]
    # Each line's text when none of its sentences has a placeholder ('Best regards,'),
    # joined once here rather than in every draft; None for the others.
    fixed: tuple[str | None, ...]

    @classmethod
    def parse(cls, text: str) -> _Body:
        lines = []
        for line in text.split("\n"):
            parts = SENTENCE_END_RE.split(line.strip()) if line.strip() else []
            lines.append(tuple(map(_Sentence.of, parts)))
        fixed = [
            " ".join(s.constant for s in line)  # type: ignore[misc]
            if line and all(s.constant is not None for s in line)
            else None
            for line in lines
        ]
        return cls(tuple(lines), tuple(fixed))

    def fill(self, values: Mapping[str, str]) -> str:
        out: list[str] = []
        for sentences, fixed in zip(self.lines, self.fixed, strict=True):
            if fixed is not None:
                out.append(fixed)
                continue
            if not sentences:
                if out and out[-1]:
                    out.append("")
                continue
            kept = []
            for sentence in sentences:
                if sentence.constant is not None:
                    kept.append(sentence.constant)
                    continue
                # _Sentence.fill's usual case and _one_stop, inline: a call each per
                # sentence of 150,000 drafts.
                try:
                    needs = map(values.__getitem__, sentence.needs)
                    text = sentence.fmt.format_map(values) if all(needs) else None
                except KeyError:
                    text = sentence.fill(values)
                if text is not None:
                    kept.append(
                        text[:-1] if text.endswith("..") and not text.endswith("...") else text
                    )
            if kept:
                out.append(" ".join(kept))
        return "\n".join(out).strip("\n") + "\n"


def _one_stop(sentence: str) -> str:
    """'... to Acme Inc..' -> '... to Acme Inc.': a value ending in a dot ends the sentence."""
    return sentence[:-1] if sentence.endswith("..") and not sentence.endswith("...") else sentence


@dataclass(frozen=True)
class Template:
    name: str
    source: str  # where it came from, for error messages
    subject: _Sentence  # filled whole: an empty value leaves the subject, not a gap
    body: _Body

    def fill_subject(self, values: Mapping[str, str]) -> str:
        try:
            return self.subject.fmt.format_map(values)
        except KeyError:  # a placeholder the values do not know stays as written
            return self.subject.text.safe_substitute(values)


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    sender: Profile
    recipient: Person | None
    generic: tuple[str, ...] = ()  # which details were missing from the YAML

    @property
    def gaps(self) -> list[str]:
        """What the user must write in before sending (an article, their news), the
        subject's first: a subject states no more than its body does."""
        return GAP_RE.findall(self.subject) + GAP_RE.findall(self.body)

    @property
    def to_header(self) -> str:
        if self.recipient is None:
            return ""
        if self.recipient.email:
            return f"{self.recipient.name} <{self.recipient.email}>"
        return self.recipient.name

    def mailto(self, limit: int = MAILTO_LIMIT) -> str:
        """RFC 6068 link; past ``limit`` characters the body is cut and says so."""
        address = quote(self.recipient.email, safe="@") if self.recipient else ""
        head = f"mailto:{address}?subject={quote(self.subject, safe='')}"
        body = self.body.replace("\n", "\r\n")
        link = f"{head}&body={quote(body, safe='')}"
        if len(link) <= limit:
            return link
        note = "\r\n\r\n[Draft shortened for the link: the full text is in the calendar event.]"
        words = body.split(" ")
        shortest, longest, best = 0, len(words) - 1, head
        while shortest <= longest:  # the most words that fit, found by halving: a long
            count = (shortest + longest) // 2  # draft is not quoted once per word
            link = f"{head}&body={quote(' '.join(words[:count]) + ' …' + note, safe='')}"
            if len(link) <= limit:
                shortest, best = count + 1, link
            else:
                longest = count - 1
        return best

    def as_email(self) -> EmailMessage:
        """A message a mail program opens as an unsent draft (X-Unsent)."""
        # Imported for --eml only, not at every start-up.
        from email.headerregistry import Address
        from email.message import EmailMessage

        message = EmailMessage()
        # Address objects quote a name as needed: 'Jane Smith, PhD' stays one recipient.
        me = Address(self.sender.name, addr_spec=self.sender.email)
        message["From"] = me
        if self.recipient is None:
            message["To"] = me
        elif self.recipient.email:
            message["To"] = Address(self.recipient.name, addr_spec=self.recipient.email)
        # No address in the file: no To, so the mail program asks for one.
        message["Subject"] = self.subject
        message["X-Unsent"] = "1"
        message.set_content(self.body)
        return message


def parse_template(name: str, source: str, text: str) -> Template:
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise InvalidInput(
            [
                Problem(
                    source, 1, 1, "a template starts with 'Subject: ...'; expected a subject line"
                )
            ]
        )
    return Template(
        name,
        source,
        _Sentence.of(first.removeprefix("Subject:").strip()),
        _Body.parse(rest.strip("\n")),
    )


class Templates(Protocol):
    """Where drafts get their templates by name: ``loader.templates.TemplateSet`` reads the
    built-in ones and the user's folder; the drafting here never opens a file itself."""

    def get(self, name: str) -> Template: ...


def template_name(item: PlannedFollowup) -> str:
    if item.step is Step.THANK_YOU:
        if item.by_letter:
            return "thank_you_letter"
        # Met in an earlier round: a note that reads as the first one again would be a copy.
        return "thank_you_again" if _times_met(item) > 1 else "thank_you"
    if item.step is Step.FOLLOW_UP:
        if item.by_phone:
            return "follow_up_call"
        if item.final:
            return "follow_up_final"
        return "follow_up_again" if _an_inquiry_before(item) else "follow_up"
    if item.step is Step.CHECK_IN:
        spoke = item.recipient is not None and _spoke_with(item.interview, item.recipient)
        variants = CHECK_IN_VARIANTS if spoke else CHECK_IN_VARIANTS_NOT_MET
        return variants[(item.number - 1) % len(variants)]
    return item.step.value


def _an_inquiry_before(item: PlannedFollowup) -> bool:
    """Whether an inquiry of this round came before this one: 'my earlier note' is untrue
    when the user deleted each one before it from their calendar and sent none."""
    to = item.recipient.name if item.recipient else None
    interview = item.interview
    for number in range(1, item.number):
        key = f"follow_up-{number}"
        if interview.done_on(key, item.round, to) or not interview.skipped_on(key, item.round, to):
            return True
    return False


def _met(interview: Interview, person: Person) -> bool:
    return any(p.name == person.name for r in interview.rounds for p in r.interviewers)


def _times_met(item: PlannedFollowup) -> int:
    """In how many rounds up to this step's the recipient was one of the interviewers."""
    if item.recipient is None:
        return 0
    name = item.recipient.name
    rounds = item.interview.rounds[: item.round]
    return sum(any(p.name == name for p in r.interviewers) for r in rounds)


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _panel_others(item: PlannedFollowup) -> str:
    """The round's other interviewers when it was a panel (several people): '' otherwise,
    so the sentence saying so is left out."""
    if item.step is not Step.THANK_YOU or item.recipient is None:
        return ""
    rnd = item.interview.rounds[item.round - 1]
    others = [p.name for p in rnd.interviewers if p.name != item.recipient.name]
    return _names(others) if others else ""


def _spoke_with(interview: Interview, person: Person) -> bool:
    """Met in a round, or not met but their entry says what was discussed (a call, a
    meetup): the user told the tool of a conversation with them."""
    return bool(person.talked_about) or _met(interview, person)


def _names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _people_met(interview: Interview, round_number: int) -> str:
    rnd = interview.rounds[round_number - 1]
    lines = []
    for p in rnd.interviewers:
        title = f", {p.title}" if p.title else ""
        lines.append(f"- {p.name}{title}")
    return "\n".join(lines)


def _talked_with(item: PlannedFollowup) -> Person | None:
    """The round's own entry for the recipient: what was discussed in that round."""
    if item.step is Step.THANK_YOU and item.recipient is not None:
        rnd = item.interview.rounds[item.round - 1]
        for p in rnd.interviewers:
            if p.name == item.recipient.name:
                return p
    return item.recipient


def _day_we_met(start: datetime, sent: date) -> str:
    """'today', 'yesterday', 'Tuesday', as the interviewer reads it on the day it arrives."""
    days = (sent - start.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if 1 < days < 7:
        return f"{start:%A}"
    return f"our conversation on {fmt_day(start.date())}"


class _Values(dict[str, str]):
    """The placeholders' values for one draft, each made when its template first asks
    for it: a template uses a few of the thirty (150,000 drafts made them all)."""

    # Slots: no attribute dict to make for each of 150,000 drafts.
    __slots__ = ("interview", "item", "me", "met", "person", "rnd", "sending_on", "style")

    def __init__(
        self, item: PlannedFollowup, me: Profile, met: bool, topic: str, sending_on: date | None
    ) -> None:
        super().__init__(talked_about=topic)
        self.item, self.me, self.met, self.sending_on = item, me, met, sending_on
        self.person = item.recipient
        self.interview = item.interview
        self.rnd = item.interview.rounds[item.round - 1]
        self.style = (self.person.greeting if self.person else None) or me.greeting

    def __missing__(self, name: str) -> str:
        make = _VALUE_OF.get(name)
        if make is None:
            raise KeyError(name)
        value = self[name] = make(self)
        return value

    def sent(self) -> date:
        """The day the reader gets it."""
        item = self.item
        if self.sending_on and item.status == "past" and self.sending_on > item.start.date():
            return self.sending_on  # overdue and not done: it goes out on the day it is read
        return item.start.astimezone(self.rnd.start.tzinfo).date()

    def others_met(self) -> str:
        """Whom the user met, for a note to someone they did not meet."""
        interview = self.interview
        if self.met or self.person is None:
            return ""
        others = [p.name for p in interview.people() if _met(interview, p)]
        return _names(others) if others else ""


_VALUE_OF: dict[str, Callable[[_Values], str]] = {
    "my_name": lambda v: v.me.name,
    "my_first_name": lambda v: v.me.first_name,
    # Signing a formal note by first name alone would undo its greeting.
    "my_call_name": lambda v: v.me.first_name if v.style is Greeting.CASUAL else v.me.name,
    "my_email": lambda v: v.me.email,
    "my_phone": lambda v: v.me.phone,
    "signature": lambda v: v.me.signature,
    "name": lambda v: v.person.name if v.person else v.me.name,
    "first_name": lambda v: v.person.first_name if v.person else v.me.first_name,
    "call_name": lambda v: v.person.call_name(v.style) if v.person else v.me.first_name,
    "greeting": lambda v: f"{'Hi' if v.style is Greeting.CASUAL else 'Dear'} {v['call_name']}",
    "title": lambda v: v.person.title if v.person else "",
    "email": lambda v: v.person.email if v.person else v.me.email,
    "phone": lambda v: v.person.phone if v.person else "",
    "company": lambda v: v.interview.company,
    "role": lambda v: v.interview.role,
    "others_met": _Values.others_met,
    "pitch": lambda v: v.interview.pitch,
    "interview_day": lambda v: f"{v.rnd.start:%A}",
    "day_we_met": lambda v: _day_we_met(v.rnd.start, v.sent()),
    "interview_date": lambda v: fmt_date(v.rnd.start.date()),
    "round_label": lambda v: (
        f"round {v.rnd.number}" if len(v.interview.rounds) > 1 else "interview"
    ),
    "the_round": lambda v: (
        f"round {v.rnd.number}" if len(v.interview.rounds) > 1 else "the interview"
    ),
    "people_met": lambda v: _people_met(v.interview, v.item.round),
    "panel_others": lambda v: _panel_others(v.item),
    # 'our third conversation': counted from the rounds, past eight just 'latest'.
    "nth_talk": lambda v: ORDINALS[t - 1] if 0 < (t := _times_met(v.item)) <= 8 else "latest",
    "decision_date": lambda v: fmt_date(d) if (d := v.interview.decision_expected) else "",
    "holiday_name": lambda v: v.item.occasion or "the holidays",
}


def render_draft(
    item: PlannedFollowup, me: Profile, templates: Templates, sending_on: date | None = None
) -> Draft:
    """``sending_on``: the day the user reads it to send, when that may be later than planned
    (an overdue step): 'Thank you for today' then names the day they met instead."""
    interview = item.interview
    person = item.recipient
    met = person is not None and _met(interview, person)
    # Only what was discussed with this very person: a draft to someone else, or to
    # someone never met nor said to have been talked with, claims no conversation.
    topic = (_talked_with(item) or person).talked_about if person else ""
    missing = []
    if met and not topic and item.step is not Step.DEBRIEF:
        missing.append("talked_about")
    if not interview.pitch and item.step in (Step.THANK_YOU, Step.FOLLOW_UP):
        missing.append("pitch")
    values = _Values(item, me, met, topic, sending_on)
    template = templates.get(template_name(item))
    return Draft(
        subject=template.fill_subject(values),
        body=template.body.fill(values),
        sender=me,
        recipient=person,
        generic=tuple(missing),
    )

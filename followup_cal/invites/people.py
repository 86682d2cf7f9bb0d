"""Who an invitation's people are: the interviewers among its organizer and attendees,
and the company they are from. Each person left out says why (shown in the review).
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from followup_cal.domains import TRACKING_SYSTEMS, can_be_company, registrable
from followup_cal.invites.reading import Invitation, Party
from followup_cal.plan.model import NAME_SUFFIXES, slugify

# Addresses that are a machine: the no-reply senders of scheduling tools and calendars.
MACHINE_ADDRESS = re.compile(
    r"^(no-?reply|do-?not-?reply|donotreply|notifications?|calendar|calendar-notification|"
    r"scheduling|schedule|invites?|unknownorganizer|mailer-daemon|bounces?)([+._-].*)?$"
)
# A team's shared mailbox: no one to thank by name, unless a person's name goes with it.
TEAM_ADDRESS = re.compile(
    r"^(recruit(ing|ment|ers?)?|talent([-._]?(team|acquisition))?|careers?|jobs|hiring|hr|"
    r"people([-._]?ops)?|interviews?|interviewing|candidates?|staffing|ta)([+._-].*)?$"
)
# Scheduling tools and meeting services: their addresses stand for no one at the company.
SCHEDULING_TOOLS = TRACKING_SYSTEMS | frozenset(
    {
        "calendly.com", "goodtime.io", "ghcalendar.io", "greenhouse-mail.io", "zoom.us",
        "modernloop.io", "prelude.co", "gem.com", "paradox.ai", "hirevue.com", "doodle.com",
        "cal.com", "youcanbook.me", "acuityscheduling.com", "hubspot.com", "chilipiper.com",
    }
)  # fmt: skip
# Reserved for documentation (RFC 2606): an address there says no company.
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
# Google's addresses for a room or resource, and for a calendar or group that is no one.
ROOM_DOMAINS = ("resource.calendar.google.com",)
GROUP_DOMAINS = ("group.calendar.google.com", "group.v.calendar.google.com")
# Words around a company's name in an organizer's name or an invitation's title.
NOT_THE_NAME = re.compile(
    r"\b(candidate|candidates|calendar|recruiting|recruitment|talent|acquisition|careers?|"
    r"hiring|interviews?|interviewing|team|people|hr|scheduling|scheduler|via|goodtime|"
    r"onsite|on-site|virtual|video|phone|technical|tech|screen(ing)?|call|chat|round|"
    r"final|first|second|third|1st|2nd|3rd|loop|panel|with|and|at|for|the|meeting)\b",
    re.IGNORECASE,
)
TITLE_SEPARATORS = re.compile(r"\s*(?:<>|<->|\||/|:|\s[-\u2013\u2014x]\s|\bwith\b|\bat\b)\s*", re.I)


@dataclass(frozen=True)
class Guest:
    """Someone the round is with: a name in order, and an address."""

    name: str
    email: str


@dataclass(frozen=True)
class LeftOut:
    who: str
    why: str


@dataclass(frozen=True)
class People:
    interviewers: tuple[Guest, ...]
    left_out: tuple[LeftOut, ...]


@dataclass(frozen=True)
class CompanyGuess:
    name: str
    why: str


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def person_name(party: Party) -> str:
    """The name in the order people say it: 'Lee, Dana' (as directories write it) is
    Dana Lee; '(she/her)' or '(Acme)' after it goes; no name: from the address."""
    name = party.name if "@" not in party.name else ""
    name = re.sub(r"\s*\([^()]*\)\s*$", "", name).strip()
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first and first.rstrip(".").lower() not in NAME_SUFFIXES:
            name = f"{first} {last}"
    if name or not party.email:
        return name
    words = [w for w in re.split(r"[._-]+", party.email.partition("@")[0]) if w]
    if len(words) > 1 and all(w.isalpha() for w in words):
        return " ".join(w.capitalize() for w in words)
    return party.email.partition("@")[0]


def why_not_a_person(party: Party, mine: frozenset[str], my_name: str = "") -> str | None:
    """Why this party is no interviewer, or None when it is one."""
    domain = domain_of(party.email)
    if party.email and party.email in mine:
        return "you"
    if my_name and person_name(party).casefold() == my_name.casefold():
        return "you, by your name (another address of yours? give it with --me)"
    if party.kind in ("ROOM", "RESOURCE") or domain in ROOM_DOMAINS:
        return "a room or resource"
    if party.kind == "GROUP" or domain in GROUP_DOMAINS:
        return "a group or shared calendar, not a person"
    local = party.email.partition("@")[0]
    if party.email and (
        MACHINE_ADDRESS.match(local)
        or registrable(domain) in SCHEDULING_TOOLS
        or domain in SCHEDULING_TOOLS
    ):
        return "a scheduling tool's address, not a person"
    words = party.name.split()
    looks_like_a_person = len(words) >= 2 and not NOT_THE_NAME.search(party.name)
    if party.email and TEAM_ADDRESS.match(local) and not looks_like_a_person:
        return "a team's shared address, not a person"
    return None


def people_of(invitation: Invitation, mine: frozenset[str], my_name: str = "") -> People:
    """The organizer and the attendees, once each, less the user (by address, or by
    name), rooms, groups and scheduling tools."""
    kept: list[Guest] = []
    left: list[LeftOut] = []
    seen: set[str] = set()
    named: dict[str, Guest] = {}  # by the name's slug: one person, one calendar UID
    for party in invitation.parties:
        key = party.email or party.name.casefold()
        if not key or key in seen:
            continue
        seen.add(key)
        why = why_not_a_person(party, mine, my_name)
        who = party.name or party.email
        if why:
            left.append(LeftOut(who, why))
            continue
        name = person_name(party)
        if not name:
            continue
        same = named.get(slugify(name))
        if same is not None:
            # The organizer again as an attendee under a second address, say: one person.
            first = same.name + (f" <{same.email}>" if same.email else "")
            left.append(LeftOut(who, f"the same name as {first}: one person"))
            continue
        named[slugify(name)] = Guest(name, party.email)
        kept.append(named[slugify(name)])
    return People(tuple(kept), tuple(left))


def company_domains(emails: list[str]) -> list[str]:
    """The registrable domains that may stand for a company, most common first."""
    counted = Counter(
        registrable(domain_of(e)) for e in emails if e and can_be_company(domain_of(e))
    )
    return [
        d
        for d, _ in counted.most_common()
        if d and d not in SCHEDULING_TOOLS and d not in RESERVED_DOMAINS
    ]


def name_from_domain(domain: str) -> str:
    label = domain.split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", label) if part)


def guess_company(invitation: Invitation, people: People, my_name: str) -> CompanyGuess | None:
    """The company: from the people's address domain, else the organizer's name (a tool's
    calendar: 'Acme Candidate Calendar'), else the title ('Acme <> Alex Morgan')."""
    domains = company_domains([g.email for g in people.interviewers])
    if domains:
        why = f"from the address domain {domains[0]}"
        guessed = name_from_domain(domains[0])
        written = _spelled_in(invitation.summary, domains[0])
        if written and written != guessed:
            # 'Interview - Quarry Labs' at quarrylabs.example: as the title writes it.
            return CompanyGuess(written, f"{why}, written as the title has it")
        return CompanyGuess(guessed, why)
    organizer = next((p for p in invitation.parties if p.organizer), None)
    kept = {g.email for g in people.interviewers}
    if organizer and organizer.name and "@" not in organizer.name and organizer.email not in kept:
        # No person: a tool's calendar or sender ('Acme Candidate Calendar', 'Acme Recruiting').
        stripped = _strip(organizer.name)
        if stripped:
            return CompanyGuess(stripped, f"from the organizer's name '{organizer.name}'")
    names = {g.name.casefold() for g in people.interviewers}
    for segment in TITLE_SEPARATORS.split(invitation.summary):
        if my_name:
            segment = re.sub(re.escape(my_name), " ", segment, flags=re.IGNORECASE)
        candidate = _strip(segment)
        if candidate and candidate.casefold() not in names and len(candidate.split()) <= 4:
            return CompanyGuess(candidate, f"from the title '{invitation.summary}'")
    return None


def _spelled_in(title: str, domain: str) -> str:
    """The words of ``title`` whose letters are the domain's first label ('Quarry Labs'
    for quarrylabs.example, 'Quarry-Labs' for quarry-labs.example), or ''."""
    label = _letters(domain.split(".")[0])
    words = title.split()
    if not label or len(words) > 40:  # a title, not a text: its runs of words are few
        return ""
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 6) + 1):
            run = " ".join(words[start:end]).strip(" -\u2013\u2014,.:;|'\"()[]<>")
            if _letters(run) == label:
                return run
    return ""


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _strip(text: str) -> str:
    return re.sub(r"\s{2,}", " ", NOT_THE_NAME.sub(" ", text)).strip(" -\u2013\u2014,.'\"[]")

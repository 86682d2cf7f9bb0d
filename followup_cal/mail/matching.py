"""Which messages are the employer answering: pure, no I/O, no clock.

For each open interview a ``Watch`` says who the company is (its own people's addresses
and names, and the registrable domains they write from) and from when (the latest round,
or a reply already recorded). The IMAP adapter turns it into server-side SEARCHes; the
decision is made here on the parsed headers, because IMAP's FROM is a substring match
("acme.example" also finds "acme.example.evil.test").

The evidence, strongest first: a message that answers mail the user sent to the company
(its In-Reply-To/References name it); a message from one of the company's people; one
from someone else at the company's domain, or sent through an applicant-tracking
system with Reply-To at the company; a LinkedIn InMail under a known person's name.
Only the first two are certain; ``--yes`` records nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from followup_cal.domains import (
    TRACKING_SYSTEMS,
    can_be_company,
    is_job_board,
    is_tracking_system,
    registrable,
    same_owner,
)
from followup_cal.mail.invitation import Invitation, invitation_from
from followup_cal.mail.message import Message, from_a_machine, not_from_a_person
from followup_cal.mail.wrote import Reading
from followup_cal.plan.followups import fmt_day
from followup_cal.plan.model import Interview, SearchFile

# The mail the user sent may precede the round (the application, arranging the date):
# an answer to it after the round still counts. How far back the Sent folder is read.
SENT_LOOKBACK = timedelta(days=60)
# LinkedIn's X-LinkedIn-Class of a member's own message (InMail, member to member), and
# the addresses such messages come from; its other classes and addresses are
# notifications (who viewed you, an invitation to connect, jobs you may like).
LINKEDIN_PERSON = ("INMAIL", "MBR-TO-MBR")
LINKEDIN_MESSAGES = ("inmail-hit-reply@linkedin.com", "hit-reply@linkedin.com")


def relayed_by_linkedin(message: Message) -> bool:
    """A member's own message that LinkedIn forwards (InMail), not a notification."""
    if message.domain != "linkedin.com":
        return False
    if message.linkedin_class:
        return message.linkedin_class in LINKEDIN_PERSON
    return message.sender in LINKEDIN_MESSAGES


class Sureness(enum.IntEnum):
    POSSIBLE = 1  # a name only: LinkedIn InMail shows no address
    LIKELY = 2  # the company's domain, not one of its people we know
    CERTAIN = 3  # answers the user's own mail, or one of the company's people wrote

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Evidence:
    sureness: Sureness
    why: str  # "answers your mail of Tue 10 Nov", "from priya@northwind.example"


@dataclass(frozen=True)
class Watch:
    """Who the company is for one interview, and from when its mail counts."""

    interview: Interview
    addresses: frozenset[str]  # its people's (interviewers', contact's), lower case
    domains: frozenset[str]  # registrable domains its people write from
    after: datetime  # aware: mail received at or before this does not count
    zone: ZoneInfo
    names: frozenset[str] = frozenset()  # its people's names, lower case
    mine: frozenset[str] = frozenset()  # the user's addresses: me: email, Sent's From
    sent: Mapping[str, datetime] = field(default_factory=dict)  # Message-ID -> when
    network: frozenset[str] = frozenset()  # the user's contacts there: their mail is a friend's

    def is_company(self, address: str) -> bool:
        domain = address.rpartition("@")[2]
        return address in self.addresses or any(same_owner(domain, d) for d in self.domains)

    def search_terms(self) -> list[list[str]]:
        """What IMAP SEARCH is asked for in the folders read (each a substring match,
        checked here after): From or Reply-To one of them, a thread of the user's."""
        terms: list[list[str]] = []
        for who in (*sorted(self.addresses), *sorted(self.domains)):
            terms += [["FROM", who], ["HEADER", "REPLY-TO", who]]
        terms += [["FROM", name] for name in sorted(self.names) if name.isascii()]
        for message_id in sorted(self.sent):
            terms += [["HEADER", "IN-REPLY-TO", message_id], ["HEADER", "REFERENCES", message_id]]
        return terms

    def sender_terms(self) -> list[list[str]]:
        """For a server that refuses SEARCH HEADER: by From alone, so also everything
        from the tracking systems and LinkedIn's relay, whose Reply-To and thread are
        then read from the headers fetched."""
        terms = [t for t in self.search_terms() if t[0] == "FROM"]
        relays = (*sorted(TRACKING_SYSTEMS), *LINKEDIN_MESSAGES)
        return terms + [["FROM", r] for r in relays]

    def sent_terms(self) -> list[list[str]]:
        """What SEARCH is asked for in the Sent folder: mail to the company."""
        who = (*sorted(self.addresses), *sorted(self.domains))
        return [[key, w] for w in who for key in ("TO", "CC")]

    @property
    def search_since(self) -> date:
        """The day SINCE (the server's own date) starts from: a day early, as the server
        compares dates in its zone, not ours; ``evidence`` then decides to the minute."""
        return self.after.astimezone(self.zone).date() - timedelta(days=1)

    @property
    def sent_since(self) -> date:
        return self.search_since - SENT_LOOKBACK

    def with_sent(self, messages: Iterable[Message]) -> Watch:
        """This watch knowing which of the user's sent messages went to the company, and
        every address the user sends from (an alias too: their own mail in a thread, as
        Gmail's All Mail shows it, is never an answer)."""
        messages = list(messages)
        sent = {
            m.message_id: m.when
            for m in messages
            if m.message_id and m.when and any(self.is_company(r) for r in m.recipients)
        }
        mine = {m.sender for m in messages if m.sender and not self.is_company(m.sender)}
        return replace(self, sent={**self.sent, **sent}, mine=self.mine | mine)

    def matches(self, message: Message) -> bool:
        return self.evidence(message) is not None

    def evidence(self, message: Message) -> Evidence | None:
        """Why ``message`` is the company answering, or None when it is not."""
        if message.when is None or message.when <= self.after:
            return None  # before the round, or undated
        if not message.sender or message.sender in self.mine | self.network:
            return None
        if message.message_id in self.sent:
            return None  # the user's own message, filed in another folder too
        if relayed_by_linkedin(message):
            # InMail: a person wrote, in LinkedIn's bulk-marked envelope.
            name = self._known_name(message)
            return self._by_name(name, message) if name else None
        if not_from_a_person(message):
            return None
        answered = [self.sent[i] for i in message.answers if i in self.sent]
        if answered and not is_job_board(message.domain):
            day = min(answered).astimezone(self.zone).date()
            return Evidence(Sureness.CERTAIN, f"answers your mail of {fmt_day(day)}")
        if message.sender in self.addresses:
            return Evidence(Sureness.CERTAIN, f"from {message.sender}")
        for address in message.reply_to:
            if address in self.addresses:
                return Evidence(Sureness.CERTAIN, f"from {message.sender}, Reply-To {address}")
        if message.sent_through:
            return None  # a bulk-mail service's, from no one of theirs: never by domain
        if self.is_company(message.sender) and not from_a_machine(message.sender):
            return Evidence(Sureness.LIKELY, f"from {message.sender}, at the company's domain")
        reply_to = next((a for a in message.reply_to if self.is_company(a)), "")
        if reply_to and not from_a_machine(reply_to):
            return Evidence(Sureness.LIKELY, f"from {message.sender}, Reply-To {reply_to}")
        name = self._known_name(message)
        if name and is_tracking_system(message.domain) and not from_a_machine(message.sender):
            return self._by_name(name, message)
        return None

    def _by_name(self, name: str, message: Message) -> Evidence:
        """A person's message relayed by LinkedIn or sent through a tracking system: the
        name is all there is to go by, and anyone can have it."""
        return Evidence(
            Sureness.POSSIBLE,
            f"{name}'s name on mail from {message.domain}, which shows no address of theirs",
        )

    def _known_name(self, message: Message) -> str:
        """A known person's name as the sender's ("Priya Shah via LinkedIn")."""
        shown = message.sender_name.lower()
        for name in sorted(self.names):
            if shown == name or shown.startswith((f"{name} via ", f"{name} (")):
                return message.sender_name[: len(name)]
        return ""


def _people(interview: Interview, mine: str) -> list[tuple[str, str]]:
    """(name, address) of the company's own people: interviewers and contact; never the
    user's network, who write from elsewhere about other things."""
    return [(p.name, p.email.lower()) for p in interview.people() if p.email.lower() != mine]


def is_open(interview: Interview) -> bool:
    """Still waiting to hear: a round held (not every one cancelled) and no outcome (a
    reply that is none ends nothing, rule 5)."""
    # Decided, or every round cancelled: nothing to hear back about.
    return interview.outcome is None and bool(interview.held_rounds)


def watches(search: SearchFile, since: date | None = None) -> list[Watch]:
    """One Watch per open interview that has someone to hear from."""
    zone = search.me.timezone
    mine = search.me.email.lower()
    my_domain = registrable(mine.rpartition("@")[2]) if mine else ""
    result = []
    for interview in search.interviews:
        if not is_open(interview):
            continue
        people = _people(interview, mine)
        addresses = frozenset(a for _n, a in people if a)
        domains = frozenset(
            registrable(d)
            for d in (a.rpartition("@")[2] for a in addresses)
            if can_be_company(d) and registrable(d) != my_domain
        )
        names = frozenset(n.lower() for n, _a in people if len(n.split()) >= 2)
        if not addresses and not domains and not names:
            continue
        after = interview.latest_round.start.astimezone(zone)
        if interview.heard_back is not None:
            # That day's mail is the reply already recorded.
            day_after = datetime.combine(
                interview.heard_back + timedelta(days=1), datetime.min.time()
            )
            after = max(after, day_after.replace(tzinfo=zone) - timedelta(microseconds=1))
        if since is not None:
            start = datetime.combine(since, datetime.min.time(), tzinfo=zone)
            after = max(after, start - timedelta(microseconds=1))
        network = frozenset(p.email.lower() for p in interview.network if p.email) - addresses
        me = frozenset({mine} - {""})
        result.append(Watch(interview, addresses, domains, after, zone, names, me, {}, network))
    return result


@dataclass(frozen=True)
class Counted:
    message: Message
    evidence: Evidence


@dataclass(frozen=True)
class Proposal:
    """``reply ID --on DATE`` for one interview, with the messages that show it."""

    interview: Interview
    on: date
    found: tuple[Counted, ...]
    reading: Reading | None = None  # what the answers say, when their text was read

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(c.message for c in self.found)

    @property
    def sureness(self) -> Sureness:
        """As sure as the best evidence on the day proposed: that day is the claim."""
        first = self.found[0].message.when
        assert first is not None
        return max(c.evidence.sureness for c in self.found if c.message.when == first)

    @property
    def certain(self) -> bool:
        return self.sureness is Sureness.CERTAIN

    @property
    def decision(self) -> date | None:
        """The day they said they would decide or come back, if any."""
        return self.reading.decision if self.reading else None

    @property
    def command(self) -> str:
        decision = f" --decision {self.decision.isoformat()}" if self.decision else ""
        return f"followup-cal reply {self.interview.id} --on {self.on.isoformat()}{decision}"

    @property
    def outcome_command(self) -> str | None:
        """`outcome ID RESULT` when the text says an offer or a rejection: only ever
        proposed, the user decides."""
        if not self.reading or not self.reading.outcome:
            return None
        result = self.reading.outcome.result
        return f"followup-cal outcome {self.interview.id} {result} --on {self.on.isoformat()}"


@dataclass(frozen=True)
class Findings:
    proposals: list[Proposal]
    invitations: list[Invitation]


def propose(found: Iterable[tuple[Watch, Sequence[Message]]], today: date) -> list[Proposal]:
    return examine(found, today).proposals


def examine(found: Iterable[tuple[Watch, Sequence[Message]]], today: date) -> Findings:
    """For each watch, the messages that are the company answering, and the reply they
    mean: on the day the first of them arrived, in the user's zone (never after today);
    and the invitations to what may be a next round, which are not taken as answers."""
    proposals, invitations = [], []
    for watch, messages in found:
        unique = {m.key: m for m in sorted(messages, key=lambda m: (m.folder != "INBOX", m.uid))}
        counted = []
        for message in unique.values():
            evidence = watch.evidence(message)
            if evidence is None:
                continue
            invitation = invitation_from(watch.interview, message, evidence.why)
            if invitation is not None:
                invitations.append(invitation)
            else:
                counted.append(Counted(message, evidence))
        if not counted:
            continue
        counted.sort(key=lambda c: (c.message.when, -c.evidence.sureness, c.message.uid))
        first = counted[0].message.when
        assert first is not None  # evidence() keeps only dated messages
        on = min(first.astimezone(watch.zone).date(), today)
        proposals.append(Proposal(watch.interview, on, tuple(counted)))
    return Findings(proposals, invitations)


def why_not(watch: Watch, message: Message) -> str:
    """Why a message the server found is not the company answering (for -v)."""
    if message.when is None or message.when <= watch.after:
        return "received before the round, or before the reply already recorded"
    if message.sender in watch.network:
        return "from a contact in your network, not the company answering"
    reason = not_from_a_person(message)
    if reason:
        return reason
    if is_job_board(message.domain):
        return f"a notification from {message.domain}, a job board or social network"
    if message.sent_through:
        return f"sent through {message.sent_through}, and by no one of the interview's people"
    if from_a_machine(message.sender):
        return "from an address no one answers from"
    return "not from the company's people or domain"

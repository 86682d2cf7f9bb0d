"""Which messages in the inbox are the other side answering: pure, no I/O, no clock.

For each open interview a ``Watch`` says whose mail counts (its people's addresses and
the company's mail domain) and from when (after the latest round began, and after a
reply already recorded). The IMAP adapter turns it into a server-side SEARCH; the
exact decision is made here on the parsed headers, because IMAP's FROM is a substring
match ("acme.example" also finds "acme.example.evil.test").
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from zoneinfo import ZoneInfo

from followup_cal.plan.model import Interview, SearchFile

# Addresses here belong to a person, not to the company: a domain among them never
# stands for "anyone at the company" (an interviewer writing from their gmail would
# otherwise make every gmail sender count).
PERSONAL_MAIL_DOMAINS = frozenset(
    {
        "163.com", "aol.com", "fastmail.com", "gmail.com", "gmx.de", "gmx.net",
        "googlemail.com", "hey.com", "hotmail.com", "icloud.com", "live.com", "mac.com",
        "mail.com", "mail.ru", "me.com", "msn.com", "outlook.com", "pm.me", "proton.me",
        "protonmail.com", "qq.com", "t-online.de", "web.de", "yahoo.com", "yandex.ru",
        "zoho.com",
    }
)  # fmt: skip

HEADER_FIELDS = ("FROM", "DATE", "SUBJECT")  # all the adapter fetches of a message


@dataclass(frozen=True)
class Message:
    """What inbox knows of one message: its headers, never its body."""

    uid: int
    sender_name: str
    sender: str  # the address, lower case; "" when the From header has none
    subject: str
    sent: datetime | None  # the Date header, aware; None when missing or unreadable
    received: datetime | None = None  # the server's internal (delivery) date

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]

    @property
    def when(self) -> datetime | None:
        return self.sent or self.received

    def from_line(self) -> str:
        return email.utils.formataddr((self.sender_name, self.sender)) if self.sender else "?"


def _text(value: str | None) -> str:
    """A header's text with RFC 2047 words decoded, on one line."""
    if not value:
        return ""
    try:
        decoded = str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        decoded = value
    return " ".join(decoded.split())


def parse_headers(uid: int, raw: bytes, received: datetime | None = None) -> Message:
    """A Message from the raw header block the server sent (any bytes: never raises)."""
    headers = BytesHeaderParser().parsebytes(raw)
    name, address = email.utils.parseaddr(str(headers.get("From", "")))
    if "@" not in address:
        address = ""
    sent = None
    try:
        sent = email.utils.parsedate_to_datetime(str(headers.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        sent = None
    if sent is not None and sent.tzinfo is None:
        sent = None  # "-0000": the sender did not know its zone; use the delivery date
    return Message(
        uid, _text(name), address.strip().lower(), _text(headers.get("Subject")), sent, received
    )


@dataclass(frozen=True)
class Watch:
    """Whose mail counts as an answer for one interview, and from when."""

    interview: Interview
    addresses: frozenset[str]
    domains: frozenset[str]
    after: datetime  # aware: messages sent at or before this do not count
    zone: ZoneInfo

    def search_from(self) -> list[str]:
        """What IMAP's FROM is asked for (a substring match, checked here after)."""
        return sorted(self.addresses) + [f"@{domain}" for domain in sorted(self.domains)]

    @property
    def search_since(self) -> date:
        """The day SENTSINCE starts from: a day early, as it compares dates in the
        sender's zone, not ours; ``matches`` then decides to the minute."""
        return self.after.astimezone(self.zone).date() - timedelta(days=1)

    def matches(self, message: Message) -> bool:
        if not message.sender or message.when is None or message.when <= self.after:
            return False
        return message.sender in self.addresses or message.domain in self.domains


def _company_domains(interview: Interview, mine: str) -> frozenset[str]:
    domains = set()
    for person in (*interview.people(), *interview.network):
        domain = person.email.rpartition("@")[2].lower()
        if domain and domain not in PERSONAL_MAIL_DOMAINS and domain != mine:
            domains.add(domain)
    return frozenset(domains)


def is_open(interview: Interview) -> bool:
    """Still waiting to hear: no outcome, and no reply that ended the inquiries (a reply
    that gave a new decision date leaves them waiting again)."""
    if interview.outcome is not None:
        return False
    return interview.reply_ending_chain is None


def watches(search: SearchFile, since: date | None = None) -> list[Watch]:
    """One Watch per open interview that has someone to hear from."""
    zone = search.me.timezone
    mine = search.me.email.lower()
    result = []
    for interview in search.interviews:
        if not is_open(interview):
            continue
        addresses = frozenset(
            p.email.lower()
            for p in (*interview.people(), *interview.network)
            if p.email and p.email.lower() != mine
        )
        domains = _company_domains(interview, mine.rpartition("@")[2])
        if not addresses and not domains:
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
        result.append(Watch(interview, addresses, domains, after, zone))
    return result


@dataclass(frozen=True)
class Proposal:
    """``reply ID --on DATE`` for one interview, with the messages that show it."""

    interview: Interview
    on: date
    messages: tuple[Message, ...]

    @property
    def command(self) -> str:
        return f"followup-cal reply {self.interview.id} --on {self.on.isoformat()}"


def propose(found: Iterable[tuple[Watch, Sequence[Message]]], today: date) -> list[Proposal]:
    """For each watch, the messages that really match, and the reply they mean: on the
    day the first of them was sent, in the user's zone (never after today)."""
    proposals = []
    for watch, messages in found:
        mine = sorted(
            {m.uid: m for m in messages if watch.matches(m)}.values(),
            key=lambda m: (m.when, m.uid),
        )
        if not mine:
            continue
        first = mine[0].when
        assert first is not None  # matches() keeps only dated messages
        on = min(first.astimezone(watch.zone).date(), today)
        proposals.append(Proposal(watch.interview, on, tuple(mine)))
    return proposals

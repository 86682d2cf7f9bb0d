"""What inbox knows of one message (a few header fields and the names of its parts,
never its text), and which messages are no one answering: automatic replies, bulk and
list mail, delivery reports and read receipts. Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import quopri
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as EmailMessage
from email.parser import HeaderParser

from followup_cal.columns import cells, one_line

# The fields the bulk-mail services put on what they send, and whose they are (as their
# mail shows them: Amazon SES's Feedback-ID ends ':AmazonSES', Mailchimp's ':mc'). They
# send people's mail too (a Greenhouse or Lever message, a person's own mail relayed by
# SendGrid), so such a mark is not "no person wrote": matching.py lets it count only as
# one of the interview's people or in the user's own thread, never by domain alone.
SENDING_SERVICES = {
    "X-SES-OUTGOING": "Amazon SES", "X-SG-EID": "SendGrid", "X-MAILGUN-SID": "Mailgun",
    "X-MC-USER": "Mailchimp", "X-MANDRILL-USER": "Mailchimp Transactional",
    "X-CAMPAIGN": "a campaign tool", "X-CSA-COMPLAINTS": "a certified bulk sender",
    "X-MSFBL": "SparkPost", "X-SFMC-STACK": "Salesforce Marketing Cloud",
    "X-PM-MESSAGE-ID": "Postmark", "FEEDBACK-ID": "a bulk sender (Feedback-ID)",
}  # fmt: skip

# All the adapter fetches of a message (BODY.PEEK[HEADER.FIELDS (...)]): who wrote and to
# whom, which mail it answers, and the fields that mark mail no person wrote.
HEADER_FIELDS = (
    "FROM", "SENDER", "REPLY-TO", "TO", "CC", "DATE", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO",
    "REFERENCES", "AUTO-SUBMITTED", "X-AUTOREPLY", "X-AUTORESPOND", "PRECEDENCE", "LIST-ID",
    "LIST-UNSUBSCRIBE", "LIST-UNSUBSCRIBE-POST", "CONTENT-TYPE", "X-LINKEDIN-CLASS",
    *SENDING_SERVICES,
)  # fmt: skip

# Local parts that are a machine or a role, never a person writing back.
_MACHINE_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|donotreply|bounces?|"
    r"notifications?|newsletters?|news|marketing|alerts?|jobalerts?)([+._-].*)?$"
)
# Subjects of automatic replies and reports, for senders that set none of the headers
# (RFC 3834 asks them to; many do not): a backup, at the start of the subject only.
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[ -]?(reply|response)|out of (the )?office|"
    r"away from (the )?office|on vacation|abwesenheitsnotiz|automatische antwort|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|"
    r"undeliver(able|ed)|delivery status notification|mail delivery (failed|failure|system)|"
    r"returned mail|delivery failure|read:|read receipt|gelesen:|lu\s?:)",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Message:
    """One message: its headers, never its body."""

    uid: int
    sender_name: str
    sender: str  # the From address, lower case; "" when the From header has none
    subject: str
    sent: datetime | None  # the Date header, aware; None when missing or unreadable
    received: datetime | None = None  # the server's INTERNALDATE: when it arrived
    folder: str = "INBOX"
    reply_to: tuple[str, ...] = ()
    on_behalf: str = ""  # the Sender address, when it differs from From
    recipients: tuple[str, ...] = ()  # To and Cc
    to: tuple[str, ...] = ()  # To alone: whom the user's own mail was written to
    message_id: str = ""
    answers: tuple[str, ...] = ()  # In-Reply-To and References: the ids it follows
    auto_submitted: str = ""
    x_autoreply: str = ""
    precedence: str = ""
    list_id: str = ""
    list_unsubscribe: str = ""
    content_type: str = ""  # the top-level type, lower case ("multipart/report")
    parts: tuple[str, ...] = ()  # each part's type and file name, from BODYSTRUCTURE
    linkedin_class: str = ""  # LinkedIn's kind of mail: INMAIL, MBR-TO-MBR, ...
    list_unsubscribe_post: str = ""  # RFC 8058's one-click unsubscribe
    sent_through: str = ""  # a bulk-mail service whose mark it carries, and the mark

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]

    @property
    def when(self) -> datetime | None:
        """When it arrived: the server's date, which the sender cannot set; the Date
        header (which can say anything, even a day to come) only when there is none."""
        return self.received or self.sent

    def from_line(self) -> str:
        """Who wrote, as a person reads it: the decoded name and the address."""
        if not self.sender:
            return "?"
        return f"{self.sender_name} <{self.sender}>" if self.sender_name else self.sender

    def shown_from(self, limit: int) -> str:
        """``from_line`` in at most ``limit`` cells where it can be: the name is cut,
        never the address (a cut address is no address)."""
        address = one_line(self.sender, MAX_ADDRESS) or "?"
        name = one_line(self.sender_name, MAX_ADDRESS)
        room = limit - cells(address) - 3
        if not name or not self.sender:
            return address
        return f"{one_line(name, room)} <{address}>" if room >= 4 else address

    @property
    def key(self) -> str:
        """The same message in two folders (Gmail's INBOX and All Mail) is one. Its sender
        is part of it: anyone can write a genuine message's Message-ID into a mail of
        their own, which then hid the genuine one (a reschedule, an answer)."""
        if self.message_id:
            return f"{self.message_id}\0{self.sender}"
        return f"{self.folder}\0{self.uid}"


# The longest address SMTP carries (RFC 5321's path, less its brackets).
MAX_ADDRESS = 254
# An RFC 2047 encoded word; and the white space between two of them, which is no text.
_ENCODED_WORD = r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?="
_BETWEEN_WORDS = re.compile(rf"(?<=\?=)\s+(?={_ENCODED_WORD})")


def _word(match: re.Match[str]) -> str:
    charset, kind, data = match.groups()
    charset = charset.partition("*")[0]  # RFC 2231's language tag
    try:
        if kind in "bB":
            raw = base64.b64decode(data + "=" * (-len(data) % 4))
        else:
            raw = quopri.decodestring(data.encode("ascii", "replace"), header=True)
        return raw.decode(charset, errors="replace")
    except (LookupError, ValueError, binascii.Error):
        return match.group(0)  # a charset no one knows: shown as it came


def decoded(value: object) -> str:
    """A header's text with every RFC 2047 word decoded, on one line. Words are decoded
    wherever they stand, inside quotes too (RFC 2047 forbids it there, yet mail
    programs write it): the name is read as the sender's program meant it."""
    if not value:
        return ""
    text = _BETWEEN_WORDS.sub("", str(value))
    return " ".join(re.sub(_ENCODED_WORD, _word, text).split())


def _addresses(headers: EmailMessage, *names: str) -> tuple[str, ...]:
    values = [str(v) for name in names for v in headers.get_all(name, [])]
    found = []
    for _name, address in email.utils.getaddresses(values):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return tuple(found)


def parse_headers(
    uid: int,
    raw: bytes,
    received: datetime | None = None,
    folder: str = "INBOX",
    parts: tuple[str, ...] = (),
) -> Message:
    """A Message from the raw header block the server sent (any bytes: never raises)."""
    try:
        text = raw.decode("utf-8")  # ASCII, or UTF-8 as RFC 6532 allows
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # older programs' 8-bit headers
    headers = HeaderParser().parsestr(text)
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
    if received is not None and received.tzinfo is None:
        received = None
    sender = address.strip().lower()
    if one_line(sender, MAX_ADDRESS) != sender or " " in sender:
        sender = ""  # a control, format or unassigned character: no address (it is shown)
    [on_behalf] = _addresses(headers, "Sender")[:1] or [""]
    ids = _MESSAGE_ID.findall(
        " ".join(str(headers.get(n, "")) for n in ("In-Reply-To", "References"))
    )
    [message_id] = _MESSAGE_ID.findall(str(headers.get("Message-ID", "")))[:1] or [""]
    return Message(
        uid,
        decoded(name),
        sender,
        decoded(headers.get("Subject")),
        sent,
        received,
        folder=folder,
        reply_to=_addresses(headers, "Reply-To"),
        on_behalf=on_behalf if on_behalf != sender else "",
        recipients=_addresses(headers, "To", "Cc"),
        to=_addresses(headers, "To"),
        message_id=message_id,
        answers=tuple(dict.fromkeys(ids)),
        auto_submitted=decoded(headers.get("Auto-Submitted")).lower(),
        x_autoreply=decoded(headers.get("X-Autoreply") or headers.get("X-Autorespond")).lower(),
        precedence=decoded(headers.get("Precedence")).lower(),
        list_id=decoded(headers.get("List-Id")),
        list_unsubscribe=decoded(headers.get("List-Unsubscribe")),
        content_type=decoded(headers.get("Content-Type")).split(";")[0].strip().lower(),
        parts=parts,
        linkedin_class=decoded(headers.get("X-LinkedIn-Class")).upper(),
        list_unsubscribe_post=decoded(headers.get("List-Unsubscribe-Post")),
        sent_through=_service(headers),
    )


def _service(headers: EmailMessage) -> str:
    """'Amazon SES (X-SES-Outgoing)': the first sending service's mark on the message."""
    for field, service in SENDING_SERVICES.items():
        value = headers.get(field)
        if value is not None:
            if field == "FEEDBACK-ID" and str(value).rstrip().lower().endswith(":amazonses"):
                service = "Amazon SES"
            return f"{service} ({field.title()})"
    return ""


def not_from_a_person(message: Message) -> str | None:
    """Why no person wrote this message to the user, or None when one may have: the
    reason is shown to the user (it is why a message from the company was passed over)."""
    local = message.sender.partition("@")[0]
    if message.content_type == "multipart/report":
        return "a delivery report or read receipt (multipart/report)"
    if local in ("mailer-daemon", "postmaster") or not message.sender:
        return f"a mail system's message (from {message.sender or 'no one'})"
    if message.auto_submitted and message.auto_submitted.split(";")[0].strip() != "no":
        return f"sent automatically (Auto-Submitted: {message.auto_submitted})"
    if message.x_autoreply:
        return "an automatic reply (X-Autoreply)"
    if message.precedence in ("auto_reply", "bulk", "list", "junk"):
        return f"bulk or automatic mail (Precedence: {message.precedence})"
    if message.list_id or message.list_unsubscribe or message.list_unsubscribe_post:
        return "mail to a list (List-Id/List-Unsubscribe)"
    if _AUTOMATIC_SUBJECT.match(message.subject):
        return "an automatic reply or report (by its subject)"
    return None


def from_a_machine(address: str) -> bool:
    """no-reply@, notifications@, postmaster@...: an address no person answers from."""
    return bool(_MACHINE_SENDER.match(address.partition("@")[0]))

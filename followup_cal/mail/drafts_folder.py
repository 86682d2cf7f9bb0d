"""Drafts waiting in the mail app: each due step's draft put into the user's Drafts
folder with IMAP APPEND and the \\Draft flag, the one place followup-cal writes to a
mailbox. Nothing is ever sent, and no other folder is opened but read-only.

Each draft carries a Message-ID made from its step (sent.draft_message_id), so a later
run finds it there and leaves it alone, and the Sent folder knows the step when the
mail app sends it as it is. It also carries, in X-Followup-Cal-Hash, a hash of what was
written (To, Subject, text): when the plan drops the step, the draft is deleted only if
what it holds still has that hash, so a draft the user changed is never lost. What was
written is known from the draft itself, never from a file kept here.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.policy import default as default_policy
from typing import Any

from followup_cal.mail.folders import folders_of, special
from followup_cal.mail.imap import Mailbox
from followup_cal.mail.message import Message
from followup_cal.mail.sent import MAIL_STEPS, draft_message_id
from followup_cal.plan.drafts import Draft
from followup_cal.plan.followups import PlannedFollowup, Step
from followup_cal.plan.uids import UID_DOMAIN

HASH_HEADER = "X-Followup-Cal-Hash"
OUR_ID = re.compile(rf"^<followup-cal\.(?P<search>[^.]+)\.(?P<step>[^@>]+)@{UID_DOMAIN}>$")
# The steps that answer the last message exchanged with the person (In-Reply-To it): an
# inquiry follows the thank-you or their last word, a rejection reply their rejection.
THREADED = frozenset({Step.FOLLOW_UP, Step.REJECTION_REPLY})
# The drafts of one folder whose Message-ID is read: the latest, a folder of drafts is
# small, and a huge one is not read whole.
DRAFTS_READ = 5000


def drafts_folder(listed: Iterable[tuple[Sequence[Any], Any, Any]]) -> str | None:
    """The folder the server marks \\Drafts, else one of the usual names, else None."""
    return special(folders_of(listed), "\\Drafts")


def content_hash(to: str, subject: str, text: str) -> str:
    """What was written, as a mail app keeps it: the To address, the subject and the
    text with line ends and trailing spaces as they come."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    canonical = "\n".join([to.strip().lower(), " ".join(subject.split()), *lines])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class NewDraft:
    """One step's draft, as it is appended."""

    item: PlannedFollowup
    message_id: str
    to: str
    subject: str
    in_reply_to: str
    raw: bytes
    gaps: tuple[str, ...]

    def shown(self) -> list[str]:
        """What --dry-run prints of it: the headers that matter, then the text."""
        message = BytesParser(policy=default_policy).parsebytes(self.raw)
        heads = ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References")
        lines = [f"{h}: {message[h]}" for h in heads if message[h]]
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        return [*lines, "", *text.rstrip("\n").split("\n")]


def thread_of(item: PlannedFollowup, exchanged: Iterable[Message]) -> Message | None:
    """The last message between the user and the step's person that an inquiry or a
    rejection reply answers; None for the others, which start a thread of their own."""
    if item.step not in THREADED or item.recipient is None:
        return None
    email = item.recipient.email.lower()
    with_them = [
        m
        for m in exchanged
        if m.message_id and m.when and (m.sender == email or email in m.recipients)
    ]
    return max(with_them, key=lambda m: (m.when, m.uid), default=None)


def compose(
    item: PlannedFollowup, draft: Draft, search_id: str, thread: Message | None, day: date
) -> NewDraft:
    """The draft of ``item`` as a message a mail app opens as a draft: To, Subject,
    In-Reply-To and References (the last message of the thread), our Message-ID, the
    hash of what is written, and the text with its gaps marked as [[...]]."""
    assert draft.recipient is not None
    message = EmailMessage()
    sender = draft.sender
    message["From"] = email.utils.formataddr((sender.name, sender.email))
    to = draft.recipient.email
    message["To"] = email.utils.formataddr((draft.recipient.name, to))
    message["Subject"] = draft.subject
    stamp = datetime.combine(day, time(9), sender.timezone)  # the day it was written
    message["Date"] = email.utils.format_datetime(stamp)
    message_id = draft_message_id(item, search_id)
    message["Message-ID"] = message_id
    in_reply_to = thread.message_id if thread else ""
    if thread:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*thread.answers[-10:], in_reply_to])
    message[HASH_HEADER] = content_hash(to, draft.subject, draft.body)
    message.set_content(draft.body)
    raw = message.as_bytes(policy=SMTP)
    return NewDraft(item, message_id, to, draft.subject, in_reply_to, raw, tuple(draft.gaps))


def unchanged(raw: bytes) -> bool:
    """Whether a draft holds what followup-cal wrote: its hash header matches its To,
    Subject and text (a mail app that saved it again without our header: changed)."""
    message = BytesParser(policy=default_policy).parsebytes(raw)
    written = str(message.get(HASH_HEADER, "")).strip()
    if not written:
        return False
    to = [a for _n, a in email.utils.getaddresses([str(message.get("To", ""))]) if a]
    body = message.get_body(("plain",))
    if len(to) != 1 or body is None or message.is_multipart():
        return False
    try:
        text = body.get_content()
    except (LookupError, ValueError):
        return False
    return content_hash(to[0], str(message.get("Subject", "")), text) == written


def wanted_steps(items: Iterable[PlannedFollowup], sent: Iterable[str]) -> list[PlannedFollowup]:
    """The steps due (overdue or today), not done, to be mailed to someone with an
    address, and not found in the Sent folder already."""
    found = set(sent)
    return [
        i
        for i in items
        if i.status in ("past", "today")
        and i.step in MAIL_STEPS
        and not (i.done or i.by_phone or i.by_letter)
        and i.recipient is not None
        and i.recipient.email
        and i.uid not in found
    ]


@dataclass
class DraftsReport:
    folder: str | None  # None: the server has no Drafts folder
    dry_run: bool
    written: list[NewDraft] = field(default_factory=list)
    there: list[NewDraft] = field(default_factory=list)  # found by Message-ID: left alone
    deleted: list[str] = field(default_factory=list)  # the steps the plan dropped
    kept: list[str] = field(default_factory=list)  # dropped, but changed by the user
    no_uidplus: bool = False  # drafts to delete, and no UID EXPUNGE to delete only them


def put_drafts(
    mailbox: Mailbox,
    wanted: Sequence[NewDraft],
    planned: set[str],
    search_id: str,
    dry_run: bool,
) -> DraftsReport:
    """Put each of ``wanted`` into Drafts unless a draft with its Message-ID is there;
    delete this file's drafts whose step is no longer planned (``planned``: the steps
    not done, by the part of their UID before '@') if unchanged. With ``dry_run`` the
    folder is only examined."""
    folder = special(mailbox.folders(), "\\Drafts")
    report = DraftsReport(folder, dry_run)
    if folder is None:
        return report
    if dry_run:
        mailbox.examine(folder)
    else:
        # The one folder opened to write (SELECT): every other is EXAMINEd.
        mailbox.requests += 1
        mailbox.call(mailbox.client.select_folder, folder, False)
        mailbox.folder = folder
    ours = _our_drafts(mailbox)
    for draft in wanted:
        if draft.message_id in ours:
            report.there.append(draft)
            continue
        report.written.append(draft)
        if not dry_run:
            mailbox.requests += 1
            mailbox.call(mailbox.client.append, folder, draft.raw, [b"\\Draft"])
    dropped = {
        uid: match["step"]
        for message_id, uid in ours.items()
        if (match := OUR_ID.match(message_id))
        and match["search"] == search_id
        and match["step"] not in planned
    }
    if dropped:
        _delete_unchanged(mailbox, dropped, report)
    return report


def _our_drafts(mailbox: Mailbox) -> dict[str, int]:
    """Message-ID -> UID of the drafts followup-cal wrote (any file's) in the open folder."""
    mailbox.requests += 1
    uids = sorted(mailbox.call(mailbox.client.search, ["ALL"]))[-DRAFTS_READ:]
    if not uids:
        return {}
    mailbox.requests += 1
    answer = mailbox.call(mailbox.client.fetch, uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    found = {}
    for uid, data in answer.items():
        block = next((v for k, v in data.items() if k.upper().startswith(b"BODY[")), b"")
        ids = re.findall(rb"<[^<>\s]+>", block or b"")
        if ids and OUR_ID.match(ids[0].decode("ascii", "replace")):
            found[ids[0].decode("ascii")] = uid
    return found


def _delete_unchanged(mailbox: Mailbox, dropped: dict[int, str], report: DraftsReport) -> None:
    mailbox.requests += 1
    whole = mailbox.call(mailbox.client.fetch, sorted(dropped), ["BODY.PEEK[]"])
    gone = []
    for uid, step in sorted(dropped.items()):
        raw = next((v for k, v in whole.get(uid, {}).items() if k.upper() == b"BODY[]"), b"")
        if unchanged(raw):
            gone.append(uid)
            report.deleted.append(step)
        else:
            report.kept.append(step)
    if not gone or report.dry_run:
        return
    if not mailbox.client.has_capability("UIDPLUS"):
        # A plain EXPUNGE would also remove what the user marked deleted themselves.
        report.no_uidplus = True
        report.kept += report.deleted
        report.deleted = []
        return
    mailbox.requests += 2
    mailbox.call(mailbox.client.add_flags, gone, [b"\\Deleted"])
    mailbox.call(mailbox.client.uid_expunge, gone)

"""`followup-cal inbox`: ask the mailbox, one SEARCH per open interview and folder, then
one FETCH of the headers of whatever they found; the Sent folder for the steps the user
sent (sent.py decides which); and the small "last inbox run" marker the agenda reads: when
the inbox was last looked at, and which steps it found sent but not recorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup_cal.atomic import write_atomic
from followup_cal.columns import one_line
from followup_cal.mail.folders import answer_folders
from followup_cal.mail.imap import Account, Mailbox, open_mailbox
from followup_cal.mail.invitation import Invitation, InvitationMail, parts_carry_invitation
from followup_cal.mail.matching import Proposal, examine, watches, why_not
from followup_cal.mail.message import Message
from followup_cal.mail.sent import SentStep, find_sent, search_terms
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_day
from followup_cal.plan.model import SearchFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from followup_cal.mail.drafts_folder import DraftsReport

    WriteDrafts = Callable[[Mailbox, Sequence[SentStep], list[Message]], DraftsReport]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxResult:
    proposals: list[Proposal]
    invitations: list[Invitation]
    interviews_searched: int
    messages_read: int
    requests: int  # requests sent after login (LIST, EXAMINE, SEARCH, FETCH)
    sent_folder: str | None  # where the user's own mail was read; None: not found
    # Invitations whoever sent them, since ``INVITATIONS_SINCE`` days or --since.
    invitation_mail: tuple[InvitationMail, ...] = ()
    # The planned steps the Sent folder shows sent, not yet recorded as done.
    sent_steps: tuple[SentStep, ...] = ()
    drafts: DraftsReport | None = None  # what --put-drafts wrote, or would write
    # The folders read for answers: those named, else every one that can hold an answer.
    folders: tuple[str, ...] = ()


def find_replies(
    search: SearchFile,
    account: Account,
    folders: Sequence[str],
    since: date | None,
    today: date,
    warn: Any,
    sent: str | None = None,
    items: Sequence[PlannedFollowup] = (),
    search_id: str = "",
    drafts: WriteDrafts | None = None,
) -> InboxResult:
    """Read the user's sent mail to each company (for the threads an answer follows,
    and the planned ``items`` it shows sent), then search each folder (``folders``, or
    when none is named every one that can hold an answer: folders.py): one SEARCH per
    interview and one FETCH of the headers of what they found, per folder not empty."""
    watching = watches(search, since)  # none waiting: invitations are still looked for
    read = 0
    invitations: dict[str, InvitationMail] = {}
    sent_steps: list[SentStep] = []
    exchanged: list[Message] = []  # the mail between the user and the companies read
    drafts_report = None
    with open_mailbox(account, warn) as mailbox:
        sent = sent or mailbox.sent_folder()
        if not folders:
            folders = _every_folder(mailbox, sent)
        if sent:
            mailbox.examine(sent)
            found = {w.interview.id: mailbox.search(w.sent_terms(), w.sent_since) for w in watching}
            # The steps of an interview no longer waiting (a rejection's reply and
            # check-ins) need a search of their own; a waiting one's finds them already.
            for ident, (terms, day) in search_terms(items).items():
                if ident not in found:
                    found[ident] = mailbox.search(terms, day)
            mine = {m.uid: m for m in mailbox.headers(_all(found), structure=False)}
            read += len(mine)
            watching = [w.with_sent(mine[u] for u in found[w.interview.id]) for w in watching]
            sent_steps = find_sent(items, mine.values(), search.me.timezone, today, search_id)
            exchanged += mine.values()
        pairs: dict[str, list[Message]] = {w.interview.id: [] for w in watching}
        for folder in folders:
            if not mailbox.examine(folder):
                continue  # empty: nothing to search
            found = {
                w.interview.id: mailbox.search(w.search_terms(), w.search_since, w.sender_terms())
                for w in watching
            }
            messages = {m.uid: m for m in mailbox.headers(_all(found))}
            read += len(messages)
            for ident, uids in found.items():
                pairs[ident] += [messages[u] for u in uids if u in messages]
            for mail in invitation_mail(mailbox, since or today - INVITATIONS_SINCE, invitations):
                invitations.setdefault(mail.message.key, mail)
        findings = examine([(w, pairs[w.interview.id]) for w in watching], today)
        texts = read_texts(mailbox, findings.proposals)
        if drafts is not None:
            exchanged += [m for found_here in pairs.values() for m in found_here]
            drafts_report = drafts(mailbox, sent_steps, exchanged)
        requests = mailbox.requests
    proposals = [with_reading(p, texts, search) for p in findings.proposals]
    for watch in watching:
        for message in pairs[watch.interview.id]:
            if watch.evidence(message) is None:
                log.info(
                    "passed over in %s: %s: %s",
                    message.folder,
                    message.shown_from(100),
                    why_not(watch, message),
                )
    return InboxResult(
        proposals,
        findings.invitations,
        len(watching),
        read + len(invitations),
        requests,
        sent,
        tuple(invitations.values()),
        tuple(sent_steps),
        drafts_report,
        tuple(folders),
    )


def read_mailbox(
    search: SearchFile,
    account: Account,
    folders: Sequence[str],
    since: date | None,
    today: date,
    warn: Any,
    sent: str | None = None,
    put: str = "",
) -> InboxResult:
    """What ``inbox`` reads: the answers, the invitations, and the planned steps of the
    whole file that the Sent folder shows sent; with ``put`` ("write" or "dry-run"),
    then each due step's draft put into Drafts (drafts_folder.py)."""
    from followup_cal import service

    items = service.plan(search, today)  # the done steps too: each keeps its own mail
    ident = search_id(search)

    def write(mailbox: Mailbox, found: Sequence[SentStep], exchanged: list[Message]) -> Any:
        from followup_cal.mail import drafts_folder as drafts

        render = service.drafter(search, sending_on=today)
        wanted = [
            drafts.compose(i, render(i).draft, ident, drafts.thread_of(i, exchanged), today)
            for i in drafts.wanted_steps(items, (s.item.uid for s in found))
        ]
        planned = {i.uid.rpartition("@")[0] for i in items if not i.done}
        return drafts.put_drafts(mailbox, wanted, planned, ident, put == "dry-run")

    return find_replies(
        search, account, folders, since, today, warn, sent, items, ident, write if put else None
    )


def search_id(search: SearchFile) -> str:
    """The file's sync_id, or the one sync would choose for it: what tells this file's
    drafts from another's."""
    from followup_cal.sync.identity import derived_search_id

    return search.sync_id or derived_search_id(search)


def record_sent(path: str, found: Sequence[SentStep], today: date) -> list[SentStep]:
    """Record each of ``found`` as done on the day it was sent, in one write, as the
    file is when locked (a step recorded a moment ago by another run is left out)."""
    from followup_cal import service
    from followup_cal.journal.record import StepFactEntry, record_step_facts

    wanted = {s.item.uid: s for s in found}
    recorded: list[SentStep] = []

    def choose(now: SearchFile) -> list[StepFactEntry]:
        recorded.clear()
        for item in service.plan(now, today):
            if item.uid in wanted and not item.done:
                recorded.append(wanted[item.uid])
        return [StepFactEntry("done", s.item, s.on) for s in recorded]

    if wanted:
        record_step_facts(path, choose)
    return recorded


# How far back invitations are looked for without --since: a reschedule or a new
# company's invitation since the last weeks' runs.
INVITATIONS_SINCE = timedelta(days=14)
# The messages of one folder whose structure is read for invitations, the latest first.
STRUCTURES_READ = 2000
# Of those, the messages with an invitation read whole: a fortnight brings a few.
INVITATIONS_READ = 50


# The answers of one interview whose text is read: the first ones (the day proposed).
TEXTS_READ = 5


def read_texts(mailbox: Mailbox, proposals: Sequence[Proposal]) -> dict[str, str]:
    """The writer's own text of each proposal's first answers, by message key: one
    FETCH of the start of each message (BODY.PEEK[]<0.N>: it stays unread) per folder."""
    from followup_cal.mail.body import MAX_BYTES, answer_text

    by_folder: dict[str, dict[int, Message]] = {}
    for proposal in proposals:
        for message in proposal.messages[:TEXTS_READ]:
            by_folder.setdefault(message.folder, {})[message.uid] = message
    texts: dict[str, str] = {}
    for folder, messages in sorted(by_folder.items()):
        mailbox.examine(folder)
        for uid, raw in mailbox.starts(sorted(messages), MAX_BYTES).items():
            if uid in messages:
                texts[messages[uid].key] = answer_text(raw)
    return texts


def with_reading(proposal: Proposal, texts: dict[str, str], search: SearchFile) -> Proposal:
    """The proposal with what its answers say: the dates they gave, an outcome."""
    from followup_cal.loader.business_calendar import calendar_for
    from followup_cal.mail.wrote import combine, read
    from followup_cal.plan.seasons import holiday_period

    zone = search.me.timezone
    cal = calendar_for(search.me)

    def holidays_end(after: date) -> date | None:
        period = holiday_period(cal, search.me.country, after)
        return period[1] if period else None

    readings = [
        read(texts[m.key], m.when.astimezone(zone).date(), holidays_end)
        for m in proposal.messages[:TEXTS_READ]
        if m.key in texts and m.when is not None
    ]
    return replace(proposal, reading=combine(readings)) if readings else proposal


def invitation_mail(
    mailbox: Mailbox, since: date, read: Container[str] = ()
) -> list[InvitationMail]:
    """The messages of the open folder received since that day that carry an invitation
    (by their BODYSTRUCTURE), each read whole with BODY.PEEK[] (it stays unread): the
    latest ``INVITATIONS_READ``, and of each no more than the largest mail taken; one
    ``read`` already (by its Message-ID, in another folder) is not read again."""
    from followup_cal.invites.reading import MAX_MAIL_BYTES

    parts = mailbox.structures(since, STRUCTURES_READ)
    uids = sorted(uid for uid, names in parts.items() if parts_carry_invitation(names))
    if len(uids) > INVITATIONS_READ:
        mailbox.warn(
            f"note: {len(uids)} messages with an invitation in {one_line(mailbox.folder)}; "
            f"the latest {INVITATIONS_READ} are read (give --since a later day for the others)"
        )
        uids = uids[-INVITATIONS_READ:]
    return [
        InvitationMail(message, mailbox.whole(message.uid, MAX_MAIL_BYTES))
        for message in mailbox.headers(uids, structure=False)
        if message.key not in read
    ]


def _every_folder(mailbox: Mailbox, sent: str | None) -> list[str]:
    """Every folder that can hold an answer (folders.py), each left out said with -v."""
    choice = answer_folders(mailbox.folders(), sent)
    for name, why in choice.left_out:
        log.info("not read for answers: %s (%s)", one_line(name, 100), why)
    return list(choice.read)


def _all(found: dict[str, list[int]]) -> list[int]:
    return sorted({u for uids in found.values() for u in uids})


# -- the marker ---------------------------------------------------------------------------


def marker_path_for(yaml_path: str) -> Path:
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-inbox.json")


def last_run(yaml_path: str) -> date | None:
    """The day `inbox` last read the mailbox for this file; None if never (or unreadable:
    the marker only drives a reminder, so a broken one means "remind")."""
    try:
        data = json.loads(marker_path_for(yaml_path).read_text("utf-8"))
        return date.fromisoformat(data["last_run"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_run(yaml_path: str, today: date, sent: Sequence[SentStep] = ()) -> None:
    """The day the mailbox was read, and the steps found sent and not recorded (what
    the agenda, which never reads the mailbox, then shows as sent, not as overdue)."""
    found = {s.item.uid: {"on": s.on.isoformat(), "why": s.why} for s in sent}
    text = json.dumps({"last_run": today.isoformat(), "sent": found}, ensure_ascii=False) + "\n"
    write_atomic(marker_path_for(yaml_path), text.encode("utf-8"))


def found_sent(yaml_path: str) -> dict[str, date]:
    """Step UID -> the day the last inbox run found it in the Sent folder, not recorded
    as done (empty when the marker says nothing, or nothing readable)."""
    try:
        data = json.loads(marker_path_for(yaml_path).read_text("utf-8"))
        return {uid: date.fromisoformat(v["on"]) for uid, v in data.get("sent", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def inbox_is_stale(last: date | None, today: date) -> bool:
    """More than a day since the inbox was read (or never)."""
    return last is None or today - last > timedelta(days=1)


def stale_inbox_note(
    yaml_path: str,
    search: SearchFile,
    due: Sequence[PlannedFollowup],
    today: date,
    url_elsewhere: str,
) -> str | None:
    """The agenda's reminder: an inquiry is due (overdue or today) while the mailbox,
    where an account is set up (in the file, or ``url_elsewhere``: the environment or
    config.toml), has not been read for more than a day."""
    configured = bool(url_elsewhere or (search.imap and search.imap.url))
    inquiries = [i for i in due if i.step is Step.FOLLOW_UP]
    last = last_run(yaml_path) if configured and inquiries else today
    if not inbox_is_stale(last, today):
        return None
    first = inquiries[0]
    read = f"was last read on {fmt_day(last)}" if last else "has not been read by 'inbox' yet"
    return (
        f"note: {first.label} to {first.interview.company} is due and your inbox {read}; "
        f"they may have answered: run 'followup-cal inbox {yaml_path}' first"
    )

"""`followup-cal inbox`: ask the mailbox, one SEARCH per open interview, then one FETCH
of the headers of whatever they found; and the small "last inbox run" marker the agenda
reads to remind the user when the inbox has not been looked at for a while.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from followup_cal.atomic import write_atomic
from followup_cal.mail.imap import Account, open_folder
from followup_cal.mail.matching import Proposal, propose, watches
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_day
from followup_cal.plan.model import SearchFile


@dataclass(frozen=True)
class InboxResult:
    proposals: list[Proposal]
    interviews_searched: int
    messages_read: int
    requests: int  # SEARCH and FETCH commands sent after the folder was opened


def find_replies(
    search: SearchFile,
    account: Account,
    folder: str,
    since: date | None,
    today: date,
    warn: Any,
) -> InboxResult:
    watching = watches(search, since)
    if not watching:
        return InboxResult([], 0, 0, 0)
    with open_folder(account, folder, warn) as mailbox:
        found = {w.interview.id: mailbox.search(w.search_from(), w.search_since) for w in watching}
        messages = {m.uid: m for m in mailbox.headers([u for uids in found.values() for u in uids])}
        requests = mailbox.requests
    pairs = [(w, [messages[u] for u in found[w.interview.id] if u in messages]) for w in watching]
    return InboxResult(propose(pairs, today), len(watching), len(messages), requests)


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


def save_run(yaml_path: str, today: date) -> None:
    text = json.dumps({"last_run": today.isoformat()}) + "\n"
    write_atomic(marker_path_for(yaml_path), text.encode("utf-8"))


def inbox_is_stale(last: date | None, today: date) -> bool:
    """More than a day since the inbox was read (or never)."""
    return last is None or today - last > timedelta(days=1)


def stale_inbox_note(
    yaml_path: str,
    search: SearchFile,
    due: Sequence[PlannedFollowup],
    today: date,
    url_from_env: str,
) -> str | None:
    """The agenda's reminder: an inquiry is due (overdue or today) while the mailbox,
    where an account is set up, has not been read for more than a day."""
    configured = bool(url_from_env or (search.imap and search.imap.url))
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

"""Calendar -> journal inside a sync: what the user did to followup-cal's own events.

The server's copies say what changed since sync wrote them (``edits``, per event). A
deletion is an event of this file that is gone: one whose ETag the cache remembers, or,
when the cache does not know it, one the server's record names (``ledger``). ``pull``
turns the changes into facts; they are written into the YAML the way the journal
commands write; the writes are then planned again from the updated file,
and for exactly those events the file's version goes back to the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from followup_cal import service
from followup_cal.errors import FollowupCalError, InvalidInput
from followup_cal.journal.record import (
    WHOLE_FILE,
    FileText,
    StepFactEntry,
    edited_text,
    record_step_facts,
    step_facts_edit,
)
from followup_cal.loader import parse
from followup_cal.plan.model import SearchFile
from followup_cal.sync import ledger
from followup_cal.sync.algorithm import stripped
from followup_cal.sync.caldav_remote import event_href
from followup_cal.sync.edits import TICKED_PROPERTY, compare, component_of
from followup_cal.sync.pull import CalendarChange, CalendarFact, Pulled, pull
from followup_cal.sync.run import PreparedSync

# Fields whose change in the file makes a change of the same step in the calendar a
# conflict (the file rescheduled it, or recorded it done).
SCHEDULE = {"start", "end", "status", "completed"}


def _value(component: Any, name: str) -> datetime | date | None:
    try:
        value = component.decoded(name) if name in component else None
    except (ValueError, TypeError, KeyError):
        return None
    return value if isinstance(value, date) else None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _moved_due(component: Any, fields: Sequence[str]) -> datetime | date | None:
    """A task's new DUE when that is what the user moved: its start did not move with
    it (Thunderbird), or became a date (Outlook's tasks carry dates only)."""
    if component.name != "VTODO" or "end" not in fields:
        return None
    due, start = _value(component, "DUE"), _value(component, "DTSTART")
    timed = isinstance(due, datetime) and isinstance(start, datetime)
    return None if "start" in fields and timed else due


def deleted_by_user(prepared: PreparedSync) -> set[str]:
    """Planned events that are gone and that the cache does not know, which the
    server's record names as having been there: the user deleted them. Read only
    when there are such events (one PROPFIND, and one multiget of those it names); a
    missing or unreadable record names none, and they are created again."""
    absent = {d.uid for d in prepared.desired} - set(prepared.plan.owned)
    unknown = absent - set(prepared.remembered)
    if not unknown or prepared.created or not prepared.search_id:
        return set()
    transport, url = prepared.remote.transport, prepared.calendar_url
    recorded = ledger.read(transport, url, prepared.search_id)
    if recorded is None:
        return set()
    gone = {uid for uid in unknown if ledger.digest(uid) in recorded}
    # Asked for where sync put them, as a cached event the query left out is: a server
    # may answer a query only within a window of dates (Open-Xchange).
    paths = sorted(urlsplit(event_href(url, uid)).path for uid in gone)
    try:
        found = prepared.remote.fetch(url, paths)
    except FollowupCalError:
        return set()  # unsure: created again
    return gone - {event.uid for event in found}


def calendar_changes(prepared: PreparedSync) -> list[CalendarChange]:
    """Each of this file's events the user changed or deleted, with its values now."""
    wanted = {d.uid: d for d in prepared.desired}
    changes = []
    for uid, edit in prepared.plan.edits.items():
        remote = prepared.plan.owned[uid]
        component = component_of(remote.data, uid)
        start = completed = due = ticked = None
        if component is not None:
            start = _value(component, "DTSTART") or _value(component, "DUE")
            completed = _value(component, "COMPLETED")
            due = _moved_due(component, edit.fields)
            ticked = _day(str(component.get(TICKED_PROPERTY, "")))
        want = wanted.get(uid)
        file_changed = unmarked = False
        if stripped(remote):
            unmarked = True  # rebuilt without our marks: what the file changed is not known
        elif want is not None and remote.pushed and want.pushed:
            ours = compare(uid, remote.pushed, want.pushed)  # what the file changed since
            file_changed = ours is not None and bool(SCHEDULE & set(ours.fields))
        elif want is not None:
            file_changed = want.content_hash != remote.content_hash
        changes.append(
            CalendarChange(uid, edit.kinds, start, completed, file_changed, due, ticked, unmarked)
        )
    for uid in sorted(set(prepared.remembered) - set(prepared.plan.owned) | prepared.vanished):
        changes.append(CalendarChange(uid, ("deleted",)))
    return changes


def _refused(search: SearchFile, text: str, facts: Sequence[CalendarFact]) -> dict[str, str]:
    """{uid: why} for each fact that, written alone into the file, would make it invalid
    (the same check the journal makes before it writes). All of them are checked together
    first: one parse of the file, and one per fact only when some fact is refused."""

    def problems(chosen: Sequence[CalendarFact], where: str) -> str:
        edit = step_facts_edit(lambda _s: _entries(chosen))
        try:
            keep = None if where == WHOLE_FILE else where
            parse(search.path, edited_text(search, text, edit, where), keep)
        except InvalidInput as exc:
            return "; ".join(p.message for p in exc.problems)
        return ""

    if not problems(facts, WHOLE_FILE):
        return {}
    found = {f.item.uid: problems([f], f.item.interview.id) for f in facts}
    return {uid: why for uid, why in found.items() if why}


def _leave_out(pulled: Pulled, refused: dict[str, str]) -> None:
    for fact in [f for f in pulled.facts if f.item.uid in refused]:
        pulled.facts.remove(fact)
        pulled.settled.discard(fact.item.uid)
        pulled.agreed.pop(fact.item.uid, None)
        pulled.refused.append(
            f"not recorded: {fact.describe()}: {refused[fact.item.uid]}; "
            "the event is left as it is in your calendar"
        )


def _entries(facts: Sequence[CalendarFact]) -> list[StepFactEntry]:
    return [StepFactEntry(f.kind, f.item, f.on, f.at) for f in facts]


def pull_into_file(
    path: str,
    search: SearchFile,
    text: str | None,
    prepared: PreparedSync,
    today: date,
    *,
    force: bool = False,
) -> tuple[Pulled, SearchFile]:
    """What the calendar says, and the file with it recorded: written to ``path``, or,
    given the file's ``text`` (a dry run), only worked out in memory."""
    prepared.vanished |= deleted_by_user(prepared)
    changes = calendar_changes(prepared)
    zone = search.me.timezone
    pulled = pull(service.plan(search, today), changes, zone, today, force=force)
    if not pulled.facts:
        return pulled, search
    own_text = text if text is not None else FileText.of(path, Path(path).read_bytes()).text
    refused = _refused(search, own_text, pulled.facts)
    if refused:
        # One fact the file does not allow never blocks the rest, nor the push: it is
        # reported with its reason and left out, and its event is left as the user has it.
        _leave_out(pulled, refused)
        changes = [c for c in changes if c.uid not in refused]
        if not pulled.facts:
            return pulled, search
    if text is not None:
        edit = step_facts_edit(lambda _s: _entries(pulled.facts))
        return pulled, parse(path, edited_text(search, text, edit, WHOLE_FILE))

    def choose(locked: SearchFile) -> list[StepFactEntry]:
        # Decided again from the file as locked: a fact another run recorded a moment
        # ago is not written twice.
        return _entries(pull(service.plan(locked, today), changes, zone, today, force=force).facts)

    return pulled, record_step_facts(path, choose)

"""One sync: plan, read the calendar, decide, write. Knows nothing of the CLI."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urljoin

from followup_cal import service
from followup_cal.calendar.ics import (
    EVENTS,
    PRODID,
    FeedStyle,
    FollowupEvent,
    RevisedEvent,
    revise_event,
    summary,
)
from followup_cal.columns import one_line
from followup_cal.errors import (
    CalendarNotFound,
    FollowupCalError,
    ServerBusy,
    ServerError,
    SyncRefused,
)
from followup_cal.journal.state import ExportState
from followup_cal.origins import origin, same_origin, shown
from followup_cal.plan.model import SearchFile
from followup_cal.sync import ledger
from followup_cal.sync.algorithm import Desired, Remote, SyncPlan, Write, plan_sync
from followup_cal.sync.cache import SyncStatus
from followup_cal.sync.caldav_remote import CalDAVRemote, WriteResult, canonical
from followup_cal.sync.edits import (
    HASH_PROPERTY,
    PUSHED_PROPERTY,
    SEARCH_PROPERTY,
    decode_fingerprint,
    planned_fingerprint,
)
from followup_cal.sync.identity import free_search_id
from followup_cal.sync.merge import with_their_copies
from followup_cal.sync.reading import Reading, read_owned
from followup_cal.sync.report import SyncReport
from followup_cal.sync.target import SyncTarget
from followup_cal.sync.transport import redact
from followup_cal.sync.writes import discard_calendar, write_again, write_one

ELSEWHERE = WriteResult(False, None, 0)  # listed on another origin: nothing was sent
DEFAULT_CALENDAR = "Follow-ups"
DEFAULT_TASK_LIST = "Follow-up tasks"  # a calendar holds a UID once: tasks live apart


def desired_events(
    events: list[FollowupEvent],
    state: ExportState,
    today: date,
    style: FeedStyle = EVENTS,
    search_id: str = "",
) -> list[Desired]:
    """Each event as the VCALENDAR to PUT: same UID, SEQUENCE and text as the export.

    Only hashes are computed here; an event is serialized when it is actually written,
    so a sync with nothing to write costs no serialization at all.
    """
    if not events:
        return []
    days = [e.item.start.date() for e in events]
    first, last = date(min(days).year, 1, 1), date(max(days).year, 12, 31)
    zones: dict[str, bytes] = {}

    def zone_block(tzid: str) -> bytes:
        # One VTIMEZONE serialized once and reused in every object that needs it.
        if tzid not in zones:
            import icalendar

            zone = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
            zones[tzid] = zone.to_ical()
        return zones[tzid]

    def renderer(revised: RevisedEvent, pushed: str) -> Callable[..., bytes]:
        def render(uid: str = "") -> bytes:
            tzid = getattr(revised.event.item.start.tzinfo, "key", "")
            marks = {
                HASH_PROPERTY: revised.content_hash,
                SEARCH_PROPERTY: search_id,
                PUSHED_PROPERTY: pushed,
            }
            return b"".join(
                (
                    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
                    f"PRODID:{PRODID}\r\n".encode(),
                    zone_block(tzid) if tzid and tzid != "UTC" else b"",
                    revised.vevent(marks=marks, uid=uid).to_ical(),
                    b"END:VCALENDAR\r\n",
                )
            )

        return render

    desired = []
    for event in events:
        revised = revise_event(event, state, today, style)
        pushed = planned_fingerprint(revised)
        written = style.written_uid(event.item)
        wire = written if written != event.item.uid else ""
        desired.append(
            Desired(
                event.item.uid,
                summary(event.item),
                renderer(revised, pushed),
                revised.content_hash,
                pushed,
                wire,
            )
        )
    return desired


def calendar_key(target: SyncTarget) -> str:
    """Under what the discovered calendar URL is remembered."""
    # Tasks apart: a calendar found for events was never checked to take tasks.
    kind = "|VTODO" if target.as_todo else ""
    return f"{redact(target.url)}|{target.user}|{target.calendar}{kind}"


def resolve_calendar(
    remote: CalDAVRemote, target: SyncTarget, status: SyncStatus, name: str
) -> tuple[str, bool]:
    """(the calendar's own URL, whether we just created it): given, remembered, or found
    (at most 4 requests, and 1 more to create it)."""
    if target.calendar.startswith(("http://", "https://")):
        if target.as_todo and remote.is_calendar(target.calendar):
            check_components(remote, target, target.calendar)  # one PROPFIND, tasks only
        return target.calendar, False
    key = calendar_key(target)
    if key in status.calendars:
        return status.calendars[key], False
    created = False
    if not target.calendar and remote.is_calendar(target.url):
        url = target.url
    else:
        wanted = target.calendar or name
        home, calendars = remote.discover_calendars(target.url)
        if wanted in calendars:
            url = calendars[wanted]
        elif target.create:
            url = remote.make_calendar(home, wanted, target.component)
            created = True
        else:
            # The names are the server's (displayname): printed clean.
            known = one_line(", ".join(sorted(calendars)), 300) or "none"
            raise ServerError(
                f"{redact(target.url)}: no calendar named '{wanted}' (the calendars are: "
                f"{known}); --create makes it"
            )
    if not created:
        check_components(remote, target, url)
    status.calendars[key] = url
    return url, created


def check_components(remote: CalDAVRemote, target: SyncTarget, url: str) -> None:
    """Refuse, before any write, a calendar that does not take what we would put there."""
    if remote.accepts(url, target.component):
        return
    takes = ", ".join(sorted(remote.components.get(url, set())))
    if target.as_todo:
        advice = (
            f"tasks need a task list: give --calendar a new name with --create (without "
            f"--calendar, '{DEFAULT_TASK_LIST}' is used)"
        )
    else:
        advice = "give --calendar the name of a calendar for events, or a new one with --create"
    raise ServerError(
        f"{redact(url)}: this calendar takes only {takes}, not {target.component}; {advice}"
    )


@dataclass
class PreparedSync:
    """Everything read and decided, nothing written yet."""

    remote: CalDAVRemote
    calendar_url: str
    plan: SyncPlan
    remembered: dict[str, str]
    search_id: str = ""
    existing: list[Remote] = field(default_factory=list)  # the calendar as read
    desired: list[Desired] = field(default_factory=list)
    known_uids: set[str] = field(default_factory=set)
    status: SyncStatus = field(default_factory=SyncStatus)
    created: bool = False  # the calendar was made by this sync: nothing was there
    # UIDs of ours the server lost since they were written there (deleted by the user).
    vanished: set[str] = field(default_factory=set)


def prepare_sync(
    search: SearchFile,
    target: SyncTarget,
    state: ExportState,
    status: SyncStatus,
    today: date,
    *,
    search_id: str = "",
    force: bool = False,
    adopt: bool = False,
    remote: CalDAVRemote | None = None,
    read_before: tuple[str, Reading] | None = None,
) -> PreparedSync:
    """Plan, find the calendar, read it in one REPORT and decide what to write.

    ``search_id`` names this file's events (see ``ensure_search_id``); ``read_before``:
    a calendar's URL and what reading it just gave."""
    # UIDs this file exported or synced before (its SEQUENCE history, kept with the
    # YAML): enough to claim its events written before search ids existed.
    known_uids = {key.split(" ")[0] for key in state.revisions}
    events = service.draft_events(search, service.plan(search, today))
    remote = remote or target.connect()
    name = DEFAULT_TASK_LIST if target.as_todo else search.calendar_name or DEFAULT_CALENDAR
    key = calendar_key(target)
    from_memory = key in status.calendars
    calendar_url, created = resolve_calendar(remote, target, status, name)

    def read(url: str) -> list[Remote]:
        if read_before is not None and read_before[0] == url:
            return read_before[1].events
        return read_owned(remote, status, url, target.component).events

    def new_calendar(url: str) -> list[Remote]:
        # Empty: nothing to read. Its token now, so the next sync asks what changed.
        status.forget_calendar(url)
        status.tokens[url] = remote.sync_token(url)
        status.listings[url] = {}
        return []

    claim_kind(status, calendar_url, target)
    try:
        existing = new_calendar(calendar_url) if created else read(calendar_url)
    except CalendarNotFound:
        if not from_memory:
            raise
        # The remembered calendar is gone (deleted, renamed): find it again, once.
        del status.calendars[key]
        status.forget_calendar(calendar_url)
        calendar_url, created = resolve_calendar(remote, target, status, name)
        claim_kind(status, calendar_url, target)
        existing = new_calendar(calendar_url) if created else read(calendar_url)
    remembered = status.etags.setdefault(calendar_url, {})
    if search_id and not search.sync_id:
        # Derived, not yet in the file: another search's events may carry it.
        search_id = free_search_id(search, existing, {e.item.uid for e in events} | known_uids)
    desired = desired_events(events, state, today, target.style, search_id)
    plan = plan_sync(
        desired,
        existing,
        remembered,
        search_id=search_id,
        known_uids=known_uids,
        force=force,
        adopt=adopt,
    )
    if plan.refused:
        raise SyncRefused(plan.refused)
    if target.bearer is not None:
        refuse_blind_creates(plan, existing, calendar_url)
    vanished = set(remembered) - set(plan.owned)
    return PreparedSync(remote, calendar_url, plan, remembered, search_id, existing, desired,
                        known_uids, status, created, vanished)  # fmt: skip


def claim_kind(status: SyncStatus, calendar_url: str, target: SyncTarget) -> None:
    """One calendar, one kind of this file's entries: what this machine remembers of a
    calendar (its listing, its token) is per calendar, so events and tasks synced into
    one calendar that takes both would be read as each other. Refused before any write."""
    if status.kinds.setdefault(calendar_url, target.component) != target.component:
        these, held = ("tasks", "events") if target.as_todo else ("events", "tasks")
        raise ServerError(
            f"{redact(calendar_url)}: this calendar holds this file's {held}; {these} need "
            "a calendar of their own: give --calendar another name (with --create)"
        )


def refuse_blind_creates(plan: SyncPlan, existing: list[Remote], calendar_url: str) -> None:
    """Google ignores If-None-Match, so a create there overwrites whatever holds its UID.
    An event of this file is known by its UID even without our marks (``stripped``), so
    a create whose UID the calendar shows is one that another file's event holds: stop
    before any write rather than overwrite it."""
    present = {r.uid for r in existing}
    blind = sorted(w.uid for w in plan.writes if w.kind == "create" and w.uid in present)
    if blind:
        raise ServerError(
            f"{redact(calendar_url)}: {len(blind)} planned event(s) have their UID on an event "
            "there that is not this file's; Google ignores If-None-Match, so creating them "
            f"would overwrite it: nothing written (first: {blind[0]})"
        )


def replan(
    prepared: PreparedSync,
    search: SearchFile,
    state: ExportState,
    today: date,
    style: FeedStyle,
    settled: set[str],
    *,
    force: bool = False,
    adopt: bool = False,
    agreed: dict[str, str] | None = None,
) -> PreparedSync:
    """Decide the writes again for the file as it now reads (after facts from the
    calendar were recorded), from the calendar as already read: no request."""
    events = service.draft_events(search, service.plan(search, today))
    desired = desired_events(events, state, today, style, prepared.search_id)
    redated = redated_by_other_facts(prepared.desired, desired, events)
    for uid in settled - {r.uid for r in prepared.existing}:
        prepared.remembered.pop(uid, None)  # deleted on the server, and now in the file
    plan = plan_sync(
        desired,
        prepared.existing,
        prepared.remembered,
        search_id=prepared.search_id,
        known_uids=prepared.known_uids,
        force=force,
        adopt=adopt,
        settled=settled,
        agreed=agreed,
        redated=redated,
    )
    if plan.refused:
        raise SyncRefused(plan.refused)
    if prepared.remote.transport.bearer is not None:
        refuse_blind_creates(plan, prepared.existing, prepared.calendar_url)
    return replace(prepared, plan=plan, desired=desired)


def redated_by_other_facts(
    before: list[Desired], after: list[Desired], events: list[FollowupEvent]
) -> set[str]:
    """The steps whose start a fact recorded in this sync moved, a fact about another
    step (rule 6: a move of the final follow-up re-dates the check-ins after it). A
    user's edit of such a step sits on the old day: it is not kept as it is."""
    was = {d.uid: decode_fingerprint(d.pushed) for d in before}
    now = {d.uid: decode_fingerprint(d.pushed) for d in after}
    redated = set()
    for event in events:
        item = event.item
        old, new = was.get(item.uid), now.get(item.uid)
        if old is None or new is None or old.get("start") == new.get("start"):
            continue
        if any(old.get(f) != new.get(f) for f in ("completed", "status")) or item.done:
            continue  # its own tick, or its untick, recorded
        who = item.recipient.name if item.recipient else None
        own = item.interview.moved_to(item.key, item.round, who)
        if own is None or own[0] != item.start.date():  # not where the user moved it
            redated.add(item.uid)
    return redated


WORKERS = 4  # connections for many writes: a real server is not next door


def execute_sync(
    prepared: PreparedSync,
    *,
    progress: Callable[[Write], None] | None = None,
    workers: int = WORKERS,
) -> SyncReport:
    """Carry out the writes, conditionally, over a few connections when there are many;
    ``remembered`` and the cache follow each success, so the caller can save them even
    when a fault stops the run halfway."""
    remembered, status = prepared.remembered, prepared.status
    calendar_url = prepared.calendar_url
    report = SyncReport(calendar_url, prepared.plan, conflicts=list(prepared.plan.conflicts))
    writes, recorded = prepared.plan.writes, None
    owned = prepared.plan.owned
    if prepared.search_id:
        writes, recorded = ledger.before_writes(
            prepared.remote.transport, calendar_url, prepared.search_id, owned, writes
        )
    writes = with_their_copies(prepared.remote, calendar_url, writes)
    confirmed: set[str] = set()  # created, and answered 2xx
    remotes = [prepared.remote]
    if workers > 1 and len(writes) > workers:
        # Each thread its own client (sessions are not shared between threads).
        remotes += [prepared.remote.clone() for _ in range(workers - 1)]
    free = list(remotes)
    lock = threading.Lock()
    mine = threading.local()
    # Our events as they stand after each write: what the next sync's token is read
    # against (an ETag unknown, "", makes it read that event again).
    listing = status.listings.setdefault(calendar_url, {})

    later: list[Write] = []  # creates answered 5xx: sent again, alone, after the others

    def carry_out(write: Write) -> tuple[str, WriteResult | None] | None:
        # Each thread keeps one client for the whole run: Digest's challenge is kept
        # per thread, and a client that moved between threads would be asked again.
        if not hasattr(mine, "remote"):
            with lock:
                mine.remote = free.pop()
        if write.href and not same_origin(urljoin(calendar_url, write.href), calendar_url):
            return write.href, ELSEWHERE  # listed on another origin: never sent there
        try:
            return write_one(mine.remote, write, calendar_url, prepared.search_id)
        except ServerBusy:
            if write.kind != "create":
                raise
            with lock:
                later.append(write)  # DAViCal's parallel first PUTs of a new zone
            return None

    def record(write: Write, href: str, result: WriteResult | None) -> None:
        if result is ELSEWHERE:
            report.elsewhere.append(
                f"not written: {write.uid}: the server lists it at {shown(href)}, not on "
                f"{origin(calendar_url)}; credentials go only to the server they were given for"
            )
        elif result is None or not result.ok:
            report.conflicts.append(write.uid)  # edited meanwhile, or cannot be kept
        elif write.kind in ("delete", "release"):
            remembered.pop(write.uid, None)
            status.forget(calendar_url, href)
            if write.kind == "release":  # still there, with our UID suffix: listed
                listing[canonical(href)] = result.etag or ""
            else:
                listing.pop(canonical(href), None)
            report.count(write.kind)
        else:
            listing[canonical(href)] = result.etag or ""
            if status.tokens.get(calendar_url):
                status.written.setdefault(calendar_url, []).append(canonical(href))
            # Known to be written here even when the server gave no ETag (sabre/dav
            # when it reformatted the event): "" is no If-Match, but a UID that is
            # gone later was deleted by the user, not never written.
            remembered[write.uid] = result.etag or ""
            # What we wrote is what reading it back would give: cached, so the next
            # sync need not read it.
            # Still the user's after an adopt or a merge: a later update merges again.
            theirs = write.kind == "adopt" or (write.source is not None and write.source.theirs)
            written = Remote(write.uid, href, result.etag or "", write.content_hash,
                             prepared.search_id, write.pushed, write.pushed,
                             theirs=theirs, wire=write.wire)  # fmt: skip
            status.remember(calendar_url, written)
            report.count(write.kind)
            if write.kind == "create":
                confirmed.add(write.uid)
        if progress:
            progress(write)

    def settle(write: Write, outcome: tuple[str, WriteResult | None] | None) -> None:
        if outcome is not None:
            record(write, *outcome)

    try:
        try:
            if len(remotes) == 1:
                for write in writes:
                    settle(write, carry_out(write))
            else:
                with ThreadPoolExecutor(len(remotes)) as pool:
                    futures = {pool.submit(carry_out, write): write for write in writes}
                    try:
                        for future in as_completed(futures):
                            settle(futures[future], future.result())
                    except BaseException:
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise
        finally:
            for extra in remotes[1:]:
                extra.close()
        for write in later:
            record(write, *write_again(prepared.remote, write, calendar_url, prepared.search_id))
    except FollowupCalError:
        if prepared.created and not confirmed:
            # Made by this sync, and nothing got into it: not left behind empty.
            discard_calendar(prepared.remote, calendar_url, status)
        raise
    present = set(owned) - ledger.removed_by_us(writes, owned) | confirmed
    # Written when what is there changed (after the creates are confirmed, never before):
    # a sync that only read or updated costs no request for it.
    if prepared.search_id and (confirmed or prepared.vanished) and present != recorded:
        ledger.write(prepared.remote.transport, calendar_url, prepared.search_id, present)
    report.requests = sum(remote.requests for remote in remotes)
    return report

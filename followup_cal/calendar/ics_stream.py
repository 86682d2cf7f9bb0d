"""The calendar as a stream of bytes: built one interview at a time, sorted at the end.

A calendar of 10,000 interviews is some 250 MB, so ``export`` never holds it, nor the
interviews, nor their plans: each interview is read, planned, drafted and its events
serialised, their bytes put aside in a spool file, and only a short row per event is
kept (where it sorts, where its bytes are). The calendar is then written in time order
from those rows. icalendar's line folding walks every character in Python and is most
of its time; :func:`fold` folds the same way with byte slices (test_scale compares it
with icalendar's).

An interview whose inputs did not change since the last export to the same file is not
planned nor drafted again: its events' bytes are read from that file (export_cache.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from followup_cal.calendar.ics import (
    EVENTS,
    FORBIDDEN,
    UTC,
    FeedStyle,
    FollowupEvent,
    calendar_head,
    revise_event,
)
from followup_cal.journal.state import ExportState
from followup_cal.plan.followups import STEP_ORDER, PlannedFollowup
from followup_cal.plan.model import Interview, SearchFile

if TYPE_CHECKING:
    import icalendar

    from followup_cal.calendar.export_cache import EventCache, Row

FOLD_AT = 74  # characters per physical line, as icalendar folds an ASCII content line
END = b"END:VCALENDAR\r\n"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
FROM_SPOOL, FROM_CACHE = 0, 1


def fold(line: str) -> bytes:
    """The content line in UTF-8, folded exactly as icalendar folds it: physical lines of
    at most 74 bytes, never inside a character, and never separating a backslash or
    caret from the character it escapes."""
    data = line.encode()
    if len(data) <= FOLD_AT:
        return data
    parts = []
    start, size = 0, len(data)
    while size - start > FOLD_AT:
        end = start + FOLD_AT
        while data[end] & 0xC0 == 0x80:  # the next line may not start mid-character
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)


def component_bytes(component: icalendar.cal.component.Component) -> bytes:
    """What ``component.to_ical()`` gives, folded by :func:`fold`."""
    return b"".join(fold(line) + b"\r\n" for line in component.content_lines() if line)


def refuse_forbidden(data: bytes) -> bytes:
    for name in FORBIDDEN:
        # Belt and braces: nothing here adds these, and nothing ever may.
        if b"\r\n" + name.encode() in data or data.startswith(name.encode()):
            raise AssertionError(f"refusing to write a calendar with {name}")
    return data


class CalendarStream:
    """The bytes of the calendar of ``interviews`` (by default the file's), in chunks;
    after they are consumed, ``count``, ``sha256``, ``size``, how many events were
    ``built`` (the others came from ``cache``) and the cache's new ``index``.

    ``plan`` gives one interview's items, ``render`` drafts one item. ``read_whole``
    parses the file whole, for when the interviews come one at a time and their reading
    raises ``ReadWhole``; ``refuse_clashes`` raises the error that names two events with
    one UID (it reads the file again: a clash is rare and fatal). ``when_planned`` runs
    once every interview is planned.
    """

    def __init__(
        self,
        search: SearchFile,
        plan: Callable[[Interview], list[PlannedFollowup]],
        render: Callable[[PlannedFollowup], FollowupEvent],
        state: ExportState,
        today: date,
        style: FeedStyle = EVENTS,
        cache: EventCache | None = None,
        *,
        interviews: Iterable[Interview] | None = None,
        read_whole: Callable[[], SearchFile] | None = None,
        refuse_clashes: Callable[[], None] | None = None,
        when_planned: Callable[[], None] | None = None,
    ) -> None:
        import hashlib

        self.search, self.plan, self.render, self.state = search, plan, render, state
        self.today, self.style, self.cache = today, style, cache
        self.interviews = search.interviews if interviews is None else interviews
        self.read_whole, self.refuse_clashes = read_whole, refuse_clashes
        self.when_planned = when_planned
        self.count = self.size = self.built = 0
        self.digest = hashlib.sha256()
        self.index: dict[str, list[str]] = {}
        self._tzids: dict[Any, str] = {}

    def _out(self, data: bytes) -> bytes:
        self.digest.update(data)
        self.size += len(data)
        return data

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def _tzid(self, start: datetime) -> str:
        """The TZID icalendar writes on a start in this zone ('' for UTC)."""
        zone = start.tzinfo
        if zone not in self._tzids:
            import icalendar

            tzid = icalendar.vDDDTypes(start).params.get("TZID") or ""
            self._tzids[zone] = "" if tzid == "UTC" else tzid
        return self._tzids[zone]

    def _build(self, interview: Interview, spool: IO[bytes]) -> tuple[list[Row], list[int]]:
        """Plan, draft and serialise one interview's events into the spool."""
        rows: list[Row] = []
        places: list[int] = []
        for item in self.plan(interview):
            revised = revise_event(self.render(item), self.state, self.today, self.style)
            data = refuse_forbidden(component_bytes(revised.vevent()))
            places += [spool.tell(), len(data)]
            spool.write(data)
            revision = revised.revision
            rows.append(
                (
                    self.style.state_key(item),
                    revised.content_hash,
                    revision.sequence,
                    revision.stamp.isoformat(),
                    (item.start - EPOCH) // MICROSECOND,
                    STEP_ORDER[item.step],
                    item.number,
                    item.recipient.name if item.recipient else "",
                    item.uid,
                    self._tzid(item.start),
                    item.start.year,
                )
            )
        self.built += len(rows)
        return rows, places

    def _place(
        self, interviews: Iterable[Interview], spool: IO[bytes]
    ) -> tuple[list[tuple], list[list[Any]], set[str], tuple[int, int]]:
        """Every event's row, interview by interview: built, or taken from the cache."""
        import json

        from followup_cal.calendar.export_cache import InputKeys

        keys = (
            InputKeys(self.search.me, self.search.templates_dir, self.style) if self.cache else None
        )
        placed: list[tuple] = []
        entries: list[list[Any]] = []  # per interview: its key, rows (JSON), new places
        uids: set[str] = set()
        tzids: set[str] = set()
        years = (9999, 0)
        for position, interview in enumerate(interviews):
            key = keys.of(interview) if keys else ""
            taken = self.cache.take(key, self.state, self.today) if self.cache else None
            if taken is None:
                rows, places = self._build(interview, spool)
                payload, source = json.dumps(rows, separators=(",", ":")), FROM_SPOOL
            else:
                payload, rows, places = taken
                source = FROM_CACHE
            entries.append([key, payload, [0] * len(places)])
            for n, (*_, ts, step, number, name, uid, tzid, year) in enumerate(rows):
                if uid in uids and self.refuse_clashes:
                    self.refuse_clashes()
                uids.add(uid)
                tzids.add(tzid)
                years = (min(years[0], year), max(years[1], year))
                offset, length = places[2 * n], places[2 * n + 1]
                placed.append(
                    (ts, interview.id, step, number, name, position, n, source, offset, length)
                )
        tzids.discard("")
        return placed, entries, tzids, years

    def chunks(self, when_made: Callable[[], None] | None = None) -> Iterator[bytes]:
        """The calendar, head, zones, events; ``when_made`` runs once every event is made,
        before the last bytes go out (export saves the revision history there)."""
        import icalendar

        from followup_cal.loader import ReadWhole

        # A plain temporary file: SpooledTemporaryFile wraps each write, seek and read in
        # Python, some 3% of a large export.
        with tempfile.TemporaryFile() as spool:
            before = dict(self.state.revisions) if self.read_whole else {}
            try:
                placed, entries, tzids, years = self._place(self.interviews, spool)
            except ReadWhole:
                assert self.read_whole is not None
                self.state.revisions.clear()
                self.state.revisions.update(before)
                self.built = 0
                spool.seek(0)
                spool.truncate()
                whole = self.read_whole()
                placed, entries, tzids, years = self._place(whole.interviews, spool)
            if self.when_planned:
                self.when_planned()  # the holidays looked up, kept for the next run
            placed.sort()
            name = self.search.calendar_name
            head = calendar_head(self.search.me, name, self.style).to_ical()
            yield self._out(refuse_forbidden(head.removesuffix(END)))
            if placed:
                # VTIMEZONEs cover whole years around the events, so they stay put as
                # plans move; sorted, so the same plan gives the same bytes.
                first, last = date(years[0], 1, 1), date(years[1], 12, 31)
                for tzid in sorted(tzids):
                    zone = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
                    yield self._out(component_bytes(zone))
            for *_, position, n, source, offset, length in placed:
                if source == FROM_CACHE:
                    assert self.cache is not None
                    data = self.cache.read(offset, length)
                else:
                    spool.seek(offset)
                    data = spool.read(length)
                entries[position][2][2 * n : 2 * n + 2] = [self.size, length]
                self.count += 1
                yield self._out(data)
            if when_made:
                when_made()
            yield self._out(END)
        self.index = {
            key: [payload, ",".join(map(str, places))] for key, payload, places in entries
        }

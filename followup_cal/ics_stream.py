"""The calendar as a stream of bytes: each event serialised on its own, reused next time.

A calendar of 10,000 interviews is some 250 MB, so ``export`` never holds it whole:
icalendar builds one event at a time and its bytes go out as they are made. icalendar's
line folding walks every character in Python and is most of its time; :func:`fold`
folds the same way with byte slices (test_scale compares it with icalendar's).

An event whose inputs did not change since the last export to the same file is not
built again: :class:`EventCache` finds its bytes in that file, by a hash of what they
follow from (content, revision, style: see :func:`event_key`). The cache is only an
index into the previous output, kept in the user's cache folder, and it is used only
while that output is byte for byte what this tool wrote (its SHA-256), so the result is
the same as a full build either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from followup_cal import __version__
from followup_cal.followups import PlannedFollowup
from followup_cal.ics import (
    EVENTS,
    FORBIDDEN,
    FeedStyle,
    FollowupEvent,
    RevisedEvent,
    calendar_head,
    revise_event,
)
from followup_cal.model import Profile
from followup_cal.state import ExportState

if TYPE_CHECKING:
    import icalendar

FOLD_AT = 74  # characters per physical line, as icalendar folds an ASCII content line
END = b"END:VCALENDAR\r\n"
CACHE_FORMAT = 1


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


def event_key(revised: RevisedEvent) -> str:
    """What an event's bytes follow from: its content hash (every property, the alarm),
    its revision (SEQUENCE, DTSTAMP) and the feed style."""
    style = revised.style
    return (
        f"{revised.content_hash}:{revised.revision.sequence}:{revised.revision.stamp}:"
        f"{int(style.public)}{int(style.as_todo)}"
    )


def _tzids(items: Sequence[PlannedFollowup]) -> list[str]:
    """The TZIDs icalendar writes on the items' start and end (UTC has none)."""
    import icalendar

    seen: dict[Any, str | None] = {}
    for item in items:
        zone = item.start.tzinfo
        if zone not in seen:
            seen[zone] = icalendar.vDDDTypes(item.start).params.get("TZID")
    return sorted({tzid for tzid in seen.values() if tzid and tzid != "UTC"})


class CalendarStream:
    """The bytes of the calendar of ``items``, in chunks; after they are consumed,
    ``count``, ``sha256``, ``size`` and the index of where each event went."""

    def __init__(
        self,
        items: Sequence[PlannedFollowup],
        render: Callable[[PlannedFollowup], FollowupEvent],
        me: Profile,
        state: ExportState,
        today: date,
        name: str = "",
        style: FeedStyle = EVENTS,
        cache: EventCache | None = None,
    ) -> None:
        self.items, self.render, self.me, self.state = items, render, me, state
        self.today, self.name, self.style, self.cache = today, name, style, cache
        self.count = 0
        self.size = 0
        self.digest = hashlib.sha256()
        self.index: dict[str, tuple[int, int]] = {}

    def _out(self, data: bytes) -> bytes:
        self.digest.update(data)
        self.size += len(data)
        return data

    def chunks(self, when_made: Callable[[], None] | None = None) -> Iterator[bytes]:
        """The calendar, head, zones, events; ``when_made`` runs once every event is made,
        before the last bytes go out (export saves the revision history there)."""
        import icalendar

        head = calendar_head(self.me, self.name, self.style).to_ical()
        yield self._out(refuse_forbidden(head.removesuffix(END)))
        if self.items:
            # VTIMEZONEs cover whole years around the events, so they stay put as plans
            # move; sorted, so the same plan gives the same bytes.
            days = [item.start.date() for item in self.items]
            first, last = date(min(days).year, 1, 1), date(max(days).year, 12, 31)
            for tzid in _tzids(self.items):
                zone = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
                yield self._out(component_bytes(zone))
        for item in self.items:
            revised = revise_event(self.render(item), self.state, self.today, self.style)
            key = event_key(revised)
            data = self.cache.get(key) if self.cache else None
            if data is None:
                data = refuse_forbidden(component_bytes(revised.vevent()))
            self.index[key] = (self.size, len(data))
            self.count += 1
            yield self._out(data)
        if when_made:
            when_made()
        yield self._out(END)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def _code_stamp() -> str:
    """Cached bytes are only as good as the code that made them."""
    import icalendar

    digest = hashlib.sha256(f"{CACHE_FORMAT} {__version__} {icalendar.__version__}".encode())
    for module in ("ics.py", "ics_stream.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "followup-cal"


class EventCache:
    """The events of the last export to ``output``, by :func:`event_key`.

    A missing, stale or unreadable index, or an output changed since, just means a full
    build: the cache can make an export faster, never different.
    """

    def __init__(self, output: str | Path) -> None:
        self.output = Path(output).resolve()
        name = hashlib.sha256(str(self.output).encode()).hexdigest()[:24]
        self.index_path = _cache_folder() / f"export-{name}.json"
        self.events: dict[str, list[int]] = {}
        self.file: BinaryIO | None = None
        self.hits = 0
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            self._open()

    def _open(self) -> None:
        index = json.loads(self.index_path.read_text("utf-8"))
        if index["code"] != _code_stamp() or index["output"] != str(self.output):
            return
        handle = self.output.open("rb")
        digest = hashlib.sha256()
        while block := handle.read(1 << 20):
            digest.update(block)
        if digest.hexdigest() != index["sha256"]:
            handle.close()
            return
        self.events, self.file = index["events"], handle

    def get(self, key: str) -> bytes | None:
        where = self.events.get(key)
        if where is None or self.file is None:
            return None
        offset, length = where
        self.file.seek(offset)
        data = self.file.read(length)
        if len(data) != length:
            return None
        self.hits += 1
        return data

    def save(self, stream: CalendarStream) -> None:
        """Remember where ``stream`` (now written to the output) put each event."""
        if self.file is not None:
            self.file.close()
            self.file = None
        index = {
            "code": _code_stamp(),
            "output": str(self.output),
            "sha256": stream.sha256,
            "events": stream.index,
        }
        from followup_cal.atomic import write_atomic
        from followup_cal.errors import FileAccessError

        with contextlib.suppress(OSError, FileAccessError):
            self.index_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.index_path, json.dumps(index, separators=(",", ":")).encode())

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

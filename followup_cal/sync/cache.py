"""What sync remembers between runs, in ``FILE.followup-sync.json`` beside the YAML.

A cache only (no secrets; safe to delete, and to keep out of git): the calendar URL
found by discovery, the ETag of every event it last wrote (the fallback for events
written before fingerprints), and for each of our events at its ETag what reading it
gave. An ETag names one content, so a cached entry is exactly what reading the event
again would give: deleting the file changes what sync reads, never what it writes.
Also per calendar: the sync token the server issued (RFC 6578) and the ETag of every
event with our UID suffix at that point, so the next read asks only what changed; and
the inputs of the last sync that found nothing to do (see ``quiet``).
A file of another shape is ignored with a warning.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from followup_cal.atomic import write_atomic
from followup_cal.errors import FileAccessError
from followup_cal.plan.uids import is_task_uid, step_uid
from followup_cal.sync.algorithm import Remote

# An event as read: [etag, uid as the calendar holds it (a task's own: ``plan.uids``),
# content hash, search id, pushed, now, flags]; flags: 1 =
# completed, 2 = it keeps the user's own fields or a client's properties (``merge``).
Entry = list


@dataclass
class SyncStatus:
    calendars: dict[str, str] = field(default_factory=dict)
    etags: dict[str, dict[str, str]] = field(default_factory=dict)
    events: dict[str, dict[str, Entry]] = field(default_factory=dict)  # calendar -> href ->
    tokens: dict[str, str] = field(default_factory=dict)  # calendar -> token, "" = none offered
    listings: dict[str, dict[str, str]] = field(default_factory=dict)  # calendar -> href -> ETag
    quiet: dict[str, str] = field(default_factory=dict)  # the last no-op's inputs (``quiet``)
    # calendar -> hrefs this tool wrote after its token was taken. A server may leave an
    # event created and deleted since the token out of what changed (Xandikos does):
    # these are read again, so one deleted right after we wrote it is seen as gone.
    written: dict[str, list[str]] = field(default_factory=dict)
    # calendar -> VEVENT or VTODO: which kind of this file's entries it holds (see
    # ``run.claim_kind``); absent in a file from before tasks had UIDs of their own.
    kinds: dict[str, str] = field(default_factory=dict)
    damaged: bool = False  # the file was there but not as we write it: ignored

    @classmethod
    def load(cls, path: Path) -> SyncStatus:
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            return cls(damaged=True)  # only a cache: rediscover, read the server again
        if not isinstance(data, dict):
            return cls(damaged=True)
        calendars, etags = data.get("calendars"), data.get("etags")
        events, listings = data.get("events", {}), data.get("listings", {})
        tokens, quiet = data.get("tokens", {}), data.get("quiet", {})
        if not (_text_map(calendars) and isinstance(etags, dict) and isinstance(events, dict)):
            return cls(damaged=True)
        if not (_text_map(tokens) and _text_map(quiet) and isinstance(listings, dict)):
            return cls(damaged=True)
        if not all(_text_map(known) for known in [*etags.values(), *listings.values()]):
            return cls(damaged=True)
        if not all(_entries(known) for known in events.values()):
            return cls(damaged=True)
        written = data.get("written", {})
        if not isinstance(written, dict) or not all(
            isinstance(hrefs, list) and all(isinstance(h, str) for h in hrefs)
            for hrefs in written.values()
        ):
            return cls(damaged=True)
        kinds = data.get("kinds", {})
        if not _text_map(kinds):
            return cls(damaged=True)
        return cls(
            dict(calendars),
            {url: dict(known) for url, known in etags.items()},
            {url: dict(known) for url, known in events.items()},
            dict(tokens),
            {url: dict(known) for url, known in listings.items()},
            dict(quiet),
            {str(url): list(hrefs) for url, hrefs in written.items()},
            dict(kinds),
        )

    def known_events(self, calendar_url: str) -> dict[str, Remote] | None:
        """What this calendar's events held at their ETags; None when nothing is known."""
        entries = self.events.get(calendar_url)
        if entries is None:
            return None
        return {
            href: Remote(
                step_uid(uid),
                href,
                etag,
                content,
                search,
                pushed,
                now,
                bool(flags & 1),
                theirs=bool(flags & 2),
                wire=uid if is_task_uid(uid) else "",
            )
            for href, (etag, uid, content, search, pushed, now, flags) in entries.items()
        }

    def remember(self, calendar_url: str, event: Remote) -> None:
        """Cache an event as read or as written. Not one edited on the server: its copy is
        read each time (what the user did goes into the YAML; --adopt writes it back)."""
        entries = self.events.setdefault(calendar_url, {})
        if not event.etag or not event.pushed or event.now != event.pushed:
            entries.pop(event.href, None)
            return
        entries[event.href] = [
            event.etag,
            event.held_as,
            event.content_hash,
            event.search,
            event.pushed,
            event.now,
            int(event.completed) | 2 * int(event.theirs),
        ]

    def forget(self, calendar_url: str, href: str) -> None:
        self.events.get(calendar_url, {}).pop(href, None)

    def forget_calendar(self, calendar_url: str) -> None:
        for known in (self.etags, self.events, self.tokens, self.listings, self.written,
                      self.kinds):  # fmt: skip
            known.pop(calendar_url, None)

    def to_json(self) -> bytes:
        data = {
            "version": 3,
            "calendars": self.calendars,
            "etags": self.etags,
            "events": self.events,
            "tokens": self.tokens,
            "listings": self.listings,
            "quiet": self.quiet,
        }
        if self.kinds:
            data["kinds"] = self.kinds
        if any(self.written.values()):
            data["written"] = {url: sorted(set(h)) for url, h in self.written.items() if h}
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()

    def save(self, path: Path) -> None:
        write_atomic(path, self.to_json())


def _text_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _entries(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(href, str)
        and isinstance(entry, list)
        and len(entry) == 7
        and all(isinstance(part, str) for part in entry[:6])
        and entry[6] in (0, 1, 2, 3)
        for href, entry in value.items()
    )


def status_path_for(yaml_path: str) -> Path:
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-sync.json")


def save_status(path: Path, status: SyncStatus) -> None:
    with contextlib.suppress(FileAccessError):  # only a cache; read again next run
        status.save(path)

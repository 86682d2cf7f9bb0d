"""Reading our events from the calendar: what changed since the last sync, or all of them.

Where the server offers sync tokens (RFC 6578) and the cache holds one with the list of
our events at that point, one sync-collection REPORT says what changed since: an
unchanged calendar answers in a few hundred bytes however many events of others it
holds. Otherwise (no cache, a token the server no longer accepts, a server without
tokens) one filtered REPORT lists our events, after asking for a token for next time.
Both give the same events: the server says what changed, the cache only spares reading
again what it already read at the same ETag.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from followup_cal.origins import same_origin
from followup_cal.sync.algorithm import OWNED_SUFFIX, Remote, stripped
from followup_cal.sync.cache import SyncStatus
from followup_cal.sync.caldav_remote import CalDAVRemote, Changes, canonical, event_href


@dataclass(frozen=True)
class Reading:
    events: list[Remote]  # every event with our UID suffix, as the server holds it
    # Our events are the ones listed at the last sync, at the same ETags: the calendar
    # has nothing new for this file (others' events may have changed).
    quiet: bool
    requests: int = 0


def read_owned(
    remote: CalDAVRemote, status: SyncStatus, calendar_url: str, component: str
) -> Reading:
    """Our events in the calendar (see the module's docstring); the cache follows."""
    before = remote.requests
    previous = status.listings.get(calendar_url)
    token = status.tokens.get(calendar_url, "")
    events = None
    if token and previous is not None:
        changes = remote.changes_since(calendar_url, token)
        if changes is not None:
            events = _since(remote, status, calendar_url, previous, changes, component)
            token = changes.token
    if events is None:
        # Asked before reading, so whatever changes after it is reported next time.
        offered = status.tokens.get(calendar_url) != ""  # "" = the server has none
        token = remote.sync_token(calendar_url) if offered else ""
        known = status.known_events(calendar_url)
        events = remote.owned_events(calendar_url, component, known)
        remembered = status.etags.get(calendar_url, {})
        events += hidden_events(remote, calendar_url, events, remembered, known)
        events = of_kind(events, component)
    events = _marks_remembered(events, status.known_events(calendar_url) or {})
    status.events[calendar_url] = {}
    for event in events:
        if same_origin(event.href, calendar_url):  # else never written; read again next time
            status.remember(calendar_url, event)
    # A server that ignores the query's filter sends others' events too: not listed.
    listing = {canonical(e.href): e.etag for e in events if OWNED_SUFFIX in e.uid}
    status.listings[calendar_url] = listing
    status.tokens[calendar_url] = token
    status.written.pop(calendar_url, None)  # all read again as of this token
    return Reading(events, listing == previous, remote.requests - before)


def of_kind(events: list[Remote], component: str) -> list[Remote]:
    """Our entries of the kind this sync writes. In a calendar that takes both, the
    step's task beside its event (each with a UID of its own) is another sync's."""
    return [event for event in events if event.kind in ("", component)]


def _marks_remembered(events: list[Remote], known: dict[str, Remote]) -> list[Remote]:
    """Our marks, from the cache, on an event a client rebuilt without them (Outlook
    with CalDav Synchronizer): what this machine pushed is then the base its edit is told
    from, as for any event, rather than what the file would write now (which may have
    changed since). Without the cache it is that, see ``algorithm.stripped``."""
    by_href = {canonical(href): remote for href, remote in known.items()}
    restored = []
    for event in events:
        before = by_href.get(canonical(event.href))
        if stripped(event) and before is not None and before.uid == event.uid and before.pushed:
            event = replace(event, content_hash=before.content_hash, search=before.search,
                            pushed=before.pushed)  # fmt: skip
        restored.append(event)
    return restored


def _since(
    remote: CalDAVRemote,
    status: SyncStatus,
    calendar_url: str,
    previous: dict[str, str],
    changes: Changes,
    component: str,
) -> list[Remote] | None:
    """Our events: those listed before, changed as the server says, each read from the
    cache when it holds it at that ETag, else in one multiget. None when the answers do
    not add up (an href listed that the server has not), to read everything instead."""
    members = dict(previous)
    fetch: dict[str, str] = {}  # canonical href -> href as the server spells it
    mentioned = {
        canonical(urljoin(calendar_url, raw)) for raw in [*changes.deleted, *changes.changed]
    }
    for href in set(status.written.get(calendar_url, ())) - mentioned:
        # Written by us after the token, and not said to have changed since: the server
        # left it out because it is gone again (created and deleted since the token).
        # Read again; what is not there is not ours any more.
        if members.pop(href, None) is not None:
            fetch[href] = href
    for raw in changes.deleted:
        members.pop(canonical(urljoin(calendar_url, raw)), None)
    for raw, etag in changes.changed.items():
        href = canonical(urljoin(calendar_url, raw))
        if not etag or members.get(href) != etag:
            fetch[href] = raw  # new, changed, or someone else's: its UID says whose
            members.pop(href, None)
    cached = {canonical(h): r for h, r in (status.known_events(calendar_url) or {}).items()}
    events = []
    for href, etag in members.items():
        have = cached.get(href)
        if have is not None and have.etag == etag and etag:
            events.append(have)
        else:
            fetch[href] = href  # ours, not cached (edited on the server): read again
    if fetch:
        got = remote.fetch(calendar_url, list(fetch.values()))
        found = {canonical(event.href) for event in got}
        if any(href in members for href in set(fetch) - found):
            return None  # listed as ours, yet not there: the cache does not match
        events += [event for event in of_kind(got, component) if OWNED_SUFFIX in event.uid]
    if len({event.uid for event in events}) < len(events):
        return None  # a UID twice: let the full listing say where it really is
    return events


def hidden_events(
    remote: CalDAVRemote,
    calendar_url: str,
    listed: list[Remote],
    remembered: dict[str, str],
    known: dict[str, Remote] | None,
) -> list[Remote]:
    """Events written before that the query did not list, asked for by their href: a
    server may answer a query only within a window of dates (Open-Xchange), and an event
    it leaves out must not count as one the user deleted. One request, only when some
    are missing; what is really gone stays gone."""
    missing = set(remembered) - {event.uid for event in listed}
    if not missing:
        return []
    hrefs = {event.uid: event.href for event in (known or {}).values()}
    urls = (hrefs.get(uid) or event_href(calendar_url, uid) for uid in missing)
    return remote.fetch(calendar_url, sorted(urlsplit(url).path for url in urls))

"""The sync decision: desired events vs. what the calendar holds. Pure, no I/O.

Ownership: an event is this file's when it carries this file's search id
(X-FOLLOWUP-CAL-SEARCH). Events written before search ids existed (our UID suffix and
content hash, no search id) are claimed when this file plans their UID or knows it from
its export history, and are tagged on the way; anything else is left alone, whatever
its UID.

"Changed in the YAML" is decided by the content hash each event carries
(X-FOLLOWUP-CAL-HASH). "Changed on the server" is decided from the server's copy alone:
the fingerprint of the user-editable fields we pushed (X-FOLLOWUP-CAL-PUSHED) against
the same fingerprint of what the server holds now (see ``edits``). An edited event is
never overwritten unless forced; ``adopt`` keeps the server's version as the new base.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial

from followup_cal.plan.uids import UID_DOMAIN
from followup_cal.sync.edits import ServerEdit, compare

OWNED_SUFFIX = "@" + UID_DOMAIN


def has_our_suffix(uid: str) -> bool:
    return uid.endswith(OWNED_SUFFIX)


@dataclass(frozen=True)
class Desired:
    uid: str
    summary: str
    # The VCALENDAR to PUT, built only when it is written; given a UID, written under it
    # (the one the calendar holds it under) rather than the style's own.
    render: Callable[..., bytes]
    content_hash: str
    pushed: str = ""  # the fingerprint of the user-editable fields as rendered
    wire: str = ""  # the UID the rendering writes, when not ``uid`` (a task's)


@dataclass(frozen=True)
class Remote:
    uid: str
    href: str
    etag: str
    content_hash: str  # "" when the event carries none
    search: str = ""  # the search id it carries, "" when none
    pushed: str = ""  # the fingerprint we wrote, "" when none (written before it existed)
    now: str = ""  # the fingerprint of what the server holds now; "" = unreadable
    completed: bool = False  # marked completed on the server
    data: str = ""  # the calendar object as the server holds it (for --adopt)
    theirs: bool = False  # it keeps the user's own fields or a client's properties (merge)
    # The UID as the calendar holds it, when not ``uid`` (a task's: see ``plan.uids``).
    wire: str = ""
    kind: str = ""  # VEVENT or VTODO, when read (not from the cache)

    @property
    def held_as(self) -> str:
        return self.wire or self.uid


@dataclass(frozen=True)
class Write:
    kind: str  # "create", "update", "delete", "tag", "adopt" or "release"
    uid: str
    summary: str
    href: str | None = None  # where it is now (all but create)
    etag: str | None = None  # the If-Match (all but create)
    render: Callable[[], bytes] | None = None  # what to PUT (create, update, tag)
    source: Remote | None = None  # the server's copy to keep (adopt, release)
    content_hash: str = ""  # the content hash the event is marked with once written
    pushed: str = ""  # the fingerprint it carries once written
    ticked: str = ""  # adopt: the day of the done: the user's tick recorded (YYYYMMDD)
    ours: str = ""  # adopt: the fingerprint of what we would have written instead
    edited: tuple[str, ...] = ()  # adopt: the fields the user changed
    over: Remote | None = None  # update: the user's version it puts our version back over
    wire: str = ""  # the UID it leaves there, when not ``uid`` (a task's)


@dataclass
class SyncPlan:
    writes: list[Write] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # edited on the server and in the YAML
    kept: list[str] = field(default_factory=list)  # edited on the server only: left as is
    edits: dict[str, ServerEdit] = field(default_factory=dict)  # every server edit seen
    duplicates: list[Remote] = field(default_factory=list)  # a UID at a second href
    owned: dict[str, Remote] = field(default_factory=dict)  # this file's events, by UID
    refused: str = ""  # why nothing may be written without --force
    # Planned UIDs another file's events hold in this calendar (same interview ids):
    # UID -> that file's search id. Never written: a calendar holds a UID once.
    held: dict[str, str] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(1 for w in self.writes if w.kind == kind)


def stripped(item: Remote) -> bool:
    """An event with our UID that a client rebuilt without any of our marks (Outlook
    with CalDav Synchronizer keeps the UID and href, and drops unknown X- properties)."""
    return has_our_suffix(item.uid) and not (item.search or item.content_hash or item.pushed)


def is_ours(
    item: Remote, search_id: str, claimed: Collection[str], planned: Collection[str] = ()
) -> bool:
    """Whether this file owns the event (see the module's docstring)."""
    if item.search:
        return item.search == search_id
    if stripped(item) and item.uid in planned:
        return True  # still ours: never counted as deleted while its UID is there
    # Written before search ids: ours only if sync wrote it and this file knows the UID.
    return has_our_suffix(item.uid) and bool(item.content_hash) and item.uid in claimed


def server_edit(
    item: Remote, want: Desired | None, remembered_etags: Mapping[str, str]
) -> ServerEdit | None:
    """What changed on the server since we wrote ``item``, from the server's copy.

    The fingerprint we pushed is on the event; an event from before fingerprints whose
    content hash is still the desired one was written with the desired fingerprint.
    Only an older event with neither falls back to the ETag remembered in the cache.
    """
    pushed = item.pushed
    if not pushed and want is not None and want.content_hash == item.content_hash:
        pushed = want.pushed
    if stripped(item) and want is not None:
        pushed = want.pushed  # our marks are gone: compared with what we would write
    if pushed:
        return compare(item.uid, pushed, item.now, completed_now=item.completed)
    known = remembered_etags.get(item.uid)
    if known and known != item.etag:  # "": written, its ETag never given
        return ServerEdit(item.uid, ("unknown",))
    return None


def plan_sync(
    desired: list[Desired],
    remote: list[Remote],
    remembered_etags: Mapping[str, str],
    *,
    search_id: str = "",
    known_uids: Collection[str] = (),
    force: bool = False,
    adopt: bool = False,
    settled: Collection[str] = (),
    agreed: Mapping[str, str] | None = None,
    redated: Collection[str] = (),
) -> SyncPlan:
    """What to write so this file's events equal the desired ones, without losing an
    edit made on the server. ``known_uids``: UIDs this file has exported before;
    ``settled``: UIDs whose server edit the file now holds (or overruled), written over
    as if unedited; ``agreed``: UIDs whose server edit the file now agrees with (the
    fact is recorded, or was only the user's to make): the server's copy is kept as it
    is and becomes the base (the value: the day of a tick recorded, or ""), unless the
    step is in ``redated``: another fact recorded in this sync moved its start."""
    agreed = agreed or {}
    plan = SyncPlan()
    wanted = {d.uid: d for d in desired}
    claimed = set(wanted) | set(known_uids)
    owned: dict[str, Remote] = {}
    for item in sorted(remote, key=lambda r: r.href):
        if not is_ours(item, search_id, claimed, wanted):
            if item.uid in wanted and item.search:
                plan.held[item.uid] = item.search
            continue  # another search's event, or nobody's we know: never touched
        if item.uid in owned:
            plan.duplicates.append(item)
            continue
        owned[item.uid] = item
    plan.owned = owned

    if not wanted and owned and not force:
        plan.refused = (
            f"the plan has no events but the calendar holds {len(owned)} of ours; "
            "refusing to delete them all (an emptied file?); use --force to do it"
        )
        return plan

    for uid, want in wanted.items():
        have = owned.get(uid)
        if have is None and uid in plan.held:
            continue  # another file's event: its If-None-Match would fail (412)
        if have is None:
            plan.writes.append(
                Write("create", uid, want.summary, render=want.render,
                      content_hash=want.content_hash, pushed=want.pushed, wire=want.wire)
            )  # fmt: skip
            continue
        server_edited = server_edit(have, want, remembered_etags)
        edit = None if uid in settled else server_edited
        # A rebuilt event's content hash is gone: what differs is told by the fields.
        same = have.content_hash == want.content_hash or stripped(have)
        if edit is not None:
            plan.edits[uid] = edit
        keep = uid in agreed and server_edited is not None and not force and uid not in redated
        if have.now and ((keep and (same or set(server_edited.kinds) - {"edited"}))
                         or (stripped(have) and server_edited is None)):  # fmt: skip
            # The user's version stays as they saved it, with our marks on it.
            plan.writes.append(
                Write("adopt", uid, want.summary, have.href, have.etag, source=have,
                      content_hash=want.content_hash, pushed=have.now,
                      ticked=agreed.get(uid, ""), ours=want.pushed,
                      edited=server_edited.fields if server_edited else (), wire=have.wire)
            )  # fmt: skip
            continue
        if edit is None or force:
            # --force, or the file settled the user's change (recorded it or overruled
            # it): our version goes back over the user's.
            # --force puts the planned version back wherever the server's differs,
            # on events adopted before (the user's version, taken as the base) too.
            adopted = force and bool(have.now) and have.now != want.pushed
            if not same or server_edited is not None or adopted:
                kind = "update"
            elif have.search != search_id or not have.pushed:
                kind = "tag"  # an event from before search ids and fingerprints
            else:
                plan.unchanged += 1
                continue
            # Only the YAML changed it: what the user made theirs before is merged in.
            merge_from = have if server_edited is None and not force else None
            over = have if server_edited is not None or adopted else None
            # Written back under the UID it has there: a task from before tasks had a
            # UID of their own keeps it (a calendar holds an href under one UID).
            render = partial(want.render, have.held_as)
            plan.writes.append(
                Write(kind, uid, want.summary, have.href, have.etag, render,
                      source=merge_from, content_hash=want.content_hash, pushed=want.pushed,
                      over=over, wire=have.wire)
            )  # fmt: skip
        elif adopt and have.now:
            plan.writes.append(
                Write("adopt", uid, want.summary, have.href, have.etag, source=have,
                      content_hash=want.content_hash, pushed=have.now, ours=want.pushed,
                      edited=edit.fields, wire=have.wire)
            )  # fmt: skip
        elif same:
            plan.kept.append(uid)  # only the user changed it: theirs stays
            plan.unchanged += 1
        else:
            plan.conflicts.append(uid)
    for uid, have in owned.items():
        if uid in wanted:
            continue
        edit = None if uid in settled else server_edit(have, None, remembered_etags)
        if edit is not None:
            plan.edits[uid] = edit
        if uid in agreed and have.now and not force:
            # Skipped because the user cancelled it: it stays, as their own event.
            plan.writes.append(
                Write("release", uid, uid, have.href, have.etag, source=have, wire=have.wire)
            )
        elif edit is None or force:
            plan.writes.append(Write("delete", uid, uid, have.href, have.etag))
        elif adopt and have.now:
            # No longer planned but edited: the user keeps it as an event of their own.
            plan.writes.append(
                Write("release", uid, uid, have.href, have.etag, source=have, wire=have.wire)
            )
        else:
            plan.conflicts.append(uid)
    for extra in plan.duplicates:
        # A second copy of one of our UIDs (e.g. imported by hand): remove it.
        plan.writes.append(Write("delete", extra.uid, extra.uid, extra.href, extra.etag))
    return plan

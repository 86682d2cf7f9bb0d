"""The sync decision: desired events vs. what the calendar holds. Pure, no I/O.

The YAML is the truth for events we own (UID ending in ``@followup-cal``) and only for
those. "Changed" is decided by the content hash each event carries
(X-FOLLOWUP-CAL-HASH), never by re-sending. An ETag remembered from our own last write
that no longer matches means someone edited the event on the server: such an event is
left alone (a conflict) unless forced, like a 412 during the write itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from followup_cal.planner import UID_DOMAIN

OWNED_SUFFIX = "@" + UID_DOMAIN


def is_owned(uid: str) -> bool:
    return uid.endswith(OWNED_SUFFIX)


@dataclass(frozen=True)
class Desired:
    uid: str
    summary: str
    render: Callable[[], bytes]  # the VCALENDAR to PUT, built only when it is written
    content_hash: str


@dataclass(frozen=True)
class Remote:
    uid: str
    href: str
    etag: str
    content_hash: str  # "" when the event carries none


@dataclass(frozen=True)
class Write:
    kind: str  # "create", "update" or "delete"
    uid: str
    summary: str
    href: str | None = None  # where it is now (update, delete)
    etag: str | None = None  # the If-Match (update, delete)
    render: Callable[[], bytes] | None = None  # what to PUT (create, update)


@dataclass
class SyncPlan:
    writes: list[Write] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # UIDs edited on the server
    duplicates: list[Remote] = field(default_factory=list)  # a UID at a second href
    refused: str = ""  # why nothing may be written without --force

    def count(self, kind: str) -> int:
        return sum(1 for w in self.writes if w.kind == kind)


def plan_sync(
    desired: list[Desired],
    remote: list[Remote],
    remembered_etags: Mapping[str, str],
    *,
    force: bool = False,
) -> SyncPlan:
    """What to create, update and delete so the owned events equal the desired ones."""
    plan = SyncPlan()
    owned: dict[str, Remote] = {}
    for item in sorted(remote, key=lambda r: r.href):
        if not is_owned(item.uid):
            continue  # never touch a foreign event
        if item.uid in owned:
            plan.duplicates.append(item)
            continue
        owned[item.uid] = item
    wanted = {d.uid: d for d in desired}

    if not wanted and owned and not force:
        plan.refused = (
            f"the plan has no events but the calendar holds {len(owned)} of ours; "
            "refusing to delete them all (an emptied file?); use --force to do it"
        )
        return plan

    def edited(item: Remote) -> bool:
        known = remembered_etags.get(item.uid)
        return known is not None and known != item.etag

    for uid, want in wanted.items():
        have = owned.get(uid)
        if have is None:
            plan.writes.append(Write("create", uid, want.summary, render=want.render))
        elif have.content_hash == want.content_hash:
            plan.unchanged += 1
        elif edited(have) and not force:
            plan.conflicts.append(uid)
        else:
            plan.writes.append(
                Write("update", uid, want.summary, have.href, have.etag, want.render)
            )
    for uid, have in owned.items():
        if uid in wanted:
            continue
        if edited(have) and not force:
            plan.conflicts.append(uid)
        else:
            plan.writes.append(Write("delete", uid, uid, have.href, have.etag))
    for extra in plan.duplicates:
        # A second copy of one of our UIDs (e.g. imported by hand): remove it.
        plan.writes.append(Write("delete", extra.uid, extra.uid, extra.href, extra.etag))
    return plan

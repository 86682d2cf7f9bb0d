"""inbox's invitations, as plain values: each one found in the mailbox read and placed
as `add --from-invite` places it (invites/flow.py), once, by the message it came in; of
several copies of one (same UID), the latest counts. The command line prints them and,
with --yes, records the moves and cancellations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup_cal.invites.placing import Kind

if TYPE_CHECKING:
    from followup_cal.mail.inbox import InboxResult
    from followup_cal.mail.invitation import Understood
    from followup_cal.plan.model import SearchFile


@dataclass(frozen=True)
class Placements:
    """Each invitation's message key -> what it is to the file, and which is the latest
    copy of each UID."""

    understood: dict[str, Understood]  # by the message's key
    latest: dict[str, str]  # the invitation's UID -> the key of its latest copy

    def shown(self, key: str) -> bool:
        """A copy worth showing: the latest of its UID, and not what the file has."""
        found = self.understood[key]
        if found.event is None or suspicious(found):
            return True
        placement = found.placement
        latest = self.latest.get(found.event.uid or key) == key
        return latest and placement is not None and placement.kind is not Kind.UNCHANGED

    def to_record(self) -> list[Understood]:
        """What --yes records: the moves and cancellations shown (the round follows the
        invitation's UID: they are certain); a new interview or a next round is for the
        user to add (it needs a review, often a role)."""
        return [
            found
            for key, found in self.understood.items()
            if found.placement is not None
            and found.placement.kind in (Kind.MOVE, Kind.CANCEL)
            and self.shown(key)
        ]


def place_invitations(search: SearchFile, found: InboxResult) -> Placements:
    """Each invitation ``found`` in the mailbox, read and placed in ``search``."""
    from followup_cal.invites.flow import my_addresses
    from followup_cal.mail.invitation import understand

    mine = my_addresses(search, ())
    # An invitation from an interview's people is that interview's (by the mail's sender).
    theirs = {i.message.key: i for i in found.invitations}
    understood: dict[str, Understood] = {}
    latest: dict[str, str] = {}
    mails = found.invitation_mail
    for mail in sorted(mails, key=lambda m: (m.message.when is None, m.message.when)):
        key = mail.message.key
        read = understand(mail, search, mine, theirs.get(key))
        understood[key] = read
        # A copy not from the company's side never counts as the latest: its SEQUENCE
        # (99, say) must not hide the genuine copy that comes after it.
        if read.event is not None and not suspicious(read):
            uid = read.event.uid or key
            kept = understood.get(latest.get(uid, ""))
            if kept is None or _newer(read, kept):
                latest[uid] = key
    return Placements(understood, latest)


def suspicious(found: Understood) -> bool:
    return found.placement is not None and found.placement.kind is Kind.SUSPICIOUS


def _newer(one: Understood, other: Understood) -> bool:
    from followup_cal.plan.model import copy_order

    a, b = one.event, other.event
    assert a is not None and b is not None
    order = copy_order(a.copy(), b.copy())
    return order > 0 or (order == 0 and a.cancelled and not b.cancelled)

"""The inquiry chain (docs/policy.md rules 1, 2, 4, 5 and 10): part of the pure planner.

Counted from the latest round; the first inquiry not yet sent waits for the date they
decide on and, after a reply that is no outcome, for the wait that reply restarts; the
later ones keep their spacing from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from followup_cal.plan.context import Context, Day
from followup_cal.plan.followups import PlannedFollowup, Step, count_of, fmt_day
from followup_cal.plan.model import Channel, Interview
from followup_cal.plan.their_clock import inquiry_on_their_clock


def _first_wait(ctx: Context, day: date) -> tuple[date, str] | None:
    """Where the first inquiry not yet sent waits to, and why: the business day after the
    date they decide on, or the end of the wait their reply restarted, whichever is later
    (None when ``day`` is past both)."""
    targets = []
    if ctx.decision_wait and day <= ctx.decision_wait[0]:
        targets.append((ctx.cal.after(ctx.decision_wait[0]), ctx.decision_wait[1]))
    if ctx.restart and day < ctx.restart[0]:
        targets.append(ctx.restart)
    return max(targets, key=lambda t: t[0], default=None)


def _follow(movers: list[int], number: int, by: timedelta) -> timedelta:
    """``by``, the move of inquiry ``number`` that the later ones follow, noted."""
    if by and number not in movers:
        movers.append(number)
    return by


def _chain_moved(movers: list[int], shift: timedelta) -> str:
    """'follow-up 1 moved 17 days later, and it moves with it'."""
    which = " and ".join(str(n) for n in movers)
    who = f"follow-up{'s' * (len(movers) > 1)} {which}"
    later = "later" if shift.days > 0 else "earlier"
    total = " in all" if len(movers) > 1 else ""
    return f"{who} moved {count_of(abs(shift.days), 'day')} {later}{total}, and it moves with it"


def inquiries(
    ctx: Context, history: Mapping[int, PlannedFollowup] | None = None
) -> list[PlannedFollowup]:
    """The inquiries of the latest round. ``history``: those their reply found not sent
    and due before it, by number: they stay as they were, and count towards the cap as
    the ones sent do (rule 5)."""
    interview, pol, cal = ctx.interview, ctx.interview.policy, ctx.cal
    history = history or {}
    base = ctx.base_day
    offsets = pol.inquiry_offsets()

    items: list[PlannedFollowup] = []
    shift = timedelta(0)
    movers: list[int] = []  # the inquiries whose moves the later ones follow
    waiting = True
    previous: tuple[int, date] | None = None  # the inquiry before, and its day
    for index, offset in enumerate(offsets):
        number = index + 1
        kept = history.get(number)
        if kept is not None:
            items.append(kept)
            previous = (number, ctx.local_day(kept))
            continue
        # Rule 4: the last inquiry is the final one, even when it is the only one.
        final = number == len(offsets)
        d = Day(
            base + timedelta(days=offset) + shift,
            f"{offset} days after the interview on {fmt_day(base)}",
        )
        if shift:
            # Said as how far the chain moved and which inquiry moved it, so the reason
            # never contradicts itself nor the days between them.
            d.notes.append(f"moved to {fmt_day(d.day)} because {_chain_moved(movers, shift)}")
        sent = interview.done_on(
            f"follow_up-{number}", interview.latest_round.number, interview.contact.name
        )
        if not sent and waiting:
            # The first inquiry not yet sent waits for the decision and their reply; later
            # ones keep their spacing from it.
            wait = _first_wait(ctx, d.day)
            if wait:
                shift += _follow(movers, number, wait[0] - d.day)
                d.move(*wait)
        waiting = waiting and bool(sent)
        if previous and d.day < previous[1] + timedelta(days=pol.min_days_between_follow_ups):
            d.move(
                previous[1] + timedelta(days=pol.min_days_between_follow_ups),
                f"follow-ups stay {pol.min_days_between_follow_ups} days apart",
            )
        d.after_absence(cal, interview.contact)
        d.to_business_day(cal)
        if not sent:
            # The later inquiries keep their spacing from where this one waits to.
            before = d.day
            ctx.keep_clear(d)
            shift += _follow(movers, number, d.day - before)
        moved = interview.moved_to(
            f"follow_up-{number}", interview.latest_round.number, interview.contact.name
        )
        if moved and not sent and moved[0] != d.day:
            # The user's day wins over every rule; the inquiries after it keep their
            # spacing from it (and the 7 days below).
            shift += _follow(movers, number, moved[0] - d.day)
            d.move(moved[0], "you moved it in your calendar")
        when, reason, theirs = inquiry_on_their_clock(
            ctx.at_send_time(d.day),
            d.reason,
            interview.latest_round.start.tzinfo,
            pol,
            cal.work_week,
        )
        item = ctx.mark_done(
            ctx.item(
                Step.FOLLOW_UP,
                when,
                reason,
                their_zone=theirs,
                recipient=interview.addressee,
                number=number,
                final=final,
                by_phone=number == 1 and interview.channel is Channel.PHONE,
            )
        )
        # The next inquiry keeps its distance from the day this one was really sent.
        previous = (number, item.done or d.day)
        items.append(item)
    return items


def moves_a_reply_overrules(
    interview: Interview, on: date, decision: date | None
) -> list[tuple[str, date]]:
    """The inquiries still to come that the user moved in their calendar, before a reply
    on ``on``, to a day that reply now rules out (before the wait it restarts, or not
    after the date it gave): (step key, the day moved to). Rules 1 and 5 win over such
    an older move; a move made after the reply is the user's word and stays."""
    latest, contact = interview.latest_round, interview.contact.name
    if on < latest.start.date() or (interview.outcome and interview.outcome.on <= on):
        return []  # a reply that restarts no wait (see Context.reply)
    bound = on + timedelta(days=interview.policy.wait_after_reply_days)
    found = []
    for number in range(1, len(interview.policy.inquiry_offsets()) + 1):
        key = f"follow_up-{number}"
        moved = interview.moved_to(key, latest.number, contact)
        if moved is None or interview.done_on(key, latest.number, contact):
            continue
        day = moved[0]
        # A move to a day before the reply left it due before it: history, as it was.
        if on <= day and (day < bound or (decision is not None and day <= decision)):
            found.append((key, day))
    return found

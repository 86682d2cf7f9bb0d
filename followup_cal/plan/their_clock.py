"""The other side's clock (docs/policy.md, rule 9): a round held in its own zone has people
who read their mail in that zone. A thank-you or an inquiry to them lands in their working
hours where the rules still allow it (within 24 h for a thank-you, the same day for an
inquiry, while the user is up); the reason says both times. Part of the pure planner."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from followup_cal.plan.followups import place_name
from followup_cal.plan.policy import Policy


def differs(mine: ZoneInfo, theirs: ZoneInfo, at: datetime) -> bool:
    """Whether their clock reads otherwise than mine at ``at``."""
    if theirs.key == mine.key:
        return False
    return at.astimezone(theirs).utcoffset() != at.astimezone(mine).utcoffset()


def _at_work(when: datetime, zone: ZoneInfo, pol: Policy, work_week: tuple[int, ...]) -> bool:
    local = when.astimezone(zone)
    return local.weekday() in work_week and pol.work_day_start <= local.time() <= pol.work_day_end


def _up(when: datetime, mine: ZoneInfo, pol: Policy) -> bool:
    """Whether the user is up to send it: from their send time to the evening's end."""
    return pol.send_time <= when.astimezone(mine).time() <= pol.evening_end


def _starts(zone: ZoneInfo, clock: time, first: date, last: date) -> Iterable[datetime]:
    day = first
    while day <= last:
        yield datetime.combine(day, clock, tzinfo=zone)
        day += timedelta(days=1)


def in_their_hours(
    when: datetime,
    latest: datetime,
    mine: ZoneInfo,
    theirs: ZoneInfo,
    pol: Policy,
    work_week: tuple[int, ...],
) -> tuple[datetime, str]:
    """The earliest time from ``when`` to ``latest`` at which they are at work and the user
    is up, with the words that say so; ``when`` itself, said in both zones, when it is
    already in their hours or when no such time is left."""
    place = place_name(theirs)
    shown = when.astimezone(theirs)
    if _at_work(when, theirs, pol, work_week):
        return when, f"{shown:%H:%M} in {place}, within their working hours"
    first, last = when.date() - timedelta(days=1), latest.date() + timedelta(days=1)
    # The earliest moment both hold starts one of the two windows (or is ``when``).
    candidates = sorted(
        [
            *_starts(theirs, pol.work_day_start, first, last),
            *_starts(mine, pol.send_time, first, last),
        ]
    )
    for moment in candidates:
        if (
            when < moment <= latest
            and _at_work(moment, theirs, pol, work_week)
            and _up(moment, mine, pol)
        ):
            there = moment.astimezone(theirs)
            return moment.astimezone(mine), (
                f"{shown:%H:%M} in {place} is outside their working hours, so "
                f"{moment.astimezone(mine):%a %H:%M}, {there:%H:%M} in {place}"
            )
    return when, (
        f"{shown:%H:%M} in {place}: none of their working hours falls within the time "
        "left while you are up"
    )


def thank_you_on_their_clock(
    when: datetime,
    reason: str,
    end: datetime,
    mine: ZoneInfo,
    theirs: tzinfo | None,
    pol: Policy,
    work_week: tuple[int, ...],
) -> tuple[datetime, str, ZoneInfo | None]:
    """A thank-you for a round held in another zone: in their working hours if that is
    still within 24 h of the end while the user is up; ``theirs`` back when it differs."""
    if not isinstance(theirs, ZoneInfo) or not differs(mine, theirs, when):
        return when, reason, None
    reason = reason.replace("working hours", "your working hours")  # what it said: yours
    when, there = in_their_hours(when, end + timedelta(hours=24), mine, theirs, pol, work_week)
    return when, f"{reason}; {there}", theirs


def inquiry_on_their_clock(
    when: datetime, reason: str, theirs: tzinfo | None, pol: Policy, work_week: tuple[int, ...]
) -> tuple[datetime, str, ZoneInfo | None]:
    """An inquiry to the people of a round in another zone: on the same day for the user,
    at the first time from their send time that is within the contact's working hours."""
    mine = when.tzinfo
    if not isinstance(theirs, ZoneInfo) or not isinstance(mine, ZoneInfo):
        return when, reason, None
    if not differs(mine, theirs, when):
        return when, reason, None
    latest = datetime.combine(when.date(), pol.evening_end, tzinfo=mine)
    when, there = in_their_hours(when, latest, mine, theirs, pol, work_week)
    return when, f"{reason}; at {when:%H:%M}, {there}", theirs

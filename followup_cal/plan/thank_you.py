"""When a thank-you goes out (docs/policy.md, `thank_you`): part of the pure planner,
kept apart because the 24 hours have the most cases (working hours, late rounds, clock
changes, letters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from followup_cal.plan.followups import fmt_day
from followup_cal.plan.model import Channel, Interview
from followup_cal.plan.workdays import WorkCalendar


class PlanContext(Protocol):
    """What the thank-you's timing reads of the planner's context: declared here, so that
    this module does not import the planner that imports it."""

    interview: Interview
    cal: WorkCalendar

    @property
    def zone(self) -> ZoneInfo: ...

    def at_send_time(self, day: date) -> datetime: ...


def thank_you_time(
    ctx: PlanContext, start: datetime, end: datetime, label: str
) -> tuple[datetime, str]:
    """Within 24 hours of the end, as the advice asks: the same day in working hours, else
    the next business morning if that is within 24 hours, else the user's earliest waking
    hour within them (the same evening, or the next morning even on a day off)."""
    pol, cal = ctx.interview.policy, ctx.cal
    end_local = end.astimezone(ctx.zone)
    candidate = end_local + timedelta(hours=pol.thank_you_delay_hours)
    delay = f"{pol.thank_you_delay_hours} h after {label} ends"
    if ctx.interview.channel is Channel.LETTER:
        # Post is slow: a letter goes on the interview day once you are up, else next morning.
        letter, held = "because a letter takes days to arrive", start.astimezone(ctx.zone).date()
        awake = ctx.at_send_time(held)
        if candidate.date() == held and candidate >= awake:
            return candidate, f"{delay}, on the interview day {letter}"
        if end_local.date() == held and end_local >= awake:
            return end_local, f"as {label} ends, still on the interview day, {letter}"
        which = "after" if held < end_local.date() else "of"
        morning = max(ctx.at_send_time(end_local.date()), end_local)
        return morning, f"the morning {which} {label}, {letter}"
    same_day = candidate.date() == end_local.date()
    in_hours = cal.is_business_day(candidate.date()) and candidate.time() <= pol.work_day_end
    if in_hours and not same_day and candidate.time() >= pol.work_day_start:
        # A long delay (up to 24 h) that ends in the next working day is kept as it is.
        return candidate, f"{delay}, within working hours"
    if same_day and in_hours:
        if candidate.time() < pol.work_day_start:
            morning = ctx.at_send_time(candidate.date())
            # A round that ran past midnight was held the day before this morning.
            which = "after" if start.astimezone(ctx.zone).date() < candidate.date() else "of"
            return morning, f"the morning {which} {label}, at the start of the working day"
        return candidate, f"{delay}, still within working hours"
    deadline = end.astimezone(UTC) + timedelta(hours=24)  # real hours, across a clock change
    outside = f"{delay} ({candidate:%a %H:%M}) is outside working hours"
    day = cal.after(end_local.date())
    morning = ctx.at_send_time(day)
    if morning <= deadline:
        return morning, f"{outside}, so the next business morning, {fmt_day(day)}"
    hours = round((morning.timestamp() - end_local.timestamp()) / 3600)  # real hours, not wall
    late = (
        f"{outside}, and the next business morning ({fmt_day(day)}) is {hours} h after "
        f"{label}: a thank-you goes out within 24 h"
    )
    if same_day and ctx.at_send_time(end_local.date()) <= candidate:
        if candidate.time() <= pol.evening_end:
            return candidate, f"{late}, so the same day at {candidate:%H:%M}"
    elif same_day:
        return ctx.at_send_time(end_local.date()), f"{late}, so that morning"
    tomorrow = end_local.date() + timedelta(days=1)
    if ctx.at_send_time(tomorrow) <= deadline:
        return ctx.at_send_time(tomorrow), (
            f"{late}, so the next morning although {cal.why_not(tomorrow)}"
        )
    return candidate, f"{delay}, within 24 h"

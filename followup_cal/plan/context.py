"""What the planner's rules share: a date being moved by them (with its reasons), and
the context of one interview (its zone, the decision it waits on, their reply)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from followup_cal.plan.followups import PlannedFollowup, Step, count_of, fmt_day
from followup_cal.plan.model import Interview, Person, Profile, lazy
from followup_cal.plan.seasons import holiday_period, season_at
from followup_cal.plan.workdays import WorkCalendar


class Day:
    """A date being moved by rules, remembering every move for the explanation."""

    def __init__(self, day: date, why: str) -> None:
        self.day = day
        self.notes = [why]

    def move(self, day: date, why: str) -> None:
        self.notes.append(f"moved to {fmt_day(day)} because {why}")
        self.day = day

    def to_business_day(self, cal: WorkCalendar) -> None:
        if not cal.is_business_day(self.day):
            why = cal.why_not(self.day)
            self.notes.append(f"moved to {fmt_day(cal.on_or_after(self.day))} because {why}")
            self.day = cal.on_or_after(self.day)

    def after_absence(self, cal: WorkCalendar, person: Person) -> None:
        if person.away_until and self.day <= person.away_until:
            back = cal.after(person.away_until)
            self.move(back, f"{person.name} is away until {fmt_day(person.away_until)}")

    @property
    def reason(self) -> str:
        return "; ".join(self.notes)


# Its values are `lazy`, not cached_property, which takes a lock at each first read:
# each interview gets a Context or two, and a page plans answered ones again.
@dataclass
class Context:
    interview: Interview
    me: Profile
    cal: WorkCalendar

    @property
    def zone(self) -> ZoneInfo:
        return self.me.timezone

    @lazy
    def base_day(self) -> date:
        """The day the latest round was held, in my zone: what the inquiry chain counts
        from ("a week after the interview"), even when it ran past midnight."""
        return self.interview.latest_round.start.astimezone(self.zone).date()

    @lazy
    def holiday_period(self) -> tuple[date, date, str, date] | None:
        """The holidays the decision waits on (shared by the inquiry chain and the holiday
        note, so it is looked up once): those the employer named (decision_after_holidays),
        or those the decision date lies beyond; never when the user said false."""
        interview = self.interview
        decision = interview.new_decision or interview.decision_expected
        if interview.decision_after_holidays is False or not (
            interview.decision_after_holidays or decision
        ):
            return None
        period = holiday_period(self.cal, self.me.country, self.base_day)
        if period is None or interview.decision_after_holidays:
            return period
        if decision and self.base_day < period[0] and period[3] < decision:
            return period
        return None

    @lazy
    def decision_wait(self) -> tuple[date, str, str] | None:
        """The last day no inquiry comes before (rules 1, 5 and 11): the date they decide
        on, or the end of the holidays the decision waits on; with why an inquiry moves
        past it, and how a check-in counted from it names it."""
        interview, company = self.interview, self.interview.company
        wait: tuple[date, str, str] | None = None
        if interview.new_decision:
            # Rule 5: their reply gave a new date, and the chain waits for it.
            day = interview.new_decision
            answered = fmt_day(interview.heard_back or day)
            wait = (
                day,
                f"{company} answered on {answered} that it decides on {fmt_day(day)}",
                f"{fmt_day(day)}, the day {company} said on {answered} it decides",
            )
        elif interview.decision_expected:
            day = interview.decision_expected
            wait = (
                day,
                f"{company} said it decides on {fmt_day(day)}",
                f"{fmt_day(day)}, the day {company} said it decides",
            )
        period = self.holiday_period
        if period and (wait is None or period[1] > wait[0]):
            wait = (
                period[1],
                f"{company} decides after {period[2]}",
                f"{period[2]} (to {fmt_day(period[1])}), which the decision waits on",
            )
        return wait

    @lazy
    def quiet_after_reply(self) -> tuple[date, str] | None:
        """The first day a note we start may go after the contact's own reply, and why."""
        heard = self.interview.heard_back
        if heard is None:
            return None
        count = self.interview.policy.quiet_after_reply_business_days
        return (
            self.cal.add_business_days(heard, count),
            f"{self.interview.company} answered on {fmt_day(heard)}, and a note you start "
            f"waits {count_of(count, 'business day')} after their answer",
        )

    @lazy
    def reply(self) -> date | None:
        """The day of their reply that restarts the wait (rule 5), or None: one before the
        latest round answered an earlier round (what it led to is this round, rule 7), and
        one on or after the outcome changes nothing the outcome has not ended."""
        interview = self.interview
        heard = interview.heard_back
        if heard is None or heard < interview.latest_round.start.date():
            return None
        if interview.outcome and interview.outcome.on <= heard:
            return None
        return heard

    @lazy
    def restart(self) -> tuple[date, str] | None:
        """Rule 5: the first day the next inquiry may go after their reply, and why:
        ``wait_after_reply_days`` after it (the decision date it gave is waited for apart,
        in ``decision_wait``)."""
        if self.reply is None:
            return None
        days = self.interview.policy.wait_after_reply_days
        return (
            self.reply + timedelta(days=days),
            f"{self.interview.company} answered on {fmt_day(self.reply)}, and the next "
            f"inquiry waits {count_of(days, 'day')} after their last word",
        )

    def before_reply(self) -> Context:
        """This interview as it was planned before their reply: what the reply finds."""
        earlier = replace(self.interview, heard_back=None, new_decision=None, answered_by=None)
        return Context(earlier, self.me, self.cal)

    def local_day(self, item: PlannedFollowup) -> date:
        return item.start.astimezone(self.zone).date()

    def keep_clear(self, d: Day) -> bool:
        """Rules 13 and 14: a note we start waits for the quiet days after their reply and
        never lands inside a holiday season; whether ``d`` moved."""
        start = d.day
        quiet = self.quiet_after_reply
        if quiet and d.day < quiet[0]:
            d.move(quiet[0], quiet[1])
        season = season_at(self.cal, self.me.country, d.day)
        if season:
            d.move(
                self.cal.after(season[1]),
                f"{fmt_day(d.day)} falls in {season[2]} ({fmt_day(season[0])} to "
                f"{fmt_day(season[3])}), when most people are away",
            )
        return d.day != start

    def at_send_time(self, day: date) -> datetime:
        return datetime.combine(day, self.interview.policy.send_time, tzinfo=self.zone)

    def mark_done(self, item: PlannedFollowup) -> PlannedFollowup:
        """The item as recorded in ``done:``: on the day it was done, which may differ
        from the planned one; unchanged when not recorded."""
        if item.done is not None or not self.interview.done:  # most interviews: none
            return item
        recipient = item.recipient.name if item.recipient else None
        on = self.interview.done_on(item.key, item.round, recipient)
        if on is None or item.done is not None:
            return item
        planned = item.start.astimezone(self.zone).date()
        if on == planned:
            return item.changed(done=on, reason=f"done on {fmt_day(on)}; {item.reason}")
        return item.changed(
            start=self.at_send_time(on),
            done=on,
            reason=f"done on {fmt_day(on)}, planned for {fmt_day(planned)}: {item.reason}",
        )

    def as_user_left_it(self, item: PlannedFollowup) -> PlannedFollowup | None:
        """A step not done as the user left it in their calendar: None when they
        deleted it (``skipped:``), on their day and at the same hour when they moved it
        (``moved:``)."""
        interview = self.interview
        if item.done is not None or not (interview.skipped or interview.moved):
            return item  # most interviews: nothing moved or deleted
        recipient = item.recipient.name if item.recipient else None
        if interview.skipped_on(item.key, item.round, recipient) is not None:
            return None
        moved = self.interview.moved_to(item.key, item.round, recipient)
        local = item.start.astimezone(self.zone)
        if moved is None:
            return item
        start = datetime.combine(moved[0], moved[1] or local.time(), tzinfo=self.zone)
        if start == local:
            return item
        why = "because you moved it in your calendar"
        if moved[0] != local.date():
            reason = f"{item.reason}; moved to {fmt_day(moved[0])} {why}"
        elif why in item.reason:  # an inquiry: its day was moved in the chain already
            reason = item.reason
        else:
            reason = f"{item.reason}; at {start:%H:%M} {why}"
        return item.changed(start=start, reason=reason)

    def item(self, step: Step, when: datetime, reason: str, **kwargs: object) -> PlannedFollowup:
        minutes = self.interview.policy.event_minutes
        duration = _minutes(max(minutes, 30) if step is Step.DEBRIEF else minutes)
        kwargs.setdefault("round", self.interview.latest_round.number)
        return PlannedFollowup(
            interview=self.interview,
            step=step,
            start=when,
            duration=duration,
            reason=reason,
            **kwargs,  # type: ignore[arg-type]
        )


@cache  # one object for each length: 150,000 items share a few
def _minutes(count: int) -> timedelta:
    return timedelta(minutes=count)

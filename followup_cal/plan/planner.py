"""The follow-up planner: a pure function from interviews to dated follow-ups.

No I/O and no clock: everything it needs (the interviews, the business calendar and
``today``) comes in as arguments, so the same input always gives the same plan.
Each planned item says in words why it is on its date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from followup_cal.plan.followups import PlannedFollowup, Step, count_of, fmt_day
from followup_cal.plan.model import Channel, Interview, Person, Profile, Result
from followup_cal.plan.seasons import holiday_period, season_at
from followup_cal.plan.thank_you import thank_you_time
from followup_cal.plan.their_clock import inquiry_on_their_clock, thank_you_on_their_clock
from followup_cal.plan.workdays import WorkCalendar


class _Day:
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


@dataclass
class _Context:
    interview: Interview
    me: Profile
    cal: WorkCalendar

    @property
    def zone(self) -> ZoneInfo:
        return self.me.timezone

    @cached_property
    def base_day(self) -> date:
        """The day the latest round was held, in my zone: what the inquiry chain counts
        from ("a week after the interview"), even when it ran past midnight."""
        return self.interview.latest_round.start.astimezone(self.zone).date()

    @cached_property
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

    @cached_property
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

    @cached_property
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

    def keep_clear(self, d: _Day) -> bool:
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
        recipient = item.recipient.name if item.recipient else None
        on = self.interview.done_on(item.key, item.round, recipient)
        if on is None or item.done is not None:
            return item
        planned = item.start.astimezone(self.zone).date()
        if on == planned:
            return replace(item, done=on, reason=f"done on {fmt_day(on)}; {item.reason}")
        return replace(
            item,
            start=self.at_send_time(on),
            done=on,
            reason=f"done on {fmt_day(on)}, planned for {fmt_day(planned)}: {item.reason}",
        )

    def as_user_left_it(self, item: PlannedFollowup) -> PlannedFollowup | None:
        """A step not done as the user left it in their calendar: None when they
        deleted it (``skipped:``), on their day and at the same hour when they moved it
        (``moved:``)."""
        if item.done is not None:
            return item
        recipient = item.recipient.name if item.recipient else None
        if self.interview.skipped_on(item.key, item.round, recipient) is not None:
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
        return replace(item, start=start, reason=reason)

    def item(self, step: Step, when: datetime, reason: str, **kwargs: object) -> PlannedFollowup:
        duration = timedelta(minutes=self.interview.policy.event_minutes)
        if step is Step.DEBRIEF:
            duration = max(duration, timedelta(minutes=30))
        kwargs.setdefault("round", self.interview.latest_round.number)
        return PlannedFollowup(
            interview=self.interview,
            step=step,
            start=when,
            duration=duration,
            reason=reason,
            **kwargs,  # type: ignore[arg-type]
        )


def _round_steps(ctx: _Context) -> Iterable[PlannedFollowup]:
    """Rule 7: every round held gets its own debrief and a thank-you to each interviewer."""
    interview, pol = ctx.interview, ctx.interview.policy
    for rnd in interview.held_rounds:
        label = f"round {rnd.number}" if len(interview.rounds) > 1 else "the interview"
        debrief_at = rnd.end + timedelta(minutes=pol.debrief_after_minutes)
        yield ctx.item(
            Step.DEBRIEF,
            debrief_at,
            f"{pol.debrief_after_minutes} min after {label} ends, while it is fresh",
            recipient=None,
            round=rnd.number,
        )
        when, reason = thank_you_time(ctx, rnd.start, rnd.end, label)
        if interview.channel is not Channel.LETTER:  # a letter goes by post, not by clock
            when, reason, theirs = thank_you_on_their_clock(
                when, reason, rnd.end, ctx.zone, rnd.start.tzinfo, pol, ctx.cal.work_week
            )
        else:
            theirs = None
        for person in rnd.interviewers:
            yield ctx.item(
                Step.THANK_YOU,
                when,
                reason,
                recipient=person,
                round=rnd.number,
                by_letter=interview.channel is Channel.LETTER,
                their_zone=theirs,
            )


def _inquiries(ctx: _Context) -> list[PlannedFollowup]:
    """Rules 1, 2, 4 and 10: the inquiry chain counted from the latest round."""
    interview, pol, cal = ctx.interview, ctx.interview.policy, ctx.cal
    base = ctx.base_day
    offsets = pol.inquiry_offsets()
    wait_until, wait_why, _ = ctx.decision_wait or (None, "", "")

    items: list[PlannedFollowup] = []
    shift = timedelta(0)
    waiting = True
    previous: date | None = None
    for index, offset in enumerate(offsets):
        number = index + 1
        # Rule 4: the last inquiry is the final one, even when it is the only one.
        final = number == len(offsets)
        d = _Day(
            base + timedelta(days=offset) + shift,
            f"{offset} days after the interview on {fmt_day(base)}",
        )
        if shift:
            # Said as a step from the nominal day, so the reason never contradicts itself.
            later = "later" if shift.days > 0 else "earlier"
            d.notes.append(
                f"then {count_of(abs(shift.days), 'day')} {later}, keeping its spacing from "
                "the follow-up before it"
            )
        sent = interview.done_on(
            f"follow_up-{number}", interview.latest_round.number, interview.contact.name
        )
        if not sent and waiting and wait_until and d.day <= wait_until:
            # The first inquiry not yet sent waits for the decision; later ones keep
            # their spacing from it.
            moved = cal.after(wait_until)
            shift = moved - d.day
            d.move(moved, wait_why)
        waiting = waiting and bool(sent)
        if previous and d.day < previous + timedelta(days=pol.min_days_between_follow_ups):
            d.move(
                previous + timedelta(days=pol.min_days_between_follow_ups),
                f"follow-ups stay {pol.min_days_between_follow_ups} days apart",
            )
        d.after_absence(cal, interview.contact)
        d.to_business_day(cal)
        if not sent:
            # The later inquiries keep their spacing from where this one waits to.
            before = d.day
            ctx.keep_clear(d)
            shift += d.day - before
        moved = interview.moved_to(
            f"follow_up-{number}", interview.latest_round.number, interview.contact.name
        )
        if moved and not sent and moved[0] != d.day:
            # The user's day wins over every rule; the inquiries after it keep their
            # spacing from it (and the 7 days below).
            shift += moved[0] - d.day
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
        previous = item.done or d.day
        items.append(item)
    return items


def _check_ins(
    ctx: _Context, anchor: date, why: str, before: Iterable[PlannedFollowup] = ()
) -> list[PlannedFollowup]:
    """Monthly check-ins, each a single event on a business day (no RRULE: see README).

    Each keeps its interval from the one before: a contact back from months away gets
    the first on her return and the next ones a month apart, not all on one day.
    ``before``: what is planned already; each person's numbers go on from their own
    check-ins there (one away may have had fewer), so no two share a number."""
    pol, cal = ctx.interview.policy, ctx.cal
    gap = relativedelta(months=pol.check_in_every_months)
    sent = Counter(
        p.recipient.name for p in before if p.step is Step.CHECK_IN and p.recipient is not None
    )
    items = []
    for person in ctx.interview.network:
        previous: date | None = None  # the day before any roll to a business day
        for n in range(1, pol.check_ins + 1):
            months = n * pol.check_in_every_months
            d = _Day(
                anchor + relativedelta(months=months), f"{count_of(months, 'month')} after {why}"
            )
            if previous and d.day < previous + gap:
                spacing = count_of(pol.check_in_every_months, "month")
                d.move(
                    previous + gap,
                    f"check-in {n - 1} was due {fmt_day(previous)} and check-ins stay "
                    f"{spacing} apart",
                )
            d.after_absence(cal, person)
            previous = d.day
            d.to_business_day(cal)
            if ctx.keep_clear(d):
                previous = d.day  # the next one keeps its interval from where this went
            items.append(
                ctx.item(
                    Step.CHECK_IN,
                    ctx.at_send_time(d.day),
                    d.reason,
                    recipient=person,
                    number=sent.get(person.name, 0) + n,
                )
            )
    return items


def _holiday_note(ctx: _Context) -> list[PlannedFollowup]:
    interview, cal = ctx.interview, ctx.cal
    base = ctx.base_day
    period = ctx.holiday_period
    if period is None:
        return []
    count = interview.policy.holiday_note_business_days
    decision = interview.new_decision or interview.decision_expected
    if interview.decision_after_holidays or decision is None:
        why = f", which the decision at {interview.company} waits on"
    else:
        why = f": the decision at {interview.company} is due {fmt_day(decision)}, after them"
    d = _Day(
        cal.subtract_business_days(period[0], count),
        f"{count_of(count, 'business day')} before {period[2]} (from {fmt_day(period[0])})" + why,
    )
    d.after_absence(cal, interview.contact)
    quiet = ctx.quiet_after_reply
    if quiet and d.day < quiet[0]:
        d.move(quiet[0], quiet[1])
    if d.day <= base or d.day >= period[0]:
        # Too close to the interview, or the contact is away until the holidays, or their
        # answer came too close to them: a season's greeting would arrive too late.
        return []
    return [
        ctx.item(
            Step.HOLIDAY_NOTE,
            ctx.at_send_time(d.day),
            d.reason,
            recipient=interview.addressee,
            occasion=period[2],
        )
    ]


def plan_interview(interview: Interview, me: Profile, cal: WorkCalendar) -> list[PlannedFollowup]:
    """Every follow-up for one interview, following docs/policy.md."""
    if not interview.held_rounds:
        return []  # every round was cancelled: nothing happened to follow up on
    ctx = _Context(interview, me, cal)
    pol = interview.policy
    items = list(_round_steps(ctx))
    check_ins_wanted = not interview.no_follow_up or "check_ins" in pol.explicit

    if interview.no_follow_up:
        # Rule 3: the employer asked for none; debrief and thank-yous only.
        pending: list[PlannedFollowup] = []
    else:
        pending = _inquiries(ctx) + _holiday_note(ctx)

    inquiries = [p for p in pending if p.step is Step.FOLLOW_UP]
    # Rule 5: only a reply that brought a new decision date plans the chain again; any
    # other reply ends it, whatever date was said at the interview, unless a later round
    # followed it (rule 7).
    if check_ins_wanted and interview.reply_ending_chain is None:
        if inquiries:
            final = inquiries[-1]
            last = final.start.date()
            why = f"the final follow-up on {fmt_day(last)} went unanswered"
            recipient = final.recipient.name if final.recipient else None
            if interview.skipped_on(final.key, final.round, recipient) is not None:
                # Deleted from the calendar, so never sent: it cannot have gone unanswered.
                why = f"{fmt_day(last)}, when the final follow-up you deleted was due"
        elif ctx.decision_wait and ctx.decision_wait[0] > ctx.base_day:
            # No inquiries (max_follow_ups: 0): the search goes quiet once they have
            # decided, not while they still decide.
            last, _, why = ctx.decision_wait
        else:
            last = ctx.base_day
            why = f"the interview on {fmt_day(last)}"
        pending += _check_ins(ctx, last, why)

    # Rules 5 and 6: a reply or an outcome cancels what would come after it.
    cut = interview.reply_ending_chain
    if interview.outcome and (cut is None or interview.outcome.on < cut):
        cut = interview.outcome.on
    # What was done stays: it happened, whatever came after.
    pending = [ctx.mark_done(p) for p in pending]
    if cut is not None:
        pending = [p for p in pending if p.done or p.start.astimezone(ctx.zone).date() <= cut]
    answers = [d for d in (interview.heard_back, interview.outcome and interview.outcome.on) if d]
    if answers:
        # A note due on or before their answer and never sent is not worth sending now:
        # it would ask after the answer. Dropped, so that no view shows it as overdue.
        answered = max(answers)
        pending = [p for p in pending if p.done or p.start.astimezone(ctx.zone).date() > answered]
    items += pending

    outcome = interview.outcome
    if outcome and outcome.result is Result.REJECTED:
        writer = outcome.by or interview.contact
        day = cal.add_business_days(outcome.on, pol.rejection_reply_business_days)
        why = (
            f"{count_of(pol.rejection_reply_business_days, 'business day')} after the "
            f"rejection on {fmt_day(outcome.on)}: a short, gracious reply keeps the door open"
        )
        if interview.no_follow_up:
            # Rule 3: answering their message is not chasing them.
            why += "; it answers their message, so it is no follow-up they asked you to skip"
        items.append(ctx.item(Step.REJECTION_REPLY, ctx.at_send_time(day), why, recipient=writer))
    if outcome and outcome.result is Result.REJECTED and check_ins_wanted:
        items += _check_ins(ctx, outcome.on, f"the rejection on {fmt_day(outcome.on)}", pending)
    done = (ctx.mark_done(item) for item in items)
    if outcome:
        # Rule 6 for the thank-you too: one due after they decided would offer help "with
        # the decision" already made (a rejection's reply thanks them instead).
        zone, on = ctx.zone, outcome.on
        done = (
            i
            for i in done
            if i.step is not Step.THANK_YOU or i.done or i.start.astimezone(zone).date() <= on
        )
    kept = (ctx.as_user_left_it(item) for item in done)
    return [item for item in kept if item is not None]


def plan_followups(
    interviews: Iterable[Interview], me: Profile, cal: WorkCalendar, today: date
) -> list[PlannedFollowup]:
    """All follow-ups of all interviews, sorted by time, each marked past/today/upcoming."""
    planned = []
    for interview in interviews:
        for item in plan_interview(interview, me, cal):
            day = item.start.astimezone(me.timezone).date()
            status = "past" if day < today else "today" if day == today else "upcoming"
            if item.done:
                status = "done"
            # dataclasses.replace is slow: a large search plans 150,000 items.
            planned.append(item if status == item.status else replace(item, status=status))
    planned.sort(key=lambda p: p.sort_key)
    return planned

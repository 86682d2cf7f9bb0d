"""The follow-up planner: a pure function from interviews to dated follow-ups.

No I/O and no clock: everything it needs (the interviews, the business calendar and
``today``) comes in as arguments, so the same input always gives the same plan.
Each planned item says in words why it is on its date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from followup_cal.plan.context import Context, Day
from followup_cal.plan.followups import PlannedFollowup, Step, count_of, fmt_day
from followup_cal.plan.inquiries import inquiries
from followup_cal.plan.model import Channel, Interview, Profile, Result
from followup_cal.plan.thank_you import thank_you_time
from followup_cal.plan.their_clock import thank_you_on_their_clock
from followup_cal.plan.workdays import WorkCalendar


def _round_steps(ctx: Context) -> Iterable[PlannedFollowup]:
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


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months, on the same day of the month or the last of a
    shorter month (31 Jan + 1 = 28 or 29 Feb): what dateutil's relativedelta(months=)
    does, without its cost (two check-ins a person, 150,000 in a large search)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _check_ins(
    ctx: Context, anchor: date, why: str, before: Iterable[PlannedFollowup] = ()
) -> list[PlannedFollowup]:
    """Monthly check-ins, each a single event on a business day (no RRULE: see README).

    Each keeps its interval from the one before: a contact back from months away gets
    the first on her return and the next ones a month apart, not all on one day.
    ``before``: what is planned already; each person's numbers go on from their own
    check-ins there (one away may have had fewer), so no two share a number."""
    pol, cal = ctx.interview.policy, ctx.cal
    gap = pol.check_in_every_months
    # The highest number, not how many: a check-in 3 sent early, whose 1 and 2 a
    # rejection then cancelled, is followed by 4 (counted, the next was 2, then 3 again).
    sent: dict[str, int] = {}
    for p in before:
        if p.step is Step.CHECK_IN and p.recipient is not None:
            sent[p.recipient.name] = max(sent.get(p.recipient.name, 0), p.number)
    items = []
    for person in ctx.interview.network:
        previous: date | None = None  # the day before any roll to a business day
        for n in range(1, pol.check_ins + 1):
            months = n * pol.check_in_every_months
            d = Day(add_months(anchor, months), f"{count_of(months, 'month')} after {why}")
            if previous and d.day < add_months(previous, gap):
                spacing = count_of(gap, "month")
                d.move(
                    add_months(previous, gap),
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


def _holiday_note(ctx: Context) -> list[PlannedFollowup]:
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
    d = Day(
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


def _pending(ctx: Context, history: Sequence[PlannedFollowup] = ()) -> list[PlannedFollowup]:
    """The steps we start (inquiries, the holiday note, check-ins), before any outcome.
    ``history``: what their reply found due before it and not sent (see ``_after_reply``)."""
    interview = ctx.interview
    wanted = not interview.no_follow_up or "check_ins" in interview.policy.explicit
    if interview.no_follow_up:
        # Rule 3: the employer asked for none; debrief and thank-yous only.
        pending: list[PlannedFollowup] = []
    else:
        kept = {h.number: h for h in history if h.step is Step.FOLLOW_UP}
        pending = inquiries(ctx, kept) + _holiday_note(ctx)
    if not wanted:
        return pending
    chain = [p for p in pending if p.step is Step.FOLLOW_UP]
    if chain:
        final = chain[-1]
        last = ctx.local_day(ctx.mark_done(final))
        why = f"the final follow-up on {fmt_day(last)} went unanswered"
        recipient = final.recipient.name if final.recipient else None
        if interview.skipped_on(final.key, final.round, recipient) is not None:
            # Deleted from the calendar, so never sent: it cannot have gone unanswered.
            why = f"{fmt_day(last)}, when the final follow-up you deleted was due"
        if ctx.reply and last < ctx.reply:
            # Every inquiry went before their reply: the quiet months count from it, or
            # from the day it said they decide.
            last, why = ctx.reply, f"{interview.company}'s answer on {fmt_day(ctx.reply)}"
            if ctx.decision_wait and ctx.decision_wait[0] > last:
                last, _, why = ctx.decision_wait
    elif ctx.decision_wait and ctx.decision_wait[0] > ctx.base_day:
        # No inquiries (max_follow_ups: 0): the search goes quiet once they have
        # decided, not while they still decide.
        last, _, why = ctx.decision_wait
    else:
        last = ctx.base_day
        why = f"the interview on {fmt_day(last)}"
    return pending + _check_ins(ctx, last, why, history)


def _after_reply(ctx: Context) -> list[PlannedFollowup]:
    """Rule 5: a reply that is no outcome ends nothing. What was due before it and not
    sent stays as it was, no longer due (rule 6); the rest is planned again from it."""
    answered = ctx.reply
    if answered is None:
        return [ctx.mark_done(p) for p in _pending(ctx)]
    fact = f"{ctx.interview.company} answered on {fmt_day(answered)}"
    earlier = ctx.before_reply()
    history = [
        overtaken(p, fact)
        for p in map(earlier.mark_done, _pending(earlier))
        if _before(ctx, p, answered)
    ]
    kept = {p.uid for p in history}
    # Nothing new before its cause (rule 13): a note the reply itself brought (a holiday
    # note for the date it gave) is not planned on a day before it.
    again = [
        p
        for p in map(ctx.mark_done, _pending(ctx, history))
        if p.uid not in kept and (p.done or ctx.local_day(p) > answered)
    ]
    return history + again


def _before(ctx: Context, item: PlannedFollowup, day: date) -> bool:
    """Whether ``item`` was due before ``day`` and is still open: what a fact of that day
    finds (one that an earlier fact overtook already keeps that fact)."""
    return not item.done and not item.overtaken and ctx.local_day(item) < day


def overtaken(item: PlannedFollowup, fact: str) -> PlannedFollowup:
    """A step due before a fact and not sent: it stays on its day, no longer due."""
    return item.changed(
        overtaken=fact, reason=f"{item.reason}; not done before {fact}: no longer due"
    )


OUTCOME_FACT = {
    Result.OFFER: "the offer on {}",
    Result.REJECTED: "the rejection on {}",
    Result.WITHDRAWN: "your withdrawal on {}",
}


def plan_interview(
    interview: Interview, me: Profile, cal: WorkCalendar, rounds: bool = True
) -> list[PlannedFollowup]:
    """Every follow-up for one interview, following docs/policy.md; without the debrief
    and thank-yous when not ``rounds``."""
    if not interview.held_rounds:
        return []  # every round was cancelled: nothing happened to follow up on
    ctx = Context(interview, me, cal)
    pol = interview.policy
    # A reply leaves the debrief and thank-yous as they are: it answers none of them.
    items = [ctx.mark_done(i) for i in _round_steps(ctx)] if rounds else []
    pending = _after_reply(ctx)

    outcome = interview.outcome
    if outcome:
        # Rule 6: an outcome cancels what was still to come from its day on; what was
        # due before it and not sent stays as it was, no longer due. A thank-you due after
        # it would offer help "with the decision" already made (the rejection's reply
        # thanks them instead), and one due that day is no longer due either.
        on, fact = outcome.on, OUTCOME_FACT[outcome.result].format(fmt_day(outcome.on))
        pending = [
            overtaken(p, fact) if _before(ctx, p, on) else p
            for p in pending
            if p.done or p.overtaken or ctx.local_day(p) < on
        ]
        items = [
            overtaken(i, fact) if _before(ctx, i, on + timedelta(days=1)) else i
            for i in items
            if i.done or i.step is not Step.THANK_YOU or ctx.local_day(i) <= on
        ]
    items += pending

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
        if not interview.no_follow_up or "check_ins" in pol.explicit:
            rejected = f"the rejection on {fmt_day(outcome.on)}"
            items += _check_ins(ctx, outcome.on, rejected, pending)
    kept = (ctx.as_user_left_it(ctx.mark_done(item)) for item in items)
    return [item for item in kept if item is not None]


def plan_followups(
    interviews: Iterable[Interview],
    me: Profile,
    cal: WorkCalendar,
    today: date,
    rounds: bool = True,
) -> list[PlannedFollowup]:
    """All follow-ups of all interviews, sorted by time, each marked past/today/upcoming;
    without the debriefs and thank-yous when not ``rounds``."""
    planned = []
    for interview in interviews:
        for item in plan_interview(interview, me, cal, rounds):
            day = item.start.astimezone(me.timezone).date()
            status = "past" if day < today else "today" if day == today else "upcoming"
            if item.done:
                status = "done"
            elif item.overtaken:
                status = "overtaken"
            planned.append(item if status == item.status else item.changed(status=status))
    planned.sort(key=lambda p: p.sort_key)
    return planned

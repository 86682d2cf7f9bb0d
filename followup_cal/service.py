"""The jobs the commands do, as plain functions: no click, no printing.

Loading, planning, drafting and building the calendar are wired together here so that
the CLI (and later sync) call one function per job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, cast

from followup_cal.errors import InvalidInput, NotFound
from followup_cal.loader.business_calendar import calendar_for
from followup_cal.plan.clashes import uid_clashes
from followup_cal.plan.followups import PlannedFollowup
from followup_cal.plan.model import Interview, Pos, SearchFile, StepFact
from followup_cal.plan.planner import plan_followups

if TYPE_CHECKING:
    # Drafts and the calendar are imported where they are made: `plan` needs neither.
    from followup_cal.calendar.export_cache import EventCache
    from followup_cal.calendar.ics import FeedStyle, FollowupEvent
    from followup_cal.calendar.ics_stream import CalendarStream
    from followup_cal.journal.state import ExportState
    from followup_cal.plan.draft_lint import LintWarning
    from followup_cal.plan.drafts import Draft
    from followup_cal.plan.field_lint import FieldWarning


def plan(search: SearchFile, today: date, only: str | None = None) -> list[PlannedFollowup]:
    """The plan of every interview, or of the one with id ``only`` (each interview is
    planned on its own, so its items are the same either way)."""
    cal = calendar_for(search.me)
    interviews = [i for i in search.interviews if i.id == only] if only else search.interviews
    items = plan_followups(interviews, search.me, cal, today)
    cal.save_cache()
    clashes = uid_clashes(search, items)
    if clashes:
        raise InvalidInput(clashes)
    return items


def drafter(
    search: SearchFile, sending_on: date | None = None
) -> Callable[[PlannedFollowup], FollowupEvent]:
    """What drafts one item of ``search``, for commands that draft only some.

    ``sending_on``: for commands the user reads to send now (draft, agenda), so an overdue
    thank-you does not say 'today'; the calendar leaves it out and keeps one text."""
    from followup_cal.calendar.ics import FollowupEvent

    make = draft_maker(search, sending_on)

    def render(item: PlannedFollowup) -> FollowupEvent:
        return FollowupEvent(item, make(item))

    return render


def draft_maker(
    search: SearchFile, sending_on: date | None = None
) -> Callable[[PlannedFollowup], Draft]:
    """What drafts one item of ``search``, the draft alone (see ``drafter``)."""
    from followup_cal.loader.templates import TemplateSet
    from followup_cal.plan.drafts import render_draft

    templates = TemplateSet(search.templates_dir)
    me = search.me
    return lambda item: render_draft(item, me, templates, sending_on)


def draft_events(
    search: SearchFile, items: list[PlannedFollowup], sending_on: date | None = None
) -> list[FollowupEvent]:
    return list(map(drafter(search, sending_on), items))


def lint(events: Iterable[FollowupEvent]) -> list[LintWarning]:
    from followup_cal.plan.draft_lint import GENERIC, lint_draft

    warnings: list[LintWarning] = []
    # A missing pitch or talked_about is one gap in the file, however many drafts it
    # leaves generic: said once, at the first of them.
    said: set[tuple[str, str, Pos]] = set()
    for event in events:
        for warning in lint_draft(event.item, event.draft):
            key = (event.item.interview.id, warning.message, warning.pos)
            if warning.message.startswith(GENERIC):
                if key in said:
                    continue
                said.add(key)
            warnings.append(warning)
    return warnings


def lint_plan(search: SearchFile, items: list[PlannedFollowup]) -> list[LintWarning]:
    """The lint of every draft of ``items`` but the steps done (history, which the lint
    says nothing of), in the order of ``items``. The drafts are made one interview at a
    time and let go: a person's drafts one after another find their name's parts and
    texts still at hand (a fifth faster than in the order of dates at 10,000)."""
    render = drafter(search)
    places: dict[str, list[int]] = {}
    for place, item in enumerate(items):
        if item.status != "done":
            places.setdefault(item.interview.id, []).append(place)
    found: list[tuple[int, LintWarning]] = []
    for group in places.values():
        place_of = {id(items[place]): place for place in group}
        for warning in lint(render(items[place]) for place in group):
            found.append((place_of[id(warning.item)], warning))
    found.sort(key=lambda f: f[0])  # stable: one item's warnings stay in the lint's order
    return [warning for _, warning in found]


def items_by_interview(items: Iterable[PlannedFollowup]) -> dict[str, list[PlannedFollowup]]:
    """The items of each interview id, in their order: one pass, so that a command never
    scans every item once per interview."""
    grouped: dict[str, list[PlannedFollowup]] = {}
    for item in items:
        grouped.setdefault(item.interview.id, []).append(item)
    return grouped


def field_warnings(search: SearchFile) -> list[FieldWarning]:
    """Fields whose shape breaks the drafts' English, or a call with no number."""
    from followup_cal.plan.field_lint import lint_fields

    return [w for i in search.interviews for w in lint_fields(i, search.me)]


def unmatched_done(
    search: SearchFile, items: list[PlannedFollowup], today: date | None = None
) -> list[str]:
    """Warnings for done: and moved: entries that match no planned step (a typo, or a
    step the policy no longer plans): they would otherwise be silently ignored.
    (skipped: entries take their step out of the plan, so there is nothing to match.)
    A step a reply or an outcome cancelled (given ``today``) is history, not a typo: a
    line sync or done wrote before the fact stays, and says nothing."""
    warnings = []
    by_interview = items_by_interview(items)
    gone: dict[str, list[PlannedFollowup]] | None = None
    for interview in search.interviews:
        mine = by_interview.get(interview.id, [])
        latest = interview.latest_round.number
        for kind, entry in [("done", e) for e in interview.done] + [
            ("moved", e) for e in interview.moved
        ]:
            if entry.step.startswith("follow_up") and (entry.round or latest) < latest:
                continue  # an inquiry of an earlier round's chain: history, not a typo
            if interview.skipped_on(entry.step, entry.round or latest, entry.to or None):
                continue  # moved, then deleted from the calendar: its history
            if not _matches_any(entry, mine) and not _to_someone_before(entry, mine, interview):
                if today is not None and (interview.heard_back or interview.outcome):
                    if gone is None:  # planned once for all answered interviews, if needed
                        gone = items_by_interview(cancelled(search, items, today))
                    was = gone.get(interview.id, [])
                    if _matches_any(entry, was) or _to_someone_before(entry, was, interview):
                        continue
                keys = ", ".join(dict.fromkeys(i.key for i in mine))
                warnings.append(
                    f"{search.path}:{entry.pos.line}:{entry.pos.column}: warning: "
                    f"{interview.id} {kind}: '{entry.step}' matches no planned step; "
                    f"the steps are: {keys}"
                )
    return warnings


def _to_someone_before(entry: StepFact, items: list[PlannedFollowup], interview: Interview) -> bool:
    """A check-in recorded for someone who no longer gets check-ins (add-round --contact
    made another person the one to keep in touch with), as long as the plan has that
    check-in for someone, or a reply to a rejection later replaced: history, not a typo."""
    if entry.step == "rejection_reply":
        # Sent, then the outcome was replaced (outcome --replace): it happened all the same.
        return interview.outcome is not None and interview.outcome.result.value != "rejected"
    if not entry.to or not entry.step.startswith("check_in"):
        return False
    keys = {i.key for i in items if i.step.value == "check_in"}
    getting = {i.recipient.name for i in items if i.step.value == "check_in" and i.recipient}
    return entry.step in keys and entry.to not in getting


def _matches_any(entry: StepFact, items: list[PlannedFollowup]) -> bool:
    return any(
        entry.matches(i.key, i.round, i.recipient.name if i.recipient else None) for i in items
    )


def future_facts(search: SearchFile, today: date) -> list[str]:
    """Warnings for facts dated after today: a reply, an outcome or a step done tomorrow
    is a typo (the journal commands refuse such a date), and the plan would act on it."""
    warnings = []
    for interview in search.interviews:
        dated = [
            ("heard_back", interview.heard_back, interview.field_pos.get("heard_back")),
            (
                "outcome",
                interview.outcome.on if interview.outcome else None,
                interview.field_pos.get("outcome"),
            ),
        ]
        # moved: and skipped: name the step's day, which may well be ahead.
        dated += [(f"done: {e.step}", e.on, e.pos) for e in interview.done]
        for what, day, pos in dated:
            if day and day > today:
                warnings.append(
                    (pos or interview.pos).warning(
                        search.path,
                        f"{interview.id} {what}",
                        f"{day} is after today ({today}); a fact is dated when it happened",
                    )
                )
    return warnings


def cancelled(
    search: SearchFile, items: list[PlannedFollowup], today: date
) -> list[PlannedFollowup]:
    """What a reply or an outcome cancelled: planned without them, gone with them."""
    from dataclasses import replace

    answered = [i for i in search.interviews if i.heard_back or i.outcome]
    if not answered:
        return []
    kept = {i.uid for i in items}
    cal = calendar_for(search.me)
    gone = []
    for interview in answered:
        # One interview at a time: a third of a large search planned again at once held
        # tens of MB, nearly all of it the steps that were not cancelled.
        unanswered = replace(interview, heard_back=None, new_decision=None, outcome=None)
        # The debrief and thank-yous do not depend on the answer; only an outcome takes
        # some away (a thank-you due after it), so after a reply alone they are the same
        # steps as in the plan, and not planned again.
        rounds = interview.outcome is not None
        uncut = plan_followups([unanswered], search.me, cal, today, rounds)
        gone += [i for i in uncut if i.uid not in kept]
    gone.sort(key=lambda p: p.sort_key)
    return gone


class _DraftOnUse:
    """An event whose draft is made each time it is read and not kept: a page of 150,000
    drafts reads each once, for its panel."""

    __slots__ = ("item", "make")

    def __init__(self, item: PlannedFollowup, make: Callable[[PlannedFollowup], Draft]) -> None:
        self.item = item
        self.make = make

    @property
    def draft(self) -> Draft:
        return self.make(self.item)


def timeline_page(
    search: SearchFile, today: date, items: list[PlannedFollowup] | None = None
) -> Iterator[bytes]:
    """The timeline page in UTF-8 pieces (see timeline.timeline_chunks). ``items``: the plan of
    ``search`` on ``today`` when the caller has it already (``plan --html`` prints it too)."""
    from followup_cal.calendar.timeline import STATE_OF_STATUS, Mark, timeline_chunks

    zone = search.me.timezone
    if items is None:
        items = plan(search, today)
    make = draft_maker(search)
    interviews = {i.id: i for i in search.interviews}
    # Sorted within each interview, which is all the page shows (a row per interview).
    # The plan's items come sorted by time already (their sort_key starts with it): only
    # an interview that gets cancelled steps too is sorted again.
    grouped: dict[str, list[Mark]] = {}
    for item in items:
        event = cast("FollowupEvent", _DraftOnUse(item, make))
        mark = Mark(event, STATE_OF_STATUS[item.status], item.start.astimezone(zone))
        grouped.setdefault(item.interview.id, []).append(mark)
    unsorted = set()
    for item in cancelled(search, items, today):
        # The item was planned without the answer; the file's interview has it.
        interview = interviews[item.interview.id]
        fact = (
            f"{interview.outcome.result.value} on {interview.outcome.on}"
            if interview.outcome
            else f"they answered on {interview.heard_back}"
        )
        event = cast("FollowupEvent", _DraftOnUse(item, make))
        mark = Mark(event, "cancelled", item.start.astimezone(zone), f"cancelled, {fact}")
        grouped.setdefault(interview.id, []).append(mark)
        unsorted.add(interview.id)
    marks = []
    for key, group in grouped.items():
        if key in unsorted:
            group.sort(key=lambda m: (m.start, m.event.item.sort_key))
        marks += group
    del grouped
    title = search.calendar_name or f"Job search of {search.me.name}"
    return timeline_chunks(marks, search.interviews, zone, today, title)


def timeline_html(search: SearchFile, today: date) -> str:
    return b"".join(timeline_page(search, today)).decode()


def export_stream(
    search: SearchFile,
    today: date,
    state: ExportState,
    style: FeedStyle | None = None,
    cache: EventCache | None = None,
    *,
    interviews: Iterable[Interview] | None = None,
    read_whole: Callable[[], SearchFile] | None = None,
) -> CalendarStream:
    """The calendar in chunks. Each interview is planned, drafted and serialised on its
    own (the planner plans each alone), then let go; ``interviews``, when given, come
    one at a time from the loader (``read_lazily``) instead of ``search``."""
    from followup_cal.calendar.ics import EVENTS
    from followup_cal.calendar.ics_stream import CalendarStream

    cal = calendar_for(search.me)

    def plan_one(interview: Interview) -> list[PlannedFollowup]:
        return plan_followups([interview], search.me, cal, today)

    def refuse_clashes() -> None:
        # Two events with one UID: the whole plan names them (a rare, fatal error).
        plan(read_whole() if read_whole else search, today)
        raise AssertionError("two events with one UID, not found again in the whole plan")

    return CalendarStream(
        search,
        plan_one,
        drafter(search),
        state,
        today,
        style or EVENTS,
        cache,
        interviews=interviews,
        read_whole=read_whole,
        refuse_clashes=refuse_clashes,
        when_planned=cal.save_cache,
    )


def export_ics(
    search: SearchFile, today: date, state: ExportState, style: FeedStyle | None = None
) -> bytes:
    return b"".join(export_stream(search, today, state, style).chunks())


def find_event(
    events: list[FollowupEvent],
    interview_id: str,
    step: str | None,
    to: str | None,
    round_number: int | None,
) -> FollowupEvent:
    """The one event the user means by ID [STEP] [--to NAME] [--round N]; NotFound,
    asking for --to, when several people get it."""
    chosen = find_events(events, interview_id, step, to, round_number)
    if len(chosen) > 1:
        recipients = sorted(e.item.recipient.name if e.item.recipient else "" for e in chosen)
        raise NotFound(
            f"several people get this step ({', '.join(recipients)}); choose one with --to NAME"
        )
    return chosen[0]


def find_events(
    events: list[FollowupEvent],
    interview_id: str,
    step: str | None,
    to: str | None,
    round_number: int | None,
) -> list[FollowupEvent]:
    """The events the user means by ID [STEP] [--to NAME] [--round N]: one, or each
    recipient's of a step several people get (a thank-you to a panel)."""
    ids = sorted({e.item.interview.id for e in events})
    chosen = [e for e in events if e.item.interview.id == interview_id]
    if not chosen:
        raise NotFound(f"no interview '{interview_id}'; the ids are: {', '.join(ids)}")
    if step:
        wanted = step.replace("-", "_")
        keys = sorted({e.item.key for e in chosen}, key=lambda k: (k.split("-")[0], len(k), k))
        by_key = [e for e in chosen if e.item.key.replace("-", "_") == wanted]
        by_step = [e for e in chosen if e.item.step.value == wanted]
        chosen = by_key or by_step
        if not chosen:
            raise NotFound(
                f"no step '{step}' planned for '{interview_id}'; the steps are: {', '.join(keys)}"
            )
    if round_number is not None:
        chosen = [e for e in chosen if e.item.round == round_number]
        if not chosen:
            raise NotFound(f"no round {round_number} for that step of '{interview_id}'")
    if to:
        needle = to.casefold()
        names = sorted({e.item.recipient.name for e in chosen if e.item.recipient})
        chosen = [
            e for e in chosen if e.item.recipient and needle in e.item.recipient.name.casefold()
        ]
        if not chosen:
            raise NotFound(f"no recipient matching '{to}'; expected one of: {', '.join(names)}")
    # The first one still to do; when everything is past, the most recent.
    pending = [e for e in chosen if e.item.status not in ("past", "done", "overtaken")]
    target = pending[0].item if pending else chosen[-1].item
    if not step:
        return [pending[0] if pending else chosen[-1]]
    return [e for e in chosen if (e.item.key, e.item.round) == (target.key, target.round)]

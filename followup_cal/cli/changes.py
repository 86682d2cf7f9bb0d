"""What a change of an interview's rounds did to its plan: add-round, a round from an
invitation, a reschedule, a cancellation. Each prints it as done, reply and outcome do,
and says so when a relative decision date ('in 2 weeks') counts from another round now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import click

from followup_cal.cli.base import load, resolve_today
from followup_cal.cli.journal import echo_plan_changes, planned_items
from followup_cal.plan.followups import fmt_day

if TYPE_CHECKING:
    from followup_cal.plan.followups import PlannedFollowup
    from followup_cal.plan.model import Interview, SearchFile


@dataclass(frozen=True)
class PlanWatch:
    """One interview and its plan before a write, to say afterwards what it changed."""

    today: date
    interview: Interview
    before: list[PlannedFollowup]

    @classmethod
    def of(cls, file: str, interview_id: str, today: date | None = None) -> PlanWatch:
        from followup_cal.journal.record import find_interview

        day = resolve_today(today)
        search = load(file)
        before = planned_items(search, day, interview_id)
        return cls(day, find_interview(search, interview_id), before)

    def echo_changes(self, updated: SearchFile) -> None:
        from followup_cal.journal.record import find_interview

        echo_decision_rebased(self.interview, find_interview(updated, self.interview.id))
        echo_plan_changes(self.before, planned_items(updated, self.today, self.interview.id))


def echo_decision_rebased(before: Interview, after: Interview) -> None:
    """A decision date written as 'in 2 weeks' counts from the latest round held: one line
    naming both dates when the change of rounds moved it."""
    old, new = before.decision_expected, after.decision_expected
    if not after.decision_said or old is None or new is None or old == new:
        return
    rnd = after.latest_round
    # Their reply's date, when it gave one, is the one the plan follows.
    reply = after.new_decision
    kept = f"; the date their reply gave, {fmt_day(reply)}, still counts" if reply else ""
    click.echo(
        f"  decision_expected: {after.decision_said} now counts from round {rnd.number} on "
        f"{fmt_day(rnd.start.date())}: {fmt_day(new)} (was {fmt_day(old)}){kept}"
    )

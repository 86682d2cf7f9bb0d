"""The daily loop on the command line: agenda, and the facts done/reply/outcome write back.

Registered on the one ``cli`` group of base.py. Like the rest of the CLI, these commands
only parse arguments, call record.py / agenda.py and print; errors map to exit codes in
``reports_errors``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import click

import followup_cal.cli.completion as completion
from followup_cal.cli.base import (
    DateType,
    cli,
    current_config,
    file_args,
    file_argument,
    file_option,
    load,
    reports_errors,
    resolve_today,
    today_option,
)
from followup_cal.errors import UsageProblem
from followup_cal.plan.followups import PlannedFollowup, fmt_day
from followup_cal.plan.model import Interview, Result, SearchFile

# their_clock.py's note on the hour of an inquiry, on the day it was already given.
HOUR_NOTE = re.compile(r"at \d\d:\d\d, ")

# How many days before its day a step is recorded as done without a question.
EARLY_DAYS = 3
EARLY = timedelta(days=EARLY_DAYS)

if TYPE_CHECKING:
    from followup_cal.calendar.agenda import AgendaRow
    from followup_cal.journal.record import NewPerson


def planned_items(
    search: SearchFile, today: date, only: str | None = None
) -> list[PlannedFollowup]:
    from followup_cal import service

    return service.plan(search, today, only)


@dataclass(frozen=True)
class _Fact:
    """What every recording command starts from: the file, the interview, the plan."""

    file: str
    today: date
    on: date
    interview: Interview  # not the whole file: let go before the new text is checked
    before: list[PlannedFollowup]

    @classmethod
    def start(cls, file: str, interview_id: str, on: date | None, today: date | None) -> _Fact:
        from followup_cal.journal.record import find_interview

        day = resolve_today(today)
        on = on or day
        if on > day:
            raise UsageProblem(f"--on {on} is after today ({day}); record facts once they happen")
        search = load(file)
        interview = find_interview(search, interview_id)
        # A fact changes one interview's plan: the others are not planned at all.
        before = planned_items(search, day, interview_id)
        return cls(file, day, on, interview, before)

    def echo_changes(self, updated: SearchFile) -> None:
        echo_plan_changes(self.before, planned_items(updated, self.today, self.interview.id))


def echo_plan_changes(
    before: Sequence[PlannedFollowup],
    after: Sequence[PlannedFollowup],
    told: Collection[str] = (),
) -> None:
    """What recording the fact did to the rest of the plan, one line per kind of change
    (the monthly check-ins of one person move together, so they get one line); the steps
    ``told`` (by UID) have their own line already."""
    from followup_cal.journal.record import describe

    old = {i.uid: i for i in before if not i.done and i.uid not in told}
    new = {i.uid: i for i in after if not i.done}
    done_now = {i.uid for i in after if i.done}
    lines: dict[tuple[str, str, str], list[str]] = {}
    for uid, item in old.items():
        group = (item.interview.id, item.step.value, item.recipient.name if item.recipient else "")
        if uid not in new and uid not in done_now:
            lines.setdefault((*group[:2], "cancelled" + group[2]), []).append(
                f"  cancelled: {describe(item)}"
            )
        elif uid in new and new[uid].overtaken and not item.overtaken:
            # Due before the fact and not done: it stays on its day, no longer due.
            lines.setdefault((*group[:2], "overtaken" + group[2]), []).append(
                f"  no longer due: {describe(item)}, not done before {new[uid].overtaken}"
            )
        elif uid in new and new[uid].start != item.start:
            # The last note that says why the day is what it is: a note on the hour in
            # their zone ('at 09:30, 15:30 in Berlin, ...') keeps the day it is given.
            notes = [n for n in new[uid].reason.split("; ") if not HOUR_NOTE.match(n)]
            why = notes[-1] if notes else new[uid].reason
            # Each move of its day says why, in order; not a note on the hour after them.
            moves = [
                n.split(" because ", 1)[1]
                for n in new[uid].reason.split("; ")
                if n.startswith("moved to ") and " because " in n
            ]
            if moves:
                why = "; ".join(moves)
            lines.setdefault((*group[:2], "moved" + group[2]), []).append(
                f"  moved: {describe(item)} to {fmt_day(new[uid].start.date())} ({why})"
            )
    for uid, item in new.items():
        if uid not in old and uid not in told:
            lines.setdefault((item.interview.id, item.step.value, uid), []).append(
                f"  planned: {describe(new[uid])}"
            )
    for (_, step, _), group_lines in lines.items():
        if step == "check_in" and len(group_lines) > 1:
            first = group_lines[0].split(": ", 1)
            click.echo(f"{first[0]}: {first[1]}, and {len(group_lines) - 1} later check-ins")
        else:
            for line in group_lines:
                click.echo(line)


# -- agenda ------------------------------------------------------------------------------


@cli.command()
@file_argument
@today_option
@click.option(
    "--days",
    type=click.IntRange(0, 366),
    default=7,
    show_default=True,
    help="How many days ahead to show.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Aligned text (coloured in a terminal), or JSON for scripts.",
)
@click.option(
    "--drafts",
    "with_drafts",
    is_flag=True,
    help="Then print the draft of every step listed, each ready to copy.",
)
@reports_errors
def agenda(file: str, today: date | None, days: int, fmt: str, with_drafts: bool) -> None:
    """What is overdue, due today and due in the next days, not yet done.

    Each line gives the date, how late it is, the interview id and step (what 'done'
    takes), the recipient and the draft's subject. With --drafts, every one of those
    drafts follows, as 'draft' prints it.

    \b
    Example:
      followup-cal agenda interviews.yaml
      followup-cal agenda interviews.yaml --drafts --days 3
      followup-cal agenda interviews.yaml --days 14 --format json | jq '.[].subject'
    """
    from followup_cal import service
    from followup_cal.calendar.agenda import COLOURS, agenda_lines, build_agenda, json_pieces
    from followup_cal.mail.inbox import found_sent

    if with_drafts and fmt == "json":
        raise UsageProblem("--drafts prints text; leave out --format json")
    search = load(file)
    day = resolve_today(today)
    render = service.drafter(search, sending_on=day)
    items = service.plan(search, day)
    sent = found_sent(file)  # what the last inbox run found sent: no network here
    result = build_agenda(items, render, search.me.timezone, day, days, file_args(file), sent)
    if fmt == "json":
        for piece in json_pieces(result.rows):
            click.echo(piece, nl=False)
        click.echo("")
        _remind_inbox(file, search, result.rows, day)
        return

    def style(text: str, section: str) -> str:
        return click.style(text, **COLOURS.get(section, {}))

    # click.echo drops the colour codes when the output is not a terminal.
    for line in agenda_lines(result, search.me.timezone, style):
        click.echo(line)
    if with_drafts:
        from followup_cal.cli.reading import DRAFTS_APART, echo_draft

        for row in result.rows:
            click.echo(DRAFTS_APART, nl=False)
            echo_draft(row.draft, row.item, search.me.timezone)
    _remind_inbox(file, search, result.rows, day)


def _remind_inbox(file: str, search: SearchFile, rows: Sequence[AgendaRow], day: date) -> None:
    """An inquiry is due but the mailbox was not read for over a day: they may have
    answered already (only when a mail account is set up)."""
    from followup_cal.mail.inbox import stale_inbox_note

    due = [r.item for r in rows if r.section in ("overdue", "today")]
    # Set up in the environment or config.toml's [imap] as much as in the file.
    url = os.environ.get("FOLLOWUP_CAL_IMAP_URL", "") or current_config().values.get("imap.url")
    note = stale_inbox_note(file, search, due, day, str(url or ""))
    if note:
        click.echo(note, err=True)


# -- facts -------------------------------------------------------------------------------


@cli.command()
@click.argument("interview_id", metavar="ID", shell_complete=completion.ids)
@click.argument("step", shell_complete=completion.steps)
@click.option(
    "--to",
    metavar="NAME",
    shell_complete=completion.people,
    help="Only this recipient (default: everyone who gets it).",
)
@click.option("--round", "round_number", type=int, help="The round, for debrief and thank-you.")
@click.option("--on", type=DateType(), help="The day it was done (default: today).")
@click.option(
    "--yes",
    is_flag=True,
    help=f"Record a step more than {EARLY_DAYS} days before its day without asking.",
)
@file_option
@today_option
@reports_errors
def done(
    interview_id: str,
    step: str,
    to: str | None,
    round_number: int | None,
    on: date | None,
    yes: bool,
    file: str,
    today: date | None,
) -> None:
    """Record that STEP of interview ID was done (sent, called, written down).

    STEP is what 'agenda' and 'plan' show: debrief, thank_you, follow_up-1,
    check_in-2, rejection_reply, holiday_note; a bare follow_up or check_in names the
    one not yet done, and lists them when several are. Without --to, every recipient
    of the step is recorded. The step then shows as done (✓, no alarm) and leaves the
    agenda. A step more than 3 days before its day is recorded only when you confirm
    it in a terminal, or with --yes (else exit 2, nothing written).

    \b
    Example:
      followup-cal done acme-backend thank_you --to "Dana Lee" --on 2026-11-13
      followup-cal done acme-backend follow_up-1
    """
    from followup_cal.journal.record import (
        find_interview,
        matching_steps,
        record_done,
        steps_to_mark,
    )

    fact = _Fact.start(file, interview_id, on, today)
    if not yes:
        early = steps_to_mark(
            matching_steps(fact.before, fact.interview, step, to, round_number),
            step,
            round_number,
        )
        _confirm_early(file, [i for i in early if i.start.date() > fact.on + EARLY])
    seen: dict[str, list[PlannedFollowup]] = {}

    def choose(search: SearchFile) -> list[PlannedFollowup]:
        # Decided on the file as locked: a 'done' run a moment ago is seen here.
        seen["before"] = planned_items(search, fact.today, interview_id)
        interview = find_interview(search, interview_id)
        seen["matches"] = matching_steps(seen["before"], interview, step, to, round_number)
        seen["marks"] = steps_to_mark(seen["matches"], step, round_number)
        return seen["marks"]

    updated = record_done(file, interview_id, choose, fact.on)
    marks = seen["marks"]
    if not marks:
        when = ", ".join(sorted({str(i.done) for i in seen["matches"]}))
        click.echo(f"already recorded as done ({when}); {file} not changed")
        return
    for item in marks:
        who = f" → {item.recipient.name}" if item.recipient else ""
        click.echo(
            f"✓ {item.label}{who}, {fact.interview.company}: done on "
            f"{fmt_day(fact.on)} {fact.on.year}"
        )
    echo_plan_changes(seen["before"], planned_items(updated, fact.today, interview_id))


def _confirm_early(file: str, early: Sequence[PlannedFollowup]) -> None:
    """A step recorded days before its day is most often the wrong one (the final
    follow-up for the first): asked in a terminal, refused elsewhere without --yes."""
    if not early:
        return
    item = min(early, key=lambda i: i.start)
    who = f" → {item.recipient.name}" if item.recipient else ""
    said = f"{item.label}{who} ({item.key}) is planned for {fmt_day(item.start.date())}"
    if sys.stdin.isatty():
        import followup_cal.cli.asking as asking

        if asking.confirm(f"{said}, days from now; record it as done already?", default=False):
            return
        raise UsageProblem(f"{file} not changed")
    raise UsageProblem(
        f"{said}, more than {EARLY_DAYS} days ahead; not recorded: pass --yes if you did "
        "send it already, or name the step you sent"
    )


@cli.command()
@click.argument("interview_id", metavar="ID", shell_complete=completion.ids)
@click.option("--on", type=DateType(), help="The day they answered (default: today).")
@click.option(
    "--decision", type=DateType(), help="A new date they gave for their decision, if any."
)
@click.option(
    "--by",
    metavar="'NAME [<EMAIL>]'",
    shell_complete=completion.people,
    help="Who wrote, when not your contact; the notes after it go to them. Someone you "
    "did not meet as 'Name <email>'.",
)
@click.option(
    "--drop-decision",
    is_flag=True,
    help="Forget the decision date an earlier reply gave (kept by default).",
)
@file_option
@today_option
@reports_errors
def reply(
    interview_id: str,
    on: date | None,
    decision: date | None,
    by: str | None,
    drop_decision: bool,
    file: str,
    today: date | None,
) -> None:
    """Record that interview ID answered without an outcome: the wait starts again.

    Nothing is cancelled: the next inquiry waits two weeks after the reply
    (wait_after_reply_days), or until the business day after --decision (a date their
    reply gave, written with it), whichever is later; the later ones keep their spacing.
    A step due before the reply and not done stays on its day, no longer due. A later
    reply without --decision keeps the date an earlier one gave (and says so), unless
    --drop-decision. Only 'outcome' ends the search.

    \b
    Example:
      followup-cal reply acme-backend --on 2026-11-20
      followup-cal reply acme-backend --on 2026-11-20 --decision 2026-12-04
      followup-cal reply acme-backend --by "Kim Park <kim@acme.example>"
    """
    import followup_cal.cli.asking as asking

    who = asking.person(by, "--by") if by else None
    record_reply_and_report(file, interview_id, on, decision, today, who, not drop_decision)


def record_reply_and_report(
    file: str,
    interview_id: str,
    on: date | None,
    decision: date | None,
    today: date | None,
    by: NewPerson | None = None,
    keep_decision: bool = True,
) -> None:
    """What 'reply' does, and 'inbox --yes' for each answer it found: write heard_back
    (with the new decision date, if any), then print what that changed in the plan."""
    from followup_cal.journal.record import describe, find_interview, record_reply

    fact = _Fact.start(file, interview_id, on, today)
    if decision and decision < fact.on:
        raise UsageProblem(f"--decision {decision} is before the reply ({fact.on}); expected later")
    gave_way: list[tuple[str, date]] = []
    updated = record_reply(file, interview_id, fact.on, decision, by, keep_decision, gave_way)
    now = find_interview(updated, interview_id)
    note = f"; they decide on {fmt_day(decision)} {decision.year}" if decision else ""
    stored = fact.interview.new_decision
    if not decision and stored and stored >= fact.on:
        if now.new_decision == stored:
            note = (
                f"; still waiting for their decision on {fmt_day(stored)} {stored.year}, as "
                "the earlier reply said (--drop-decision to forget it)"
            )
        else:
            note = f"; the decision date {fmt_day(stored)} {stored.year} is forgotten"
    if now.answered_by is not None:
        note += f"; written by {now.answered_by.name}"
    click.echo(f"{fact.interview.company} answered on {fmt_day(fact.on)} {fact.on.year}{note}")
    latest = fact.interview.latest_round.number
    for key, _day in gave_way:
        # Two facts disagree: an older move of the user's and their newer answer.
        item = next(i for i in fact.before if i.key == key and i.round == latest)
        said = f" that it decides on {fmt_day(now.new_decision)}" if now.new_decision else ""
        click.echo(
            f"  your move gives way: {describe(item)} was moved there in your calendar before "
            f"{fact.interview.company} answered on {fmt_day(fact.on)}{said}; it now follows "
            "their answer (move it again to choose another day)"
        )
    fact.echo_changes(updated)


@cli.command()
@click.argument("interview_id", metavar="ID", shell_complete=completion.ids)
@click.argument("result", type=click.Choice([r.value for r in Result]))
@click.option("--on", type=DateType(), help="The day it was decided (default: today).")
@click.option(
    "--by",
    metavar="'NAME [<EMAIL>]'",
    shell_complete=completion.people,
    help="Who told you (a rejection reply goes to them); someone you did not meet, "
    "such as HR, as 'Name <email>'.",
)
@click.option("--replace", is_flag=True, help="Change an outcome already recorded.")
@file_option
@today_option
@reports_errors
def outcome(
    interview_id: str,
    result: str,
    on: date | None,
    by: str | None,
    replace: bool,
    file: str,
    today: date | None,
) -> None:
    """Record how interview ID ended: offer, rejected or withdrawn.

    Every step still to come from that day on is cancelled; one due before it and not
    done stays on its day, no longer due. A rejection plans a short reply and the
    monthly check-ins that keep the contact.

    \b
    Example:
      followup-cal outcome acme-backend rejected --on 2026-11-27 --by "Dana Lee"
      followup-cal outcome acme-backend rejected --by "Kim Park <kim@acme.example>"
      followup-cal outcome acme-backend offer
    """
    import followup_cal.cli.asking as asking
    from followup_cal.journal.record import record_outcome

    who = asking.person(by, "--by") if by else None
    fact = _Fact.start(file, interview_id, on, today)
    updated = record_outcome(file, interview_id, Result(result), fact.on, who, replace)
    click.echo(f"{fact.interview.company}: {result} on {fmt_day(fact.on)} {fact.on.year}")
    fact.echo_changes(updated)


@cli.command()
@file_argument
@reports_errors
def undo(file: str) -> None:
    """Take back the last write-back into FILE (done, reply, outcome, add,
    add-round, a fact from sync or inbox), showing it as a diff.

    One step only, and only while the file is as that write left it: after an edit of
    yours it is refused (exit 2) and nothing changes. A step that sync already pushed to
    your calendar is pushed again, as the file now says, by the next sync.

    \b
    Example:
      followup-cal undo interviews.yaml
    """
    from followup_cal.journal.undo import undo_last

    undone = undo_last(file)
    for line in undone.diff:
        click.echo(line)
    click.echo(f"undone: the last change followup-cal wrote into {file}", err=True)

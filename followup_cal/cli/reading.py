"""Commands that read the file and show it: validate, plan, draft, schema."""

from __future__ import annotations

import functools
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

import followup_cal.cli.completion as completion
from followup_cal.cli.base import (
    chosen_file,
    cli,
    echo_lines,
    file_argument,
    file_flag,
    file_option,
    load,
    reports_errors,
    resolve_today,
    today_option,
)
from followup_cal.columns import pad
from followup_cal.errors import DraftWarnings, FollowupCalError
from followup_cal.plan.followups import PlannedFollowup, fmt_clock, fmt_date, their_time

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup_cal.plan.drafts import Draft


@cli.command()
@click.argument("files", metavar="[FILE]...", nargs=-1, type=click.Path(dir_okay=False))
@file_flag
@click.option("--strict", is_flag=True, help="Exit 4 when there is any warning.")
@today_option
@reports_errors
def validate(
    files: tuple[str, ...], file_flag: str | None, strict: bool, today: date | None
) -> None:
    """Check each FILE: every problem on its own line as FILE:LINE:COL, then warnings.

    Without FILE, the file every command finds (-f, FOLLOWUP_CAL_FILE, the config file,
    ./interviews.yaml).

    Several files are checked in one run (as a pre-commit hook passes them); the exit
    code is the worst one.

    \b
    Example:
      followup-cal validate interviews.yaml --strict
    """
    worst = 0
    for file in files or (chosen_file(None, file_flag),):
        try:
            _validate_one(file, strict, today)
        except FollowupCalError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            worst = max(worst, exc.exit_code)
    if worst:
        sys.exit(worst)


def _validate_one(file: str, strict: bool, today: date | None) -> None:
    from followup_cal import service

    search = load(file)
    items = service.plan(search, resolve_today(today))
    warnings = [w.format(file) for w in service.field_warnings(search)]
    # Each draft is linted as it is made, then let go (10,000 interviews: 150,000 drafts).
    warnings += [w.format(file) for w in service.lint_plan(search, items)]
    warnings += service.unmatched_done(search, items, resolve_today(today))
    warnings += service.future_facts(search, resolve_today(today))
    echo_lines(warnings, err=True)
    count = len(search.interviews)
    click.echo(
        f"{file}: ok, {count} interview{'s' * (count != 1)}, {len(items)} follow-ups planned, "
        f"{len(warnings)} warning{'s' * (len(warnings) != 1)}"
    )
    if strict and warnings:
        raise DraftWarnings(f"{file}: {len(warnings)} warning(s) with --strict")


def _row(item: PlannedFollowup) -> dict[str, Any]:
    from followup_cal.calendar.ics import summary

    return {
        "uid": item.uid,
        "interview": item.interview.id,
        "company": item.interview.company,
        "step": item.step.value,
        "key": item.key,
        "round": item.round,
        "final": item.final,
        "recipient": item.recipient.name if item.recipient else None,
        "email": item.recipient.email if item.recipient and item.recipient.email else None,
        "start": item.start.isoformat(),
        "end": (item.start + item.duration).isoformat(),
        "timezone": getattr(item.start.tzinfo, "key", str(item.start.tzinfo)),
        "status": item.status,
        "done": item.done.isoformat() if item.done else None,
        "summary": summary(item),
        "reason": item.reason,
    }


@cli.command()
@file_argument
@today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table to read, or JSON for scripts.",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False),
    help="Also write the whole search as a timeline page (one file, works offline).",
)
@reports_errors
def plan(file: str, today: date | None, fmt: str, html_out: str | None) -> None:
    """Print the planned follow-ups of FILE, sorted by date, one per line.

    \b
    Example:
      followup-cal plan interviews.yaml --today 2026-11-23
      followup-cal plan interviews.yaml --format json | jq '.[0]'
      followup-cal plan interviews.yaml --html timeline.html
    """
    from followup_cal import service

    search = load(file)
    items = service.plan(search, resolve_today(today))
    if html_out:
        from followup_cal.atomic import write_atomic

        page = service.timeline_page(search, resolve_today(today), items)
        write_atomic(html_out, page)
        click.echo(f"wrote {html_out}", err=True)
    if fmt == "json":
        import json

        click.echo(json.dumps([_row(i) for i in items], indent=2, ensure_ascii=False))
        return
    marks = {"past": " ", "today": ">", "upcoming": " ", "done": "✓", "overtaken": "-"}
    zone = search.me.timezone
    echo_lines(
        f"{marks[item.status]} {_when(item.start.astimezone(zone))}  "
        f"{item.interview.id:<18} {item.key:<16} "
        f"{pad(item.recipient.name if item.recipient else '(me)', 20)} {item.interview.company}"
        for item in items
    )
    overtaken = any(item.status == "overtaken" for item in items)
    click.echo(
        f"{len(items)} follow-ups; times in {search.me.timezone.key}; ✓ done, > due today, "
        + ("- no longer due (their answer came first), " if overtaken else "")
        + "no mark: not done yet"
    )


def _when(local: datetime) -> str:
    """'2026-11-23 Mon 09:00', as strftime writes it: the day's part made once a day."""
    return f"{_day_stamp(local.date())} {fmt_clock(local)}"


@functools.cache  # strftime for each of 150,000 lines, on a few hundred days
def _day_stamp(day: date) -> str:
    return f"{day:%Y-%m-%d %a}"


@cli.command()
@click.argument("interview_id", metavar="ID", shell_complete=completion.ids)
@click.argument("step", required=False, shell_complete=completion.steps)
@click.option(
    "--to",
    "to",
    metavar="NAME",
    shell_complete=completion.people,
    help="The recipient, when several get this step.",
)
@click.option("--round", "round_number", type=int, help="The round, for debrief and thank-you.")
@file_option
@click.option("--eml", type=click.Path(dir_okay=False), help="Also write the draft as an .eml.")
@today_option
@reports_errors
def draft(
    interview_id: str,
    step: str | None,
    to: str | None,
    round_number: int | None,
    file: str,
    eml: str | None,
    today: date | None,
) -> None:
    """Print the draft of interview ID's STEP (default: the next one due); a step that
    several people get (a thank-you to a panel) prints each one's, unless --to.

    STEP is a step name (thank_you, follow_up, check_in, ...) or a numbered key as
    'plan' shows it (follow_up-2, check_in-3).

    \b
    Example:
      followup-cal draft acme-backend thank_you
      followup-cal draft acme-backend thank_you --to "Dana Lee"
      followup-cal draft acme-backend follow_up-2 --eml follow-up.eml
    """
    from followup_cal import service

    search = load(file)
    # One interview's drafts; all of them only to list the ids when ID is unknown.
    known = any(i.id == interview_id for i in search.interviews)
    day = resolve_today(today)
    items = service.plan(search, day, interview_id if known else None)
    events = service.draft_events(search, items, sending_on=day)
    if eml:  # one file holds one message
        chosen = [service.find_event(events, interview_id, step, to, round_number)]
    else:
        chosen = service.find_events(events, interview_id, step, to, round_number)
    for number, event in enumerate(chosen):
        if number:
            click.echo(DRAFTS_APART, nl=False)
        echo_draft(event.draft, event.item, search.me.timezone)
    if eml:
        from followup_cal.atomic import write_atomic

        write_atomic(eml, bytes(chosen[0].draft.as_email()))
        click.echo(f"wrote {eml}", err=True)


# Between two drafts printed one after the other: not part of either.
DRAFTS_APART = "\n" + "-" * 72 + "\n\n"


def echo_draft(draft: Draft, item: PlannedFollowup, zone: ZoneInfo) -> None:
    """A draft as it is copied into a mail: To, Subject, When (and why), the body."""
    mail = draft.as_email()
    click.echo(f"To: {mail['To'] or draft.to_header + ' (no e-mail address in the file)'}")
    click.echo(f"Subject: {draft.subject}")
    # In my zone, as plan and agenda show it: a debrief keeps the round's zone otherwise.
    when = item.start.astimezone(zone)
    there = their_time(item)  # the reader's clock too, when it is another
    click.echo(f"When: {fmt_date(when.date())} {when:%H:%M %Z}{there} ({item.reason})")
    if draft.gaps:
        click.echo("Needs your input: replace each [[...]] with your own words before sending.")
    click.echo("")
    click.echo(draft.body.rstrip("\n"))


@cli.command()
@click.option("-o", "--output", default="-", help="Where to write it; - for standard output.")
@reports_errors
def schema(output: str) -> None:
    """Print the JSON Schema of the interviews file, for your editor.

    With the YAML extension of VS Code (or any yaml-language-server editor), save it
    beside your file and put this first line in the YAML:
    '# yaml-language-server: $schema=interviews.schema.json'

    \b
    Example:
      followup-cal schema -o interviews.schema.json
    """
    from followup_cal.schema import schema_text

    text = schema_text()
    if output == "-":
        click.echo(text, nl=False)
    else:
        from followup_cal.atomic import write_atomic

        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)

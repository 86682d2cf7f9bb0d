"""Shell completion from the user's file: interview ids, steps, people; and time zones.

click calls these while the command line is still being typed (nothing has run, no
config is loaded yet), so each finds the file itself and stays silent on any problem:
a completion that fails offers nothing rather than an error in the middle of a prompt.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from followup_cal.errors import FollowupCalError
from followup_cal.settings import FILE_ENV, choose_file, load_config

if TYPE_CHECKING:
    # click's completion module is imported when a completion runs, not with each command.
    from click.shell_completion import CompletionItem

    from followup_cal.plan.model import Interview, SearchFile


def _search(ctx: click.Context) -> SearchFile | None:
    from followup_cal.loader import load

    given = ctx.params.get("file") or ctx.params.get("file_flag")
    try:
        return load(choose_file(given, os.environ.get(FILE_ENV), load_config()).path)
    except FollowupCalError:
        return None


def _interview(ctx: click.Context) -> tuple[SearchFile | None, Interview | None]:
    search = _search(ctx)
    # While an option waits for its value (`done ID STEP --to <TAB>`), click leaves the
    # arguments unparsed in ctx.args; ID is the first of them.
    ident = ctx.params.get("interview_id") or next(iter(ctx.args), None)
    found = next((i for i in search.interviews if i.id == ident), None) if search else None
    return search, found


def _item(value: str, help: str | None = None) -> CompletionItem:
    from click.shell_completion import CompletionItem  # loaded by click when completing

    return CompletionItem(value, help=help)


def ids(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    search = _search(ctx)
    return [
        _item(i.id, help=f"{i.company}, {i.role}")
        for i in (search.interviews if search else ())
        if i.id.startswith(incomplete)
    ]


def steps(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The interview's steps still open, as `plan` names them (thank_you, follow_up-2)."""
    from followup_cal import service

    search, interview = _interview(ctx)
    if search is None or interview is None:
        return []
    from followup_cal.cli.base import resolve_today

    try:  # the day every command plans from without --today (FOLLOWUP_CAL_TODAY or the clock)
        day = resolve_today(None)
    except click.UsageError:
        return []
    keys: dict[str, str] = {}
    for item in service.plan(search, day):
        if item.interview.id == interview.id and not item.done and item.status != "cancelled":
            keys.setdefault(item.key, item.label)
    return [_item(k, help=v) for k, v in keys.items() if k.startswith(incomplete)]


def people(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The people met in the interview (or in every interview before the id is typed)."""
    search, interview = _interview(ctx)
    chosen = [interview] if interview else list(search.interviews if search else ())
    names = dict.fromkeys(p.name for i in chosen for r in i.rounds for p in r.interviewers)
    return [_item(n) for n in names if n.lower().startswith(incomplete.lower())]


def zones(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """IANA zones by their start (Europe/Be...), else by their city (Berl -> Europe/Berlin)."""
    from zoneinfo import available_timezones

    names = sorted(available_timezones())
    wanted = incomplete.lower()
    found = [n for n in names if n.lower().startswith(wanted)]
    if not found:
        found = [n for n in names if n.lower().rsplit("/", 1)[-1].startswith(wanted)]
    return [_item(n) for n in found]

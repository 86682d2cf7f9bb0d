"""Rounds and people as the command line gives them (``--start``, ``--interviewer``,
``--contact``), or as a terminal asks for them: shared by add and add-round."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import click

import followup_cal.cli.asking as asking
import followup_cal.cli.completion as completion

if TYPE_CHECKING:
    from followup_cal.journal.record import NewPerson, NewRound


def ask_unless(
    value: str | None,
    label: str,
    interactive: bool,
    flag: str,
    default: str = "",
    check: asking.Check | None = None,
) -> str:
    if value:
        return value
    if interactive:
        return asking.ask(label, check, default)
    if default:
        return default
    raise click.UsageError(f"missing {flag} (or run in a terminal to be asked)")


def start_of(value: str) -> str:
    try:
        return asking.start(value)
    except click.BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint="--start") from None


def people_of(
    raw: Sequence[str], topics: Sequence[str], interactive: bool
) -> tuple[NewPerson, ...]:
    from followup_cal.journal.record import NewPerson

    people = []
    for index, text in enumerate(raw):
        topic = topics[index] if index < len(topics) else ""
        people.append(replace(asking.person(text, "--interviewer"), talked_about=topic))
    if len(topics) > len(raw):
        raise click.BadParameter(
            "more --talked-about than --interviewer; give one per interviewer, in order"
        )
    while interactive and (not people or asking.confirm("Another interviewer?", default=False)):
        name = asking.ask("Interviewer's name")
        email = asking.ask("Their e-mail (optional)", asking.email, optional=True)
        title = asking.ask("Their title (optional)", optional=True)
        topic = asking.ask(
            "One thing you talked about with them, as it follows 'our talk about' "
            "(no 'their': they read it; optional)",
            optional=True,
        )
        people.append(NewPerson(name, email, title, topic))
    if not people:
        raise click.UsageError("missing --interviewer (or run in a terminal to be asked)")
    return tuple(people)


def round_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option("--start", metavar="'YYYY-MM-DD HH:MM'", help="When the round began."),
            click.option(
                "--timezone",
                metavar="ZONE",
                shell_complete=completion.zones,
                help="The round's zone (default: yours).",
            ),
            click.option("--duration", metavar="MIN|1h30m", help="How long it was (default 1h)."),
            click.option(
                "--interviewer",
                "interviewers",
                multiple=True,
                metavar="'NAME <EMAIL>'",
                help="Someone you met; repeat for each.",
            ),
            click.option(
                "--talked-about",
                "topics",
                multiple=True,
                metavar="TEXT",
                help="What you discussed with each interviewer, in the same order: a phrase "
                "after 'our talk about', without 'their' (they read it).",
            ),
        ]
    ):
        func = option(func)
    return func


def new_round(
    start: str | None,
    timezone: str | None,
    duration: str | None,
    interviewers: Sequence[str],
    topics: Sequence[str],
    interactive: bool,
    my_zone: str = "",
) -> NewRound:
    """The round from the flags, asking in a terminal for what is missing: the zone
    first, so that the start is asked as a time of that zone, and says which."""
    from followup_cal.journal.record import NewRound

    if timezone is None and interactive:
        yours = f"empty: yours, {my_zone}" if my_zone else "empty: yours"
        timezone = asking.ask(f"The round's time zone ({yours})", asking.zone, optional=True)
    zone = timezone or my_zone
    label = f"Start (YYYY-MM-DD HH:MM, {zone} time)" if zone else "Start (YYYY-MM-DD HH:MM)"
    start = start_of(ask_unless(start, label, interactive, "--start", check=asking.start))
    if duration is None and interactive:
        duration = asking.ask("Duration", asking.duration, default="1h")
    people = people_of(interviewers, topics, interactive)
    return NewRound(start, people, timezone or "", duration or "")


contact_options = [
    click.option(
        "--contact",
        metavar="'NAME [<EMAIL>]'",
        shell_complete=completion.people,
        help="Who to follow up with (default: first met); someone you did not meet, such "
        "as the recruiter, as 'Name <email>'.",
    ),
    click.option("--contact-title", metavar="TITLE", help="The contact's title, if you know it."),
]


def with_contact(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(contact_options):
        func = option(func)
    return func


def contact_of(text: str, title: str, met: Sequence[str]) -> str | NewPerson:
    """The name of someone met, or the person written out: someone not met (the
    recruiter who was not in the room), or a contact given with email or title."""
    if not text:
        if title:
            raise click.BadParameter("--contact-title needs --contact", param_hint="--contact")
        return ""
    who = asking.person(text, "--contact", title)
    same = [name for name in met if name.casefold() == who.name.casefold()]
    if same and not who.title:
        return same[0]
    if not same and not who.email:
        raise click.BadParameter(
            f"'{who.name}' is not someone you met in this round ({', '.join(met)}); "
            "give someone else as 'Name <email>'",
            param_hint="--contact",
        )
    return replace(who, name=same[0]) if same else who


def shown(contact: str | NewPerson) -> str:
    if isinstance(contact, str):
        return contact
    return f"{contact.name} <{contact.email}>" if contact.email else contact.name

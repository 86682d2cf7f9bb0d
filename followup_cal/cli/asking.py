"""Questions in a terminal: each answer is checked as it is typed and asked again with the
reason, by the loader's own rules; Ctrl-C is an interrupt (exit 130) and the end of the
input a usage problem (exit 2), never "Aborted!" (exit 1, which means a bad file)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from followup_cal.journal.record import NewPerson

Check = Callable[[str], str]


def _interruptible(prompt: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return prompt(*args, **kwargs)
    except click.Abort as exc:
        # click turns Ctrl-C into Abort ("Aborted!", exit 1); the tool's contract is 130.
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        if isinstance(exc.__context__, EOFError):  # the input ran out: a usage problem
            from followup_cal.errors import UsageProblem

            label = str(args[0]) if args else "a question"
            raise UsageProblem(
                f"the input ended before an answer to '{label}'; nothing written "
                "(give the answers as flags, or type them in a terminal)"
            ) from None
        raise


def ask(label: str, check: Check | None = None, default: str = "", optional: bool = False) -> str:
    """One answer, asked until it passes ``check`` (which raises click.BadParameter)."""

    def value(text: str) -> str:
        text = text.strip()
        if not text:
            if optional:
                return ""
            raise click.BadParameter("an answer is needed here")
        return check(text) if check else text

    shown = default or ("" if optional else None)
    return str(
        _interruptible(
            click.prompt, label, default=shown, show_default=bool(default), value_proc=value
        )
    )


def pitch() -> str:
    """The pitch, asked by add and add --from-invite alike; optional."""
    return ask("Your strongest fit, as it follows 'my experience in'", optional=True)


def confirm(label: str, default: bool) -> bool:
    return bool(_interruptible(click.confirm, label, default=default))


def start(text: str) -> str:
    """A round's start, written back as the file wants it: 'YYYY-MM-DD HH:MM'."""
    text = text.strip().replace("T", " ")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}", text):
        raise click.BadParameter(f"'{text}' is not a start like 2026-11-30 14:00")
    try:
        return f"{datetime.strptime(text, '%Y-%m-%d %H:%M'):%Y-%m-%d %H:%M}"
    except ValueError as exc:
        raise click.BadParameter(f"'{text}': {exc}") from None


# The loader's own patterns, imported on use: --help never loads the loader.
def email(text: str) -> str:
    from followup_cal.loader import EMAIL_RE

    if not EMAIL_RE.fullmatch(text):
        raise click.BadParameter(f"'{text}' is not an e-mail address like dana@acme.example")
    return text


def zone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(text)  # what the loader accepts
        return text
    except (ZoneInfoNotFoundError, ValueError):
        pass
    names = sorted(available_timezones())
    # "Berlin" or "new york": the city part of a zone's name, as people say it.
    wanted = text.lower().replace(" ", "_")
    close = [n for n in names if n.lower().rsplit("/", 1)[-1] == wanted]
    if not close:
        import difflib

        close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close[:3])}?" if close else "; e.g. Europe/Berlin"
    raise click.BadParameter(f"'{text}' is not a time zone{hint}")


def duration(text: str) -> str:
    from followup_cal.loader import DURATION_RE

    match = DURATION_RE.fullmatch(text)
    if text.isdigit():
        minutes = int(text)
    elif match and (match[1] or match[2]):
        minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    else:
        raise click.BadParameter(f"'{text}' is not a duration: minutes (45) or hours (1h, 1h30m)")
    if not 1 <= minutes <= 24 * 60:
        raise click.BadParameter(f"{minutes} minutes; expected 1 to 1440")
    return text


def decision(text: str) -> str:
    from followup_cal.loader import DATE_RE, RELATIVE_RE

    if RELATIVE_RE.fullmatch(text):
        return text
    if DATE_RE.fullmatch(text):
        try:
            datetime.strptime(text, "%Y-%m-%d")
        except ValueError as exc:
            raise click.BadParameter(f"'{text}': {exc}") from None
        return text
    raise click.BadParameter(f"'{text}' is not a date (YYYY-MM-DD) or 'in 2 weeks'")


def one_of(names: Sequence[str]) -> Check:
    """A name among ``names`` (any case); the answer becomes the name as written there."""

    def check(text: str) -> str:
        for name in names:
            if name.lower() == text.lower():
                return name
        raise click.BadParameter(f"'{text}' was not met; the people met are: {', '.join(names)}")

    return check


def one_word(words: Sequence[str]) -> Check:
    """One of ``words``, or a prefix of exactly one of them."""

    def check(text: str) -> str:
        found = [w for w in words if w.startswith(text.lower())]
        if text.lower() in words:
            return text.lower()
        if len(found) == 1:
            return found[0]
        raise click.BadParameter(f"'{text}' is not one of: {', '.join(words)}")

    return check


PERSON_RE = re.compile(r"\s*(?P<name>[^<>]+?)\s*(?:<(?P<email>[^<>\s]+@[^<>\s]+)>)?\s*")


def person(text: str, flag: str, title: str = "") -> NewPerson:
    """'Name' or 'Name <email>' as given to --interviewer, --contact or --by."""
    from followup_cal.journal.record import NewPerson

    match = PERSON_RE.fullmatch(text)
    if not match:
        raise click.BadParameter(f"'{text}' is not 'Name <email>'", param_hint=flag)
    return NewPerson(match["name"], match["email"] or "", title)

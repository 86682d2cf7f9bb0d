"""Which search an event belongs to: the file's ``sync_id``.

Chosen at the first sync and appended to the YAML as one line (nothing else in the file
changes), so it travels with the file: renaming the file or syncing from another machine keeps it.
The id chosen is derived from the user's e-mail address and the file's name, so two
machines that sync the same file before either has the id written still agree. Two
searches of one person may still derive the same id (two folders, each with its own
``interviews.yaml``): so the calendar is asked first. An id whose events there are all
another file's (none of them is a step this file plans or has synced) is taken, and the
next id of a fixed series is tried; the same file on another machine finds its own steps
among them and agrees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from followup_cal.atomic import update_file
from followup_cal.errors import FileAccessError, InvalidInput
from followup_cal.journal.entries import plain_scalar
from followup_cal.journal.record import FileText
from followup_cal.loader import parse
from followup_cal.plan.model import SearchFile
from followup_cal.sync.algorithm import Remote

# Ids tried before giving up on a free one: far more searches than one person keeps.
MAX_TRIED = 64


def derived_search_id(search: SearchFile, attempt: int = 0) -> str:
    seed = f"{search.me.email.strip().lower()}\n{Path(search.path).stem}"
    if attempt:
        seed += f"\n{attempt}"
    return "s-" + hashlib.sha256(seed.encode()).hexdigest()[:12]


def free_search_id(search: SearchFile, existing: Iterable[Remote], ours: Collection[str]) -> str:
    """The file's id where it has one; else the first derived id that no other file's
    events in the calendar carry. ``ours``: the UIDs this file plans or synced before."""
    if search.sync_id:
        return search.sync_id
    holders: dict[str, set[str]] = {}
    for item in existing:
        if item.search:
            holders.setdefault(item.search, set()).add(item.uid)
    mine = set(ours)
    for attempt in range(MAX_TRIED):
        candidate = derived_search_id(search, attempt)
        uids = holders.get(candidate)
        if not uids or uids & mine:
            return candidate
    return derived_search_id(search, MAX_TRIED)


def ensure_search_id(search: SearchFile, *, write: bool, chosen: str = "") -> tuple[str, str]:
    """(the file's search id, a note for the user or ""). Writes the id into the file
    when it has none and ``write`` (``chosen``, the id the sync used, else the first
    derived one); a file that cannot be edited keeps working with the id found for it,
    which is the same on every run."""
    if search.sync_id:
        return search.sync_id, ""
    search_id = chosen or derived_search_id(search)
    if not write:
        return search_id, ""

    line = f"sync_id: {search_id}  # names this file's events in the calendar; keep it\n"
    if not _append(search, line, lambda added: added.sync_id == search_id):
        return search_id, (
            f"{search.path}: could not add 'sync_id: {search_id}'; add that line yourself "
            "so the id survives renaming the file"
        )
    return search_id, f"{search.path}: added 'sync_id: {search_id}' (names this file's events)"


def remember_server(search: SearchFile, url: str, user: str, calendar: str) -> str:
    """A note for the user, or "". Writes a ``caldav:`` section with the server given on
    the command line into a file that has none, after a sync that reached it, so that a
    bare ``followup-cal sync`` (the daily loop, a cron line) goes there again, from any
    machine: the password is never written; it stays where it was found."""
    if search.caldav is not None or not url:
        return ""
    given = {"url": url, "user": user, "calendar": calendar}
    block = "caldav:  # where `followup-cal sync` goes; the password is kept elsewhere\n"
    block += "".join(f"  {key}: {plain_scalar(value)}\n" for key, value in given.items() if value)

    def same(added: SearchFile) -> bool:
        kept = added.caldav
        return kept is not None and (kept.url, kept.user, kept.calendar) == (url, user, calendar)

    if not _append(search, block, same, unless=lambda now: now.caldav is not None):
        return ""  # a file that cannot take it works as before, with the flags
    return (
        f"{search.path}: added 'caldav:' with this server; next time `followup-cal sync` is enough"
    )


def _append(
    search: SearchFile,
    block: str,
    check: Callable[[SearchFile], bool],
    unless: Callable[[SearchFile], bool] = lambda now: bool(now.sync_id),
) -> bool:
    """Appends top-level ``block`` at the end of the file (the rest stays byte for byte),
    unless the file as it is now already has it; False when the file cannot take it."""

    def add(data: bytes) -> bytes:
        original = FileText.of(search.path, data)
        if unless(parse(search.path, original.text)):
            return data  # written meanwhile (another sync)
        text = original.text
        text += ("" if text.endswith("\n") or not text else "\n") + block
        # Checked, since a file whose top level is not a block mapping cannot take it.
        try:
            if not check(parse(search.path, text)):
                raise ValueError
        except (InvalidInput, ValueError):
            raise _NotAdded from None
        return original.encode(text)

    try:
        update_file(search.path, add)
    except (_NotAdded, FileAccessError):
        return False
    return True


class _NotAdded(Exception):
    pass

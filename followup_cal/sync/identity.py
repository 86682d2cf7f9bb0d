"""Which search an event belongs to: the file's ``sync_id``.

Chosen at the first sync and appended to the YAML as one line (nothing else in the file
changes), so it travels with the file: renaming the file or syncing from another machine keeps it.
The id chosen is derived from the user's e-mail address and the file's name, so two
machines that sync the same file before either has the id written still agree, while
two files of one person (work and private) or two people's files differ.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from followup_cal.atomic import update_file
from followup_cal.errors import FileAccessError, InvalidInput
from followup_cal.journal.record import FileText
from followup_cal.loader import parse
from followup_cal.plan.model import SearchFile


def derived_search_id(search: SearchFile) -> str:
    seed = f"{search.me.email.strip().lower()}\n{Path(search.path).stem}"
    return "s-" + hashlib.sha256(seed.encode()).hexdigest()[:12]


def ensure_search_id(search: SearchFile, *, write: bool) -> tuple[str, str]:
    """(the file's search id, a note for the user or ""). Writes the id into the file
    when it has none and ``write``; a file that cannot be edited keeps working with the
    derived id, which is the same on every run."""
    if search.sync_id:
        return search.sync_id, ""
    search_id = derived_search_id(search)
    if not write:
        return search_id, ""

    line = f"sync_id: {search_id}  # names this file's events in the calendar; keep it\n"

    def add(data: bytes) -> bytes:
        original = FileText.of(search.path, data)
        if parse(search.path, original.text).sync_id:
            return data  # written meanwhile (another sync)
        text = original.text
        text += ("" if text.endswith("\n") or not text else "\n") + line
        # A top-level key appended at the end: the rest of the file stays byte for byte.
        # Checked, since a file whose top level is not a block mapping cannot take it.
        try:
            if parse(search.path, text).sync_id != search_id:
                raise ValueError
        except (InvalidInput, ValueError):
            raise _NotAdded from None
        return original.encode(text)

    try:
        update_file(search.path, add)
    except (_NotAdded, FileAccessError):
        return search_id, (
            f"{search.path}: could not add 'sync_id: {search_id}'; add that line yourself "
            "so the id survives renaming the file"
        )
    return search_id, f"{search.path}: added 'sync_id: {search_id}' (names this file's events)"


class _NotAdded(Exception):
    pass

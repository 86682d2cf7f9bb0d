"""What a server's refusal of one write means, in a line the user can act on.

A 403 or 409 to a PUT, DELETE or MKCALENDAR is not a password problem: CalDAV servers
name the rule the write broke in the body, as a precondition element (RFC 4791 5.3.2.1,
RFC 6638 3.2.4.1): `<D:error><C:no-uid-conflict><D:href>...` and so on.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

# The preconditions seen from real servers, each with what it means and what to do.
MEANINGS = {
    "unique-scheduling-object-resource": (
        "another calendar of this account already holds an entry with this UID (the "
        "server keeps a UID once per account, as Fastmail's Cyrus does)",
        "remove that copy, or sync into the calendar that holds it",
    ),
    "no-uid-conflict": (
        "another entry in this calendar already has this UID",
        "remove that copy, or sync into another calendar with --calendar",
    ),
    "supported-calendar-component": (
        "this calendar does not take this kind of entry (events or tasks)",
        "give --calendar one that does (--as todo needs a task list; --create makes one)",
    ),
    "valid-calendar-data": (
        "the server cannot read the entry as written",
        "please report it, with the output of -v",
    ),
    "valid-calendar-object-resource": (
        "the server does not take the entry as written",
        "please report it, with the output of -v",
    ),
    "supported-calendar-data": (
        "the server does not take iCalendar 2.0 here",
        "check that --calendar names a calendar",
    ),
    "max-resource-size": ("the entry is larger than the server takes", "shorten its draft"),
    "min-date-time": ("the date is earlier than the server takes", "check the dates"),
    "max-date-time": ("the date is later than the server takes", "check the dates"),
    "need-privileges": (
        "this account may not write to this calendar",
        "choose a calendar of your own with --calendar",
    ),
}
NO_REASON = (
    "the server gave no reason: the calendar may be read-only for this account",
    "choose a calendar you can write to with --calendar, or check its sharing",
)


def preconditions(body: bytes) -> list[str]:
    """The local names of the elements of a `DAV:error` answer, in order."""
    try:
        root = ET.fromstring(body) if body.strip() else None
    except ET.ParseError:
        return []
    if root is None or root.tag != "{DAV:}error":
        return []
    return [child.tag.rpartition("}")[2] for child in root if isinstance(child.tag, str)]


def explain(status: int, body: bytes) -> str:
    """'403 no-uid-conflict: another entry ...; remove that copy, ...'."""
    names = preconditions(body)
    known = [name for name in names if name in MEANINGS]
    if known:
        meaning, advice = MEANINGS[known[0]]
        return f"{status} {known[0]}: {meaning}; {advice}"
    if names:
        return f"{status} {names[0]}: the server names this rule; see its documentation"
    meaning, advice = NO_REASON
    if status == 409:
        meaning, advice = "the server reports a conflict", "run sync again"
    return f"{status}: {meaning}; {advice}"

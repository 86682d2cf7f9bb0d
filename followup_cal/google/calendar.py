"""Google Calendar's CalDAV as its documentation describes it, for sync.

Each calendar's events collection is
``https://apidata.googleusercontent.com/caldav/v2/CALENDAR_ID/events/``; the calendar ID
is ``primary``, the account's address, or the ``...@group.calendar.google.com`` address
a calendar's settings show. Google's CalDAV refuses MKCALENDAR and holds no tasks
(VTODO): sync says so before sending anything.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from followup_cal.errors import UsageProblem
from followup_cal.origins import is_loopback, origin, problem, shown

CALDAV_ROOT = "https://apidata.googleusercontent.com/caldav/v2/"
HOSTS = ("apidata.googleusercontent.com", "calendar.google.com", "www.google.com")
CALENDAR_ID = re.compile(r"primary|[^\s/@]+@[^\s/@]+")


def is_calendar_id(text: str) -> bool:
    """``primary`` or an e-mail-like calendar ID (not a display name, not a URL)."""
    return bool(CALENDAR_ID.fullmatch(text))


def is_google(url: str) -> bool:
    found = origin(url)
    return found is not None and found.host in HOSTS


def events_url(calendar_id: str, root: str = "") -> str:
    """The events collection of a calendar ID, under Google's CalDAV root (or ``root``
    when it is one of that shape, ending in /caldav/v2/)."""
    if not (root and urlsplit(root).path.rstrip("/").endswith("/caldav/v2")):
        root = CALDAV_ROOT
    return root.rstrip("/") + "/" + quote(calendar_id, safe="@") + "/events/"


def where_to_sync(url: str, calendar: str) -> tuple[str, str]:
    """(URL, calendar) for sync --auth google: a calendar ID becomes its events URL; no
    URL and no calendar is the primary calendar."""
    if calendar and is_calendar_id(calendar):
        url, calendar = events_url(calendar, url), ""
    elif not url:
        url = events_url("primary")
    check_token_goes_to_google(url, "https", ("apidata.googleusercontent.com",))
    return url, calendar


def check_token_goes_to_google(url: str, scheme: str, hosts: tuple[str, ...]) -> None:
    """The access token opens the user's Google account: it goes to Google's own host over
    TLS, or to this machine (a local proxy, the tests' stand-in), never elsewhere."""
    found = origin(url, (scheme, "http", "https", "imap", "imaps"))
    if found is None:
        raise UsageProblem(f"--auth google: '{shown(url)}': {problem(url, (scheme,))}")
    if is_loopback(found) or (found.host in hosts and found.scheme == scheme):
        return
    raise UsageProblem(
        f"--auth google sends your Google sign-in to {found.scheme}://{found.host}: only "
        f"{scheme}://{hosts[0]} (or this machine) is given it; for another server use "
        "--auth password"
    )


def refuse_unsupported(*, create: bool, as_todo: bool) -> None:
    """What Google's CalDAV does not do, refused before anything is sent."""
    if as_todo:
        raise UsageProblem(
            "--as todo: Google's CalDAV holds no tasks (VTODO), only events; sync without "
            "--as todo (Google Tasks is not reachable over CalDAV)"
        )
    if create:
        raise UsageProblem(
            "--create: Google's CalDAV does not create calendars (no MKCALENDAR); create it "
            "at calendar.google.com (Settings > Add calendar > Create new calendar), copy "
            "its Calendar ID from 'Integrate calendar' and give it with --calendar ID"
        )

"""One invitation, read from the bytes of an .ics file or of a whole mail that carries one.

Calendar apps write invitations each their own way: Google with UTC times and the meeting
link in X-GOOGLE-CONFERENCE, Exchange with Windows zone names (``W. Europe Standard
Time``) or its own VTIMEZONE ("(UTC+01:00) Amsterdam, Berlin..."), Zoom in UTC with only
an organizer, Teams with the link in X-MICROSOFT-SKYPETEAMSMEETINGURL, scheduling tools
from a no-reply address. What cannot be an interview round (a recurring meeting, an
all-hands, a zone no one knows, text that is not text) is refused in one line that names
the file. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from zoneinfo import ZoneInfo

from followup_cal.columns import one_line
from followup_cal.errors import BadInvitation

# More people than a panel ever has: an all-hands or a company event, not an interview.
MAX_PEOPLE = 40
# An invitation is a few kilobytes (Teams' HTML description some tens); a mail carrying
# one may hold a CV or a deck as well.
MAX_CALENDAR_BYTES = 1 << 20
MAX_MAIL_BYTES = 25 << 20
# What is counted before anything is parsed, so that no invitation can make the reader
# recurse without end or work for minutes: the parts of a mail (a forwarded invitation
# with attachments has a few; 2,000 nested ones made the mail parser recurse past
# Python's limit), the lines and components of a calendar (Exchange's is a few hundred
# lines; 140,000 properties took 6 s to read).
MAX_MAIL_PARTS = 100
MAX_CALENDAR_LINES = 20_000
MAX_COMPONENTS = 200
# What one field of an invitation keeps (cells): a name, a title or place, a link. Longer
# is cut; a UID longer than Exchange's (a few hundred characters) is refused, since a
# cut one could follow another invitation's round.
MAX_NAME = 100
MAX_TEXT = 300
MAX_LINK = 2000
MAX_UID = 1000
MAX_SEQUENCE = 10**9  # what the file's invitation: sequence takes (RFC 5545: an INTEGER)
METHODS = ("REQUEST", "PUBLISH", "CANCEL")
CALENDAR_TYPES = ("text/calendar", "application/ics")
# Where apps put the meeting's own link, in the order they are trusted.
LINK_PROPERTIES = ("X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL", "URL")
VIDEO_LINK = re.compile(
    r"https://(?:[\w-]+\.)*(?:zoom\.us|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com"
    r"|webex\.com|whereby\.com|chime\.aws|meet\.jit\.si|gotomeeting\.com|bluejeans\.com)"
    r"/[^\s<>\"'\\]*"
)
# What Outlook writes as the location of an online meeting: no place, only the app.
PLACEHOLDER_LOCATION = re.compile(
    r"(microsoft\s+)?teams(\s+meeting)?|zoom(\s+meeting)?|google\s+meet|webex(\s+meeting)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Party:
    """An ATTENDEE or the ORGANIZER, as written: CN, address and CUTYPE."""

    name: str
    email: str
    kind: str = "INDIVIDUAL"  # CUTYPE: INDIVIDUAL, GROUP, ROOM, RESOURCE, UNKNOWN
    organizer: bool = False


@dataclass(frozen=True)
class Invitation:
    """What an invitation says about one meeting."""

    path: str
    method: str  # REQUEST, PUBLISH or CANCEL
    uid: str
    sequence: int
    stamp: str  # DTSTAMP in UTC, 20261201T141503Z ("" when missing): orders equal sequences
    summary: str
    start: datetime  # aware: in ``zone``, or in the user's zone
    duration: timedelta | None  # None: neither DTEND nor DURATION (the default length)
    zone: str  # the IANA zone the start is in; "" for the user's own
    zone_from: str  # how the zone was read, said in the review
    parties: tuple[Party, ...]  # the organizer first, then the attendees
    location: str
    link: str
    cancelled: bool  # METHOD:CANCEL, or STATUS:CANCELLED
    warnings: tuple[str, ...] = ()

    @property
    def organizer(self) -> str:
        """The ORGANIZER's address ("" when it names none)."""
        return next((p.email for p in self.parties if p.organizer), "")

    def copy(self) -> tuple[int, str]:
        """Which copy it is: its SEQUENCE and DTSTAMP (see model.copy_order)."""
        return self.sequence, self.stamp

    def notes(self) -> str:
        """The round's notes: where it takes place."""
        lines = [f"video: {self.link}"] if self.link else []
        if self.location and self.location != self.link:
            lines.append(f"location: {self.location}")
        return "\n".join(lines)


def read_invitation(path: str, data: bytes, my_zone: ZoneInfo) -> Invitation:
    """The invitation in ``data``: an .ics file, or a mail with a text/calendar part or an
    .ics attachment. ``my_zone`` is the user's, for a floating time. BadInvitation when it
    cannot be an interview round."""
    text, method = calendar_text(path, data)
    return _read_calendar(path, text, my_zone, method)


def _bad(path: str, why: str) -> BadInvitation:
    return BadInvitation(f"{path}: {why}; nothing was written")


def calendar_text(path: str, data: bytes) -> tuple[str, str]:
    """The calendar's text: the file itself, or the first calendar part of a mail; and
    the part's method= (for a calendar that names none)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.lstrip()[:15].upper() == b"BEGIN:VCALENDAR":
        if len(data) > MAX_CALENDAR_BYTES:
            raise _bad(path, f"is {len(data)} bytes, too large for an invitation")
        return _decode(path, data, "utf-8"), ""
    if len(data) > MAX_MAIL_BYTES:
        raise _bad(
            path, f"is over {MAX_MAIL_BYTES >> 20} MB, too large for a mail with an invitation"
        )
    # Counted on a lower-case copy with bytes.find: a case-blind regex over 25 MB took
    # seconds. Each multipart names its boundary; a mail in a mail is message/rfc822.
    low = data.lower()
    found = _positions(low, b"boundary", MAX_MAIL_PARTS + 1)
    parts = len(found) + low.count(b"message/rfc822") + low.count(b"message/global")
    del low
    if parts > MAX_MAIL_PARTS:
        raise _bad(
            path,
            f"has more than {MAX_MAIL_PARTS} parts, nested or side by side; a mail with an "
            "invitation has a few",
        )
    mail = message_from_bytes(_without_large_attachments(data, found))
    parts = [p for p in mail.walk() if _is_calendar(p)]
    if not parts:
        raise _bad(
            path,
            "holds no invitation (neither a calendar file nor a mail with a text/calendar "
            "part or an .ics attachment)",
        )
    # Google sends the same calendar twice (the part and invite.ics): the first will do.
    part = parts[0]
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise _bad(path, "its calendar part is empty or cannot be decoded")
    if len(payload) > MAX_CALENDAR_BYTES:
        raise _bad(path, f"its calendar part is {len(payload)} bytes, too large for an invitation")
    method = str(part.get_param("method") or "").strip().upper()
    return _decode(path, payload, part.get_content_charset() or "utf-8"), method


# A part of a large mail whose body is dropped unread: neither a calendar nor a container.
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\r\n]+)"?', re.IGNORECASE)


def _positions(text: bytes, word: bytes, most: int) -> list[int]:
    """Where ``word`` is in ``text``, at most ``most`` places."""
    found: list[int] = []
    at = text.find(word)
    while at >= 0 and len(found) < most:
        found.append(at)
        at = text.find(word, at + 1)
    return found


_KEEP = re.compile(rb"text/calendar|application/ics|\.ics\b|multipart/|message/", re.IGNORECASE)
_HEADERS_END = re.compile(rb"\r?\n\r?\n")
LARGE_PART = 64 << 10


def _without_large_attachments(data: bytes, named: list[int]) -> bytes:
    """A large mail (a deck or a CV attached) without the bodies of its large parts that
    are no calendar: the mail parser holds some ten times a body's size, and an
    invitation is a few kilobytes. Parts are told by their boundaries (``named``: where
    the word 'boundary' is); a part whose header names a calendar, an .ics file, or more
    parts is always kept whole."""
    if len(data) <= MAX_CALENDAR_BYTES:
        return data
    values = (_BOUNDARY.match(data, at) for at in named)
    boundaries = {v[1].strip() for v in values if v and v[1].strip()}
    # Each delimiter line, '--BOUNDARY' at a line's start, found with bytes.find.
    lines: list[tuple[int, int]] = []
    for boundary in boundaries:
        at = data.find(b"\n--" + boundary)
        while at >= 0:
            end = data.find(b"\n", at + 1)
            end = len(data) if end < 0 else end
            if data[at + 1 : end].rstrip(b"\r\t ") in (b"--" + boundary, b"--" + boundary + b"--"):
                lines.append((at + 1, end))
            at = data.find(b"\n--" + boundary, at + 1)
    kept: list[bytes] = []
    at = 0
    for start, end in sorted(lines):
        if start < at:
            continue  # one boundary the start of another: its line is taken once
        kept.append(_part(data[at:start]) if kept else data[:start])
        kept.append(data[start:end])
        at = end
    kept.append(data[at:])
    return b"".join(kept)


def _part(segment: bytes) -> bytes:
    """One part (its header, a blank line, its body), its body dropped when it is large
    and the header says it is no calendar and holds no parts."""
    end = _HEADERS_END.search(segment, 0, 16 << 10)
    if end is None or len(segment) - end.end() < LARGE_PART or _KEEP.search(segment, 0, end.end()):
        return segment
    return segment[: end.end()]


def _is_calendar(part: Message) -> bool:
    if part.is_multipart():
        return False
    name = (part.get_filename() or "").lower()
    return part.get_content_type() in CALENDAR_TYPES or name.endswith(".ics")


def _decode(path: str, data: bytes, charset: str) -> str:
    try:
        return data.decode(charset).removeprefix("\ufeff")
    except LookupError:
        raise _bad(
            path, f"its calendar part is in an unknown character set '{one_line(charset, 40)}'"
        ) from None
    except UnicodeDecodeError as exc:
        raise _bad(
            path,
            f"is not valid {one_line(charset, 40)} text (byte {exc.start}): the encoding is broken",
        ) from None


def _read_calendar(path: str, text: str, my_zone: ZoneInfo, method_hint: str = "") -> Invitation:
    import icalendar

    lines = text.count("\n") + 1
    if lines > MAX_CALENDAR_LINES:
        raise _bad(path, f"has {lines} lines, more than an invitation ({MAX_CALENDAR_LINES})")
    components = len(re.findall(r"^BEGIN:", text, re.MULTILINE | re.IGNORECASE))
    if components > MAX_COMPONENTS:
        raise _bad(
            path,
            f"has {components} components (BEGIN:), more than an invitation ({MAX_COMPONENTS})",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a guessed "/vendor/Europe/Berlin" is fine
            calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and others on broken text
        raise _bad(path, f"is not a readable calendar ({_first_line(exc)})") from None
    method = str(calendar.get("METHOD", method_hint or "PUBLISH")).strip().upper()
    if method not in METHODS:
        what = "an answer to an invitation" if method == "REPLY" else "no invitation"
        raise _bad(path, f"is a METHOD:{one_line(method, 40)}, {what}")
    events = calendar.walk("VEVENT")
    if not events:
        raise _bad(path, "holds no event (VEVENT)")
    uids = {str(e.get("UID", "")) for e in events}
    if len(events) > 1 and len(uids) == 1:
        raise _bad(path, "is a recurring meeting (one event with exceptions), not one interview")
    if len(events) > 1:
        raise _bad(path, f"holds {len(events)} events; an interview's invitation holds one")
    event = events[0]
    for name in ("RRULE", "RDATE", "RECURRENCE-ID"):
        if name in event:
            raise _bad(path, f"is a recurring meeting ({name}), not one interview")
    try:
        return _event(path, method, event, my_zone)
    except BadInvitation:
        raise
    except Exception as exc:  # a value icalendar could not read (a date, a number)
        raise _bad(path, f"has a value that cannot be read ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return one_line(text[0] if text else type(exc).__name__, 200)


def _event(path: str, method: str, event: object, my_zone: ZoneInfo) -> Invitation:
    get = event.get  # type: ignore[attr-defined]
    notes: list[str] = []
    if "DTSTART" not in event:  # type: ignore[operator]
        raise _bad(path, "has no start (DTSTART)")
    start, zone, zone_from = _start(path, get("DTSTART"), my_zone, notes)
    duration = _duration(path, event, start)
    if duration is None:
        notes.append("it gives no end (DTEND or DURATION): the round takes the default length")
    parties = _parties(event)
    if len(parties) > MAX_PEOPLE:
        raise _bad(
            path,
            f"invites {len(parties)} people, more than an interview has ({MAX_PEOPLE}); "
            "it looks like a company event",
        )
    sequence = get("SEQUENCE", get("X-MICROSOFT-CDO-APPT-SEQUENCE", 0))
    try:
        number = int(str(sequence).strip())
    except ValueError:
        raise _bad(
            path, f"has a SEQUENCE that is no number ('{one_line(str(sequence), 40)}')"
        ) from None
    if number > MAX_SEQUENCE:
        raise _bad(path, f"has a SEQUENCE too large to be one ('{one_line(str(sequence), 40)}')")
    uid = str(get("UID", "")).strip()
    if len(uid) > MAX_UID:
        raise _bad(path, f"has a UID of {len(uid)} characters, longer than any calendar writes")
    status = str(get("STATUS", "")).strip().upper()
    location = one_line(str(get("LOCATION", "")), MAX_TEXT)
    return Invitation(
        path=path,
        method=method,
        uid=one_line(uid, MAX_UID),
        sequence=max(number, 0),
        stamp=_stamp(get("DTSTAMP")),
        summary=one_line(str(get("SUMMARY", "")), MAX_TEXT),
        start=start,
        duration=duration,
        zone=zone,
        zone_from=zone_from,
        parties=parties,
        location="" if PLACEHOLDER_LOCATION.fullmatch(location) else location,
        link=_link(event, location),
        cancelled=method == "CANCEL" or status == "CANCELLED",
        warnings=tuple(notes),
    )


def _start(
    path: str, prop: object, my_zone: ZoneInfo, notes: list[str]
) -> tuple[datetime, str, str]:
    """The start, the IANA zone to write it in ("" for the user's), and where the zone
    came from. A zone that is neither IANA, Windows nor defined in the invitation has
    left icalendar a naive time with a TZID: that is refused, never guessed."""
    value = prop.dt  # type: ignore[attr-defined]
    tzid = str(prop.params.get("TZID", "")).strip()  # type: ignore[attr-defined]
    written = one_line(tzid, 80)  # as the review says it
    if not isinstance(value, datetime):
        if isinstance(value, date):
            raise _bad(path, "is an all-day event (a date without a time), not an interview")
        raise _bad(path, "has a start that is no date and time")
    if value.tzinfo is None and tzid.lower() in ("tzone://microsoft/utc", "utc", "gmt"):
        value = value.replace(tzinfo=UTC)  # Outlook.com's name for UTC
    if value.tzinfo is None:
        if tzid:
            raise _bad(
                path,
                f"is in an unknown time zone '{written}' (no IANA or Windows name, and the "
                "invitation does not define it)",
            )
        notes.append(
            "its time has no zone (a floating time): it is taken in your zone, "
            f"{my_zone.key}; check it"
        )
        return value.replace(tzinfo=my_zone), "", "none given (floating): yours"
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key not in ("UTC", "Etc/UTC"):
        key = value.tzinfo.key
        if key == my_zone.key:
            return value, "", f"{key} (yours)"
        said = f"{key}" if tzid in ("", key) else f"{key} (written '{written}')"
        return value, key, said
    utc = isinstance(value.tzinfo, ZoneInfo) or (not tzid and value.utcoffset() == timedelta(0))
    if utc:  # ZoneInfo here is UTC itself
        return value.astimezone(my_zone), "", "UTC, written in yours"
    named = _windows_zone(tzid)
    if named is not None:
        # Exchange defines its Windows zone in the invitation too: icalendar reads that
        # definition; the IANA zone (icalendar's table, from CLDR) is taken when it puts
        # the round at the same instant.
        local = value.replace(tzinfo=named)
        if local.utcoffset() == value.utcoffset():
            key = named.key
            if key == my_zone.key:
                return local, "", f"{key} (yours; written '{written}')"
            return local, key, f"{key} (written '{written}')"
    # A zone the invitation defines itself (Outlook's "(UTC+01:00) Amsterdam, ..."): its
    # instant is certain, its name no IANA one, so the round is written in the user's.
    return value.astimezone(my_zone), "", f"the invitation's own '{written}', written in yours"


def _stamp(prop: object) -> str:
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime) or value.tzinfo is None:
        return ""
    return f"{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _windows_zone(tzid: str) -> ZoneInfo | None:
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    name = WINDOWS_TO_OLSON.get(tzid.strip('"'))
    return ZoneInfo(name) if name else None


def _duration(path: str, event: object, start: datetime) -> timedelta | None:
    get = event.get  # type: ignore[attr-defined]
    length: timedelta | None = None
    if "DTEND" in event:  # type: ignore[operator]
        end = get("DTEND").dt
        if not isinstance(end, datetime):
            raise _bad(path, "ends on a date without a time")
        if end.tzinfo is None:
            end = end.replace(tzinfo=start.tzinfo)
        length = end - start
    elif "DURATION" in event:  # type: ignore[operator]
        length = get("DURATION").dt
        if not isinstance(length, timedelta):
            raise _bad(path, "has a DURATION that is no length of time")
    if length is None:
        return None
    if length <= timedelta(0):
        raise _bad(path, "ends before it starts")
    if length > timedelta(hours=24):
        raise _bad(path, "lasts more than a day, which no interview round does")
    return length


def _address(value: object) -> str:
    """The address, or "" for none: one with spaces or characters no address has (a
    control or bidi character, a line break) is no address to write into the file."""
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().lower()
    if "@" not in text or one_line(text, MAX_NAME) != text or " " in text:
        return ""
    return text


def _party(prop: object, organizer: bool) -> Party:
    params = getattr(prop, "params", {})
    written = params.get("CN", "")
    if isinstance(written, list):  # an unquoted "Lee, Dana" reads as two values
        written = ",".join(str(part) for part in written)
    name = one_line(str(written).strip().strip('"'), MAX_NAME)
    kind = str(params.get("CUTYPE", "INDIVIDUAL")).strip().upper() or "INDIVIDUAL"
    # RFC 7986's EMAIL= is the person's own address where the calendar address is a
    # relay (iCloud writes mailto:2_...@imip.me.com).
    address = _address(params.get("EMAIL", "")) or _address(prop)
    return Party(name, address, kind, organizer)


def _parties(event: object) -> tuple[Party, ...]:
    get = event.get  # type: ignore[attr-defined]
    found: list[Party] = []
    organizer = get("ORGANIZER")
    if organizer is not None:
        found.append(_party(organizer, organizer=True))
    attendees = get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    found += [_party(a, organizer=False) for a in attendees]
    return tuple(found)


def _link(event: object, location: str) -> str:
    get = event.get  # type: ignore[attr-defined]
    for name in LINK_PROPERTIES:
        value = str(get(name, "")).strip()
        if value.lower().startswith("https://"):
            return one_line(value, MAX_LINK)
    for text in (location, str(get("DESCRIPTION", ""))):
        found = VIDEO_LINK.search(text)
        if found:
            return one_line(found[0].rstrip(".,;)>"), MAX_LINK)
    return ""

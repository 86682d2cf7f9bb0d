"""Reading invitations as the apps write them (tests/data/invites/README.md): the start's
instant, the length, the zone, the interviewers, the company; and the broken ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup_cal.errors import BadInvitation
from followup_cal.invites.people import Guest, guess_company, people_of, person_name
from followup_cal.invites.reading import Party, read_invitation

INVITES = Path(__file__).parent / "data" / "invites"
NEW_YORK = ZoneInfo("America/New_York")
MINE = frozenset({"alex.morgan@example.org"})


def read(name: str, zone: ZoneInfo = NEW_YORK):
    path = INVITES / name
    return read_invitation(str(path), path.read_bytes(), zone)


# name: (start in UTC, minutes or None, zone written, interviewers, company, where)
EXPECTED = {
    "google_request.eml": (
        "2026-12-08 15:00", 60, "", ["Priya Shah", "Sam Roe"], "Initech",
        "video: https://meet.google.com/xpr-tqnm-kbw",
    ),
    "exchange_windows_zone.ics": (
        "2026-12-09 09:00", 90, "Europe/Berlin", ["Anna Keller", "Jonas Bauer"], "Umbrella",
        "location: Konferenzraum Rhein",
    ),
    "outlook_own_zone.eml": (
        "2026-12-11 14:30", 60, "", ["Lucius Fox", "Selina Kyle"], "Wayne",
        "location: Wayne Tower, 12th floor",
    ),
    "zoom_utc.ics": (
        "2026-12-14 17:00", 30, "", ["Dana Lee"], "Acme",
        "video: https://acme.zoom.us/j/81234567890?pwd=Qm9vZ2llV29vZ2llMTIzNDU2.1",
    ),
    "teams_meeting.ics": (
        "2026-12-15 17:00", 60, "America/Los_Angeles", ["Megan Bowen", "Adele Vance"],
        "Fabrikam", "video: https://teams.microsoft.com/l/meetup-join/19%3ameeting_"
        "ZmE4YjQ2NDEtZGY1Ni00ZTJh%40thread.v2/0?context=%7b%22Tid%22%3a%22a1b2%22%7d",
    ),
    "goodtime_panel.ics": (
        "2026-12-16 18:00", 75, "America/Los_Angeles", ["Monica Hall", "Jared Dunn"], "Hooli",
        "video: https://hooli.zoom.us/j/98765432109",
    ),
    "greenhouse_publish.eml": (
        "2026-12-17 18:00", 60, "", [], "Pied Piper", "location: Phone call",
    ),
    "no_end.ics": ("2026-12-18 17:00", None, "America/Chicago", ["Hank Scorpio"], "Globex", ""),
    "floating.ics": ("2026-12-18 19:00", 60, "", ["Hank Scorpio"], "Globex", ""),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_app_s_invitation_gives_the_instant_length_people_and_company(name):
    start, minutes, zone, names, company, notes = EXPECTED[name]
    invitation = read(name)
    utc = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert invitation.start == utc
    assert invitation.zone == zone
    # The start is written in the zone it names, or in the user's.
    assert invitation.start.tzinfo == (ZoneInfo(zone) if zone else NEW_YORK)
    assert invitation.duration == (timedelta(minutes=minutes) if minutes else None)
    people = people_of(invitation, MINE)
    assert [g.name for g in people.interviewers] == names
    guess = guess_company(invitation, people, "Alex Morgan")
    assert guess is not None and guess.name == company
    assert invitation.notes() == notes
    assert not invitation.cancelled and invitation.method in ("REQUEST", "PUBLISH")


def test_left_out_are_the_user_rooms_groups_and_scheduling_tools():
    left = {
        name: {(x.who, x.why) for x in people_of(read(name), MINE).left_out}
        for name in ("google_request.eml", "exchange_windows_zone.ics", "goodtime_panel.ics")
    }
    assert left["google_request.eml"] == {
        ("alex.morgan@example.org", "you"),
        ("NYC-12-Hudson (8)", "a room or resource"),
    }
    assert ("Konferenzraum Rhein", "a room or resource") in left["exchange_windows_zone.ics"]
    assert left["goodtime_panel.ics"] == {
        ("Hooli Candidate Calendar", "a group or shared calendar, not a person"),
        ("Hooli Interview Panel", "a group or shared calendar, not a person"),
        ("Greenhouse Scheduling", "a scheduling tool's address, not a person"),
        ("alex.morgan@example.org", "you"),
    }
    # Without the user's address, they are one of the people: it is the address that counts.
    kept = people_of(read("zoom_utc.ics"), frozenset())
    assert kept.interviewers == (Guest("Dana Lee", "dana.lee@acme.example"),)


def test_google_lists_the_organizer_again_as_an_attendee_once():
    people = people_of(read("google_request.eml"), MINE)
    assert [g.email for g in people.interviewers] == [
        "priya.shah@initech.example",
        "sam.roe@initech.example",
    ]


@pytest.mark.parametrize(
    ("written", "email", "name"),
    [
        ("Lee, Dana", "", "Dana Lee"),
        ('"Bauer, Jonas"', "", "Jonas Bauer"),
        ("Smith, PhD", "", "Smith, PhD"),  # a suffix, not a first name
        ("Dana Lee (she/her)", "", "Dana Lee"),
        ("", "dana.lee@acme.example", "Dana Lee"),
        ("dana.lee@acme.example", "dana.lee@acme.example", "Dana Lee"),
        ("", "dl42@acme.example", "dl42"),
    ],
)
def test_names_are_put_in_the_order_people_say_them(written, email, name):
    assert person_name(Party(written.strip('"'), email)) == name


def test_a_reschedule_and_a_cancellation_keep_the_uid_with_a_higher_sequence():
    first, moved, cancelled = (
        read(n) for n in ("google_request.eml", "google_reschedule.ics", "google_cancel.ics")
    )
    assert first.uid == moved.uid == cancelled.uid == "5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com"
    assert (first.sequence, moved.sequence, cancelled.sequence) == (0, 1, 2)
    assert moved.start == datetime(2026, 12, 10, 19, 0, tzinfo=UTC)
    assert cancelled.cancelled and cancelled.method == "CANCEL"


def test_a_missing_end_and_a_floating_time_are_taken_with_a_warning():
    assert any("default length" in w for w in read("no_end.ics").warnings)
    floating = read("floating.ics", ZoneInfo("Europe/Berlin"))
    assert floating.start == datetime(2026, 12, 18, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert any("floating" in w and "Europe/Berlin" in w for w in floating.warnings)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("recurring.ics", "is a recurring meeting (RRULE)"),
        ("huge_attendees.ics", "invites 62 people"),
        ("broken_encoding.ics", "is not valid utf-8 text"),
        ("unknown_zone.ics", "unknown time zone 'Mars/Olympus_Mons'"),
        ("reply.ics", "is a METHOD:REPLY"),
        ("all_day.ics", "is an all-day event"),
    ],
)
def test_bad_invitations_are_one_line_naming_the_file(name, said):
    with pytest.raises(BadInvitation) as caught:
        read(name)
    line = str(caught.value)
    assert line.startswith(f"{INVITES / name}: ") and said in line
    assert "\n" not in line and line.endswith("nothing was written")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:notadate\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T100000Z\r\nSEQUENCE:x\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T100000Z\r\n"
        b"DTEND:20261201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"From: a@b.example\r\nContent-Type: text/plain\r\n\r\nhello\r\n",
        b"From: a@b.example\r\nContent-Type: text/calendar\r\nContent-Transfer-Encoding: base64"
        b"\r\n\r\n!!!not base64!!!\r\n",
        b"BEGIN:VCALENDAR\r\n" + b"X" * 2_000_000,
    ],
)
def test_whatever_the_bytes_the_answer_is_one_line_never_a_traceback(data):
    with pytest.raises(BadInvitation) as caught:
        read_invitation("x.ics", data, NEW_YORK)
    assert str(caught.value).startswith("x.ics: ")
    assert "\n" not in str(caught.value)


def test_a_calendar_without_method_takes_its_mail_part_s():
    mail = (INVITES / "google_request.eml").read_bytes()
    cancel = mail.replace(b"method=REQUEST", b"method=CANCEL").replace(b"METHOD:REQUEST\r\n", b"")
    invitation = read_invitation("m.eml", cancel, NEW_YORK)
    assert (invitation.method, invitation.cancelled) == ("CANCEL", True)


@pytest.mark.parametrize(
    ("party", "why"),
    [
        (Party("Acme Recruiting", "recruiting@acme.example"), "a team's shared address"),
        (Party("", "talent-team@acme.example"), "a team's shared address"),
        (Party("Priya Shah", "recruiting@acme.example"), None),  # a person writes from it
        (Party("Calendly", "notifications@calendly.com"), "a scheduling tool's address"),
        (Party("Acme", "no-reply@acme.example"), "a scheduling tool's address"),
        (Party("Interview Room 4", "room4@acme.example", "ROOM"), "a room or resource"),
        (Party("Panel", "panel@acme.example", "GROUP"), "a group or shared calendar"),
        (Party("Dana Lee", "dana@acme.example"), None),
    ],
)
def test_who_is_no_interviewer_and_why(party, why):
    from followup_cal.invites.people import why_not_a_person

    said = why_not_a_person(party, MINE)
    assert (said is None) if why is None else said.startswith(why)


def test_icloud_s_relay_address_gives_way_to_the_email_parameter_and_outlook_s_utc():
    text = (
        (INVITES / "zoom_utc.ics")
        .read_bytes()
        .replace(
            b"ORGANIZER;CN=Dana Lee:mailto:dana.lee@acme.example",
            b'ORGANIZER;CN="Dana Lee";EMAIL=dana.lee@acme.example:mailto:2_GQ3TMMZXGQ2DENJ@imip.me.com',
        )
        .replace(
            b"DTSTART:20261214T170000Z", b'DTSTART;TZID="tzone://Microsoft/Utc":20261214T170000'
        )
    )
    invitation = read_invitation("icloud.ics", text, NEW_YORK)
    assert people_of(invitation, MINE).interviewers == (Guest("Dana Lee", "dana.lee@acme.example"),)
    assert invitation.start == datetime(2026, 12, 14, 17, 0, tzinfo=UTC)


FIXTURES = sorted(p for p in INVITES.iterdir() if p.suffix in (".ics", ".eml"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(FIXTURES),
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=400),
    st.binary(max_size=40),
)
def test_a_damaged_invitation_is_read_or_refused_in_one_line(path, at, cut, junk):
    """Any fixture cut short, or with bytes put in anywhere, is an invitation or one
    line that names the file: never another exception."""
    data = path.read_bytes()
    at = at % (len(data) + 1)
    damaged = data[:at] + junk + data[at + cut :]
    try:
        invitation = read_invitation("x.eml", damaged, NEW_YORK)
    except BadInvitation as exc:
        assert str(exc).startswith("x.eml: ") and "\n" not in str(exc)
        return
    people_of(invitation, MINE)  # the people of whatever was read can be told apart
    assert invitation.start.tzinfo is not None


@pytest.mark.parametrize(
    ("title", "domain", "company"),
    [
        ("Interview \u2013 Quarry Labs", "quarrylabs.example", "Quarry Labs"),  # issue 31
        ("QuarryLabs <> Alex Morgan", "quarrylabs.example", "QuarryLabs"),
        ("Interview (Quarry Labs)", "quarrylabs.co.uk", "Quarry Labs"),
        ("Quarry Labs | Technical interview", "quarry-labs.example", "Quarry Labs"),
        # The title names no company, or another one: the domain's own.
        ("Technical interview", "quarrylabs.example", "Quarrylabs"),
        ("Interview \u2013 Quarry", "quarrylabs.example", "Quarrylabs"),
    ],
)
def test_the_company_is_spelled_as_the_title_writes_the_domain(title, domain, company):
    """Teams' invitation, the company's domain and title changed: the domain decides
    which company it is, the title how its name is written."""
    data = (INVITES / "teams_meeting.ics").read_bytes()
    data = data.replace(b"fabrikam.example", domain.encode())
    data = data.replace(b"Fabrikam | Technical interview", title.encode())
    invitation = read_invitation("quarry.ics", data, NEW_YORK)
    guess = guess_company(invitation, people_of(invitation, MINE), "Alex Morgan")
    assert guess is not None and guess.name == company
    assert guess.why.startswith(f"from the address domain {domain}")

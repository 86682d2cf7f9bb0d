"""A calendar shared with 2,000 events that are not ours: sync reads only its own.

Counted through the recording proxy in bytes and requests, against a real Radicale.
"""

from __future__ import annotations

import pytest
import test_sync
from caldav_servers import (
    CALENDAR_QUERY,
    PASSWORD,
    USER,
    RecordingProxy,
    http_request,
    start_radicale,
)
from test_sync import EXAMPLE_EVENTS, Workspace

isolated_home = test_sync.isolated_home
FOREIGN = 2000


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    srv = start_radicale(tmp_path_factory.mktemp("radicale-shared"))
    yield srv
    srv.stop()


def shared_calendar(port: int) -> str:
    """A calendar holding 2,000 events of someone else, uploaded in one PUT (Radicale
    takes a whole calendar at a collection's URL)."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:team-{n}@example.com\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:20261201T{n % 10:02d}0000Z\r\nDURATION:PT1H\r\nSUMMARY:Team meeting {n}\r\n"
        "DESCRIPTION:Agenda: the roadmap, the budget, the hiring plan, and the offsite.\r\n"
        "END:VEVENT\r\n"
        for n in range(FOREIGN)
    )
    body = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//team//EN\r\n{events}END:VCALENDAR\r\n"
    url = f"http://127.0.0.1:{port}/{USER}/shared/"
    headers = {"Content-Type": "text/calendar"}
    response = http_request("PUT", url, data=body, auth=(USER, PASSWORD), headers=headers)
    assert response.status_code in (201, 204), response.status_code
    return url


def test_a_no_op_in_a_shared_calendar_reads_a_tenth_of_listing_it(radicale, tmp_path):
    proxy = RecordingProxy(radicale.port).start()
    try:
        ws = Workspace(tmp_path, radicale, proxy)
        shared_calendar(radicale.port)
        ws.calendar = proxy.url(f"/{USER}/shared/")
        first = ws.sync()
        assert first.exit_code == 0, first.output
        assert first.stdout.startswith(f"created {EXAMPLE_EVENTS},")
        # What listing the calendar costs: every event with its data, in one REPORT.
        proxy.clear()
        headers = {"Depth": "1", "Content-Type": "application/xml"}
        listing = http_request("REPORT", ws.calendar, CALENDAR_QUERY, (USER, PASSWORD), headers)
        assert listing.content.count(b"BEGIN:VEVENT") == FOREIGN + EXAMPLE_EVENTS
        everything = proxy.bytes_read()
        again = ws.sync()
        assert again.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
        assert proxy.methods() == ["REPORT"]
        warm = proxy.bytes_read()
        assert warm * 10 < everything
        # Once a no-op is known, the token's answer says nothing changed: no ETag at all.
        quiet = ws.sync()
        assert quiet.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
        assert proxy.methods() == ["REPORT"]
        assert proxy.bytes_read() < 1000
        # With the cache gone, one REPORT for our events, after asking the calendar's
        # sync token for next time; still only our events' data.
        (ws.path.parent / "interviews.followup-sync.json").unlink()
        cold = ws.sync()
        assert cold.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
        assert proxy.methods() == ["PROPFIND", "REPORT"]
        assert proxy.bytes_read() * 10 < everything
        print(f"listing {everything} B; no-op {warm} B, without the cache {proxy.bytes_read()} B")
    finally:
        proxy.stop()


def test_a_no_op_reads_etags_and_only_the_events_that_changed(radicale, tmp_path):
    proxy = RecordingProxy(radicale.port).start()
    try:
        ws = Workspace(tmp_path, radicale, proxy)
        assert ws.sync("--create").exit_code == 0
        (ws.path.parent / "interviews.followup-sync.json").unlink()
        assert ws.sync().exit_code == 0  # no cache: the one REPORT carries every event's data
        assert proxy.methods() == ["PROPFIND"] * 4 + ["REPORT"]  # discovery, the sync token
        cold = proxy.sizes[max(proxy.sizes)]
        warm = ws.sync()
        assert warm.stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
        assert proxy.methods() == ["REPORT"]
        assert proxy.bytes_read() * 3 < cold  # ETags, not event data
        # Someone edits one event: only that one is fetched, in one multiget.
        uid = "helio-analytics.follow-up-2@followup-cal"
        href, _event, raw = ws.stored()[uid]
        assert ws.put_raw(href, raw.replace("SUMMARY:", "SUMMARY:(call) ", 1).encode()) == 204
        edited = ws.sync()
        # The user's title stays: our marks are put back on their version (one PUT).
        assert "adopted 1" in edited.stdout
        assert proxy.methods() == ["REPORT", "REPORT", "PUT"]
        multiget = proxy.sizes[max(proxy.sizes)]
        assert multiget < 2 * len(raw.encode()) + 2000
    finally:
        proxy.stop()

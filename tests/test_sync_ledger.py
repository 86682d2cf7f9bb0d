"""A deletion in the calendar is recognised with no local cache, from the record sync
keeps on the server (a dead property of the calendar, see followup_cal/sync/ledger.py),
against real servers. Radicale, Cyrus and DAViCal keep the record; Xandikos and
sabre/dav refuse it (403), and there sync does what it did without one: the event comes
back, nothing is recorded.

The phone is the `caldav` package, a client that is not ours. Never a `skipped:` the
phone did not make: not after an interrupted sync, not after sync's own deletions.
"""

from __future__ import annotations

import caldav
import pytest
import test_sync
from caldav_servers import PASSWORD, http_request
from conftest import interview
from test_sync_from_calendar import added_lines

server, proxy, ws = test_sync.server, test_sync.proxy, test_sync.ws
isolated_home = test_sync.isolated_home

KEEPS_THE_RECORD = {"radicale", "cyrus", "davical"}  # test_which_servers_keep_the_record
HELIO_2 = "helio-analytics.follow-up-2@followup-cal"  # Tue 24 Nov, "Final follow-up"
HELIO_SKIPPED = "- {step: follow_up-2, round: 1, date: 2026-11-23}"
NOTHING_KEPT = "no usable record of this file's events"


def phone_deletes(ws, uid: str, calendar_url: str) -> None:
    """A calendar app deletes the event (its own client; Digest when the server asks)."""
    if ws.server.user:
        client = caldav.DAVClient(url=calendar_url, username=ws.server.user, password=PASSWORD)
    else:
        client = caldav.DAVClient(url=calendar_url)
    client.calendar(url=calendar_url).event_by_uid(uid).delete()


def forget_the_cache(ws) -> None:
    (ws.path.parent / "interviews.followup-sync.json").unlink()


def new_facts(before: str, ws) -> list[str]:
    """The lines sync added to the YAML (it never removes one)."""
    return added_lines(before, ws.path.read_text())


def summary(result) -> str:
    """The last line sync prints: what it wrote."""
    return result.stdout.strip().splitlines()[-1]


def record(ws, calendar_url: str) -> bytes:
    """The calendar's properties (allprop: the dead ones too), as plain HTTP reads them."""
    body = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
    headers = {"Depth": "0", "Content-Type": "application/xml"}
    return http_request("PROPFIND", calendar_url, body, ws.auth(), headers).content


def test_which_servers_keep_the_record(ws):
    result = ws.sync("--create", "-v")
    assert result.exit_code == 0, result.output
    assert ws.proxy.methods()[-1] == "PROPPATCH"  # after the creates
    keeps = b"urn:followup-cal:pushed" in record(ws, ws.calendar_url())
    assert keeps == (ws.server.name in KEEPS_THE_RECORD)
    said = "the server does not keep the record" in result.stderr
    assert said != keeps  # -v says so where it is refused; never an error
    assert "Traceback" not in result.output


def test_a_deletion_in_the_calendar_is_recognised_without_the_cache(ws):
    assert ws.sync("--create").exit_code == 0
    calendar_url = ws.calendar_url()
    phone_deletes(ws, HELIO_2, calendar_url)
    forget_the_cache(ws)  # a second machine, or the cache deleted
    before = ws.path.read_text()

    result = ws.sync("-v")

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    if ws.server.name in KEEPS_THE_RECORD:
        assert result.stdout.count("from your calendar: ") == 1
        assert "from your calendar: skipped: Final follow-up → Lukas Becker" in result.stdout
        assert new_facts(before, ws) == ["skipped:", HELIO_SKIPPED]
        assert HELIO_2 not in ws.stored()  # not created again
        # After reading the calendar: the record (read once: nothing else planned was
        # missing), the event it names asked for by href (gone); then the updates the
        # skip brings (the check-ins' texts), and the record without it.
        methods = ws.proxy.methods()
        after = methods[methods.index("REPORT") :]
        assert after[:3] == ["REPORT", "PROPFIND", "REPORT"]
        assert after[3:-1] == ["PUT"] * (len(after) - 4) and after[-1] == "PROPPATCH"
        # Nothing left to learn: the next sync is one request.
        again = ws.sync()
        assert "from your calendar" not in again.stdout
        assert ws.proxy.methods() == ["REPORT"]
        # The user takes the skip back (removes the line): the step comes back, and the
        # record does not read it as deleted again, with or without the cache.
        taken_back = [line for line in ws.path.read_text().splitlines(True)
                      if line.strip() not in ("skipped:", HELIO_SKIPPED)]  # fmt: skip
        ws.path.write_text("".join(taken_back))
        forget_the_cache(ws)
        undone = ws.sync()
        assert undone.exit_code == 0, undone.output
        assert "from your calendar" not in undone.stdout
        assert summary(undone).startswith("created 1,")
    else:
        # Not recognised: created again, nothing recorded, and -v says why.
        assert "from your calendar" not in result.stdout
        assert new_facts(before, ws) == []
        assert summary(result).startswith("created 1,")
        assert NOTHING_KEPT in result.stderr
    assert HELIO_2 in ws.stored()  # created again, or back once the skip is taken back


def test_a_second_working_copy_records_the_deletion(ws, tmp_path):
    assert ws.sync("--create").exit_code == 0
    phone_deletes(ws, HELIO_2, ws.calendar_url())
    other = tmp_path / "laptop"
    other.mkdir()
    laptop = test_sync.Workspace(other, ws.server, ws.proxy)
    laptop.calendar = ws.calendar
    laptop.path.write_text(ws.path.read_text())
    before = laptop.path.read_text()

    result = laptop.sync()

    assert result.exit_code == 0, result.output
    recognised = ws.server.name in KEEPS_THE_RECORD
    assert new_facts(before, laptop) == (["skipped:", HELIO_SKIPPED] if recognised else [])
    assert (HELIO_2 in laptop.stored()) != recognised


def test_an_interrupted_sync_never_reads_as_a_deletion(ws):
    """Creates confirmed, then the sync dies before its record is written: those events
    are not in the record, so deleted later they come back; they are never skipped."""
    assert ws.sync("--create").exit_code == 0
    calendar_url = ws.calendar_url()
    doc = ws.doc()
    doc["interviews"].append(interview(id="zeta", company="Zeta"))
    ws.write(doc)

    def die_at_the_record(method: str, _path: str) -> None:
        if method == "PROPPATCH":
            raise ConnectionAbortedError("the sync is killed here")

    ws.proxy.before_forward = die_at_the_record
    cut = ws.sync()
    ws.proxy.before_forward = None
    assert cut.exit_code == 0, cut.output  # the record is a help, never an error
    assert "PUT" in ws.proxy.methods()
    new = sorted(uid for uid in ws.stored() if uid.startswith("zeta."))
    assert new
    phone_deletes(ws, new[0], calendar_url)  # created, not recorded
    phone_deletes(ws, HELIO_2, calendar_url)  # created and recorded at the first sync
    forget_the_cache(ws)
    before = ws.path.read_text()

    result = ws.sync()

    assert result.exit_code == 0, result.output
    assert "Zeta" not in "".join(new_facts(before, ws))
    assert new[0] in ws.stored()  # back, as without the record
    if ws.server.name in KEEPS_THE_RECORD:
        assert new_facts(before, ws) == ["skipped:", HELIO_SKIPPED]
        assert summary(result).startswith("created 1,")
    else:
        assert new_facts(before, ws) == []
        assert summary(result).startswith("created 2,")


def unplan(ws, how: str) -> None:
    """The file stops planning helio's final follow-up: by an outcome (its later steps
    go too), or by a skipped: line the user wrote by hand (that one step)."""
    doc = ws.doc()
    helio = next(i for i in doc["interviews"] if i["id"] == "helio-analytics")
    if how == "outcome":
        helio["outcome"] = {"result": "rejected", "date": "2026-11-12"}
    else:
        helio["skipped"] = [{"step": "follow_up-2", "date": "2026-11-20"}]
    ws.write(doc)


def plan_again(ws) -> None:
    """The outcome or the line was a mistake: removed, the steps are planned again."""
    doc = ws.doc()
    helio = next(i for i in doc["interviews"] if i["id"] == "helio-analytics")
    helio.pop("outcome", None)
    helio.pop("skipped", None)
    ws.write(doc)


@pytest.mark.parametrize("how", ["outcome", "skipped by hand"])
def test_our_own_deletion_planned_again_is_created_not_skipped(ws, how):
    assert ws.sync("--create").exit_code == 0
    unplan(ws, how)
    before_hrefs = {uid: obj.href for uid, obj in ws.stored().items()}
    before = set(before_hrefs)

    dropped = ws.sync()

    assert dropped.exit_code == 0, dropped.output
    gone = before - set(ws.stored())
    assert HELIO_2 in gone
    methods = ws.proxy.methods()
    # One DELETE that did its work for each event gone. Another DELETE of the same event
    # is allowed only after a server error to the one before (Xandikos answers 500 when
    # deletes meet its repository's lock, and sync sends an ETag-bound DELETE again).
    deletes = [
        (path, ws.proxy.statuses.get(n))
        for n, (method, path) in enumerate(ws.proxy.requests)
        if method == "DELETE"
    ]
    done = sorted(path for path, status in deletes if status in (200, 204))
    assert done == sorted(_path(before_hrefs[uid]) for uid in gone), deletes
    for index, (path, status) in enumerate(deletes):
        if status not in (200, 204):
            assert status is not None and status >= 500, deletes
            assert (path, 204) in deletes[index + 1 :] or (path, 200) in deletes[index + 1 :]
    # The record loses them before they are deleted (a server that refuses it is asked
    # whether it holds one: it does not, so they are deleted all the same).
    patched = methods.index("PROPPATCH")
    assert patched < methods.index("DELETE")
    if ws.server.name not in KEEPS_THE_RECORD:
        assert methods[patched : patched + 2] == ["PROPPATCH", "PROPFIND"]
    planned_again_is_created(ws, gone)
    # The same on a machine without the cache: deleted again, then planned again.
    unplan(ws, how)
    assert ws.sync().exit_code == 0
    assert not gone & set(ws.stored())
    planned_again_is_created(ws, gone, forget=True)


def planned_again_is_created(ws, gone: set[str], *, forget: bool = False) -> None:
    plan_again(ws)
    if forget:
        forget_the_cache(ws)
    before = ws.path.read_text()
    again = ws.sync()
    assert again.exit_code == 0, again.output
    assert "from your calendar" not in again.stdout
    assert new_facts(before, ws) == []
    assert summary(again).startswith(f"created {len(gone)},")
    assert gone <= set(ws.stored())


def test_a_garbled_record_recognises_nothing(ws):
    if ws.server.name not in KEEPS_THE_RECORD:
        pytest.skip(f"{ws.server.name} keeps no dead property to garble")
    assert ws.sync("--create").exit_code == 0
    calendar_url = ws.calendar_url()
    search_id = next(
        line.split()[1] for line in ws.path.read_text().splitlines() if line.startswith("sync_id:")
    )
    body = (
        '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:F="urn:followup-cal:pushed">'
        f"<D:set><D:prop><F:S-{search_id}>v1 not-a-digest</F:S-{search_id}></D:prop></D:set>"
        "</D:propertyupdate>"
    )
    patched = http_request(
        "PROPPATCH", calendar_url, body, ws.auth(), {"Content-Type": "application/xml"}
    )
    assert patched.status_code == 207
    phone_deletes(ws, HELIO_2, calendar_url)
    forget_the_cache(ws)
    before = ws.path.read_text()

    result = ws.sync("-v")

    assert result.exit_code == 0, result.output
    assert new_facts(before, ws) == []
    assert HELIO_2 in ws.stored()  # created again, as without the record
    assert NOTHING_KEPT in result.stderr


def _path(href: str) -> str:
    """The path of an href as the proxy records a request's (an href may be a full URL)."""
    from urllib.parse import urlsplit

    return urlsplit(href).path

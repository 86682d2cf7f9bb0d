"""`followup-cal sync` against real CalDAV servers (Radicale with Basic auth, Xandikos,
sabre/dav with Digest auth, Cyrus as Fastmail runs it, DAViCal): caldav_servers.SERVERS.

The servers run on 127.0.0.1, started by the tests; a recording proxy in front of
them counts every request and can play a server that dies or misbehaves. What is on
the server is read back with plain HTTP and icalendar, not with our own code.
"""

from __future__ import annotations

import functools
import time
import uuid
from pathlib import Path

import icalendar
import pytest
import yaml
from caldav_servers import (
    PASSWORD,
    SERVERS,
    RecordingProxy,
    calendar_objects,
    http_request,
)
from click.testing import CliRunner
from client_replay import unfold
from conftest import EXAMPLE

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.journal.state import ExportState
from followup_cal.loader import load
from followup_cal.sync.run import WORKERS

TODAY = "2026-11-23"
EXAMPLE_EVENTS = 49


@pytest.fixture(scope="module", params=SERVERS)
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


@pytest.fixture
def proxy(server):
    rec = RecordingProxy(server.port).start()
    yield rec
    rec.stop()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc of the machine's
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("TZ", "UTC")
    for name in ("FOLLOWUP_CAL_URL", "FOLLOWUP_CAL_USER", "FOLLOWUP_CAL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def uids_of(raw: str, component: str) -> list[str]:
    """The UIDs of the ``component``s right inside VCALENDAR (not an alarm's UID), read
    without icalendar: most tests only look UIDs up, and parsing all of a calendar's
    objects was a fifth of a sync test's time. A UID with an escape or a parameter is
    left to icalendar."""
    uids: list[str] = []
    stack: list[str] = []
    for line in unfold(raw):
        name, _, value = line.partition(":")
        if name.upper() == "BEGIN":
            stack.append(value.upper())
        elif name.upper() == "END":
            stack.pop()
        elif stack == ["VCALENDAR", component] and name.upper().startswith("UID"):
            if name.upper() != "UID" or "\\" in value:
                return [str(c["UID"]) for c in icalendar.Calendar.from_ical(raw).walk(component)]
            uids.append(value)
    return uids


class StoredObject:
    """(href, component, raw text) of one UID on the server; icalendar parses the
    component when a test first reads it."""

    def __init__(self, href: str, raw: str, kind: str, uid: str) -> None:
        self.href, self.raw, self.kind, self.uid = href, raw, kind, uid

    @functools.cached_property
    def component(self) -> icalendar.Component:
        found = icalendar.Calendar.from_ical(self.raw).walk(self.kind)
        return [c for c in found if str(c["UID"]) == self.uid][-1]

    def __getitem__(self, index: int):
        return self.component if index in (1, -2) else (self.href, None, self.raw)[index]

    def __iter__(self):
        return iter((self.href, self.component, self.raw))

    def __len__(self) -> int:
        return 3


class Workspace:
    """A YAML file, a fresh calendar on the server, and ways to run sync and look."""

    def __init__(self, tmp_path: Path, server, proxy: RecordingProxy) -> None:
        self.path = tmp_path / "interviews.yaml"
        self.path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
        self.server = server.own_account()  # on Cyrus, an account of this test's own
        self.proxy = proxy
        self.calendar = f"Follow-ups {uuid.uuid4().hex[:8]}"

    def doc(self) -> dict:
        return yaml.safe_load(self.path.read_text("utf-8"))

    def write(self, doc: dict) -> None:
        self.path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")

    def sync(self, *args: str, password: str | None = None, url: str | None = None):
        env = {}
        if self.server.user:
            env["FOLLOWUP_CAL_PASSWORD"] = password or PASSWORD
        root = self.proxy.url(self.server.root_path)  # where discovery starts
        command = ["sync", str(self.path), "--url", url or root, "--today", TODAY]
        command += ["--calendar", self.calendar]
        if self.server.user:
            command += ["--user", self.server.user]
        self.proxy.clear()
        return CliRunner().invoke(cli, command + list(args), env=env)

    def calendar_url(self) -> str:
        status = (self.path.parent / "interviews.followup-sync.json").read_text()
        import json

        (url,) = json.loads(status)["calendars"].values()
        return url.replace(f":{self.proxy.port}/", f":{self.server.port}/")

    def auth(self):
        return (self.server.user, self.server.password) if self.server.user else None

    def stored(self, component: str = "VEVENT") -> dict[str, StoredObject]:
        """{uid: (href, event or task, raw text)} straight from the server."""
        found = {}
        for href, _etag, data in calendar_objects(self.calendar_url(), self.auth()):
            for uid in uids_of(data, component):
                found[uid] = StoredObject(href, data, component, uid)
        return found

    def put_raw(self, href_or_name: str, data: bytes, headers: dict | None = None) -> int:
        if href_or_name.startswith("/"):
            url = f"http://127.0.0.1:{self.server.port}{href_or_name}"
        else:
            url = self.calendar_url() + href_or_name
        response = http_request(
            "PUT",
            url,
            data=data,
            auth=self.auth(),
            headers={"Content-Type": "text/calendar", **(headers or {})},
        )
        return response.status_code


@pytest.fixture
def ws(tmp_path, server, proxy) -> Workspace:
    return Workspace(tmp_path, server, proxy)


def task_uid(uid: str) -> str:
    """The UID a step's task is written with (docs/calendar.md): its own, beside the
    event's, as a server that keeps a UID once per account (Cyrus) needs."""
    return uid.replace("@followup-cal", "_task@followup-cal")


def exported(path: Path, component: str = "VEVENT") -> dict[str, icalendar.Event]:
    """`export` (`--as todo` for VTODO), read back by icalendar."""
    search = load(str(path))
    from datetime import date

    from followup_cal.calendar.ics import FeedStyle

    style = FeedStyle(as_todo=component == "VTODO")
    data = service.export_ics(search, date(2026, 11, 23), ExportState(), style)
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk(component)}


FOREIGN = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//someone else//EN\r
BEGIN:VEVENT\r
UID:dentist-appointment@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261201T150000Z\r
DTEND:20261201T160000Z\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_first_sync_creates_every_event_in_n_plus_discovery_requests(ws):
    result = ws.sync("--create")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0"
    # Discovery (3 PROPFIND), MKCALENDAR and its sync token (PROPFIND), then one PUT per
    # event; a new calendar is not read. Then the record of the events confirmed there
    # (one PROPPATCH, see test_sync_ledger).
    methods = ["PROPFIND"] * 3 + ["MKCALENDAR", "PROPFIND"] + ["PUT"] * EXAMPLE_EVENTS
    methods += ["PROPPATCH"]
    assert ws.proxy.methods() == methods
    assert ws.proxy.peak > 1  # the writes go over a few connections at once
    assert ws.proxy.connections <= WORKERS  # each kept open: none per request
    stored = ws.stored()
    expected = exported(ws.path)
    assert set(stored) == set(expected)
    for uid, (_href, event, raw) in stored.items():
        want = expected[uid]
        for prop in ("SUMMARY", "DESCRIPTION", "URL", "SEQUENCE"):
            assert event.get(prop) == want.get(prop), (uid, prop)
        assert event.decoded("DTSTART") == want.decoded("DTSTART")
        for forbidden in ("ATTENDEE", "ORGANIZER", "METHOD"):
            assert f"\n{forbidden}" not in raw.replace("\r\n", "\n")


def test_tasks_sync_as_vtodo_with_uids_of_their_own_and_done_steps_completed(ws):
    ws.calendar = f"Tasks {uuid.uuid4().hex[:8]}"
    result = ws.sync("--create", "--as", "todo")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0"
    tasks = ws.stored("VTODO")
    # A step's task has a UID of its own (Cyrus keeps a UID once per account), the one
    # `export --as todo` writes: a list and a feed of the same steps are the same tasks.
    steps = {task_uid(uid) for uid in exported(ws.path)}
    assert set(tasks) == steps == set(exported(ws.path, "VTODO"))
    assert ws.stored("VEVENT") == {}
    statuses = {uid: str(task["STATUS"]) for uid, (_h, task, _r) in tasks.items()}
    assert sum(s == "COMPLETED" for s in statuses.values()) == 16  # the example's done:
    assert set(statuses.values()) == {"COMPLETED", "NEEDS-ACTION"}
    for _href, task, _raw in tasks.values():
        assert "DUE" in task and "DTEND" not in task and "TRANSP" not in task
        assert ("COMPLETED" in task) == (str(task["STATUS"]) == "COMPLETED")
    assert ws.sync("--as", "todo").stdout.strip().endswith(f"unchanged {EXAMPLE_EVENTS}")
    assert ws.proxy.methods() == ["REPORT"]
    # Ticking a step off (on its planned day, so nothing moves) completes that task.
    uid = "helio-analytics.follow-up-1_task@followup-cal"
    assert statuses[uid] == "NEEDS-ACTION"
    args = ["helio-analytics", "follow_up-1", "--on", "2026-11-17", "--today", TODAY]
    done = CliRunner().invoke(cli, ["done", *args, "-f", str(ws.path)])
    assert done.exit_code == 0, done.output
    again = ws.sync("--as", "todo")
    assert again.stdout.strip() == (
        f"created 0, updated 1, deleted 0, unchanged {EXAMPLE_EVENTS - 1}"
    )
    href, task, _raw = ws.stored("VTODO")[uid]
    assert href == tasks[uid][0]
    assert str(task["STATUS"]) == "COMPLETED" and int(task["SEQUENCE"]) == 1


def test_immediate_resync_is_one_request_and_writes_nothing(ws):
    assert ws.sync("--create").exit_code == 0
    again = ws.sync()
    assert again.exit_code == 0
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}"
    assert ws.proxy.methods() == ["REPORT"]


def test_given_calendar_url_needs_no_discovery(ws):
    assert ws.sync("--create").exit_code == 0
    url = ws.calendar_url().replace(f":{ws.server.port}/", f":{ws.proxy.port}/")
    ws.calendar = url
    assert ws.sync().exit_code == 0
    assert ws.proxy.methods() == ["REPORT"]


def test_a_yaml_edit_updates_exactly_the_affected_events_in_place(ws):
    assert ws.sync("--create").exit_code == 0
    before = ws.stored()
    old = exported(ws.path)
    doc = ws.doc()
    helio = next(i for i in doc["interviews"] if i["id"] == "helio-analytics")
    helio["decision_expected"] = "2026-12-10"
    ws.write(doc)
    new = exported(ws.path)
    changed = {u for u in new if u in old and new[u]["DESCRIPTION"] != old[u]["DESCRIPTION"]}
    assert changed and all(u.startswith("helio-analytics.") for u in changed)
    result = ws.sync()
    assert result.stdout.strip() == (
        f"created 0, updated {len(changed)}, deleted 0, unchanged {EXAMPLE_EVENTS - len(changed)}"
    )
    assert ws.proxy.methods() == ["REPORT"] + ["PUT"] * len(changed)
    after = ws.stored()
    for uid in changed:
        assert after[uid][0] == before[uid][0]  # same resource: updated, not recreated
        assert after[uid][1]["SEQUENCE"] == before[uid][1]["SEQUENCE"] + 1
        assert after[uid][1]["DESCRIPTION"] == new[uid]["DESCRIPTION"]


def test_outcome_and_removal_delete_exactly_what_is_no_longer_planned_and_foreign_survives(ws):
    assert ws.sync("--create").exit_code == 0
    assert ws.put_raw("dentist.ics", FOREIGN, {"If-None-Match": "*"}) in (201, 204)
    doc = ws.doc()
    helio = next(i for i in doc["interviews"] if i["id"] == "helio-analytics")
    helio["outcome"] = {"result": "offer", "date": "2026-11-20"}
    doc["interviews"] = [i for i in doc["interviews"] if i["id"] != "quantum-bank"]
    ws.write(doc)
    planned = set(exported(ws.path))
    gone = set(ws.stored()) - planned - {"dentist-appointment@example.com"}
    assert any(u.startswith("quantum-bank.") for u in gone)
    assert any(u.startswith("helio-analytics.check-in") for u in gone)
    result = ws.sync()
    assert result.exit_code == 0
    assert f"deleted {len(gone)}" in result.stdout
    assert set(ws.stored()) == planned | {"dentist-appointment@example.com"}
    assert ws.stored()["dentist-appointment@example.com"][1]["SUMMARY"] == "Dentist"


def test_emptied_file_is_refused_without_force(ws):
    assert ws.sync("--create").exit_code == 0
    doc = ws.doc()
    doc["interviews"] = []
    ws.write(doc)
    refused = ws.sync()
    assert refused.exit_code == 9
    assert (
        f"the calendar holds {EXAMPLE_EVENTS} of ours; refusing to delete them all"
        in refused.stderr
    )
    assert len(ws.stored()) == EXAMPLE_EVENTS
    forced = ws.sync("--force")
    assert forced.exit_code == 0
    assert ws.stored() == {}


def test_dry_run_lists_changes_and_writes_nothing(ws):
    assert ws.sync("--create").exit_code == 0
    doc = ws.doc()
    doc["interviews"] = [i for i in doc["interviews"] if i["id"] != "copperleaf"]
    ws.write(doc)
    result = ws.sync("--dry-run")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == "dry run: 3 change(s), nothing written"  # debrief, thank-you, follow-up
    assert all(line.startswith("would delete copperleaf.") for line in lines[:-1])
    assert ws.proxy.methods() == ["REPORT"]
    assert len(ws.stored()) == EXAMPLE_EVENTS


def test_an_event_edited_on_the_server_is_left_alone_until_forced(ws):
    assert ws.sync("--create").exit_code == 0
    uid = "helio-analytics.follow-up-2@followup-cal"
    href, _event, raw = ws.stored()[uid]
    moved = raw.replace("SUMMARY:", "SUMMARY:(moved) ", 1).encode()
    assert ws.put_raw(href, moved) in (201, 204)
    doc = ws.doc()
    next(i for i in doc["interviews"] if i["id"] == "helio-analytics")["pitch"] = "new pitch"
    ws.write(doc)
    result = ws.sync()
    assert result.exit_code == 10
    assert f"left alone: {uid} was edited on the server; --force overwrites" in result.stderr
    assert str(ws.stored()[uid][1]["SUMMARY"]).startswith("(moved)")
    forced = ws.sync("--force")
    assert forced.exit_code == 0
    assert "new pitch" in str(ws.stored()[uid][1]["DESCRIPTION"])


def test_force_overwrites_with_if_match_as_open_xchange_requires(ws):
    """Open-Xchange answers 409 to an overwrite without If-Match: --force sends the ETag
    it read, so it overwrites the user's edit, and still not one made during the run."""
    assert ws.sync("--create").exit_code == 0
    uid = "helio-analytics.follow-up-2@followup-cal"
    href, _event, raw = ws.stored()[uid]
    assert ws.put_raw(href, raw.replace("SUMMARY:", "SUMMARY:(moved) ", 1).encode()) in (201, 204)
    doc = ws.doc()
    next(i for i in doc["interviews"] if i["id"] == "helio-analytics")["pitch"] = "new pitch"
    ws.write(doc)
    found = http_request(
        "PROPFIND", f"http://127.0.0.1:{ws.server.port}{href}", auth=ws.auth(),
        headers={"Depth": "0"},
    )  # fmt: skip
    from xml.etree import ElementTree as ET

    etag = ET.fromstring(found.content).findtext(".//{DAV:}getetag")
    forced = ws.sync("--force")
    assert forced.exit_code == 0, forced.output
    writes = [n for n, (method, _p) in enumerate(ws.proxy.requests) if method == "PUT"]
    assert writes and all(
        ws.proxy.sent[n].get("if-match") or ws.proxy.sent[n].get("if-none-match") == "*"
        for n in writes
    )
    (put,) = [n for n in writes if ws.proxy.requests[n][1] == href and ws.proxy.statuses[n] < 300]
    assert ws.proxy.sent[put]["if-match"] == etag  # the ETag of the user's version
    assert "new pitch" in str(ws.stored()[uid][1]["DESCRIPTION"])


def test_a_concurrent_edit_gives_412_and_the_event_is_left_alone(ws):
    assert ws.sync("--create").exit_code == 0
    uid = "northwind-platform.follow-up-1@followup-cal"
    href, _event, raw = ws.stored()[uid]
    doc = ws.doc()
    next(i for i in doc["interviews"] if i["id"] == "northwind-platform")["pitch"] = "changed"
    ws.write(doc)
    edited = raw.replace("SUMMARY:", "SUMMARY:(edited meanwhile) ", 1).encode()

    def edit_first_put(method: str, path: str) -> None:
        if method == "PUT" and path == href and ws.proxy.before_forward is not None:
            ws.proxy.before_forward = None
            for pause in (0.1, 0.2, 0.4, 0.8, 1.6, 0):
                status = ws.put_raw(href, edited)
                if status != 423:  # Xandikos: locked by one of sync's other writes
                    break
                time.sleep(pause)
            assert status in (201, 204)

    ws.proxy.before_forward = edit_first_put
    result = ws.sync()
    assert result.exit_code == 10
    assert uid in result.stderr
    assert str(ws.stored()[uid][1]["SUMMARY"]).startswith("(edited meanwhile)")


def test_server_stopped_midway_is_a_clear_error_and_a_rerun_completes(ws):
    ws.proxy.fail_after = 4 + 20  # discovery and MKCALENDAR, then about 20 PUTs
    result = ws.sync("--create")
    assert result.exit_code == 7
    assert result.stderr.splitlines()[-1].startswith("http://127.0.0.1:")
    assert "cannot reach the server" in result.stderr
    assert "Traceback" not in result.output
    ws.proxy.fail_after = None
    done = ws.proxy.methods().count("PUT")  # fewer with Digest: each connection asks once
    assert 0 < done <= 20 and len(ws.stored()) == done
    again = ws.sync()
    assert again.exit_code == 0
    assert again.stdout.strip() == (
        f"created {EXAMPLE_EVENTS - done}, updated 0, deleted 0, unchanged {done}"
    )
    stored = ws.stored()
    assert set(stored) == set(exported(ws.path))
    assert len({obj.href for obj in stored.values()}) == EXAMPLE_EVENTS


def test_server_errors_are_retried_only_when_safe_then_reported(ws):
    assert ws.sync("--create").exit_code == 0
    ws.proxy.status_override = 503
    result = ws.sync()
    assert result.exit_code == 8
    assert ws.proxy.methods() == ["REPORT"] * 3  # two retries with backoff, then give up
    assert result.stderr.endswith("reading the calendar failed with HTTP 503\n")


def test_calendar_not_found_lists_the_calendars(ws):
    result = ws.sync()
    assert result.exit_code == 8
    assert f"no calendar named '{ws.calendar}'" in result.stderr
    assert "--create makes it" in result.stderr


def test_wrong_password_gives_the_auth_exit_code_and_never_shows_it(ws):
    if not ws.server.user:
        pytest.skip("this Xandikos runs without authentication")
    result = ws.sync("--create", password="wrong-Passw0rd-xyz")
    assert result.exit_code == 6
    assert "refused the credentials" in result.stderr
    assert "wrong-Passw0rd-xyz" not in result.output and PASSWORD not in result.output
    status = ws.path.parent / "interviews.followup-sync.json"
    assert not status.exists() or "wrong-Passw0rd-xyz" not in status.read_text()


def test_password_from_a_command_and_never_from_the_yaml(ws, tmp_path):
    if not ws.server.user:
        pytest.skip("this Xandikos runs without authentication")
    script = tmp_path / "pw.sh"
    script.write_text(f"#!/bin/sh\necho '{PASSWORD}'\n")
    script.chmod(0o755)
    command = [
        "sync",
        str(ws.path),
        "--url",
        ws.proxy.url(ws.server.root_path),
        "--user",
        ws.server.user,
        "--calendar",
        ws.calendar,
        "--create",
        "--today",
        TODAY,
        "--password-command",
        str(script),
    ]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    doc = ws.doc()
    root = ws.proxy.url(ws.server.root_path)
    doc["caldav"] = {"url": root, "user": ws.server.user, "password": "x"}
    ws.write(doc)
    bad = ws.sync()
    assert bad.exit_code == 1
    assert "'password' does not belong in a file kept in git" in bad.stderr


def test_a_remembered_calendar_that_was_deleted_is_found_again(ws):
    assert ws.sync("--create").exit_code == 0
    gone = ws.calendar_url()
    assert http_request("DELETE", gone, auth=ws.auth()).status_code in (200, 204)
    result = ws.sync("--create")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0"
    assert ws.proxy.methods()[:2] == ["REPORT", "PROPFIND"]  # the 404, then discovery
    assert len(ws.stored()) == EXAMPLE_EVENTS

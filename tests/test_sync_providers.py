"""Provider quirks against a real Radicale, with a proxy in front that answers as the
provider would.

iCloud: the calendar home lives on another host than the one the user typed
(pNN-caldav.icloud.com); here 127.0.0.1 is the host typed and localhost the partition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from caldav_servers import PASSWORD, USER, RecordingProxy
from click.testing import CliRunner
from conftest import EXAMPLE
from test_sync_faults import isolated_home, radicale  # noqa: F401 (fixtures: HOME, Radicale)

from followup_cal.cli import cli

TODAY = "2026-11-23"
EVENTS = 49


@pytest.fixture
def front(radicale):  # noqa: F811 (the fixture)
    """The host the user types (caldav.icloud.com)."""
    with _proxy(radicale.port) as proxy:
        yield proxy


@pytest.fixture
def partition(radicale):  # noqa: F811 (the fixture)
    """The host the server names for the calendars (pNN-caldav.icloud.com)."""
    with _proxy(radicale.port) as proxy:
        yield proxy


@contextmanager
def _proxy(port: int) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


def home_on(host: str):
    """An answer rewriter: the principal's calendar-home-set names ``host``."""

    def rewrite(method: str, path: str, _sent: bytes, body: bytes) -> bytes:
        if method != "PROPFIND" or b"calendar-home-set" not in body:
            return body
        pattern = rb"(calendar-home-set[^>]*>\s*<(?:[\w]+:)?href>)/"
        return re.sub(pattern, rb"\1" + host.encode() + rb"/", body)

    return rewrite


def sync(tmp_path, url: str, *args: str):
    path = tmp_path / "interviews.yaml"
    if not path.exists():
        path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    command = ["sync", str(path), "--url", url, "--user", USER, "--today", TODAY, *args]
    return CliRunner().invoke(cli, command, env={"FOLLOWUP_CAL_PASSWORD": PASSWORD})


def test_a_calendar_home_on_another_host_of_the_site_gets_the_credentials(
    tmp_path, front, partition
):
    front.rewrite = home_on(f"http://localhost:{partition.port}")
    result = sync(tmp_path, front.url("/"), "--calendar", "Partition", "--create")
    assert result.exit_code == 0, result.output
    assert f"created {EVENTS}," in result.stdout
    # The host typed answers who the user is and where the home is; the rest is there.
    assert front.methods() == ["PROPFIND", "PROPFIND"]
    # The writes, and the record of them on the calendar (tests/test_sync_ledger.py).
    methods = ["PROPFIND", "MKCALENDAR", "PROPFIND"] + ["PUT"] * EVENTS + ["PROPPATCH"]
    assert partition.methods() == methods
    assert all(
        headers.get("authorization", "").startswith("Basic ") for headers in partition.sent.values()
    )
    front.clear()
    partition.clear()
    again = sync(tmp_path, front.url("/"), "--calendar", "Partition")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EVENTS}"
    assert (front.methods(), partition.methods()) == ([], ["REPORT"])


def test_a_calendar_home_on_another_site_is_not_sent_the_credentials(tmp_path, front, partition):
    elsewhere = f"http://127.0.0.2:{partition.port}"  # loopback, but not a name of ours
    front.rewrite = home_on(elsewhere)
    result = sync(tmp_path, front.url("/"), "--calendar", "Elsewhere", "--create")
    assert result.exit_code == 8
    assert (
        f"the server puts your calendars on {elsewhere}/{USER}/, another site; credentials "
        "are not sent there on their own: give that URL with --url if you trust it"
    ) in result.stderr
    assert partition.requests == []


def hide_from_queries(uid_part: str):
    """An answer rewriter: a calendar-query leaves out the event whose href holds
    ``uid_part``, as Open-Xchange leaves out events outside its window of dates; a
    multiget by href still returns it."""

    def rewrite(method: str, path: str, sent: bytes, body: bytes) -> bytes:
        if method != "REPORT" or b"calendar-query" not in sent:
            return body
        pattern = rb"<response><href>[^<]*" + re.escape(uid_part.encode()) + rb".*?</response>"
        return re.sub(pattern, b"", body, flags=re.DOTALL)

    return rewrite


def test_an_event_a_query_leaves_out_is_asked_for_and_not_taken_as_deleted(tmp_path, front):
    first = sync(tmp_path, front.url("/"), "--calendar", "Window", "--create")
    assert first.exit_code == 0, first.output
    # As from a server without sync tokens, whose calendar is read by a query (a token
    # asks what changed, and no window of dates hides an event from that).
    cache = tmp_path / "interviews.followup-sync.json"
    status = json.loads(cache.read_text())
    status["tokens"] = dict.fromkeys(status["tokens"], "")
    cache.write_text(json.dumps(status))
    front.clear()
    front.rewrite = hide_from_queries("brightpath.r1.thank-you")
    again = sync(tmp_path, front.url("/"), "--calendar", "Window")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"created 0, updated 0, deleted 0, unchanged {EVENTS}"
    assert "from your calendar" not in again.stderr  # nothing recorded as deleted
    assert "skipped" not in (tmp_path / "interviews.yaml").read_text("utf-8")
    assert front.methods() == ["REPORT", "REPORT"]  # the query, then that event by href

"""A no-op sync asks the calendar only what changed since its sync token (RFC 6578),
and with inputs unchanged since a sync that found nothing to do, plans nothing.

Against every server of the suite that offers sync-collection, counted through the
recording proxy; the planner's calls are counted in the process. A token the server no
longer accepts, and every edit made on the server meanwhile, take the full path.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
import test_sync
from caldav_servers import SERVERS, RecordingProxy, http_request
from test_sync import EXAMPLE_EVENTS, Workspace
from test_sync_from_calendar import NORTHWIND_1, NY, Phone

from followup_cal import service

isolated_home = test_sync.isolated_home
QUIET = f"created 0, updated 0, deleted 0, unchanged {EXAMPLE_EVENTS}\n"


# sabre/dav 1.8 offers no sync-collection: every other server of the suite does.
@pytest.fixture(scope="module", params=[name for name in SERVERS if name != "sabredav"])
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


@pytest.fixture
def ws(server, tmp_path):
    proxy = RecordingProxy(server.port).start()
    yield Workspace(tmp_path, server, proxy)
    proxy.stop()


@pytest.fixture
def plans(monkeypatch) -> list[str]:
    """Each call of the planner, in this process."""
    calls: list[str] = []
    real = service.plan

    def counted(search, today, *only):
        calls.append(str(today))
        return real(search, today, *only)

    monkeypatch.setattr(service, "plan", counted)
    return calls


def cache(ws: Workspace):
    return ws.path.parent / "interviews.followup-sync.json"


def settle(ws: Workspace) -> None:
    """The first sync, then one that finds nothing to do (and says so next time)."""
    first = ws.sync("--create")
    assert first.exit_code == 0, first.output
    second = ws.sync()
    assert second.stdout == QUIET, second.output


def test_a_no_op_with_a_valid_token_is_one_small_report_and_plans_nothing(ws, plans):
    settle(ws)
    plans.clear()
    result = ws.sync()
    assert result.exit_code == 0, result.output
    assert result.stdout == QUIET
    assert ws.proxy.methods() == ["REPORT"]
    assert ws.proxy.bytes_read() < 1000  # a new token; not one event, not one ETag
    assert plans == []
    # Without the cache the same answer, planned in full.
    cache(ws).unlink()
    again = ws.sync()
    assert again.stdout == QUIET
    # Discovery, the token before reading, then our events.
    assert ws.proxy.methods() == ["PROPFIND"] * 3 + ["PROPFIND", "REPORT"]
    assert plans


def test_a_server_edit_while_the_token_is_cached_reaches_the_yaml(ws, plans):
    settle(ws)
    Phone(ws).move(NORTHWIND_1, datetime(2026, 12, 3, 14, 0, tzinfo=NY))
    plans.clear()
    result = ws.sync()
    assert result.exit_code == 0, result.output
    assert "from your calendar: moved: Follow-up 1 → Priya Shah" in result.stdout
    assert "- {step: follow_up-1, round: 2, date: 2026-12-03 14:00}" in ws.path.read_text()
    assert plans
    # What changed is read in one multiget: the token's answer, then that event.
    assert ws.proxy.methods()[:2] == ["REPORT", "REPORT"]


def test_a_token_the_server_refuses_falls_back_and_still_sees_a_server_edit(ws):
    settle(ws)
    status = json.loads(cache(ws).read_text())
    (calendar,) = status["tokens"]
    issued = status["tokens"][calendar]
    # A token of the server's own form that it never issued (or has forgotten).
    status["tokens"][calendar] = issued[:-8] + ("0" * 8 if issued[-8:] != "0" * 8 else "1" * 8)
    cache(ws).write_text(json.dumps(status))
    Phone(ws).move(NORTHWIND_1, datetime(2026, 12, 3, 14, 0, tzinfo=NY))
    result = ws.sync()
    assert result.exit_code == 0, result.output
    assert "from your calendar: moved: Follow-up 1 → Priya Shah" in result.stdout
    if ws.server.name == "davical":
        # DAViCal answers a token it never issued with every event, as a first sync with
        # no token: then the moved one's data.
        assert ws.proxy.methods()[:2] == ["REPORT", "REPORT"]
        assert ws.proxy.statuses[0] == 207
    else:
        # Refused (403/409), then as without a token: a new one, our events' ETags, the
        # moved one's data.
        assert ws.proxy.methods()[:4] == ["REPORT", "PROPFIND", "REPORT", "REPORT"]
        assert [ws.proxy.statuses[0] // 100] == [4]
    refreshed = json.loads(cache(ws).read_text())["tokens"][calendar]
    assert refreshed and refreshed != status["tokens"][calendar]
    assert ws.sync().stdout.startswith("created 0, updated 0, deleted 0")


@pytest.mark.parametrize("change", ["today", "yaml", "option", "template", "state"])
def test_whatever_decides_the_plan_takes_the_full_path(ws, plans, change):
    templates = ws.path.parent / "drafts"
    templates.mkdir()
    builtin = service.__file__.replace("service.py", "templates/thank_you.txt")
    shutil.copy(builtin, templates / "thank_you.txt")
    ws.path.write_text(ws.path.read_text() + "templates: drafts\n")
    settle(ws)
    args: list[str] = []
    if change == "today":
        args = ["--today", "2026-11-24"]  # another agenda: what is due moves on
    elif change == "yaml":
        ws.path.write_text(ws.path.read_text() + "# a comment, the plan the same\n")
    elif change == "option":
        args = ["--no-pull"]
    elif change == "template":
        thank_you = templates / "thank_you.txt"
        thank_you.write_text(thank_you.read_text().replace("Thank you", "Many thanks", 1))
    else:  # the SEQUENCE history beside the YAML
        (ws.path.parent / "interviews.followup-state.json").unlink()
    plans.clear()
    result = ws.sync(*args)
    assert result.exit_code == 0, result.output
    assert plans, "planned again"
    if change == "template":
        assert "updated 0," not in result.stdout  # the thank-you drafts changed
    # Whatever came of it, the next run with the same inputs is quiet again.
    result = ws.sync(*args)
    plans.clear()
    assert ws.sync(*args).stdout == result.stdout
    assert plans == []


def test_a_calendar_deleted_since_the_last_no_op_is_made_again(ws):
    settle(ws)
    url = ws.calendar_url()
    gone = http_request("DELETE", url, auth=ws.auth())
    assert gone.status_code in (200, 204), gone.status_code
    result = ws.sync("--create")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"created {EXAMPLE_EVENTS}, updated 0, deleted 0, unchanged 0\n"
    assert len(ws.stored()) == EXAMPLE_EVENTS

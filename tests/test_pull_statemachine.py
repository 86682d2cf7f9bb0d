"""Calendar -> journal as a hypothesis state machine, against real Radicale, Cyrus and DAViCal.

The phone (the `caldav` package) moves and deletes our events and its own; the terminal
records facts in the YAML (done, reply with a new date); sync runs in between. After
every sync: the YAML is valid, no fact is recorded twice, none is lost (each phone
action is a fact in the YAML, or a reported conflict the file won), the calendar shows
the file's plan, and the phone's own events are untouched. Some syncs run with the
cache beside the YAML deleted: a deletion is still recognised (from the server's record
of our events), and no skipped: ever names a step the phone did not delete. One
interview is still ahead of the day synced on: a step of it deleted is skipped: on its
round's day, never a sync stuck. A second search of the same person (another folder,
the same file name and e-mail) syncs to the same calendar: neither ever touches the
other's events. The phone also saves in the ways real clients do (the re-save shapes of
tests/data/clients/, replayed at the machine's events): every line the client set or
added is on the server, byte for byte, after each later sync until the file changes
that step itself; a move in any client's style (its zone, UTC, Outlook's rebuild without
our marks) is recorded as the instant the user chose.
"""

from __future__ import annotations

import collections
import json
import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import client_replay
import icalendar
import pytest
import yaml
from caldav_servers import PASSWORD, calendar_objects, http_request
from click.testing import CliRunner
from conftest import ME, Drawn, interview, skipped_uids
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.loader import load

TODAY = date(2026, 11, 23)
AHEAD = date(2026, 11, 30)  # gamma's only round: still ahead of TODAY
NY = ZoneInfo(ME["timezone"])
# The corpus's event: follow_up-1 at 09:30 New York on Fri 27 Nov; each case's new times
# are read as a shift from it and replayed on whichever event the machine draws.
CORPUS_START = datetime(2026, 11, 27, 9, 30, tzinfo=NY)
ZONES = {"Eastern Standard Time": NY}  # Outlook's Windows zone name
# Event saves that keep the step (deletions and cancellations are the rules' own; an
# all-day move to another day is a date, not the instant the machine checks).
STYLES = [c for c in client_replay.load_cases()
          if not c.todo and not c.edit.get("delete") and c.id != "davx5-all-day-other-day"
          and not any("CANCELLED" in x for x in c.edit.get("set", []) + c.edit.get("add", []))]  # fmt: skip


def _parse(line: str) -> datetime | date:
    head, value = line.rsplit(":", 1)
    if "VALUE=DATE" in head:
        return datetime.strptime(value, "%Y%m%d").date()
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC"))
    name = head.split("TZID=", 1)[1]
    zone = ZONES.get(name) or ZoneInfo(name)
    return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)


def _format(head: str, like: datetime | date, value: datetime | date) -> str:
    if not isinstance(value, datetime):
        return f"{head}:{value:%Y%m%d}"
    if str(like.tzinfo) == "UTC":
        return f"{head}:{value.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
    return f"{head}:{value.astimezone(like.tzinfo):%Y%m%dT%H%M%S}"


def _restyle(edit: dict, start: datetime) -> tuple[dict, datetime | None]:
    """A case's edit replayed on the event that starts at ``start``: its new times are
    the same shift from that event as from the corpus's (its own hour where it drags to
    one), in the case's own form (its TZID, UTC or a date); and the new start, if timed."""
    lines = edit.get("set", []) + edit.get("add", [])
    times = {
        client_replay.name_of(x): x
        for x in lines
        if client_replay.name_of(x) in ("DTSTART", "DTEND")
    }
    if not times:
        return edit, None
    local = start.astimezone(NY)
    was = _parse(times["DTSTART"]) if "DTSTART" in times else CORPUS_START
    shift = (
        was if not isinstance(was, datetime) else was.astimezone(NY).date()
    ) - CORPUS_START.date()
    new: dict[str, datetime | date] = {}
    if not isinstance(was, datetime):  # all-day
        new["DTSTART"] = local.date() + shift
        new["DTEND"] = new["DTSTART"] + (_parse(times["DTEND"]) - was)
    else:
        at = was.astimezone(NY)
        hour = local.time() if at.time() == CORPUS_START.time() else at.time()
        new["DTSTART"] = datetime.combine(local.date() + shift, hour, tzinfo=NY)
        end = _parse(times["DTEND"]) if "DTEND" in times else CORPUS_START + timedelta(minutes=15)
        new["DTEND"] = new["DTSTART"] + (end - was)
    out = dict(edit)
    for key in ("set", "add"):
        out[key] = [_format(x.rsplit(":", 1)[0], _parse(x), new[client_replay.name_of(x)])
                    if client_replay.name_of(x) in times else x
                    for x in edit.get(key, [])]  # fmt: skip
    moved = new["DTSTART"] if "DTSTART" in times and isinstance(new["DTSTART"], datetime) else None
    return out, moved


class IndentedLists(yaml.SafeDumper):
    """Lists indented under their key, as people write them (and the write-back keeps)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# The servers the phone logs in to with Basic (sabre/dav here asks for Digest; Xandikos
# has no accounts). Each example is a DAViCal or Cyrus server's worth of requests: the
# slower servers draw fewer (one example there costs about what three do on Radicale).
EXAMPLES = {"radicale": 15, "cyrus": 5, "davical": 5}


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


def _moves(search) -> set[tuple[str, str, str | None]]:
    """(interview, step, person) of every moved: entry of the file."""
    return {(one.id, e.step, e.to) for one in search.interviews for e in one.moved}


def _version(item) -> tuple:
    """What the file says of a step: sync writes it again when this changes."""
    return item.start, item.done, item.reason, item.status


class PullMachine(RuleBasedStateMachine):
    server = None
    workdir: Path = Path()

    def __init__(self) -> None:
        super().__init__()
        # Cyrus keeps a UID unique across an account's calendars, and every example
        # syncs the same steps into a calendar of its own: an account of its own there.
        self.server = type(self).server.own_account()
        self.dir = self.workdir / uuid.uuid4().hex[:8]
        self.dir.mkdir()
        self.path = self.dir / "interviews.yaml"
        doc = {
            "me": ME,
            "policy": {"check_ins": 1},
            "interviews": [
                interview(),
                interview(id="beta", company="Beta"),
                interview(id="gamma", company="Gamma", rounds=[
                    {**interview()["rounds"][0], "start": f"{AHEAD} 10:00"}]),
            ],
        }  # fmt: skip
        self.path.write_text(yaml.dump(doc, Dumper=IndentedLists, sort_keys=False), "utf-8")
        self.phone_did: dict[str, tuple[str, datetime | None]] = {}  # since the last sync
        self.foreign: dict[str, datetime] = {}  # the phone's own events, as it left them
        self.kept: dict[str, list[str]] = {}  # a client's lines that must stay, by UID
        self.unmarked: set[str] = set()  # rebuilt without our marks since the last sync
        self.parsed: dict[str, tuple[str, datetime] | None] = {}  # text: (UID, DTSTART)
        result = self.sync("--create")
        assert result.exit_code == 0, result.output
        # Basic up front, as a configured phone does (Radicale delays every 401).
        self.calendar = caldav.DAVClient(
            url=self.calendar_url, username=self.server.user, password=PASSWORD, auth_type="basic"
        ).calendar(url=self.calendar_url)
        self.synced_plan = self.plan()
        self.synced_text = self.path.read_bytes()
        # The other search: its own folder, the same file name and me.email.
        self.other = self.dir / "other" / "interviews.yaml"
        self.other.parent.mkdir()
        doc = {"me": ME, "interviews": [interview(id="delta", company="Delta")]}
        self.other.write_text(yaml.dump(doc, Dumper=IndentedLists, sort_keys=False), "utf-8")
        self.others = self.sync_the_other_file()

    # -- helpers -------------------------------------------------------------------------

    def run(self, *args: str):
        return CliRunner().invoke(cli, list(args), env={"FOLLOWUP_CAL_PASSWORD": PASSWORD})

    def sync(self, *args: str, path: Path | None = None):
        name = f"Pull {self.dir.name}"
        result = self.run("sync", str(path or self.path), "--url", self.server.url,
                          "--user", self.server.user, "--calendar", name,
                          "--today", TODAY.isoformat(), *args)  # fmt: skip
        status = json.loads((self.dir / "interviews.followup-sync.json").read_text())
        (self.calendar_url,) = status["calendars"].values()
        return result

    def plan(self) -> dict[str, object]:
        search = load(str(self.path))
        return {i.uid: i for i in service.plan(search, TODAY)}

    def skipped(self) -> set[str]:
        return skipped_uids(load(str(self.path)), TODAY)

    def mine(self) -> list[str]:
        """The UIDs of the first file's events in the calendar (the phone's targets)."""
        return sorted(u for u in self.on_server() if u.endswith("@followup-cal")
                      and not u.startswith("delta."))  # fmt: skip

    def on_server(self) -> dict[str, datetime]:
        """{UID: DTSTART} of every event in the calendar, read with plain HTTP and
        icalendar. An object's bytes are parsed once per example: the machine looks at
        the calendar a dozen times a step, and parsing all of it each time was two
        thirds of an example's time."""
        found = {}
        for _href, _etag, raw in calendar_objects(self.calendar_url, (self.server.user, PASSWORD)):
            if raw not in self.parsed:
                events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
                first = events[0] if events else None  # no event in it: not listed
                self.parsed[raw] = first and (str(first["UID"]), first.decoded("DTSTART"))
            if self.parsed[raw]:
                uid, start = self.parsed[raw]
                found[uid] = start
        return found

    # -- the phone -----------------------------------------------------------------------

    @rule(data=st.data(), days=st.integers(-3, 3).filter(bool), at_two=st.booleans())
    def phone_moves_one_of_ours(self, data, days, at_two):
        timed = [u for u in self.mine() if isinstance(self.on_server()[u], datetime)]
        if not timed:
            return  # all of them all-day in a client's style
        uid = data.draw(st.sampled_from(timed))
        if uid.startswith("gamma."):
            # Later only: a move before the interview is a fact the file refuses
            # (test_sync_trust covers that: reported, exit 12).
            days = abs(days)
        event = self.calendar.event_by_uid(uid)
        component = event.icalendar_component
        start, end = component.decoded("DTSTART"), component.decoded("DTEND")
        local = start.astimezone(NY)
        new = datetime.combine(local.date() + timedelta(days=days),
                               time(14, 0) if at_two else local.time(), tzinfo=NY)  # fmt: skip
        for name, value in (("DTSTART", new), ("DTEND", new + (end - start))):
            component.pop(name)
            component.add(name, value)
        event.save()
        self.phone_did[uid] = ("moved", new)
        self.kept.pop(uid, None)  # this save is the caldav package's, not a client's

    @rule(data=st.data(), style=st.sampled_from([c for c in STYLES if c.expect]))
    def phone_moves_in_a_clients_style(self, data, style):
        self.phone_saves_in_a_clients_style(data, style)

    @rule(data=st.data(), style=st.sampled_from([c for c in STYLES if not c.expect]))
    def phone_edits_in_a_clients_style(self, data, style):
        # A longer or shorter event, all-day on its day, a title, notes, an alarm, a
        # place, Outlook's rebuild: the step stays where it is.
        self.phone_saves_in_a_clients_style(data, style)

    def phone_saves_in_a_clients_style(self, data, style):
        server = self.on_server()
        timed = [u for u in self.mine() if isinstance(server[u], datetime)]
        if not timed:
            return
        uid = data.draw(st.sampled_from(timed))
        start = server[uid]
        edit, when = _restyle(style.edit, start)
        event = self.calendar.event_by_uid(uid)
        body = client_replay.transform(event.data, uid, edit)
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        response = http_request("PUT", str(event.url), data=body,
                                auth=(self.server.user, PASSWORD), headers=headers)  # fmt: skip
        assert response.status_code in (200, 201, 204), response.content
        # The lines the case says must stay (each time one moved with the rest), else
        # every line it set or added.
        restyled = dict(zip(style.edit.get("set", []) + style.edit.get("add", []),
                            edit.get("set", []) + edit.get("add", []), strict=True))  # fmt: skip
        kept = (
            list(restyled.values())
            if style.kept is None
            else [restyled.get(x, x) for x in style.kept]
        )
        self.kept[uid] = [line.format(uid=uid) for line in kept]
        if style.edit.get("strip_ours"):
            self.unmarked.add(uid)
        if when not in (None, start):
            self.phone_did[uid] = ("moved", when)
        elif uid not in self.phone_did:  # an edit after a move since the last sync: moved
            self.phone_did[uid] = ("edited", None)

    @rule(data=st.data())
    def phone_deletes_one_of_ours(self, data):
        uid = data.draw(st.sampled_from(self.mine()))
        self.calendar.event_by_uid(uid).delete()
        self.phone_did[uid] = ("deleted", None)
        self.kept.pop(uid, None)
        self.unmarked.discard(uid)

    @rule(day=st.integers(1, 28))
    def phone_adds_its_own(self, day):
        start = datetime(2026, 12, day, 15, 0, tzinfo=NY)
        uid = f"dentist-{uuid.uuid4().hex[:6]}@phone.example"
        self.calendar.save_event(uid=uid, dtstart=start, dtend=start + timedelta(hours=1),
                                 summary="Dentist")  # fmt: skip
        self.foreign[uid] = start

    @precondition(lambda self: self.foreign)
    @rule(data=st.data(), days=st.integers(1, 3))
    def phone_moves_its_own(self, data, days):
        uid = data.draw(st.sampled_from(sorted(self.foreign)))
        event = self.calendar.event_by_uid(uid)
        component = event.icalendar_component
        new = self.foreign[uid] + timedelta(days=days)
        for name, value in (("DTSTART", new), ("DTEND", new + timedelta(hours=1))):
            component.pop(name)
            component.add(name, value)
        event.save()
        self.foreign[uid] = new

    # -- the terminal --------------------------------------------------------------------

    @rule(ident=st.sampled_from(["acme", "beta"]), step=st.sampled_from(["follow_up", "thank_you"]))
    def done_in_the_terminal(self, ident, step):
        result = self.run("done", ident, step, "--on", "2026-11-20", "-f", str(self.path),
                          "--today", TODAY.isoformat())  # fmt: skip
        assert result.exit_code in (0, 5), result.output  # 5: nothing of that step is left

    @rule(ident=st.sampled_from(["acme", "beta"]), days=st.integers(10, 30))
    def reply_with_a_new_date(self, ident, days):
        decision = (TODAY + timedelta(days=days)).isoformat()
        result = self.run("reply", ident, "--on", "2026-11-20", "--decision", decision,
                          "-f", str(self.path), "--today", TODAY.isoformat())  # fmt: skip
        assert result.exit_code == 0, result.output

    # -- the other search ----------------------------------------------------------------

    def theirs(self) -> dict[str, datetime]:
        return {u: s for u, s in self.on_server().items() if u.startswith("delta.")}

    def sync_the_other_file(self) -> dict[str, datetime]:
        """Sync the other search; the first file's events stay as they are, the phone's
        pending changes to them included. Its events, as it left them."""
        before = {u: s for u, s in self.on_server().items() if not u.startswith("delta.")}
        result = self.sync(path=self.other)
        assert result.exit_code == 0, result.output
        assert "from your calendar" not in result.stdout, result.output
        assert ", deleted 0," in result.stdout, result.output
        after = self.on_server()
        assert {u: s for u, s in after.items() if not u.startswith("delta.")} == before
        search = load(str(self.other))
        theirs = self.theirs()
        assert set(theirs) == {i.uid for i in service.plan(search, TODAY)}
        ids = [line for path in (self.path, self.other) for line in path.read_text().splitlines()
               if line.startswith("sync_id:")]  # fmt: skip
        assert len(set(ids)) == 2, ids  # one file name, one e-mail, two ids
        return theirs

    @rule(cache_lost=st.booleans())
    def the_other_search_syncs(self, cache_lost):
        if cache_lost:
            (self.other.parent / "interviews.followup-sync.json").unlink(missing_ok=True)
        assert self.sync_the_other_file() == self.others

    # -- sync and the invariants ---------------------------------------------------------

    @precondition(lambda self: not self.phone_did and self.path.read_bytes() == self.synced_text)
    @rule()
    def sync_with_nothing_new(self):
        # Nothing changed on either side: nothing to record or write. The sync after it
        # with the same file asks the calendar only what changed since its token.
        result = self.sync()
        assert result.exit_code == 0, result.output
        assert "from your calendar" not in result.stdout
        assert result.stdout.startswith("created 0, updated 0, deleted 0,"), result.output
        assert self.path.read_bytes() == self.synced_text

    @rule(cache_lost=st.booleans())
    def sync_and_check(self, cache_lost=False):
        if cache_lost:  # a second machine, or the cache deleted
            (self.dir / "interviews.followup-sync.json").unlink()
        plan_now = self.plan()
        skipped_before = self.skipped()
        expected_conflicts = set()
        for uid, (kind, _when) in self.phone_did.items():
            item, before = plan_now.get(uid), self.synced_plan.get(uid)
            if item is None:
                if kind != "deleted":
                    expected_conflicts.add(uid)
                continue
            changed = before is None or (before.start, before.done) != (item.start, item.done)
            # A deleted step stays deleted when the file only re-dated it.
            if item.done or (changed and kind in ("moved", "edited")):
                expected_conflicts.add(uid)
        # A client's lines stay until the file changes that step (or wins over the save).
        for uid in list(self.kept):
            item, before = plan_now.get(uid), self.synced_plan.get(uid)
            if (
                uid in expected_conflicts
                or item is None
                or before is None
                or ((before.start, before.done) != (item.start, item.done))
            ):
                del self.kept[uid]
        # A rebuilt event away from the file's plan with no cache: sync cannot tell the
        # user's move from a date it wrote before the file re-dated the step. Proposed.
        unsure = set()
        if cache_lost:
            for uid in self.unmarked & set(plan_now) - expected_conflicts:
                start, planned = self.on_server()[uid], plan_now[uid].start
                if start != (planned if isinstance(start, datetime) else planned.date()):
                    unsure.add(uid)
        lines_before = self.path.read_text().count("\n")
        moves_before = _moves(load(str(self.path)))

        result = self.sync()

        # What this sync's own facts re-planned (rule 6: a fact changes what comes after
        # it): a recorded move re-dates the check-ins after it, or changes why they fall
        # where they do. Sync writes the file's version of those steps.
        plan_mid = self.plan()
        replanned = {u for u, item in plan_mid.items() if u in plan_now
                     and _version(item) != _version(plan_now[u])}  # fmt: skip
        left = set(
            re.findall(r"left alone: (\S+) was (?:edited|moved) on the server", result.output)
        )
        if left:
            # An edit sync cannot merge (Outlook's rebuild drops our marks) on a step
            # this sync re-planned: left alone, exit 10, until the user decides.
            assert not unsure and result.exit_code == 10, result.output
            for uid in left:
                assert self.phone_did.get(uid, ("", None))[0] == "edited", (uid, result.output)
                assert uid in replanned, (uid, result.output)
            forced = self.sync("--force")  # they decide: the file's version
            assert forced.exit_code == 0, forced.output
            self.kept.clear()  # --force puts the file's version back over every edit
            for uid in left:
                self.phone_did.pop(uid)
        else:
            assert result.exit_code == (12 if unsure else 0), result.output
        for uid in replanned:
            self.kept.pop(uid, None)
        for uid in unsure:
            assert f"? {uid} was rebuilt without followup-cal's marks" in result.stderr
            self.phone_did.pop(uid, None)  # not recorded: the user's to decide
        if unsure:  # they decide it was not theirs: the file's dates go back
            forced = self.sync("--force")  # chosen: not proposed again
            assert forced.exit_code == 0, forced.output
            assert "rebuilt without followup-cal's marks" not in forced.stderr
            self.kept.clear()  # --force puts the file's version back over every edit
        self.unmarked.clear()
        assert "Traceback" not in result.output
        search = load(str(self.path))  # the YAML is valid
        facts = [line for line in result.stdout.splitlines() if line.startswith("from your")]
        added = self.path.read_text().count("\n") - lines_before
        assert added >= len(facts)  # every fact printed is written (plus its list's key)
        # Every skipped: this sync wrote is a step the phone deleted.
        for uid in self.skipped() - skipped_before:
            assert self.phone_did.get(uid, ("", None))[0] == "deleted", f"{uid}: a false skip"
        for one in search.interviews:
            for kind in ("done", "moved", "skipped"):
                entries = [(e.step, e.to, e.round, e.on, e.at) for e in getattr(one, kind)]
                repeated = [e for e, n in collections.Counter(entries).items() if n > 1]
                assert not repeated, f"{one.id} {kind}: recorded twice: {repeated}"
        plan_after = self.plan()
        server = self.on_server()
        for uid, (kind, when) in self.phone_did.items():
            if uid in expected_conflicts:
                item = plan_now.get(uid)
                key = uid if item is None else f"{item.interview.id} {item.key}"
                assert f"conflict: {key} was " in result.stderr, (uid, result.stderr)
            elif kind == "moved":
                assert plan_after[uid].start == when, f"the move of {uid} was lost"
            elif kind == "edited":
                # Never read as a move; its day changes only when this sync's facts
                # re-planned it.
                item = plan_now[uid]
                who = item.recipient.name if item.recipient else None
                new_moves = _moves(search) - moves_before
                assert (item.interview.id, item.key, who) not in new_moves, f"{uid}: a false move"
                if uid not in replanned:
                    assert plan_after[uid].start == item.start, f"{uid}: a false move"
            else:
                assert uid not in plan_after, f"the deletion of {uid} was lost"
                item = plan_now.get(uid) or self.synced_plan[uid]
                if item.interview.id == "gamma":
                    # A step of a round still ahead: skipped on that round's day.
                    gamma = next(i for i in search.interviews if i.id == "gamma")
                    who = item.recipient.name if item.recipient else None
                    assert gamma.skipped_on(item.key, item.round, who) == AHEAD, uid
        # The calendar shows the file's plan: every step at the file's time, no other.
        ours = {u: s for u, s in server.items()
                if u.endswith("@followup-cal") and not u.startswith("delta.")}  # fmt: skip
        assert {u: s for u, s in server.items() if u.startswith("delta.")} == self.others
        assert set(ours) == set(plan_after)
        for uid, start in ours.items():
            if not isinstance(start, datetime):  # all-day on the same day, by a client
                assert start == plan_after[uid].start.astimezone(NY).date(), uid
                continue
            assert start == plan_after[uid].start, uid
        stored = {u: client_replay.unfold(self.calendar.event_by_uid(u).data) for u in self.kept}
        for uid, lines in self.kept.items():
            lost = [line for line in lines if line not in stored[uid]]
            assert not lost, f"{uid}: the client's lines were not kept: {lost}"
        for uid, start in self.foreign.items():
            assert server[uid] == start, "the phone's own event was touched"
        self.phone_did.clear()
        self.synced_plan = plan_after
        self.synced_text = self.path.read_bytes()


def test_pull_state_machine(server, tmp_path):
    PullMachine.server = server
    PullMachine.workdir = tmp_path
    run_state_machine_as_test(
        PullMachine,
        settings=settings(
            max_examples=EXAMPLES[server.name],
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_rebuilt_event_the_file_re_dated_is_no_move_without_the_cache(server, tmp_path):
    # Found by this machine run on Cyrus and DAViCal (Radicale too: the server plays no
    # part). Outlook rebuilds check-in 1 without our marks (a new title only), the file
    # re-dates it (a reply with a decision date), and the cache is lost: sync compared
    # the rebuilt event with what it would write now and recorded its old date as the
    # user's move ("moved: Check-in 1 ... moved to Wed 16 Dec"). Whose date it is cannot
    # be known from the server: proposed with its reason, not recorded, left alone.
    PullMachine.server = server
    PullMachine.workdir = tmp_path
    machine = PullMachine()
    (rebuild,) = [case for case in STYLES if case.id == "outlook-rebuild-retitle"]
    uid = "acme.check-in-1.dana-lee@followup-cal"
    machine.phone_edits_in_a_clients_style(Drawn(uid), rebuild)
    machine.reply_with_a_new_date("acme", 30)
    (machine.dir / "interviews.followup-sync.json").unlink()
    result = machine.sync()
    acme = next(one for one in load(str(machine.path)).interviews if one.id == "acme")
    assert not [entry for entry in acme.moved if entry.step == "check_in-1"], result.output
    assert uid in result.stderr, result.output  # left alone, and said
    assert "not recorded: moved: Check-in 1 → Dana Lee · Acme, moved to Wed 16 Dec?" in (
        result.stderr
    )
    assert result.exit_code == 12, result.output
    # Not theirs: --force puts the file's date back, and does not ask again.
    forced = machine.sync("--force")
    assert forced.exit_code == 0, forced.output
    assert "not recorded" not in forced.stderr, forced.output
    assert machine.on_server()[uid] == machine.plan()[uid].start


def test_an_edited_step_that_a_move_in_the_same_sync_re_dates_reaches_the_calendar(
    server, tmp_path
):
    """The phone lengthens the check-in and moves the final follow-up before one sync:
    the recorded move re-dates the check-in (rule 6), and the calendar must show it
    on its new day (or sync must say it left it alone)."""
    if server.name != "radicale":
        pytest.skip("one server shows it")
    PullMachine.server, PullMachine.workdir = server, tmp_path
    styles = {c.id: c for c in STYLES}
    machine = PullMachine()
    machine.phone_deletes_one_of_ours(Drawn("acme.follow-up-1@followup-cal"))
    machine.done_in_the_terminal(ident="acme", step="follow_up")
    check_in = "acme.check-in-1.dana-lee@followup-cal"
    machine.phone_edits_in_a_clients_style(Drawn(check_in), styles["apple-lengthen"])
    machine.phone_moves_in_a_clients_style(
        Drawn("acme.follow-up-2@followup-cal"), styles["davx5-utc-move"]
    )
    machine.sync_and_check(cache_lost=False)

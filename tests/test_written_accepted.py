"""What the tool writes, it accepts: a hypothesis state machine runs the recording
commands in random order on one file, the day moving forward, and after every step
checks the file as `validate --strict` does.

The commands run as the user types them (init, add, add-round, done, reply, outcome,
undo, each with --today where it takes it); what sync pulls from the calendar (a move,
a deletion, a tick, an un-tick) is worked out by sync's own pull and written through
the journal's functions, as a sync writes it. A command may refuse (a step far ahead
without --yes, a date before the round): then in one line, with the file unchanged.

After each step, `validate` exits 0 and none of its warnings is about a line of the
file: no done: or moved: that matches no planned step, no fact dated after today, no
field that reads badly in the drafts. (The gaps validate finds in the drafts of steps
that are due are about what the user has not yet told the tool, not about lines any
command wrote: they are left out here.)
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.journal.invited import NewTime, record_round_moved
from followup_cal.journal.record import NewPerson, NewRound, record_new_round, record_step_facts
from followup_cal.loader import load
from followup_cal.plan.followups import PlannedFollowup
from followup_cal.sync.from_calendar import _entries, _refused
from followup_cal.sync.pull import CalendarChange, pull

FIRST_DAY = date(2026, 11, 2)
LAST_DAY = date(2027, 3, 31)
ZONE = "America/New_York"
COMPANIES = ("Acme", "Beta Works", "Gamma")
# Each person the way a user names them, with what they talked about, well written.
PEOPLE = (
    ("Dana Lee", "dana@acme.example", "the billing rewrite"),
    ("Marcus Bell", "marcus@beta.example", "the on-call rota"),
    ("Eli Park", "eli@gamma.example", "moving the reports to Postgres"),
    ("Ingrid Dahl", "", "the team's release train"),
)
# Refusals the commands make of a fact that does not fit: one line, nothing written.
REFUSED = {1, 2, 5}
days = st.integers(-4, 4)
DEBUG = False
has_interviews = precondition(lambda self: bool(self.ids))


class WrittenAccepted(RuleBasedStateMachine):
    workdir: Path = Path()

    def __init__(self) -> None:
        super().__init__()
        self.path = self.workdir / f"{uuid.uuid4().hex[:8]}" / "interviews.yaml"
        self.path.parent.mkdir()
        self.today = FIRST_DAY
        self.command(
            "init", str(self.path), "--name", "Alex Morgan", "--email", "alex@example.org",
            "--timezone", ZONE, "--country", "US", "--no-prompt", dated=False, must=True,
        )  # fmt: skip
        self.undoable = False
        self.add("Acme", 0, [PEOPLE[0]], "", False, False)

    # -- helpers -------------------------------------------------------------------------

    def command(self, *args: str, dated: bool = True, must: bool = False) -> int:
        """Run a command as typed; a refusal is one line and leaves the file as it was."""
        before = self.path.read_bytes() if self.path.exists() else b""
        where = [] if args[0] in ("init", "undo") else ["-f", str(self.path)]
        when = ["--today", self.today.isoformat()] if dated else []
        result = CliRunner().invoke(cli, [*args, *where, *when])
        said = f"{' '.join(args)}: exit {result.exit_code}\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), said
        if must or result.exit_code not in REFUSED:
            assert result.exit_code == 0, said
        if result.exit_code:
            assert len(result.stderr.strip().splitlines()) == 1, said
            assert self.path.read_bytes() == before, said
            if DEBUG:
                print("refused:", said)
        elif self.path.read_bytes() != before:
            self.undoable = args[0] != "undo"
        return result.exit_code

    @property
    def ids(self) -> list[str]:
        return [i.id for i in load(str(self.path)).interviews]

    def plan(self) -> list[PlannedFollowup]:
        return service.plan(load(str(self.path)), self.today)

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    # -- the days and the facts ------------------------------------------------------------

    @rule(forward=st.integers(1, 9))
    def next_day(self, forward: int) -> None:
        self.today = min(self.today + timedelta(days=forward), LAST_DAY)

    @rule(
        company=st.sampled_from(COMPANIES),
        offset=days,
        people=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True),
        decision=st.sampled_from(["", "in 2 weeks", "in 10 days", "in 5 business days", "+20"]),
        contact=st.booleans(),
        no_follow_up=st.booleans(),
    )
    def add(self, company, offset, people, decision, contact, no_follow_up) -> None:
        if len(self.ids) >= 3:
            return
        ident = f"{company.split()[0].lower()}-{uuid.uuid4().hex[:4]}"
        args = ["add", "--company", company, "--role", "Backend Engineer", "--id", ident,
                "--pitch", "running Postgres at scale", "--start", f"{self.day(offset)} 10:00",
                "--no-prompt"]  # fmt: skip
        for name, email, topic in people:
            who = f"{name} <{email}>" if email else name
            args += ["--interviewer", who, "--talked-about", topic]
        if decision:
            args += ["--decision", self.day(offset + 20) if decision == "+20" else decision]
        if contact:
            args += ["--contact", "Kim Park <kim@hr.example>", "--contact-title", "Recruiter"]
        if no_follow_up:
            args.append("--no-follow-up")
        self.command(*args, dated=False)

    @has_interviews
    @rule(
        which=st.integers(0, 2),
        offset=days,
        person=st.sampled_from(PEOPLE),
        contact=st.booleans(),
    )
    def add_round(self, which, offset, person, contact) -> None:
        if not self.ids:
            return
        name, email, topic = person
        who = f"{name} <{email}>" if email else name
        args = ["add-round", self.ids[which % len(self.ids)],
                "--start", f"{self.day(offset)} 15:00", "--interviewer", who,
                "--talked-about", topic, "--no-prompt"]  # fmt: skip
        if contact:
            args += ["--contact", name]
        self.command(*args)

    @has_interviews
    @rule(which=st.integers(0, 50), back=st.integers(0, 3), bare=st.booleans())
    def done(self, which, back, bare) -> None:
        """A step of the plan not done yet, sent today or a few days ago."""
        steps = [i for i in self.plan() if i.done is None]
        if not steps:
            return
        item = steps[which % len(steps)]
        step = (
            item.step.value if bare and item.step.value in ("follow_up", "check_in") else item.key
        )
        args = ["done", item.interview.id, step, "--on", self.day(-back), "--yes"]
        if item.recipient is not None:
            args += ["--to", item.recipient.name]
        if step in ("debrief", "thank_you"):
            args += ["--round", str(item.round)]
        self.command(*args)

    @has_interviews
    @rule(
        which=st.integers(0, 2),
        back=st.integers(0, 3),
        decision=st.none() | st.integers(0, 40),
        by=st.booleans(),
        drop=st.booleans(),
    )
    def reply(self, which, back, decision, by, drop) -> None:
        if not self.ids:
            return
        args = ["reply", self.ids[which % len(self.ids)], "--on", self.day(-back)]
        if decision is not None:
            args += ["--decision", self.day(-back + decision)]
        if by:
            args += ["--by", "Sam Roe <sam@hr.example>"]
        if drop:
            args.append("--drop-decision")
        self.command(*args)

    @has_interviews
    @rule(
        which=st.integers(0, 2),
        result=st.sampled_from(["offer", "rejected", "withdrawn"]),
        back=st.integers(0, 3),
        replace=st.booleans(),
    )
    def outcome(self, which, result, back, replace) -> None:
        if not self.ids:
            return
        args = ["outcome", self.ids[which % len(self.ids)], result, "--on", self.day(-back)]
        self.command(*args, *(["--replace"] if replace else []))

    @has_interviews
    @rule(
        which=st.integers(0, 50),
        kind=st.sampled_from(["moved", "deleted", "cancelled", "completed", "uncompleted"]),
        offset=st.integers(-2, 12),
        hour=st.none() | st.integers(7, 19),
    )
    def pulled(self, which, kind, offset, hour) -> None:
        """What sync records when the user moved, deleted, ticked or un-ticked one of
        its events: sync's own pull decides, and the journal writes it as sync does."""
        search = load(str(self.path))
        items = service.plan(search, self.today)
        if not items:
            return
        item = items[which % len(items)]
        day = self.today + timedelta(days=offset)
        zone = search.me.timezone
        start = datetime.combine(day, time(hour), zone) if hour is not None else day
        ticked = item.done if kind == "uncompleted" and which % 2 else None  # sync's tick
        completed = datetime.combine(self.today, time(12), zone)
        change = CalendarChange(item.uid, (kind,), start, completed, ticked=ticked)
        facts = pull(items, [change], zone, self.today).facts
        text = self.path.read_text("utf-8")
        refused = _refused(search, text, facts)  # sync leaves these out, with a line each
        facts = [f for f in facts if f.item.uid not in refused]
        if not facts:
            return

        def choose(locked):
            return _entries([f for f in pull(service.plan(locked, self.today), [change], zone,
                                             self.today).facts if f.item.uid not in refused])  # fmt: skip

        record_step_facts(str(self.path), choose)
        self.undoable = True

    @precondition(lambda self: self.undoable)
    @rule()
    def undo(self) -> None:
        self.command("undo", str(self.path), dated=False)

    # -- what holds after every step ---------------------------------------------------------

    @invariant()
    def validate_accepts_every_line(self) -> None:
        search = load(str(self.path))
        items = service.plan(search, self.today)
        lines = [w.format(str(self.path)) for w in service.field_warnings(search)]
        lines += service.unmatched_done(search, items, self.today)
        lines += service.future_facts(search, self.today)
        assert lines == [], "\n".join([*lines, "", self.path.read_text("utf-8")])
        result = CliRunner().invoke(
            cli, ["validate", str(self.path), "--today", self.today.isoformat()]
        )
        assert result.exit_code == 0, result.output


# -- what the machine found, each as the user met it ---------------------------------------

ONE_ROUND = """\
me: {name: Alex Morgan, email: alex@example.org, timezone: America/New_York, country: US}
interviews:
  - id: acme
    company: Acme
    role: Backend Engineer
    rounds:
      - start: 2026-11-02 10:00
        interviewers:
          - {name: Dana Lee, email: dana@acme.example, talked_about: the billing rewrite}
"""


def line_warnings(path: Path, today: date) -> list[str]:
    search = load(str(path))
    items = service.plan(search, today)
    return service.unmatched_done(search, items, today) + service.future_facts(search, today)


def test_a_round_added_on_the_day_of_a_thank_you_leaves_it_the_first_round_s(tmp_path):
    """The thank-you of round 1, recorded on its day with one round in the file (so
    without round:), belonged to round 2 once round 2 was added that afternoon: validate
    warned that it matched no step, and round 1's thank-you was due again."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    today = ["--today", "2026-11-02"]
    done = CliRunner().invoke(cli, ["done", "acme", "thank_you", "-f", str(path), *today])
    assert done.exit_code == 0, done.output
    added = CliRunner().invoke(cli, [
        "add-round", "acme", "--start", "2026-11-02 15:00", "--interviewer",
        "Eli Park <eli@acme.example>", "--no-prompt", "-f", str(path), *today,
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "      - {step: thank_you, round: 1, to: Dana Lee, date: 2026-11-02}\n" in (
        path.read_text("utf-8")
    )
    assert line_warnings(path, date(2026, 11, 2)) == []
    first = [i for i in service.plan(load(str(path)), date(2026, 11, 2)) if i.round == 1]
    assert next(i for i in first if i.key == "thank_you").done == date(2026, 11, 2)


def test_a_round_moved_past_a_line_of_it_keeps_the_line_its_own(tmp_path):
    """A thank-you of round 2 typed without round: (the round held by its day) stays
    round 2's when the invitation moves round 2 past that day."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    uid = "r2@acme.example"
    record_new_round(str(path), "acme", NewRound("2026-11-09 10:00", (NewPerson("Eli Park"),),
                                                 invitation=(uid, 0, "", "")))  # fmt: skip
    text = path.read_text("utf-8") + "    done:\n      - {step: thank_you, date: 2026-11-10}\n"
    path.write_text(text, "utf-8")
    record_round_moved(str(path), "acme", uid, (1, ""), NewTime("2026-11-12 10:00", "", ""))
    assert "      - {step: thank_you, round: 2, date: 2026-11-10}\n" in path.read_text("utf-8")


def test_a_rejection_after_a_check_in_sent_early_numbers_the_next_ones_after_it(tmp_path):
    """Check-in 3 recorded as sent (a tick, or done --yes), then a rejection that cancels
    check-ins 1 and 2: the rejection's check-ins were numbered from how many were left
    (one), so the third of them was check-in 3 again: 'outcome' was refused with
    "'Dana Lee' and 'Dana Lee' get one calendar UID", and a sync that ticked it after
    the outcome left a file every command refused."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-3", "--on", "2026-11-03", "--yes", "--today", "2026-11-03"],
        ["outcome", "acme", "rejected", "--on", "2026-11-04", "--today", "2026-11-04"],
    ):
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    items = service.plan(load(str(path)), date(2026, 11, 4))
    check_ins = [i.key for i in items if i.step.value == "check_in" and not i.overtaken]
    assert check_ins == ["check_in-3", *(f"check_in-{n}" for n in range(4, 10))]


def test_a_check_in_sent_before_the_contact_changed_is_history_not_a_typo(tmp_path):
    """Check-in 1 sent to Dana, then round 2 with Marcus as the contact: the check-ins
    go to him now, and validate warned that Dana's line matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-1", "--on", "2026-12-16", "--today", "2026-12-16"],
        ["add-round", "acme", "--start", "2027-01-05 10:00", "--interviewer",
         "Marcus Bell <marcus@acme.example>", "--contact", "Marcus Bell", "--no-prompt",
         "--today", "2027-01-05"],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2027, 1, 5)) == []
    # A check-in no one gets is still a typo.
    path.write_text(path.read_text("utf-8").replace("check_in-1, to", "check_in-9, to"), "utf-8")
    [typo] = line_warnings(path, date(2027, 1, 5))
    assert "acme done: 'check_in-9' matches no planned step" in typo


def test_a_reply_to_a_rejection_then_replaced_by_an_offer_is_history(tmp_path):
    """Rejected, the reply sent, then 'outcome --replace offer': validate warned that the
    done: line of the reply matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["outcome", "acme", "rejected", "--on", "2026-11-04"],
        ["done", "acme", "rejection_reply", "--on", "2026-11-04"],
        ["outcome", "acme", "offer", "--on", "2026-11-04", "--replace"],
    ):
        result = CliRunner().invoke(cli, [*args, "-f", str(path), "--today", "2026-11-04"])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2026, 11, 4)) == []


def test_a_check_in_an_offer_cancelled_stays_history_when_the_contact_changes(tmp_path):
    """Check-in 3 sent early, an offer, then a round with Ingrid as the contact: the
    check-ins that the offer cancelled would have gone to her, not Dana."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND, "utf-8")
    for args in (
        ["done", "acme", "check_in-3", "--on", "2026-11-03", "--yes", "--today", "2026-11-03"],
        ["outcome", "acme", "offer", "--on", "2026-11-05", "--today", "2026-11-05"],
        ["add-round", "acme", "--start", "2026-11-06 15:00", "--interviewer", "Ingrid Dahl",
         "--contact", "Ingrid Dahl", "--no-prompt", "--today", "2026-11-06"],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "-f", str(path)])
        assert result.exit_code == 0, result.output
    assert line_warnings(path, date(2026, 11, 6)) == []


def test_a_step_moved_then_deleted_in_the_calendar_is_history(tmp_path):
    """The debrief dragged a week on, then deleted: sync wrote moved: and then skipped:,
    and validate warned that the moved: line matched no planned step."""
    path = tmp_path / "interviews.yaml"
    path.write_text(ONE_ROUND + "    moved:\n      - {step: debrief, date: 2026-11-09}\n"
                    "    skipped:\n      - {step: debrief, date: 2026-11-02}\n")  # fmt: skip
    assert line_warnings(path, date(2026, 11, 4)) == []


@pytest.fixture
def machine(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    WrittenAccepted.workdir = tmp_path
    return WrittenAccepted


def test_no_line_any_command_writes_makes_validate_warn(machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )

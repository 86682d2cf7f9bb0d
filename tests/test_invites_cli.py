"""`add --from-invite` and `add-round --from-invite` as a user runs them: the lines they
add to the file (comments kept), a round that follows its invitation's reschedule and
cancellation, and the planner that honours a cancelled round."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import TODAY_ENV, changed_lines, run

from followup_cal import service
from followup_cal.loader import load

INVITES = Path(__file__).parent / "data" / "invites"
FILE = """\
# my search
me:
  name: Alex Morgan
  email: alex.morgan@example.org
  timezone: America/New_York
  country: US

interviews:
  # the first talk with Initech
  - id: initech
    company: Initech
    role: Backend Engineer
    rounds:
      - start: 2026-12-01 11:00   # a phone screen
        interviewers:
          - name: Priya Shah
            email: priya.shah@initech.example
"""


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


@pytest.fixture
def search(tmp_path) -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    return path


def invite(path: Path, name: str, *args: str, command: tuple[str, ...] = ("add",)):
    return run(*command, "--from-invite", str(INVITES / name), "-f", str(path), *args)


def test_an_invitation_from_the_company_s_domain_is_proposed_as_its_next_round(search):
    result = invite(search, "google_request.eml")
    assert result.exit_code == 0, result.output
    assert "a next round: its people are at initech.example" in result.stdout
    assert "nothing written" in result.stdout
    assert search.read_text("utf-8") == FILE  # no tty, no --yes: shown only

    before = search.read_text("utf-8")
    result = invite(search, "google_request.eml", "--yes")
    assert result.exit_code == 0, result.output
    assert changed_lines(before, search.read_text("utf-8")) == [
        "+      - start: 2026-12-08 10:00",
        "+        duration: 60",
        "+        interviewers:",
        "+          - name: Priya Shah",
        "+            email: priya.shah@initech.example",
        "+          - name: Sam Roe",
        "+            email: sam.roe@initech.example",
        "+        notes: 'video: https://meet.google.com/xpr-tqnm-kbw'",
        "+        invitation: {uid: 5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com, sequence: 0, stamp: "
        "20261201T141503Z, organizer: priya.shah@initech.example}",
    ]
    assert "added round 2 to 'initech'" in result.stdout


def test_a_reschedule_moves_the_round_and_the_follow_ups_an_older_copy_changes_nothing(search):
    invite(search, "google_request.eml", "--yes")
    before_move = search.read_text("utf-8")
    result = invite(search, "google_reschedule.ics", "--yes")
    assert result.exit_code == 0, result.output
    assert changed_lines(before_move, search.read_text("utf-8")) == [
        "-      - start: 2026-12-08 10:00",
        "-        duration: 60",
        "+      - start: 2026-12-10 14:00",
        "+        duration: 45",
        "-        invitation: {uid: 5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com, sequence: 0, stamp: "
        "20261201T141503Z, organizer: priya.shah@initech.example}",
        "+        invitation: {uid: 5q9kd0c1ab3ef7gh2ij4kl6mn8@google.com, sequence: 1, stamp: "
        "20261203T091122Z, organizer: priya.shah@initech.example}",
    ]
    interview = load(str(search)).interviews[0]
    items = service.plan(load(str(search)), interview.rounds[0].start.date())
    debrief = next(i for i in items if i.step.value == "debrief" and i.round == 2)
    assert debrief.start.date().isoformat() == "2026-12-10"  # planned again from the new time

    moved = search.read_bytes()
    result = invite(search, "google_request.eml", "--yes")  # the first copy, SEQUENCE 0
    assert result.exit_code == 0
    assert "this copy is older (SEQUENCE 0; the file has 1)" in result.stdout
    assert search.read_bytes() == moved


def test_a_tool_that_keeps_the_sequence_is_ordered_by_its_stamp(search, tmp_path):
    """RFC 5546: with one SEQUENCE, the later DTSTAMP is the later copy."""
    invite(search, "google_request.eml", "--yes")
    same = (
        (INVITES / "google_reschedule.ics").read_text("utf-8").replace("SEQUENCE:1", "SEQUENCE:0")
    )
    later = tmp_path / "same-sequence.ics"
    later.write_text(same, "utf-8")
    result = run("add", "--from-invite", str(later), "-f", str(search), "--yes")
    assert result.exit_code == 0, result.output
    assert (
        load(str(search)).interviews[0].rounds[1].start.isoformat() == "2026-12-10T14:00:00-05:00"
    )
    moved = search.read_bytes()
    older = invite(search, "google_request.eml", "--yes")  # the first copy, stamped earlier
    assert "this copy is older" in older.stdout and search.read_bytes() == moved


def test_a_cancellation_leaves_no_follow_up_for_its_round(search):
    invite(search, "google_request.eml", "--yes")
    invite(search, "google_reschedule.ics", "--yes")
    result = invite(search, "google_cancel.ics", "--yes")
    assert result.exit_code == 0, result.output
    assert "cancelled round 2 of 'initech'" in result.stdout
    text = search.read_text("utf-8")
    assert "        cancelled: true\n" in text and "# the first talk with Initech" in text
    loaded = load(str(search))
    items = service.plan(loaded, loaded.interviews[0].rounds[0].start.date())
    assert items and all(i.round == 1 for i in items)
    # The chain counts from round 1 again, as if round 2 had never been invited to.
    assert {i.key for i in items} >= {"debrief", "thank_you", "follow_up-1"}

    cancelled = search.read_bytes()
    again = invite(search, "google_cancel.ics", "--yes")
    assert "cancelled already" in again.stdout and search.read_bytes() == cancelled


def test_a_cancelled_only_round_plans_nothing(search):
    text = FILE.replace(
        "            email: priya.shah@initech.example\n",
        "            email: priya.shah@initech.example\n        cancelled: true\n",
    )
    search.write_text(text, "utf-8")
    loaded = load(str(search))
    assert service.plan(loaded, loaded.interviews[0].rounds[0].start.date()) == []
    # Nothing to hear back about: not "waiting" on the timeline, not watched in the inbox.
    from followup_cal.mail.matching import watches

    assert watches(loaded) == []
    page = search.with_suffix(".html")
    assert run("plan", str(search), "--html", str(page), "--today", "2026-12-10").exit_code == 0
    assert "<span>round cancelled</span>" in page.read_text("utf-8")


def test_a_round_replacing_a_cancelled_one_may_come_before_it(search):
    invite(search, "google_request.eml", "--yes")
    invite(search, "google_cancel.ics", "--yes")  # cancels the Dec 8 round (SEQUENCE 2 > 0)
    text = search.read_text("utf-8") + (
        "      - start: 2026-12-04 09:00\n        interviewers:\n          - name: Sam Roe\n"
    )
    search.write_text(text, "utf-8")
    result = run("validate", str(search))
    assert result.exit_code == 0, result.output


def test_a_new_company_is_a_new_interview_with_the_guess_shown(search):
    result = invite(search, "exchange_windows_zone.ics", "--yes")
    assert result.exit_code == 2
    assert "missing --role" in result.stderr
    assert search.read_text("utf-8") == FILE

    before = search.read_text("utf-8")
    result = invite(search, "exchange_windows_zone.ics", "--yes", "--role", "Platform Engineer")
    assert result.exit_code == 0, result.output
    assert "company: Umbrella, guessed from the address domain umbrella.example" in result.stdout
    added = changed_lines(before, search.read_text("utf-8"))
    assert added[:6] == [
        "+",
        "+  - id: umbrella",
        "+    company: Umbrella",
        "+    role: Platform Engineer",
        "+    rounds:",
        "+      - start: 2026-12-09 10:00",
    ]
    assert "+        timezone: Europe/Berlin" in added and "+        duration: 90" in added
    assert "+          - name: Anna Keller" in added and "+          - name: Jonas Bauer" in added
    assert not any("Rhein" in line and "name:" in line for line in added)


def test_company_and_interviewers_given_win_over_the_invitation(search):
    args = ["--yes", "--role", "SRE", "--company", "Pied Piper Inc."]
    result = invite(search, "greenhouse_publish.eml", *args)
    assert result.exit_code == 2 and "names no interviewer" in result.stderr
    result = invite(
        search, "greenhouse_publish.eml", *args, "--interviewer", "Jian Yang <jy@pp.example>"
    )
    assert result.exit_code == 0, result.output
    interview = load(str(search)).interviews[-1]
    assert interview.company == "Pied Piper Inc."
    assert [p.name for p in interview.rounds[0].interviewers] == ["Jian Yang"]
    assert interview.rounds[0].invitation_uid.startswith("greenhouse-interview-7781234")


def test_add_round_names_the_interview_itself(search):
    result = invite(search, "zoom_utc.ics", "--yes", command=("add-round", "initech"))
    assert result.exit_code == 0, result.output
    rnd = load(str(search)).interviews[0].rounds[1]
    assert rnd.start.isoformat() == "2026-12-14T12:00:00-05:00"
    assert [p.name for p in rnd.interviewers] == ["Dana Lee"]


@pytest.mark.parametrize(
    "name",
    [
        "recurring.ics",
        "huge_attendees.ics",
        "broken_encoding.ics",
        "unknown_zone.ics",
        "reply.ics",
        "all_day.ics",
    ],
)
def test_a_bad_invitation_is_one_line_exit_1_and_nothing_written(search, name):
    result = invite(search, name, "--yes", "--role", "x", "--company", "y")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{INVITES / name}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert search.read_text("utf-8") == FILE


def test_a_floating_time_warns_and_takes_the_user_s_zone(search):
    result = invite(search, "floating.ics", "--yes", "--role", "x")
    assert result.exit_code == 0, result.output
    assert "warning: its time has no zone" in result.stderr
    rnd = load(str(search)).interviews[-1].rounds[0]
    assert rnd.start.isoformat() == "2026-12-18T14:00:00-05:00"


def test_a_cancellation_of_nothing_known_is_not_found(search):
    result = invite(search, "google_cancel.ics", "--yes")
    assert result.exit_code == 5
    assert "no round in" in result.stderr and search.read_text("utf-8") == FILE


def test_the_review_asks_for_what_is_missing_and_writes_on_yes(search):
    answers = "\nPlatform Engineer\n\n\n"  # company: the guess; role; 'yes' to write
    result = run(
        "add", "--from-invite", str(INVITES / "teams_meeting.ics"), "-f", str(search),
        "--prompt", input=answers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    interview = load(str(search)).interviews[-1]
    assert (interview.company, interview.role) == ("Fabrikam", "Platform Engineer")
    assert interview.rounds[0].start.isoformat() == "2026-12-15T09:00:00-08:00"


def test_the_shell_blocks_of_docs_invitations_run_as_pasted(tmp_path):
    """Each block of docs/invitations.md not marked skip, in a folder with a copy of
    examples/, as test_readme.py runs the README's."""
    import shutil
    import subprocess
    import sys

    from test_readme import readme_blocks, runnable

    root = Path(__file__).parent.parent
    blocks = runnable(readme_blocks((root / "docs" / "invitations.md").read_text("utf-8")))
    ran = 0
    for index, block in enumerate(b for b in blocks if not b.skip):
        folder = tmp_path / str(index)
        shutil.copytree(root / "examples", folder / "examples")
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "TZ": "UTC",
            "HOME": str(folder),
            TODAY_ENV: os.environ[TODAY_ENV],  # the day the suite pins
        }
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.text],
            cwd=folder, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 0, f"docs/invitations.md:{block.line}: {done.stderr}"
        ran += 1
    assert ran == 3
    # The last block moved and then cancelled round 2 of helio-analytics.
    helio = load(str(folder / "examples" / "interviews.yaml")).interviews[1]
    assert helio.rounds[1].cancelled and helio.rounds[1].invitation_sequence == 2


def test_the_same_domain_before_the_latest_round_or_another_company_is_a_new_interview(search):
    """A next round comes after the interview's latest round, and is at its company."""
    earlier = FILE.replace("2026-12-01 11:00", "2026-12-20 11:00")
    search.write_text(earlier, "utf-8")
    result = invite(search, "google_request.eml", "--yes", "--role", "SRE")
    assert "but it starts before that interview's latest round" in result.stdout
    assert [i.id for i in load(str(search)).interviews] == ["initech", "initech-sre"]

    search.write_text(FILE, "utf-8")
    result = invite(search, "google_request.eml", "--yes", "--role", "SRE", "--company", "Initrode")
    assert "a new interview: --company Initrode is not Initech" in result.stdout
    assert [i.company for i in load(str(search)).interviews] == ["Initech", "Initrode"]


def test_the_user_under_another_address_is_known_by_name(search):
    text = (
        (INVITES / "zoom_utc.ics")
        .read_text("utf-8")
        .replace(
            "ORGANIZER;CN=Dana Lee:mailto:dana.lee@acme.example",
            "ORGANIZER;CN=Dana Lee:mailto:dana.lee@acme.example\r\n"
            "ATTENDEE;CN=Morgan, Alex:mailto:alex.m@gmail.example",
        )
    )
    path = search.parent / "alias.ics"
    path.write_text(text, "utf-8")
    result = run("add", "--from-invite", str(path), "-f", str(search), "--yes", "--role", "x")
    assert result.exit_code == 0, result.output
    assert "left out: Morgan, Alex (you, by your name" in result.stdout
    assert [p.name for p in load(str(search)).interviews[-1].rounds[0].interviewers] == ["Dana Lee"]


def test_talked_about_goes_to_the_invitation_s_people_and_timezone_keeps_the_instant(search):
    args = ["--talked-about", "the billing rewrite", "--talked-about", "on-call"]
    result = invite(search, "google_request.eml", "--yes", *args, "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    rnd = load(str(search)).interviews[0].rounds[1]
    assert [p.talked_about for p in rnd.interviewers] == ["the billing rewrite", "on-call"]
    assert rnd.start.isoformat() == "2026-12-08T16:00:00+01:00"  # 15:00 UTC, as invited

    three = [*args, "--talked-about", "a third"]
    before = search.read_bytes()
    result = invite(search, "zoom_utc.ics", "--yes", "--role", "x", *three)
    assert result.exit_code == 2 and "3 --talked-about for 1 people" in result.stderr
    assert search.read_bytes() == before


def test_in_a_terminal_a_move_is_confirmed_and_a_next_round_reviewed(search):
    flags = ["--prompt"]
    result = run(
        "add", "--from-invite", str(INVITES / "google_request.eml"), "-f", str(search), *flags,
        input="\n",  # the review: yes
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Write it to" in result.output and len(load(str(search)).interviews[0].rounds) == 2
    kept = search.read_bytes()
    result = run(
        "add", "--from-invite", str(INVITES / "google_reschedule.ics"), "-f", str(search), *flags,
        input="n\n",
    )  # fmt: skip
    assert "Record it in" in result.output and "nothing written" in result.output
    assert search.read_bytes() == kept
    result = run(
        "add", "--from-invite", str(INVITES / "google_reschedule.ics"), "-f", str(search), *flags,
        input="y\n",
    )  # fmt: skip
    assert "moved round 2 of 'initech'" in result.output


def test_an_invitation_that_cannot_be_read_is_exit_3(search, tmp_path):
    result = run("add", "--from-invite", str(tmp_path / "missing.ics"), "-f", str(search))
    assert result.exit_code == 3 and "cannot read the invitation" in result.stderr


def test_in_a_terminal_the_pitch_is_asked_as_add_asks_it(search):
    """add asks for the pitch (optional); add --from-invite asked for company and role
    only, so its drafts said nothing of the user's strongest fit."""
    answers = "\nPlatform Engineer\nPostgres at scale\n\n"  # company; role; pitch; yes
    result = run(
        "add", "--from-invite", str(INVITES / "teams_meeting.ics"), "-f", str(search),
        "--prompt", input=answers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Your strongest fit, as it follows 'my experience in'" in result.output
    assert load(str(search)).interviews[-1].pitch == "Postgres at scale"
    # Optional: an empty answer writes none; --pitch is not asked again.
    again = run(
        "add", "--from-invite", str(INVITES / "zoom_utc.ics"), "-f", str(search), "--prompt",
        "--pitch", "Go services", input="\nSRE\n\n",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "Your strongest fit" not in again.output
    assert load(str(search)).interviews[-1].pitch == "Go services"

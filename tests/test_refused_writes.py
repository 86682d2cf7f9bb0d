"""A refused write changes nothing: every check that can refuse an entry (the whole-file
ones among them, such as two people with one calendar UID) runs before the file is
written, for add, add-round and --from-invite alike. Each refusal path is run here on a
copy of the file, and the folder is compared byte for byte after it: the file, and no
undo record or temporary file beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run
from test_invites_cli import FILE

from followup_cal.cli import cli
from followup_cal.loader import load

INVITES = Path(__file__).parent / "data" / "invites"
START = ["--start", "2026-12-10 10:00"]
DANA = ["--interviewer", "Dana Lee <dana@acme.example>"]
NEW = ["add", "--company", "Acme", "--role", "QA", *START, "--no-prompt"]
ROUND = ["add-round", "initech", *START, "--no-prompt"]
REQUEST = ["--from-invite", str(INVITES / "google_request.eml")]
CANCEL = ["--from-invite", str(INVITES / "google_cancel.ics")]


def forged_move(folder: Path) -> list[str]:
    """A reschedule of round 2 that Mallory wrote (see test_invites_forged)."""
    text = (INVITES / "google_reschedule.ics").read_text("utf-8")
    path = folder / "forged.ics"
    path.write_text(text.replace("priya.shah@initech.example", "mallory@evil.example"), "utf-8")
    return ["add", "--from-invite", str(path), "--yes"]


REFUSALS = {
    # add
    "the same interviewer twice": ([*NEW, *DANA, *DANA], 2),
    "two names with one UID": ([*NEW, *DANA, "--interviewer", "Dána Lee <dl@acme.example>"], 2),
    "an id that exists": ([*NEW, "--id", "initech", *DANA], 2),
    "a start that is no time": (
        ["add", "--company", "A", "--role", "QA", "--start", "soon", *DANA, "--no-prompt"],
        2,
    ),
    "a zone no one knows": ([*NEW, *DANA, "--timezone", "Mars/Olympus_Mons"], 2),
    "a contact no one met": ([*NEW, *DANA, "--contact", "Nobody Known"], 2),
    # add-round
    "add-round: the same interviewer twice": ([*ROUND, *DANA, *DANA], 2),
    "add-round: an id that does not exist": (
        ["add-round", "nope", *START, *DANA, "--no-prompt"],
        5,
    ),
    "add-round: a contact no one met": ([*ROUND, *DANA, "--contact", "Nobody Known"], 5),
    # --from-invite
    "invite: the same interviewer twice": (["add", *REQUEST, "--yes", *DANA, *DANA], 2),
    "invite: a next round of an id that does not exist": (
        ["add-round", "nope", *REQUEST, "--yes"],
        5,
    ),
    "invite: an id that exists": (
        ["add", *REQUEST, "--company", "Acme", "--role", "QA", "--id", "initech", "--yes"],
        2,
    ),
    "invite: a cancellation of nothing": (["add", *CANCEL, "--yes"], 5),
    "invite: not an invitation": (
        ["add", "--from-invite", str(INVITES / "reply.ics"), "--yes"],
        1,
    ),
    "invite: a move from someone else": (forged_move, 1),
}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_a_refused_write_leaves_every_byte_as_it_was(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    if name.endswith("someone else"):  # a round that follows the invitation, to move
        assert run("add", *REQUEST, "--yes", "-f", str(path)).exit_code == 0
        (tmp_path / "search.followup-undo.json").unlink()
    args, code = REFUSALS[name]
    args = args(tmp_path) if callable(args) else args
    before = folder_bytes(tmp_path)
    result = run(*args, "-f", str(path))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output and result.stderr.strip()
    assert folder_bytes(tmp_path) == before
    assert run("validate", str(path)).exit_code == 0


def test_an_organizer_invited_again_under_a_second_address_is_one_interviewer(tmp_path):
    """Google lists the organizer among the attendees; under another address of theirs,
    they were two people with one calendar UID, and the written file failed validate."""
    text = (INVITES / "google_request.eml").read_text("utf-8")
    text = text.replace("ORGANIZER;CN=Priya Shah:mailto:priya.shah@initech.example",
                        "ORGANIZER;CN=Priya Shah:mailto:p.shah@initech.example")  # fmt: skip
    assert "p.shah@initech.example" in text and "mailto:priya.shah@initech.example" in text
    invite = tmp_path / "second-address.eml"
    invite.write_text(text, "utf-8")
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    result = run("add", "--from-invite", str(invite), "--yes", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert "left out: Priya Shah (the same name as Priya Shah <p.shah@initech.example>" in (
        result.stdout
    )
    people = load(str(path)).interviews[0].rounds[1].interviewers
    assert [(p.name, p.email) for p in people] == [
        ("Priya Shah", "p.shah@initech.example"),
        ("Sam Roe", "sam.roe@initech.example"),
    ]
    assert run("validate", str(path)).exit_code == 0


KILLED_AFTER_THE_WRITE = """
import os, sys
from followup_cal.journal import record
from followup_cal.cli import cli

written = record.update_file


def then_killed(*args, **kwargs):
    written(*args, **kwargs)
    os._exit(137)  # as kill -9 right after the file's rename


record.update_file = then_killed
cli.main(sys.argv[1:], prog_name="followup-cal")
"""


def test_a_kill_right_after_the_write_leaves_the_change_with_its_undo(tmp_path):
    """The undo record is written under the file's lock before its rename: killed right
    after the rename (it was written after, so a kill there left a change no undo could
    take back), the change can still be undone."""
    import os
    import subprocess
    import sys

    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    before = path.read_bytes()
    command = ["add-round", "initech", *START, *DANA, "--no-prompt", "-f", str(path)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_THE_WRITE, *command],
        capture_output=True, text=True, env={**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    assert killed.returncode == 137, killed.stderr
    assert path.read_bytes() != before  # the round is written
    undone = run("undo", str(path))
    assert undone.exit_code == 0, undone.output
    assert path.read_bytes() == before


KILLED_BEFORE_THE_RENAME = """
import os, sys
from followup_cal import atomic
from followup_cal.cli import cli

write = atomic._write


def killed(target, *args, **kwargs):
    if target.suffix == ".yaml":  # undo's record is written; the file's rename is not
        os._exit(137)
    return write(target, *args, **kwargs)


atomic._write = killed
cli.main(sys.argv[1:], prog_name="followup-cal")
"""


def test_undo_after_a_write_killed_before_the_rename_says_so(tmp_path):
    """Killed between undo's record and the file's rename, the file is as it was: undo
    says there is nothing to undo (exit 5) and changes nothing."""
    import os
    import subprocess
    import sys

    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    before = path.read_bytes()
    command = ["add-round", "initech", *START, *DANA, "--no-prompt", "-f", str(path)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BEFORE_THE_RENAME, *command],
        capture_output=True, text=True, env={**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    assert killed.returncode == 137 and path.read_bytes() == before, killed.stderr
    result = run("undo", str(path))
    assert result.exit_code == 5
    assert "the last write-back of followup-cal did not happen" in result.stderr
    assert path.read_bytes() == before


def test_a_write_that_fails_keeps_the_undo_of_the_one_before(tmp_path, monkeypatch):
    from followup_cal import atomic

    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    first = path.read_bytes()
    assert run("add-round", "initech", *START, *DANA, "--no-prompt", "-f", str(path)).exit_code == 0
    write = atomic._write

    def refused(target, *args, **kwargs):
        if target.suffix == ".yaml":  # undo's record is written, the file is not
            raise OSError(28, "No space left on device")
        return write(target, *args, **kwargs)

    monkeypatch.setattr(atomic, "_write", refused)
    later = ["add-round", "initech", "--start", "2026-12-20 10:00", *DANA, "--no-prompt"]
    failed = run(*later, "-f", str(path))
    assert failed.exit_code == 3
    monkeypatch.undo()
    assert run("undo", str(path)).exit_code == 0
    assert path.read_bytes() == first


def test_a_name_yaml_1_1_reads_as_a_boolean_is_written_quoted(tmp_path):
    """ruamel writes YAML 1.2, where yes is text; PyYAML's safe_load and many tools read
    YAML 1.1, where a plain yes, No or on is a boolean."""
    import yaml

    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    people = ["--interviewer", "yes <y@acme.example>", "--interviewer", "No <n@acme.example>"]
    result = run("add", "--company", "On", "--role", "off", *START, *people, "--no-prompt",
                 "-f", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = path.read_text("utf-8")
    assert "company: 'On'\n" in text and "- name: 'yes'\n" in text and "name: 'No'\n" in text
    assert "# my search\n" in text  # the rest as it was
    new = yaml.safe_load(text)["interviews"][-1]
    assert (new["company"], new["role"]) == ("On", "off")
    assert [p["name"] for p in new["rounds"][0]["interviewers"]] == ["yes", "No"]


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--today", "9" * 5000],
        ["draft", "9" * 5000, "thank_you"],
        ["add-round", "initech", *START, *DANA, "--duration", "9" * 5000, "--no-prompt"],
    ],
)
def test_a_number_of_5000_digits_is_cut_in_the_error_line(args, tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(FILE, "utf-8")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, [*args, "-f", str(path)], env={"TZ": "UTC"})
    assert result.exit_code in (2, 5), result.output
    [line] = result.stderr.splitlines()
    assert len(line) < 300 and "9" * 41 not in line, line
    assert path.read_bytes() == before

"""Write-back under attack: concurrent writers, an editor saving meanwhile, kills, odd files.

Concurrency is real (20 processes at once); kills are real SIGKILLs, landed on every kind
of line of the write-back by a trace hook in a forked child.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import interview, search_text

import followup_cal.journal.record  # noqa: F401  imported here so that every forked child runs alike
from followup_cal.atomic import update_file, write_atomic
from followup_cal.cli import cli
from followup_cal.errors import FileAccessError
from followup_cal.loader import load

TODAY = ["--today", "2026-11-23"]
COUNT = 20
CLI = [sys.executable, "-m", "followup_cal"]


def many_interviews(path: Path, count: int = COUNT) -> Path:
    path.write_text(
        search_text(*(interview(id=f"acme-{n}", company=f"Acme {n}") for n in range(count))),
        "utf-8",
    )
    return path


def run(*args: str):
    return CliRunner().invoke(cli, [*args, *TODAY], catch_exceptions=False)


def beside_the_file(folder: Path) -> list[str]:
    """The files in ``folder`` but undo's record of the last write-back (and its temp
    file, when a write-back was killed while writing it: the next one removes it)."""
    return sorted(p.name for p in folder.iterdir() if "followup-undo.json" not in p.name)


def done_facts(path: Path) -> dict[str, list[str]]:
    return {i.id: [d.step for d in i.done] for i in load(str(path)).interviews}


def test_twenty_concurrent_done_commands_keep_all_twenty_facts(tmp_path):
    path = many_interviews(tmp_path / "interviews.yaml")
    env = {**os.environ, "TZ": "UTC"}
    processes = [
        subprocess.Popen(
            [*CLI, "done", f"acme-{n}", "debrief", "-f", str(path), *TODAY],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for n in range(COUNT)
    ]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in processes]
    for p in processes:
        p.stdout.close()
        p.stderr.close()
    assert results == [(0, b"")] * COUNT
    assert done_facts(path) == {f"acme-{n}": ["debrief"] for n in range(COUNT)}
    assert beside_the_file(tmp_path) == ["interviews.yaml"]


def test_concurrent_runs_of_one_step_record_it_once(tmp_path):
    # 'done acme follow_up-1' three times at once: recorded once, then "already recorded"
    # twice. Each decides what is open from the file as locked, not from what it read
    # before waiting: no step twice, none lost. (A bare 'follow_up' with two open is
    # refused, listing them: tests/test_slips.py.)
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    env = {**os.environ, "TZ": "UTC"}
    cmd = [*CLI, "done", "acme-0", "follow_up-1", "-f", str(path)]
    processes = [
        subprocess.Popen([*cmd, "--today", "2027-02-01"], env=env, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0]
    assert done_facts(path)["acme-0"] == ["follow_up-1"]
    assert sum(out.startswith("already recorded as done") for out in outputs) == 2


def editor_saves(path: Path, text: str) -> None:
    """What an editor does: a new file renamed over the old one, ignoring any lock."""
    new = path.with_name("editor-swap")
    new.write_text(text, "utf-8")
    new.replace(path)


def test_an_editor_saving_during_the_write_back_is_not_overwritten(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("first\n", "utf-8")
    calls: list[bytes] = []

    def change(data: bytes) -> bytes:
        calls.append(data)
        if len(calls) == 1:
            editor_saves(path, "first\nfrom the editor\n")
        return data + b"from the tool\n"

    update_file(path, change)
    assert calls == [b"first\n", b"first\nfrom the editor\n"]
    assert path.read_text("utf-8") == "first\nfrom the editor\nfrom the tool\n"


def test_an_in_place_edit_of_the_same_size_is_caught_too(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("aaaa\n", "utf-8")
    calls: list[bytes] = []

    def change(data: bytes) -> bytes:
        calls.append(data)
        if len(calls) == 1:
            with path.open("r+b") as handle:  # same inode, same size, maybe same mtime
                handle.write(b"bbbb")
        return data.upper()

    update_file(path, change)
    assert path.read_bytes() == b"BBBB\n"


def test_a_file_that_never_stops_changing_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("0\n", "utf-8")

    def change(data: bytes) -> bytes:
        editor_saves(path, f"{int(data) + 1}\n")
        return b"the tool's version\n"

    with pytest.raises(FileAccessError, match="kept changing while being written"):
        update_file(path, change)
    assert path.read_text("utf-8") == "5\n"


# -- the file itself -----------------------------------------------------------------------


def test_a_read_only_file_is_refused(tmp_path):
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    path.chmod(0o444)
    before = path.read_bytes()
    result = run("done", "acme-0", "debrief", "-f", str(path))
    assert result.exit_code == 3
    assert result.stderr.startswith(f"{path} is read-only;")
    assert len(result.stderr.splitlines()) == 1
    assert path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_owner_group_and_mode_are_kept(tmp_path):
    # As after 'sudo followup-cal done ...' on a file that belongs to the user.
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    os.chown(path, 65534, 65534)
    path.chmod(0o640)
    assert run("done", "acme-0", "debrief", "-f", str(path)).exit_code == 0
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (65534, 65534, 0o640)
    assert done_facts(path) == {"acme-0": ["debrief"]}


def test_mode_is_kept(tmp_path):
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    path.chmod(0o600)
    assert run("done", "acme-0", "debrief", "-f", str(path)).exit_code == 0
    assert path.stat().st_mode & 0o7777 == 0o600


def test_a_hard_linked_file_is_refused_with_the_reason(tmp_path):
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    other = tmp_path / "backup.yaml"
    os.link(path, other)
    before = path.read_bytes()
    result = run("done", "acme-0", "debrief", "-f", str(path))
    assert result.exit_code == 3
    assert "has 2 hard links; replacing it would split them" in result.stderr
    assert path.read_bytes() == before
    assert path.stat().st_ino == other.stat().st_ino


def test_a_symlinked_file_is_written_through_the_link(tmp_path):
    real = many_interviews(tmp_path / "real.yaml", 1)
    link = tmp_path / "interviews.yaml"
    link.symlink_to(real.name)
    assert run("done", "acme-0", "debrief", "-f", str(link)).exit_code == 0
    assert link.is_symlink()
    assert done_facts(real) == {"acme-0": ["debrief"]}


# -- killed at any line --------------------------------------------------------------------

TRACED = ("followup_cal/atomic.py", "followup_cal/journal/record.py")


def killed_write_back(path: Path, at_line_event: int) -> tuple[int, int]:
    """Fork; the child runs 'done' and SIGKILLs itself at the Nth traced line (0: never).
    Returns (-1, -1) when killed, else how many traced lines the child ran and the number
    of the first line that writes the new version (atomic._write)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        seen = writing = 0
        updating = False  # atomic.py lines count only in the YAML's update, not in caches

        def trace(frame, event, _arg):
            nonlocal seen, writing, updating
            name = frame.f_code.co_filename
            if not name.endswith(TRACED):
                return None
            if frame.f_code.co_name == "update_file" and event in ("call", "return"):
                updating = event == "call"
            if event == "line" and (updating or not name.endswith("atomic.py")):
                seen += 1
                if frame.f_code.co_name == "_write" and not writing:
                    writing = seen
                if seen == at_line_event:
                    os.kill(os.getpid(), signal.SIGKILL)
            return trace

        try:
            sys.settrace(trace)
            cli.main(["done", "acme-0", "debrief", "-f", str(path), *TODAY], standalone_mode=False)
            sys.settrace(None)
            os.write(write_end, f"{seen} {writing}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _pid, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        ran = pipe.read()
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return -1, -1
    lines, writing = ran.split()
    return int(lines), int(writing)


def test_a_write_back_killed_at_50_points_leaves_the_old_or_the_new_file(tmp_path):
    path = many_interviews(tmp_path / "interviews.yaml", 1)
    old = path.read_bytes()
    lines, writing = killed_write_back(path, 0)  # a full run, to count its lines
    new = path.read_bytes()
    assert new != old and 0 < writing < lines - 20
    # Half anywhere (reading, editing, checking), half while the new version is written.
    rng = random.Random(12)
    points = rng.sample(range(1, writing), 25) + rng.sample(range(writing, lines + 1), 25)
    outcomes: dict[str, int] = {"old": 0, "new": 0, "leftover": 0}
    for point in points:
        path.write_bytes(old)
        assert killed_write_back(path, point) == (-1, -1), point
        data = path.read_bytes()
        assert data in (old, new), point
        outcomes["old" if data == old else "new"] += 1
        beside = beside_the_file(tmp_path)
        if beside != ["interviews.yaml"]:
            # Only in the instant between naming the new version and renaming it.
            assert len(beside) == 2 and beside[0].startswith(".interviews.yaml."), beside
            outcomes["leftover"] += 1
            assert run("validate", str(path)).exit_code == 0  # reading leaves it alone
            path.write_bytes(old)
            assert run("done", "acme-0", "debrief", "-f", str(path)).exit_code == 0
            assert beside_the_file(tmp_path) == ["interviews.yaml"], point
    assert outcomes["old"] and outcomes["new"], outcomes


def test_creating_a_file_never_replaces_one_that_appeared_meanwhile(tmp_path):
    path = tmp_path / "interviews.yaml"
    write_atomic(path, b"mine\n", exclusive=True)
    with pytest.raises(FileAccessError, match="already exists; nothing written"):
        write_atomic(path, b"theirs\n", exclusive=True)
    assert path.read_bytes() == b"mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interviews.yaml"]


def test_a_killed_writers_temp_file_is_removed_by_the_next_write_but_a_live_ones_is_not(
    tmp_path,
):
    path = tmp_path / "followups.ics"
    path.write_bytes(b"old\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    killed = tmp_path / f".followups.ics.{dead}-0a1b2c3d.followup-tmp"
    live = tmp_path / f".followups.ics.{os.getpid()}-0a1b2c3d.followup-tmp"
    killed.write_bytes(b"half")
    live.write_bytes(b"in use")
    write_atomic(path, b"new\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["followups.ics", live.name])

"""todoman through vdirsyncer, against real Radicale and DAViCal (issue 30, item 7).

Real programs, as a terminal user runs them: vdirsyncer 0.21 keeps a folder of .ics
files in step with our task list, todoman reads and writes that folder. An un-tick made
in todoman reaches our sync (STATUS decides, RFC 5545), and the file's version that
sync puts back over an un-tick reaches todoman (sync writes an object that differs from
every earlier one: vdirsyncer may keep a stale hash after its own upload,
pimutils/vdirsyncer#1155).

todoman un-ticks only in its interactive editor; its own code is run here the way that
editor does (`_save_inner` in todoman/interactive.py: STATUS back to NEEDS-ACTION, no
completion date, then `Database.save`), in a process of its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from caldav_servers import PASSWORD
from client_replay import Case, Replay

BIN = Path(sys.executable).parent
UNTICK = """
import sys
from todoman.model import Database
db = Database([sys.argv[1]], sys.argv[2])
todo = next(t for t in db.todos(status="ANY") if t.uid == sys.argv[3])
todo.status = "NEEDS-ACTION"
todo.completed_at = None
db.save(todo)
"""

pytestmark = pytest.mark.skipif(
    shutil.which("vdirsyncer", path=str(BIN)) is None
    or shutil.which("todo", path=str(BIN)) is None,
    reason="vdirsyncer and todoman come with the dev extras: make .venv/.installed-dev",
)


# The servers vdirsyncer logs in to with Basic (sabre/dav here asks for Digest; Xandikos
# has no accounts).
@pytest.fixture(scope="module", params=["radicale", "cyrus", "davical"])
def server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("TZ", "UTC")


class Terminal:
    """A vdir kept in step with our task list by vdirsyncer, and todoman on it."""

    def __init__(self, tmp: Path, calendar_url: str, user: str) -> None:
        self.vdir = tmp / "vdir" / "tasks"
        self.vdir.mkdir(parents=True)
        self.config = tmp / "vdirsyncer.conf"
        self.config.write_text(
            f"""[general]
status_path = "{tmp / "vdirsyncer-status"}"

[pair tasks]
a = "local"
b = "server"
collections = null
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "{self.vdir}"
fileext = ".ics"

[storage server]
type = "caldav"
url = "{calendar_url}"
username = "{user}"
password = "{PASSWORD}"
"""
        )
        self.todoman = tmp / "todoman_config.py"  # a Python file, as todoman reads it
        self.cache = tmp / "todoman.sqlite3"
        self.todoman.write_text(
            f'path = "{self.vdir.parent}/*"\ncache_path = "{self.cache}"\n'
            'date_format = "%Y-%m-%d"\ntime_format = "%H:%M"\n'
        )

    def vdirsyncer(self, *args: str) -> None:
        command = [str(BIN / "vdirsyncer"), "-c", str(self.config), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def sync(self) -> None:
        self.vdirsyncer("sync")

    def untick(self, uid: str) -> None:
        command = [sys.executable, "-c", UNTICK, str(self.vdir), str(self.cache), uid]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr

    def completed(self, uid: str) -> bool:
        """Whether todoman shows the task as done (its own JSON output)."""
        command = [str(BIN / "todo"), "--config", str(self.todoman), "--porcelain"]
        command += ["list", "--status", "ANY"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        tasks = json.loads(done.stdout)
        summaries = {t["summary"]: t["completed"] for t in tasks}
        wanted = [t for t in tasks if self._uid_of(t) == uid]
        assert wanted, summaries
        return bool(wanted[0]["completed"])

    def _uid_of(self, task: dict) -> str:
        for path in self.vdir.glob("*.ics"):
            text = path.read_text("utf-8")
            if f"SUMMARY:{task['summary']}" in text.replace("\r\n ", ""):
                return next(
                    line[4:].strip() for line in text.splitlines() if line.startswith("UID:")
                )
        return ""


def start(tmp_path: Path, server, case: Case) -> tuple[Replay, Terminal]:
    replay = Replay(tmp_path, server, case)
    first = replay.sync()
    assert first.exit_code == 0, first.output
    terminal = Terminal(tmp_path, replay.calendar_url(), replay.server.user)
    terminal.vdirsyncer("discover")
    terminal.sync()
    return replay, terminal


def test_an_untick_in_todoman_takes_back_the_done_sync_recorded(server, tmp_path):
    case = Case("todoman", "todoman", "untick", "thank_you", [], {}, todo=True)
    replay, terminal = start(tmp_path, server, case)
    # Ticked in Thunderbird (with PERCENT-COMPLETE:100); the next sync records it.
    tick = ["COMPLETED:20261120T140000Z", "PERCENT-COMPLETE:100"]
    replay.apply({"set": ["STATUS:COMPLETED"], "add": tick})
    ticked = replay.sync()
    assert "done: Thank-you" in ticked.output, ticked.output
    terminal.sync()
    assert terminal.completed(case.uid)

    terminal.untick(case.uid)
    terminal.sync()
    pulled = replay.sync()
    assert pulled.exit_code == 0, pulled.output
    assert "taken out: un-ticked in your calendar" in pulled.output
    assert replay.facts() == set()


def test_the_file_s_done_put_back_over_an_untick_reaches_todoman(server, tmp_path):
    typed = {"done": [{"step": "thank_you", "date": "2026-11-19"}]}
    case = Case("todoman", "todoman", "untick", "thank_you", [], {}, todo=True, typed=typed)
    replay, terminal = start(tmp_path, server, case)
    assert terminal.completed(case.uid)

    terminal.untick(case.uid)
    terminal.sync()
    assert not terminal.completed(case.uid)
    won = replay.sync()
    assert won.exit_code == 0, won.output
    assert "the file has it done on Thu 19 Nov; the file wins" in won.output
    terminal.sync()
    assert terminal.completed(case.uid)  # todoman shows the step done again

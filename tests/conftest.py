"""Shared helpers: build interviews files from Python dicts and plan them."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from caldav_servers import SHARED, Server, ServerMissing, start_server
from click.testing import CliRunner
from hypothesis import settings

from followup_cal import service
from followup_cal.cli import cli
from followup_cal.loader import parse
from followup_cal.loader.business_calendar import calendar_for
from followup_cal.plan.followups import PlannedFollowup
from followup_cal.plan.model import SearchFile
from followup_cal.plan.planner import plan_followups

# `make test` draws the same examples on every run, so CI never fails on a lucky draw;
# HYPOTHESIS_PROFILE=explore draws new ones each time (and remembers what failed).
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parent.parent / "examples" / "interviews.yaml"
TODAY = date(2026, 11, 23)

# The day every command the suite runs plans from when the test gives no --today: the
# CLI in-process, the installed tool in subprocesses (the README's and the manual's
# blocks, the pre-commit hook), servers. Set before any of them starts, so the suite
# passes on any day of the year (`make test-dates` proves it under other clocks). A test
# of the real date's default clears it and asserts only what holds on every day.
TODAY_ENV = "FOLLOWUP_CAL_TODAY"
os.environ[TODAY_ENV] = TODAY.isoformat()

# Under libfaketime (`make test-dates`) a thread's timed wait never ends, so a timer never
# fires: CPython waits with sem_clockwait on CLOCK_MONOTONIC, which Debian's libfaketime
# 0.9.10 passes on untranslated with its faked monotonic clock, decades ahead of the
# kernel's. (Its DONT_FAKE_MONOTONIC=1 cures that, but then time.sleep fails with EINVAL
# until 0.9.11.) A test that needs a timer to fire on its own is skipped there.
needs_a_timer = pytest.mark.skipif(
    "faketime" in os.environ.get("LD_PRELOAD", ""),
    reason="a timed wait never ends under libfaketime (tests/conftest.py)",
)

ME: dict[str, Any] = {
    "name": "Alex Morgan",
    "email": "alex@example.org",
    "timezone": "America/New_York",
    "country": "US",
}


def interview(**overrides: Any) -> dict[str, Any]:
    """A plain one-round interview on Mon 2 Nov 2026, 10:00-11:00 New York time."""
    base: dict[str, Any] = {
        "id": "acme",
        "company": "Acme",
        "role": "Backend Engineer",
        "pitch": "running Postgres at scale",
        "rounds": [
            {
                "start": "2026-11-02 10:00",
                "interviewers": [
                    {
                        "name": "Dana Lee",
                        "email": "dana@acme.example",
                        "talked_about": "the billing rewrite",
                    }
                ],
            }
        ],
    }
    base.update(overrides)
    return base


def search_text(*interviews: dict[str, Any], me: dict[str, Any] | None = None, **top: Any) -> str:
    doc: dict[str, Any] = {"me": copy.deepcopy(me or ME), **top}
    doc["interviews"] = list(interviews)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def load_search(*interviews: dict[str, Any], **kwargs: Any) -> SearchFile:
    return parse("test.yaml", search_text(*interviews, **kwargs))


def plan_of(
    *interviews: dict[str, Any], today: date = TODAY, **kwargs: Any
) -> list[PlannedFollowup]:
    search = load_search(*interviews, **kwargs)
    return plan_followups(search.interviews, search.me, calendar_for(search.me), today)


def local_day(item: PlannedFollowup) -> date:
    return item.start.date()


def steps(items: list[PlannedFollowup], step: str) -> list[PlannedFollowup]:
    return [i for i in items if i.step.value == step]


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text("utf-8")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own cache folder, and no config file: never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-config"))


@pytest.fixture(autouse=True)
def short_retry_pauses(monkeypatch):
    """A request that failed is tried again after 0.5 s, then 1.5 s, for a real server
    to recover; the test servers fail on cue, so those pauses only add seconds to a test.
    How often a request is tried stays as shipped."""
    from followup_cal.sync import transport

    monkeypatch.setattr(transport, "RETRY_DELAYS", (0.02, 0.05))


class ServerPool:
    """CalDAV servers by name: the SHARED ones started once per session, the others
    started for the caller and stopped after it."""

    def __init__(self, tmp_path_factory) -> None:
        self.factory = tmp_path_factory
        self.shared: dict[str, Server] = {}

    @contextlib.contextmanager
    def serve(self, name: str) -> Iterator[Server]:
        try:
            if name in SHARED:
                running = self.shared.get(name)
                if running is None or running.process.poll() is not None:
                    # One that stopped is started again: the test it stopped under
                    # fails, not every later one. (A Cyrus master stopped by another
                    # worker's shutdown did so; each has its own process group now.)
                    if running is not None:
                        running.stop()
                    self.shared[name] = start_server(name, self.factory.mktemp(name))
                yield self.shared[name]
                return
            server = start_server(name, self.factory.mktemp(name))
        except ServerMissing as missing:
            pytest.fail(str(missing))
        try:
            yield server
        finally:
            server.stop()

    def stop(self) -> None:
        for server in self.shared.values():
            server.stop()


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path_factory)
    yield pool
    pool.stop()


ROOT = Path(__file__).parent.parent
# What a source tree holds that a build must not see (a user's clone has none of it).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def run_temp(tmp_path_factory) -> Path:
    """The folder of this run: each pytest-xdist worker has a folder of its own in it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def installed_bin(tmp_path_factory) -> Path:
    """followup-cal as pipx installs it: a wheel built from a copy of the source, in a venv of
    its own with its dependencies from the index. The venv's bin folder: built once a run,
    by whichever pytest-xdist worker asks first while the others wait for it."""
    import fcntl

    base = run_temp(tmp_path_factory) / "install"
    base.mkdir(exist_ok=True)
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "venv" / "bin" / "followup-cal").exists():
            _install(base)
    return base / "venv" / "bin"


def _install(base: Path) -> None:
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", base / "dist", source], check=True)
    (wheel,) = (base / "dist").glob("followup_cal-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    subprocess.run([*pip, "--python", venv / "bin" / "python", "install", wheel], check=True)


def user_env(home: Path, bin_dir: Path) -> dict[str, str]:
    """A new user's shell: only the installed tool and the system on PATH, a home of its own,
    nothing of ours (no FOLLOWUP_CAL_* variables, no config) but the day the suite pins."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k == TODAY_ENV or not k.startswith(("FOLLOWUP_CAL", "XDG_"))
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        TZ="UTC",
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


def validate(tmp_path: Path, *interviews: dict[str, Any], me: dict[str, Any] | None = None):
    """`validate` run on a file of these interviews: the path, its text and stderr's lines."""
    path = tmp_path / "search.yaml"
    text = search_text(*interviews, me=me)
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--today", "2026-11-23"])
    return path, text, result.stderr.splitlines()


def where(text: str, needle: str) -> str:
    """LINE:COL of the first character of needle in text."""
    before = text[: text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def drafted(*interviews: dict[str, Any], today: date = TODAY, **kwargs: Any):
    """The drafted events of a search made of these interviews, planned on ``today``."""
    search = load_search(*interviews, **kwargs)
    return service.draft_events(search, service.plan(search, today))


def draft_of(events, key: str, to: str | None = None):
    """The one draft of step ``key`` (to ``to``, when several people get one)."""
    (event,) = [
        e for e in events if e.item.key == key and (to is None or e.item.recipient.name == to)
    ]
    return event.draft


# -- running commands as a user would, and reading what they changed ----------------------

JOURNAL_TODAY = ["--today", "2026-11-23"]


@pytest.fixture
def handwritten(tmp_path) -> Path:
    """The hand-kept file of tests/data/journal: four-space indents, comments everywhere."""
    path = tmp_path / "handwritten.yaml"
    shutil.copyfile(DATA / "journal" / "handwritten.yaml", path)
    return path


@pytest.fixture
def example(tmp_path) -> Path:
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def changed_lines(before: str, after: str) -> list[str]:
    """The diff as git shows it, without context: '+added' and '-removed' lines."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def recorded(path: Path, *args: str) -> tuple[list[str], object]:
    """Run a recording command on ``path``; return the changed lines and the result."""
    before = path.read_text("utf-8")
    dated = [] if args[0] in ("add", "add-round") else JOURNAL_TODAY  # adding needs no today
    result = run(*args, "-f", str(path), *dated)
    assert result.exit_code == 0, result.output
    return changed_lines(before, path.read_text("utf-8")), result


def assert_refused(path: Path, args: list[str], code: int, message: str) -> None:
    before = path.read_bytes()
    dated = [] if args[0] in ("add", "add-round") else JOURNAL_TODAY
    result = run(*args, "-f", str(path), *dated)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    assert path.read_bytes() == before


# The flags of a complete `add` and `init`.
ADD = [
    "add",
    "--company",
    "Acme Corp",
    "--role",
    "Backend Engineer",
    "--start",
    "2026-11-20 14:00",
    "--duration",
    "45",
    "--interviewer",
    "Dana Lee <dana@acme.example>",
    "--talked-about",
    "their billing rewrite",
    "--no-prompt",
]

INIT = ["--name", "Robin Carter", "--email", "robin@example.org", "--timezone", "Europe/London"]


class Drawn:
    """Hypothesis's ``data`` for a rule run by hand: it draws the value given."""

    def __init__(self, value: object) -> None:
        self.value = value

    def draw(self, _strategy: object) -> object:
        return self.value


def skipped_uids(search: SearchFile, today: date) -> set[str]:
    """The UIDs of the steps the file's skipped: lines hold back (deleted in the calendar)."""
    bare = [dataclasses.replace(one, skipped=()) for one in search.interviews]
    by_id = {one.id: one for one in search.interviews}
    return {
        item.uid
        for item in service.plan(dataclasses.replace(search, interviews=tuple(bare)), today)
        if by_id[item.interview.id].skipped_on(
            item.key, item.round, item.recipient.name if item.recipient else None
        )
    }


# Lines a test wants shown after the run (corpus scores): pytest captures a test's own
# output, so they ride on the report of the test (or fixture) that said them, from a
# pytest-xdist worker too, and are printed in the terminal summary.
_SAID: list[str] = []
_REPORT_LINES: list[str] = []


def report_line(text: str) -> None:
    _SAID.append(text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.user_properties.extend(("score", line) for line in _SAID)
    _SAID.clear()
    return report


def pytest_runtest_logreport(report) -> None:
    _REPORT_LINES.extend(line for key, line in report.user_properties if key == "score")


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORT_LINES:
        terminalreporter.section("scores")
        for line in _REPORT_LINES:
            terminalreporter.write_line(line)


# Debian's chromium (make test installs it), driven by Playwright: the timeline page and
# the built manual are opened in it.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """A headless chromium for the module (one for the whole run would keep Playwright's
    event loop alive beside the asyncio tests)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs Debian's package")
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()

"""One config file and one way to find the interviews file, for every command."""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli

TODAY = ["--today", "2026-11-23"]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A config folder of its own and a working folder with no interviews.yaml in it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    for part in ("URL", "USER", "PASSWORD", "IMAP_URL", "IMAP_USER", "IMAP_PASSWORD"):
        monkeypatch.delenv(f"FOLLOWUP_CAL_{part}", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "followup-cal" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def copy_example(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, path)
    return path


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def first_line(result) -> str:
    return result.stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("given", "env", "configured", "used", "said"),
    [
        # argument > -f > FOLLOWUP_CAL_FILE > config > ./interviews.yaml
        (["arg.yaml", "-f", "flag.yaml"], "env.yaml", "conf.yaml", "arg.yaml", ""),
        (["-f", "flag.yaml"], "env.yaml", "conf.yaml", "flag.yaml", ""),
        ([], "env.yaml", "conf.yaml", "env.yaml", "using env.yaml (FOLLOWUP_CAL_FILE)"),
        (
            [],
            None,
            "conf.yaml",
            "{home}/config/followup-cal/conf.yaml",
            "using {home}/config/followup-cal/conf.yaml ({home}/config/followup-cal/config.toml)",
        ),
        # ./interviews.yaml is said only with -v: on every command it was noise.
        ([], None, None, "interviews.yaml", ""),
        (["-v"], None, None, "interviews.yaml", "using interviews.yaml (the default)"),
    ],
)
def test_every_command_finds_the_file_the_same_way(
    home, monkeypatch, given, env, configured, used, said
):
    used = used.format(home=home)
    copy_example(Path(used) if Path(used).is_absolute() else home / "work" / used)
    if env:
        monkeypatch.setenv("FOLLOWUP_CAL_FILE", env)
    if configured:
        write_config(home, f'file = "{configured}"\n')
    commands = [["validate"], ["plan"], ["agenda"], ["export", "-o", "-"]]
    if given[:1] != ["arg.yaml"]:  # ID and STEP are draft's arguments: it takes -f only
        commands.append(["draft", "helio-analytics"])
    for command in commands:
        result = run(*command, *given, *TODAY)
        assert result.exit_code == 0, (command, result.output)
        first = result.stderr.splitlines()[:1]  # export then says what it wrote
        assert first == ([said.format(home=home)] if said else []) or (
            command[0] == "export" and not said and first[0].startswith("wrote ")
        ), command
    assert first_line(run("validate", *given)).startswith(f"{used}: ok, 6 interviews")


def test_hints_run_as_printed_from_anywhere(home, monkeypatch):
    elsewhere = copy_example(home / "search" / "interviews.yaml")
    agenda = run("agenda", str(elsewhere), *TODAY)
    hint = agenda.stdout.splitlines()[-1].removeprefix("Sent one? Record it: ")
    assert hint == f"followup-cal done quantum-bank debrief -f {elsewhere}"
    done = run(*shlex.split(hint)[1:], *TODAY)
    assert done.exit_code == 0, done.output
    assert "{step: debrief, date: 2026-11-23}" in elsewhere.read_text("utf-8")


def test_hints_leave_out_the_file_when_it_is_found_anyway(home):
    write_config(home, f'file = "{home}/search/interviews.yaml"\n')
    (home / "search").mkdir()
    result = run("init", "--name", "Alex Morgan", "--email", "alex@example.org",
                 "--timezone", "Europe/Berlin", "--no-prompt")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"wrote {home}/search/interviews.yaml; add your first interview with: followup-cal add"
    )


def test_config_shows_each_setting_and_its_source_never_a_secret(home, monkeypatch):
    config = write_config(
        home,
        '[caldav]\nurl = "https://dav.example.org/"\nuser = "alex"\n'
        'password_command = "pass show dav"\n[feed]\nport = 9000\n',
    )
    copy_example(home / "work" / "interviews.yaml")
    monkeypatch.setenv("FOLLOWUP_CAL_USER", "morgan")
    monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", "hunter2-secret")
    result = run("config")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"config file: {config}",
        "file                     interviews.yaml  (the default)",
        f"caldav.url               https://dav.example.org/  ({config})",
        "caldav.user              morgan  (FOLLOWUP_CAL_USER)",
        "caldav.calendar          (not set)",
        f"caldav.password_command  pass show dav  ({config})",
        "caldav.auth              (not set)",
        "imap.url                 (not set)",
        "imap.user                (not set)",
        "imap.folder              (not set)",
        "imap.folders             (not set)",
        "imap.sent                (not set)",
        "imap.password_command    (not set)",
        "imap.auth                (not set)",
        "feed.public              false  (the default)",
        "feed.as                  event  (the default)",
        "feed.host                127.0.0.1  (the default)",
        f"feed.port                9000  ({config})",
        "password                 never shown; from FOLLOWUP_CAL_PASSWORD (set)",
        "imap password            never shown; from --password-command, FOLLOWUP_CAL_IMAP_PASSWORD, ~/.netrc or the keyring, when inbox runs",
    ]
    assert "hunter2" not in result.output
    assert run("config", "--path").stdout == f"{config}\n"


def test_config_reports_where_the_interviews_file_sets_caldav(home):
    text = EXAMPLE.read_text("utf-8").replace(
        "interviews:", "caldav:\n  url: https://cloud.example.org/dav/\ninterviews:", 1
    )
    (home / "work" / "interviews.yaml").write_text(text, "utf-8")
    lines = run("config").stdout.splitlines()
    assert (
        "caldav.url               https://cloud.example.org/dav/  (interviews.yaml, caldav:)"
        in lines
    )


def test_config_gives_inbox_its_server_and_reports_each_source(home, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = EXAMPLE.read_text("utf-8").replace(
        "interviews:", "imap:\n  url: imap://127.0.0.1:1/\n  folder: Jobs\ninterviews:", 1
    )
    (home / "work" / "interviews.yaml").write_text(text, "utf-8")
    config = write_config(
        home, f'[imap]\nurl = "imap://127.0.0.1:{port}"\npassword_command = "echo pw"\n'
    )
    monkeypatch.setenv("FOLLOWUP_CAL_IMAP_USER", "alex")
    lines = run("config").stdout.splitlines()
    assert [line for line in lines if line.startswith("imap.")] == [
        f"imap.url                 imap://127.0.0.1:{port}  ({config})",
        "imap.user                alex  (FOLLOWUP_CAL_IMAP_USER)",
        "imap.folder              Jobs  (interviews.yaml, imap:)",
        "imap.folders             (not set)",
        "imap.sent                (not set)",
        f"imap.password_command    echo pw  ({config})",
        "imap.auth                (not set)",
    ]
    result = run("inbox", "--timeout", "2", *TODAY)
    assert result.exit_code == 7, result.output  # it tried the configured server, not the file's
    assert f"127.0.0.1:{port}" in result.stderr


def test_a_broken_config_is_one_line_per_problem(home):
    config = write_config(
        home, 'file = 3\n[caldav]\npassword = "x"\ncolour = "red"\n[feed]\nas = "pdf"\n'
    )
    result = run("plan", "x.yaml")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{config}:1:1: 'file' must be a str",
        f"{config}:3:1: 'caldav.password': a password never goes in a file; use password_command, FOLLOWUP_CAL_PASSWORD, ~/.netrc or the keyring",
        f"{config}:4:1: unknown setting 'caldav.colour'; known: caldav.url, caldav.user, caldav.calendar, caldav.password_command, caldav.auth",
        f"{config}:6:1: 'feed.as' must be event or todo",
    ]
    write_config(home, "[caldav\n")
    result = run("plan", "x.yaml")
    assert (result.exit_code, result.stderr) == (
        1,
        f"{config}:1:8: not TOML: Expected ']' at the end of a table declaration\n",
    )


def test_config_gives_export_its_defaults_and_a_flag_still_wins(home):
    write_config(home, '[feed]\npublic = true\nas = "todo"\n')
    copy_example(home / "work" / "interviews.yaml")
    public = run("export", "-o", "-", "--no-state", *TODAY)
    assert "BEGIN:VTODO" in public.stdout and "Priya" not in public.stdout
    events = run("export", "-o", "-", "--no-state", "--as", "event", *TODAY)
    assert "BEGIN:VEVENT" in events.stdout and "BEGIN:VTODO" not in events.stdout


def test_sync_takes_the_server_from_the_config(home):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    copy_example(home / "work" / "interviews.yaml")
    assert run("sync", "--dry-run", *TODAY).exit_code == 2  # no server anywhere
    write_config(home, f'[caldav]\nurl = "http://127.0.0.1:{port}/"\n')
    result = run("sync", "--dry-run", "--timeout", "2", *TODAY)
    assert result.exit_code == 7, result.output  # it tried the configured server
    assert f"127.0.0.1:{port}" in result.stderr


def test_config_in_a_fresh_process_loads_the_commands_it_describes(home):
    # Commands are imported lazily; config reads the defaults of sync, export and serve.
    done = subprocess.run(
        [sys.executable, "-m", "followup_cal", "config"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "feed.port                8080  (the default)" in done.stdout.splitlines()


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    from caldav_servers import start_radicale

    server = start_radicale(tmp_path_factory.mktemp("radicale-config"))
    yield server
    server.stop()


def test_sync_remembers_the_server_typed_once(home, radicale, monkeypatch):
    """The daily loop's bare `followup-cal sync` works after one sync with flags: FILE
    gets the server (never the password), and tasks still go to a list of their own."""
    monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", radicale.password)
    path = copy_example(home / "work" / "interviews.yaml")
    before = path.read_text("utf-8")
    first = run("sync", "--url", radicale.url, "--user", radicale.user,
                "--calendar", "Follow-ups", "--create", *TODAY)  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "next time `followup-cal sync` is enough" in first.stderr
    added = path.read_text("utf-8").removeprefix(before).splitlines()
    assert added[0].startswith("sync_id: ")
    assert added[1].startswith("caldav:  # ")
    assert added[2:] == [
        f"  url: {radicale.url}",
        f"  user: {radicale.user}",
        "  calendar: Follow-ups",
    ]
    assert radicale.password not in path.read_text("utf-8")
    again = run("sync", *TODAY)
    assert again.exit_code == 0, again.output
    assert "created 0" in again.stdout and "deleted 0" in again.stdout
    # Said once: the file now has its server.
    assert "next time" not in again.stderr and path.read_text("utf-8").count("caldav:") == 1


def test_a_server_from_the_environment_or_config_is_not_written(home, radicale, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", radicale.password)
    monkeypatch.setenv("FOLLOWUP_CAL_URL", radicale.url)
    path = copy_example(home / "work" / "envsearch.yaml")
    before = path.read_text("utf-8")
    result = run("sync", str(path), "--user", radicale.user, "--calendar", "Env", "--create",
                 *TODAY)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "caldav:" not in path.read_text("utf-8").removeprefix(before)


def test_tasks_go_to_their_own_list_when_config_names_the_calendar(home, radicale, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", radicale.password)
    write_config(home, f'[caldav]\nurl = "{radicale.url}"\nuser = "{radicale.user}"\n'
                       'calendar = "Events here"\n')  # fmt: skip
    path = copy_example(home / "work" / "tasks.yaml")
    events = run("sync", str(path), "--create", *TODAY)
    assert events.exit_code == 0, events.output
    tasks = run("sync", str(path), "--as", "todo", "--create", *TODAY)
    assert tasks.exit_code == 0, tasks.output
    # In the task list of their own, not refused by the events calendar (exit 8).
    assert tasks.stdout.startswith("created ") and "created 0," not in tasks.stdout

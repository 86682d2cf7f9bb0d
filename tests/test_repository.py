"""The search's folder is a git repository: `init` leaves it safe to `git add -A`.

The interviews file and its state file are committed; the feed's secret, sync's and
inbox's caches and the undo record are files of one machine, and must never reach git.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from caldav_servers import start_radicale
from conftest import ADD, INIT, recorded, run

from followup_cal.journal.gitignore import LOCAL_FILES, missing_lines

TODAY = ["--today", "2026-11-23"]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale-repo"))
    yield server
    server.stop()


def git(folder, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_add_all_after_a_day_of_use_commits_no_secret_cache_or_undo(
    tmp_path, radicale, monkeypatch
):
    monkeypatch.setenv("FOLLOWUP_CAL_PASSWORD", radicale.password)
    path = tmp_path / "interviews.yaml"
    git(tmp_path, "init", "-q")
    made = run("init", str(path), *INIT, "--no-prompt")
    assert made.exit_code == 0, made.output
    assert f"{tmp_path / '.gitignore'}: added *.followup-secret" in made.stdout
    recorded(path, *ADD)
    assert run("export", str(path), "--public", "-o", str(tmp_path / "feed.ics"),
               *TODAY).exit_code == 0  # fmt: skip
    synced = run("sync", str(path), "--url", radicale.url, "--user", radicale.user,
                 "--calendar", "Repo", "--create", *TODAY)  # fmt: skip
    assert synced.exit_code == 0, synced.output
    recorded(path, "done", "acme-corp", "thank_you", "--on", "2026-11-20")
    assert (tmp_path / "interviews.followup-undo.json").exists()
    local = sorted(p.name for p in tmp_path.glob("interviews.followup-*"))
    assert "interviews.followup-secret" in local and "interviews.followup-sync.json" in local
    git(tmp_path, "add", "-A")
    staged = git(tmp_path, "diff", "--cached", "--name-only").split()
    assert "interviews.yaml" in staged and ".gitignore" in staged
    assert [name for name in staged if name in local and "state" not in name] == []


def test_init_adds_to_a_gitignore_without_touching_its_lines(tmp_path):
    (tmp_path / ".gitignore").write_text("node_modules/\n*.followup-undo.json", "utf-8")
    made = run("init", str(tmp_path / "interviews.yaml"), *INIT, "--no-prompt")
    assert made.exit_code == 0, made.output
    text = (tmp_path / ".gitignore").read_text("utf-8")
    assert text.startswith("node_modules/\n*.followup-undo.json\n\n# followup-cal: ")
    assert missing_lines(text) == [] and text.count("*.followup-undo.json") == 1
    # A second file in the same folder adds nothing.
    again = run("init", str(tmp_path / "second.yaml"), *INIT, "--no-prompt")
    assert ".gitignore" not in again.stdout
    assert (tmp_path / ".gitignore").read_text("utf-8") == text
    assert len(LOCAL_FILES) == len({p for p, _ in LOCAL_FILES})

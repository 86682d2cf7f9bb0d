"""The CI workflow and the pre-commit hook we ship, run as they would run.

The workflow's own `run:` scripts are executed with bash in a copy of a user's repo (the
GitHub actions around them are GitHub's); the hook's entry is run on the files
pre-commit would pass it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import yaml
from conftest import DATA, EXAMPLE

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def workflow() -> dict:
    return yaml.safe_load((ROOT / "examples" / "publish-feed.yml").read_text("utf-8"))


def run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    doc = workflow()
    (step,) = [s for s in doc["jobs"]["publish"]["steps"] if s.get("name") == name]
    step_env = {k: v for k, v in step.get("env", {}).items() if "${{" not in v}
    full_env = {**os.environ, **doc["env"], **step_env, **env}
    full_env["PATH"] = f"{BIN}{os.pathsep}{full_env['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd, env=full_env, capture_output=True, text=True
    )


@pytest.fixture
def repo(tmp_path) -> Path:
    shutil.copyfile(EXAMPLE, tmp_path / "interviews.yaml")
    return tmp_path


def test_workflow_validates_and_publishes_only_the_public_feed(repo):
    assert run_step("Validate", repo, {}).returncode == 0
    secret = {"FOLLOWUP_CAL_FEED_SECRET": "k3y"}
    done = run_step("Export the public feed", repo, {"FEED_TOKEN": "s3cr3t", **secret})
    assert done.returncode == 0, done.stderr
    assert not (repo / "interviews.followup-secret").exists()  # CI gives it, keeps none
    feed = repo / "site" / "s3cr3t" / "followups.ics"
    cal = icalendar.Calendar.from_ical(feed.read_bytes())
    assert len(cal.walk("VEVENT")) == 49
    text = feed.read_text("utf-8")
    assert "Priya" not in text and "@northwind" not in text and "DESCRIPTION:Hi" not in text
    assert sorted(p.name for p in (repo / "site").iterdir()) == [
        ".nojekyll",
        "index.html",
        "s3cr3t",
    ]


def test_workflow_refuses_to_publish_without_a_token(repo):
    done = run_step("Export the public feed", repo, {"FEED_TOKEN": ""})
    assert done.returncode == 1
    assert "set the FEED_TOKEN secret" in done.stdout
    assert not (repo / "site").exists()


def test_workflow_refuses_to_publish_without_the_uid_secret(repo):
    # Without it each run would key the UIDs anew, and every subscriber's events would
    # be deleted and added again on each publish.
    env = {"FEED_TOKEN": "s3cr3t", "FOLLOWUP_CAL_FEED_SECRET": ""}
    done = run_step("Export the public feed", repo, env)
    assert done.returncode == 1
    assert "set the FEED_SECRET secret" in done.stdout
    assert not (repo / "site").exists()


def test_workflow_stops_on_a_broken_file(repo):
    shutil.copyfile(DATA / "bad" / "unknown_key.yaml", repo / "interviews.yaml")
    done = run_step("Validate", repo, {})
    assert done.returncode == 1
    assert done.stderr.startswith("interviews.yaml:7:5: unknown key 'compnay'")


def test_workflow_runs_on_push_of_the_file_and_daily():
    doc = workflow()
    triggers = doc.get("on", doc.get(True))  # PyYAML reads the key `on` as true
    assert "interviews.yaml" in triggers["push"]["paths"]
    assert triggers["schedule"][0]["cron"]
    assert doc["permissions"]["pages"] == "write"


def hook() -> dict:
    (only,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return only


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        ("interviews.yaml", True),
        ("search/interviews.yml", True),
        ("interviews-2026.yaml", True),
        ("notes.yaml", False),
        ("interviews.yaml.bak", False),
    ],
)
def test_hook_picks_interviews_files(path, matched):
    assert bool(re.search(hook()["files"], path)) == matched


def test_hook_entry_checks_every_file_passed(repo):
    entry = hook()["entry"].split()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    good = subprocess.run([*entry, "interviews.yaml"], cwd=repo, env=env, capture_output=True)
    assert good.returncode == 0
    shutil.copyfile(DATA / "bad" / "unknown_key.yaml", repo / "interviews-old.yaml")
    both = subprocess.run(
        [*entry, "interviews.yaml", "interviews-old.yaml"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert both.returncode == 1
    assert "interviews.yaml: ok, 6 interviews" in both.stdout
    # The line of the broken file, not the first: the good file may warn before it.
    errors = [line for line in both.stderr.splitlines() if line.startswith("interviews-old.yaml:")]
    assert errors[0].startswith("interviews-old.yaml:7:5: unknown key 'compnay'")

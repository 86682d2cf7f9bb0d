"""The package as a user gets it: a wheel in an environment of its own, used outside the repo."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email import message_from_bytes
from pathlib import Path

import pytest
from conftest import NOT_SOURCE, ROOT, user_env
from readme_renderer.markdown import render


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def test_installed_wheel_starts_a_search_outside_the_repo(installed_bin, tmp_path):
    env = user_env(tmp_path, installed_bin)
    work = tmp_path / "job-search"
    work.mkdir()
    init = run(
        ["followup-cal", "init", "--name", "Alex Morgan", "--email", "alex@example.org",
         "--timezone", "Europe/Berlin", "--country", "DE"],
        work, env,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    add = run(
        ["followup-cal", "add", "--no-prompt", "--company", "Acme", "--role", "Backend Engineer",
         "--start", "2026-11-30 14:00", "--interviewer", "Dana Lee <dana@acme.example>",
         "--talked-about", "their billing rewrite"],
        work, env,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert add.stdout.startswith("added 'acme' to interviews.yaml: ")
    draft = run(["followup-cal", "draft", "acme", "thank_you"], work, env)
    assert draft.returncode == 0, draft.stderr
    assert "billing rewrite" in draft.stdout  # the packaged templates were found


def test_make_install_puts_the_command_in_local_bin(tmp_path):
    source = tmp_path / "followup-cal"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    home = tmp_path / "home"
    env = user_env(home, home / ".local" / "bin")
    done = run(["make", "install", f"PYTHON={sys.executable}"], source, env)
    assert done.returncode == 0, done.stderr
    assert f"installed {home}/.local/bin/followup-cal" in done.stdout
    version = run(["followup-cal", "--version"], tmp_path, env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("followup-cal, version ")


def wheel_metadata(installed_bin: Path) -> tuple[list[str], bytes]:
    (wheel,) = (installed_bin.parent.parent / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        return names, archive.read(meta)


def test_wheel_ships_the_licence_and_a_description_that_renders_alone(installed_bin):
    names, raw = wheel_metadata(installed_bin)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = message_from_bytes(raw)
    assert meta["License-Expression"] == "MIT"
    assert meta["Description-Content-Type"] == "text/markdown"
    description = meta.get_payload()
    assert description.strip() == (ROOT / "docs/package-description.md").read_text("utf-8").strip()
    html = render(description, variant="GFM")
    assert html is not None and "<h1" in html and "<pre" in html
    # A package index shows it away from the repository: no link may lead to a file of it.
    assert "<img" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(href.startswith(("https://", "#")) for href in hrefs), hrefs


def precommit_revs() -> list[str]:
    readme = (ROOT / "docs" / "publishing.md").read_text("utf-8")
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    return re.findall(r"^\s*#?\s*rev: (\S+)", readme + hooks, re.MULTILINE)


def test_precommit_snippets_name_a_commit_that_ships_the_hook():
    revs = precommit_revs()
    assert len(revs) == 2 and len(set(revs)) == 1, revs
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the rev cannot be looked up")
    git = ["git", "-C", str(ROOT)]
    if subprocess.run([*git, "rev-parse", "--is-shallow-repository"], capture_output=True,
                      text=True).stdout.strip() == "true":  # fmt: skip
        pytest.skip("a shallow clone does not hold the older commit the snippet names")
    shown = subprocess.run(
        [*git, "show", f"{revs[0]}:.pre-commit-hooks.yaml"], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "- id: followup-cal-validate" in shown.stdout
